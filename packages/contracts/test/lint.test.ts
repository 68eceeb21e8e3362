import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { lint } from "../src/Lint.ts"

const fixtures = join(import.meta.dirname, "fixtures")

describe("official ODCS examples", () => {
  const dir = join(fixtures, "official")
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"))
  it("has the five vendored examples", () => {
    expect(files).toHaveLength(5)
  })
  for (const f of files) {
    it(`${f} lints clean`, () => {
      const r = lint(readFileSync(join(dir, f)), f)
      expect(r.diagnostics).toEqual([])
      expect(r.contract?.kind).toBe("DataContract")
    })
  }
})

describe("invalid contracts", () => {
  const dir = join(fixtures, "invalid")
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Record<
    string,
    { code: string; line: number; column: number }
  >
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"))
  it("has an expectation for every fixture, and at least 25 of them", () => {
    expect(files.length).toBeGreaterThanOrEqual(25)
    expect(Object.keys(expected).sort()).toEqual([...files].sort())
  })
  for (const f of files) {
    it(`${f} reports its code at the right place`, () => {
      const e = expected[f]
      const r = lint(readFileSync(join(dir, f)), f)
      expect(r.contract).toBeUndefined()
      const found = r.diagnostics.map((d) => ({ code: d.code, line: d.line, column: d.column }))
      expect(found).toContainEqual(e)
      // Ajv's raw wording never reaches the user.
      for (const d of r.diagnostics)
        expect(d.message).not.toMatch(/must NOT have|must match "then"|must match exactly one/)
    })
  }
})

describe("messages", () => {
  const base = "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\n"

  it("suggests the key a typo meant", () => {
    const r = lint(`${base}schema:\n  - name: t\n    properties:\n      - name: a\n        requird: true\n`)
    const d = r.diagnostics.find((x) => x.code === "FLOE-E501")
    expect(d?.message).toMatch(/unknown key `requird`.*did you mean `required`\?/)
    expect(d?.hint).toBe("Rename `requird` to `required`.")
  })

  it("maps an engine type written as logicalType to the ODCS type and keeps it as physicalType", () => {
    const r = lint(`${base}schema:\n  - name: t\n    properties:\n      - name: a\n        logicalType: BIGINT\n`)
    const d = r.diagnostics.find((x) => x.code === "FLOE-E504")
    expect(d?.message).toMatch(/did you mean "integer"\?/)
    expect(d?.hint).toMatch(/physicalType: BIGINT/)
  })

  it("reports one problem for a value that fits none of an anyOf's types", () => {
    const r = lint(`${base}slaProperties:\n  - property: latency\n    value: {n: 4}\n`)
    expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-E503"])
    expect(r.diagnostics[0]?.message).toMatch(/must be a string, a number.*not a mapping/)
  })

  it("reports the inner problem, not the unevaluated key, when a nested value is wrong", () => {
    const r = lint(
      `${base}schema:\n  - name: t\n    properties:\n      - name: tags\n        logicalType: array\n        items:\n          logicalType: strin\n`,
    )
    expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-E504"])
  })

  it("reports the specific problem of a team object, not the deprecated list form it also failed", () => {
    const r = lint(`${base}team:\n  name: sales\n  lead: ana\n`)
    expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-E501"])
    expect(r.diagnostics[0]?.line).toBe(8)
  })

  it("lints v3.0.2 contracts against the v3.0.2 schema", () => {
    // v3.1.0 added `timestamp`; a v3.0.2 contract must not use it, a v3.1.0 contract may.
    const body = "schema:\n  - name: t\n    properties:\n      - name: a\n        logicalType: timestamp\n"
    expect(lint(base.replace("v3.1.0", "v3.0.2") + body).contract).toBeUndefined()
    expect(lint(base + body).contract).toBeDefined()
  })

  it("never throws on hostile input", () => {
    for (const text of ["", "- a\n- b\n", "a: [", "\u0000", "apiVersion: 3\n", "a: &x [*x]\n"]) {
      const r = lint(text)
      expect(r.contract).toBeUndefined()
      expect(r.diagnostics.length).toBeGreaterThan(0)
    }
  })
})
