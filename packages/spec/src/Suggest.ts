/**
 * "Did you mean" for near misses, shared by every Floe package: the closest candidate within a small edit distance,
 * ignoring case and the separators `-`, `_` and space. No dependencies, so the CLI can load it at start-up.
 */

const distance = (a: string, b: string): number => {
  if (a === b) return 0
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost)
      diag = up
    }
  }
  return prev[b.length] ?? 0
}

/** The candidate closest to `input` (case- and separator-insensitive), if it is close enough to be a typo. */
export const closest = (input: string, candidates: Iterable<string>): string | undefined => {
  const norm = (s: string) => s.toLowerCase().replace(/[-_ ]/g, "")
  const n = norm(input)
  let best: string | undefined
  let bestD = Number.POSITIVE_INFINITY
  for (const c of candidates) {
    const d = norm(c) === n ? 0 : distance(n, norm(c))
    if (d < bestD) {
      best = c
      bestD = d
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(n.length / 3)))
  return best !== undefined && bestD <= limit ? best : undefined
}
