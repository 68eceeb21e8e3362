import { describe, expect, it } from "vitest"
import { Diagnostic, format, hasErrors, make, sort } from "../src/Diagnostic.ts"
import { codes, describeCode, renderMarkdown } from "../src/DiagnosticCodes.ts"

const d = (code: string, file?: string, line?: number, column?: number): Diagnostic => ({
  code,
  severity: "error",
  message: code,
  ...(file === undefined ? {} : { file }),
  ...(line === undefined ? {} : { line }),
  ...(column === undefined ? {} : { column }),
})

describe("Diagnostic.make", () => {
  it("takes severity and the default hint from the registry", () => {
    expect(make("FLOE-E121", "bad version", { file: "floe.yaml", line: 5, column: 12 })).toEqual({
      code: "FLOE-E121",
      severity: "error",
      message: "bad version",
      file: "floe.yaml",
      line: 5,
      column: 12,
      hint: 'Use a semantic version such as "1.0.0", quoted so YAML keeps it a string.',
    })
  })

  it("prefers a call-site hint, and omits absent fields rather than setting them undefined", () => {
    const made = make("FLOE-E112", "wrong type", { file: "f", line: undefined }, "Use a list.")
    expect(made).toEqual({
      code: "FLOE-E112",
      severity: "error",
      message: "wrong type",
      file: "f",
      hint: "Use a list.",
    })
    expect(Object.keys(made)).not.toContain("line")
    const bare = make("FLOE-E112", "wrong type")
    expect(Object.keys(bare).sort()).toEqual(["code", "message", "severity"])
    expect(Diagnostic.safeParse(bare).success).toBe(true)
  })
})

describe("Diagnostic schema", () => {
  it.each([
    { ...d("FLOE-E101"), line: 0 },
    { ...d("FLOE-E101"), column: 1.5 },
    d("E101"),
    d("FLOE-X101"),
    d("FLOE-E1010"),
    { ...d("FLOE-E101"), severity: "fatal" },
    { ...d("FLOE-E101"), extra: true },
  ])("rejects %j", (value) => {
    expect(Diagnostic.safeParse(value).success).toBe(false)
  })
})

describe("Diagnostic.hasErrors", () => {
  it("is true only when some diagnostic is an error", () => {
    expect(hasErrors([])).toBe(false)
    expect(
      hasErrors([
        { ...d("FLOE-W201"), severity: "warning" },
        { ...d("FLOE-I001"), severity: "info" },
      ]),
    ).toBe(false)
    expect(hasErrors([{ ...d("FLOE-W201"), severity: "warning" }, d("FLOE-E101")])).toBe(true)
  })
})

describe("Diagnostic.sort", () => {
  it("orders by file, then line, then column, then code, without mutating its input", () => {
    const input = [
      d("FLOE-E113", "b.yaml", 1, 1),
      d("FLOE-E121", "a.yaml", 5, 12),
      d("FLOE-E120", "a.yaml", 5, 12),
      d("FLOE-E110", "a.yaml", 5, 3),
      d("FLOE-E101", "a.yaml", 2, 40),
      d("FLOE-E103", "a.yaml"),
      d("FLOE-E100"),
    ]
    const copy = [...input]
    expect(sort(input).map((x) => `${x.file ?? "-"}:${x.line ?? "-"}:${x.column ?? "-"} ${x.code}`)).toEqual([
      "-:-:- FLOE-E100",
      "a.yaml:-:- FLOE-E103",
      "a.yaml:2:40 FLOE-E101",
      "a.yaml:5:3 FLOE-E110",
      "a.yaml:5:12 FLOE-E120",
      "a.yaml:5:12 FLOE-E121",
      "b.yaml:1:1 FLOE-E113",
    ])
    expect(input).toEqual(copy)
  })

  it("compares lines numerically, not as text", () => {
    expect(sort([d("FLOE-E101", "f", 10, 1), d("FLOE-E101", "f", 9, 1)]).map((x) => x.line)).toEqual([9, 10])
  })
})

describe("Diagnostic.format", () => {
  it("renders file:line:column, severity, code and message, then the hint", () => {
    const made = make("FLOE-E121", "`metadata.version` must be a semantic version", {
      file: "floe.yaml",
      line: 5,
      column: 12,
    })
    expect(format(made)).toBe(
      'floe.yaml:5:12: error FLOE-E121: `metadata.version` must be a semantic version\n  Resolution: Use a semantic version such as "1.0.0", quoted so YAML keeps it a string.',
    )
  })

  it("uses column 1 when only the line is known", () => {
    expect(format(d("FLOE-E101", "floe.yaml", 3))).toBe("floe.yaml:3:1: error FLOE-E101: FLOE-E101")
  })

  it("renders a file without a position, and no location at all", () => {
    expect(format(d("FLOE-E103", "floe.yaml"))).toBe("floe.yaml: error FLOE-E103: FLOE-E103")
    expect(format({ ...d("FLOE-W201"), severity: "warning", message: "careful" })).toBe("warning FLOE-W201: careful")
  })
})

describe("DiagnosticCodes", () => {
  it("registers codes once each, in order, each of the form FLOE-[EWI]nnn", () => {
    expect([...codes].sort()).toEqual(codes)
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) {
      expect(code).toMatch(/^FLOE-[EWI]\d{3}$/)
      const entry = describeCode(code)
      expect(["error", "warning", "info"]).toContain(entry.severity)
      expect(entry.title.length).toBeGreaterThan(0)
      expect(entry.description.length).toBeGreaterThan(0)
    }
  })

  it("includes every code the spec package reports for YAML files", () => {
    for (let n = 100; n <= 107; n++) expect(codes).toContain(`FLOE-E${n}`)
    for (let n = 110; n <= 113; n++) expect(codes).toContain(`FLOE-E${n}`)
    for (let n = 120; n <= 134; n++) expect(codes).toContain(`FLOE-E${n}`)
  })

  it("renders a reference page listing every code once with its title, severity and hint", () => {
    const page = renderMarkdown()
    expect(page.startsWith("# Diagnostics reference\n")).toBe(true)
    expect(page.endsWith("\n")).toBe(true)
    expect(page.endsWith("\n\n")).toBe(false)
    const headings = [...page.matchAll(/^## (FLOE-[EWI]\d{3}) — (.+)$/gm)]
    expect(headings.map((m) => m[1])).toEqual(codes)
    for (const code of codes) {
      const entry = describeCode(code)
      const section = page.slice(page.indexOf(`## ${code} — ${entry.title}\n`)).split(/\n(?=## )/)[0] ?? ""
      expect(section).toContain(`Severity: ${entry.severity}.`)
      expect(section).toContain(entry.description)
      if (entry.hint === undefined) expect(section).not.toContain("Resolution:")
      else expect(section).toContain(`Resolution: ${entry.hint}`)
    }
  })
})
