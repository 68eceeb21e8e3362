/** "Did you mean" for near misses in contracts: the closest candidate within a small edit distance. */

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] ?? 0
      row[j] = Math.min(up + 1, (row[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return row[b.length] ?? 0
}

/** The candidate closest to `input`, ignoring case and `-`/`_`, when it is close enough to be a typo. */
export const closest = (input: string, candidates: Iterable<string>): string | undefined => {
  const norm = (s: string) => s.toLowerCase().replace(/[-_ ]/g, "")
  const n = norm(input)
  let best: string | undefined
  let bestD = Number.POSITIVE_INFINITY
  for (const c of candidates) {
    const d = distance(n, norm(c))
    if (d < bestD) {
      best = c
      bestD = d
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(n.length / 3)))
  return best !== undefined && bestD <= limit ? best : undefined
}
