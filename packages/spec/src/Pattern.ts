/**
 * User-supplied regular expressions (custom naming patterns, PII patterns) run against every model and column name,
 * so they must not be able to hang the compiler. A pattern is accepted when it compiles, is at most 256 characters
 * and has no construct that can backtrack catastrophically.
 */

export const MAX_PATTERN_LENGTH = 256
/** Side-by-side unbounded repeats (`a*a*a*b`) backtrack polynomially: n^k steps for k of them. */
export const MAX_UNBOUNDED_REPEATS = 3

/**
 * Checks a pattern. Returns undefined when it is safe, or the reason it is refused: it does not compile, it is too
 * long, it uses a backreference, it quantifies a group that itself holds a quantifier or an alternation (the
 * shapes `(a+)+`, `(a*)*`, `(a|aa)+` that make backtracking exponential), or it has more than three unbounded
 * repeats (`*`, `+`, `{n,}`), whose backtracking grows as a high power of the name's length.
 */
export const check = (source: string): string | undefined => {
  if (source.length > MAX_PATTERN_LENGTH)
    return `the pattern is ${source.length} characters; the limit is ${MAX_PATTERN_LENGTH}`
  try {
    new RegExp(source)
  } catch (e) {
    return `it does not compile: ${e instanceof Error ? e.message : String(e)}`
  }
  if (/\\[1-9]|\\k</.test(source)) return "it uses a backreference"
  // Scan groups: for each group remember whether it holds a quantifier or an alternation.
  const stack: Array<{ risky: boolean }> = []
  let inClass = false
  let unbounded = 0
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === "\\") {
      i++
      continue
    }
    if (inClass) {
      if (c === "]") inClass = false
      continue
    }
    if (c === "[") inClass = true
    else if (c === "(") stack.push({ risky: false })
    else if (c === "|") {
      const top = stack[stack.length - 1]
      if (top) top.risky = true
    } else if (c === "*" || c === "+" || c === "{" || (c === "?" && source[i - 1] !== "(")) {
      if (c === "*" || c === "+" || (c === "{" && /^\{\d+,\}/.test(source.slice(i)))) unbounded++
      const top = stack[stack.length - 1]
      if (top && c !== "?") top.risky = true
    } else if (c === ")") {
      const group = stack.pop()
      const next = source[i + 1]
      const quantified = next === "*" || next === "+" || next === "{"
      if (group?.risky && quantified) {
        return "it repeats a group that itself repeats or alternates, which can backtrack catastrophically"
      }
      const parent = stack[stack.length - 1]
      if (parent && (group?.risky || quantified)) parent.risky = true
    }
  }
  if (unbounded > MAX_UNBOUNDED_REPEATS) {
    return `it has ${unbounded} unbounded repeats (*, +, {n,}); at most ${MAX_UNBOUNDED_REPEATS} keep matching fast`
  }
  return undefined
}
