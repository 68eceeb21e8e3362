/**
 * Durations and percentages as users write them in floe.yaml and contracts: short durations ("6h", "30m",
 * "1h30m", "2d") and ISO-8601 durations ("PT6H", "P1DT12H"); availability as a percentage ("99.9%").
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }
const SHORT = /^(?:(\d+(?:\.\d+)?)(w|d|h|m|s))+$/
const SHORT_PART = /(\d+(?:\.\d+)?)(w|d|h|m|s)/g
const ISO =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/

/**
 * Parses a duration to seconds. Accepts "6h", "30m", "1h30m", "2d", "1w", "45s" and ISO-8601 durations without
 * years or months (their length varies): "PT6H", "P1D", "P1DT2H30M", "P2W". Returns undefined for anything else,
 * including zero-length durations.
 */
export const parseDuration = (input: string): number | undefined => {
  const s = input.trim()
  if (s.length === 0 || s.length > 64) return undefined
  let seconds = 0
  if (SHORT.test(s)) {
    for (const m of s.matchAll(SHORT_PART)) seconds += Number(m[1]) * (UNIT_SECONDS[m[2] ?? "s"] ?? 1)
  } else {
    const m = ISO.exec(s.toUpperCase())
    if (m === null || s.toUpperCase() === "P" || s.toUpperCase().endsWith("T")) return undefined
    const [, w, d, h, min, sec] = m
    seconds =
      Number(w ?? 0) * 604800 +
      Number(d ?? 0) * 86400 +
      Number(h ?? 0) * 3600 +
      Number(min ?? 0) * 60 +
      Number(sec ?? 0)
  }
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined
}

/** Parses "99.9%" to 99.9. Returns undefined unless it is a percentage between 0 and 100 with a % sign. */
export const parsePercentage = (input: string): number | undefined => {
  const m = /^\s*(\d{1,3}(?:\.\d+)?)\s*%\s*$/.exec(input)
  if (m === null) return undefined
  const n = Number(m[1])
  return n >= 0 && n <= 100 ? n : undefined
}
