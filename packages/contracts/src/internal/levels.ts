/** Orderings shared by merge and diff: classification strength and how strict an SLA entry is. */
import type { SlaProperty } from "../Odcs.ts"

// The lifecycle guide's levels, weakest first. Values outside this list (a company's own scheme, PayPal-style 1–5)
// have no known order and are only compared for equality.
const CLASSIFICATION_RANK: Readonly<Record<string, number>> = {
  public: 0,
  internal: 1,
  sensitive: 2,
  confidential: 2,
  pii: 3,
  phi: 3,
  restricted: 4,
  secret: 5,
}

/** How strong a classification is (higher is stricter), or undefined for a level outside the known scheme. */
export const classificationRank = (c: string | undefined): number | undefined =>
  c === undefined ? undefined : CLASSIFICATION_RANK[c.trim().toLowerCase()]

const UNIT_SECONDS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(s|sec|secs|second|seconds)$/i, 1],
  [/^(m|min|mins|minute|minutes)$/i, 60],
  [/^(h|hr|hrs|hour|hours)$/i, 3600],
  [/^(d|day|days)$/i, 86400],
  [/^(w|wk|week|weeks)$/i, 604800],
  [/^(y|yr|yrs|year|years)$/i, 31536000],
]

/** An SLA value in seconds when its unit is a time unit. */
export const slaSeconds = (sla: Pick<SlaProperty, "value" | "unit">): number | undefined => {
  if (typeof sla.value !== "number" || sla.unit === undefined) return undefined
  const unit = sla.unit.trim()
  for (const [re, s] of UNIT_SECONDS) if (re.test(unit)) return sla.value * s
  return undefined
}

// For these properties a smaller value is the stronger promise; for the others listed below a larger one is.
const SMALLER_IS_STRICTER = new Set([
  "freshness",
  "latency",
  "frequency",
  "timetodetect",
  "timetonotify",
  "timetorepair",
  "errorrate",
])
const LARGER_IS_STRICTER = new Set([
  "availability",
  "retention",
  "throughput",
  "completeness",
  "uniqueness",
  "accuracy",
])

/**
 * Compares two entries for the same SLA property: "looser" when `after` promises less than `before`, "stricter"
 * when it promises more, "same" when the promise is equal, "unknown" when the values cannot be compared.
 */
export const compareSla = (before: SlaProperty, after: SlaProperty): "looser" | "stricter" | "same" | "unknown" => {
  const p = before.property.toLowerCase()
  const direction = SMALLER_IS_STRICTER.has(p) ? -1 : LARGER_IS_STRICTER.has(p) ? 1 : 0
  const a =
    slaSeconds(before) ?? (before.unit === after.unit && typeof before.value === "number" ? before.value : undefined)
  const b =
    slaSeconds(after) ?? (before.unit === after.unit && typeof after.value === "number" ? after.value : undefined)
  if (a === undefined || b === undefined)
    return before.value === after.value && before.unit === after.unit ? "same" : "unknown"
  if (a === b) return "same"
  if (direction === 0) return "unknown"
  return (b - a) * direction > 0 ? "stricter" : "looser"
}

/** `value unit` as written, e.g. "6 h" or "99.9 %". */
export const slaText = (s: Pick<SlaProperty, "value" | "unit">): string =>
  `${String(s.value)}${s.unit === undefined ? "" : ` ${s.unit}`}`
