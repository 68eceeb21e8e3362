import { describe, expect, it } from "vitest"
import { check, MAX_PATTERN_LENGTH } from "../src/Pattern.ts"

describe("Pattern.check", () => {
  it.each([
    "^[a-z][a-z0-9_]*$",
    "email",
    "^ssn$",
    "phone_?number",
    "^(dim|fct)_[a-z0-9_]+$",
    "^(?:stg|int)_[a-z]+$",
    "(ab)+",
    "(a+)?",
    "(a+)b+",
    "[(a+)+]",
    "\\(a+\\)+",
    "^\\d{3}-\\d{2}-\\d{4}$",
    "(?<layer>brz|slv)_[a-z]+",
    "(?=a)b",
    "a{2,3}b*c+",
  ])("accepts the safe pattern %s", (pattern) => {
    expect(check(pattern)).toBeUndefined()
  })

  it.each([
    "(a+)+$",
    "(a+)+",
    "(a*)*",
    "(a+)*b",
    "(a|aa)+",
    "(a|b)*c",
    "(?:a+)+",
    "((a+))+",
    "((ab)+)*",
    "(\\d+){2,}",
    "(.*a){20}",
    "^(([a-z])+.)+[A-Z]([a-z])+$",
    "(x+x+)+y",
  ])("refuses %s as catastrophic backtracking", (pattern) => {
    expect(check(pattern)).toBe(
      "it repeats a group that itself repeats or alternates, which can backtrack catastrophically",
    )
  })

  it.each(["(a)\\1", "(?<x>a)\\k<x>"])("refuses the backreference in %s", (pattern) => {
    expect(check(pattern)).toBe("it uses a backreference")
  })

  it.each(["([a-z", "(a", "a)", "*a", "[z-a]", "a{2,1}"])("refuses %s, which does not compile", (pattern) => {
    expect(check(pattern)).toMatch(/^it does not compile: /)
  })

  it("refuses patterns longer than the limit but accepts one at the limit", () => {
    expect(check("a".repeat(MAX_PATTERN_LENGTH))).toBeUndefined()
    expect(check("a".repeat(MAX_PATTERN_LENGTH + 1))).toBe(
      `the pattern is ${MAX_PATTERN_LENGTH + 1} characters; the limit is ${MAX_PATTERN_LENGTH}`,
    )
  })

  it("keeps every accepted pattern fast on a hostile input", () => {
    // The shapes check() lets through must not take exponential time where their refused cousins would.
    const input = `${"a".repeat(30)}!`
    for (const pattern of ["(ab)+$", "(a+)b+$", "^a+$", "(a+)?$", "^(dim|fct)_[a-z0-9_]+$"]) {
      expect(check(pattern)).toBeUndefined()
      const started = performance.now()
      new RegExp(pattern).test(input)
      expect(performance.now() - started).toBeLessThan(50)
    }
  })
})

describe("Pattern.check: polynomial backtracking", () => {
  // Adjacent quantifiers over overlapping characters backtrack polynomially with a degree equal to their number:
  // `a*a*a*a*a*a*a*a*b` takes about 20 s against "a" × 40 + "!" in V8 although no group is involved.
  it.each(["a*a*a*a*a*a*a*a*b", "^\\w*\\w*\\w*\\w*$", "a+b+c+d{2,}"])(
    "refuses long runs of unbounded repeats: %s",
    (pattern) => {
      expect(check(pattern)).toMatch(/unbounded repeats/)
    },
  )

  it("accepts three unbounded repeats and bounded ones", () => {
    expect(check("^[a-z]+_[a-z0-9]*_v\\d+$")).toBeUndefined()
    expect(check("^a{1,5}b{2}c{3,4}d*e+f*$")).toBeUndefined()
  })
})
