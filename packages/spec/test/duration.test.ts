import { describe, expect, it } from "vitest"
import { parseDuration, parsePercentage } from "../src/Duration.ts"

describe("parseDuration", () => {
  it.each([
    ["6h", 6 * 3600],
    ["30m", 1800],
    ["45s", 45],
    ["2d", 2 * 86400],
    ["1w", 7 * 86400],
    ["1h30m", 5400],
    ["1d12h", 36 * 3600],
    ["1.5h", 5400],
    [" 6h ", 6 * 3600],
    ["PT6H", 6 * 3600],
    ["pt6h", 6 * 3600],
    ["P1D", 86400],
    ["P1DT2H", 26 * 3600],
    ["P1DT2H30M", 26 * 3600 + 1800],
    ["PT45S", 45],
    ["PT1.5H", 5400],
    ["P2W", 14 * 86400],
  ])("parses %s to %d seconds", (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds)
  })

  it.each([
    "",
    "   ",
    "6",
    "h",
    "6 h",
    "6 hours",
    "6H",
    "-6h",
    "0h",
    "0s0m",
    "PT0S",
    "P",
    "PT",
    "P1DT",
    "P1Y",
    "P1M",
    "PT6H30",
    "6h-",
    "1e3s",
    `${"1".repeat(64)}s`,
  ])("refuses %j", (input) => {
    expect(parseDuration(input)).toBeUndefined()
  })

  it("accepts exactly 64 characters after trimming", () => {
    const sixtyFour = `${"0".repeat(63)}1s`.slice(1)
    expect(sixtyFour).toHaveLength(64)
    expect(parseDuration(sixtyFour)).toBe(1)
    expect(parseDuration(`0${sixtyFour}`)).toBeUndefined()
  })
})

describe("parsePercentage", () => {
  it.each([
    ["99.9%", 99.9],
    ["100%", 100],
    ["0%", 0],
    ["50 %", 50],
    [" 99.95% ", 99.95],
    ["100.0%", 100],
  ])("parses %j to %d", (input, n) => {
    expect(parsePercentage(input)).toBe(n)
  })

  it.each(["99.9", "101%", "100.1%", "1000%", "-1%", "%", "abc%", "99,9%", ".5%", "5%%"])("refuses %j", (input) => {
    expect(parsePercentage(input)).toBeUndefined()
  })
})
