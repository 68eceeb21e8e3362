import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { Diagnostic, DiagnosticCodes } from "@floe/spec"
import { describe, expect, it } from "vitest"
import * as Sarif from "../src/Sarif.ts"

const bin = join(import.meta.dirname, "..", "bin", "floe.js")
const repo = join(import.meta.dirname, "..", "..", "..")

const options: Sarif.Options = {
  version: "1.2.3",
  informationUri: "https://floe.dev",
  productDir: "/repo/products/orders",
  cwd: "/repo",
}

/**
 * The SARIF 2.1.0 requirements a code-scanning upload checks, asserted by hand (the official JSON Schema is not
 * vendored): version, runs, tool.driver.name, rules with ids, results with ruleId, level, message.text and a
 * physical location with a relative URI and a 1-based region.
 */
const assertSarif = (log: unknown): void => {
  const l = log as Sarif.Log
  expect(l.version).toBe("2.1.0")
  expect(l.$schema).toMatch(/sarif-2\.1\.0/)
  expect(Array.isArray(l.runs)).toBe(true)
  for (const run of l.runs) {
    const driver = run.tool.driver
    expect(driver.name).toBe("floe")
    expect(typeof driver.version).toBe("string")
    expect(driver.informationUri).toMatch(/^https?:\/\//)
    const ids = driver.rules.map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const r of driver.rules) {
      expect(r.id).toMatch(/^FLOE-[EWI]\d{3}$/)
      expect(r.shortDescription.text.length).toBeGreaterThan(0)
      expect(r.help.text.length).toBeGreaterThan(0)
      expect(["error", "warning", "note"]).toContain(r.defaultConfiguration.level)
    }
    for (const res of run.results) {
      expect(ids).toContain(res.ruleId)
      expect(driver.rules[res.ruleIndex]?.id).toBe(res.ruleId)
      expect(["error", "warning", "note", "none"]).toContain(res.level)
      expect(res.message.text.length).toBeGreaterThan(0)
      expect(res.locations.length).toBeGreaterThan(0)
      const loc = res.locations[0]?.physicalLocation
      const uri = loc?.artifactLocation.uri ?? ""
      expect(uri).not.toMatch(/^\/|^[a-z]+:/i)
      expect(uri).not.toContain("\\")
      expect(run.originalUriBaseIds?.[loc?.artifactLocation.uriBaseId ?? ""]?.uri).toMatch(/^file:\/\/.*\/$/)
      const region = loc?.region
      if (region !== undefined) {
        expect(region.startLine).toBeGreaterThanOrEqual(1)
        expect(region.startColumn).toBeGreaterThanOrEqual(1)
        if (region.endLine !== undefined) expect(region.endLine).toBeGreaterThanOrEqual(region.startLine)
        if (region.endColumn !== undefined && (region.endLine ?? region.startLine) === region.startLine)
          expect(region.endColumn).toBeGreaterThanOrEqual(region.startColumn)
      }
    }
  }
}

describe("Sarif.fromDiagnostics", () => {
  it("one rule per code used, from the registry; one result per diagnostic", () => {
    const diagnostics = [
      Diagnostic.make("FLOE-E121", "version 1.0 is not semver", {
        file: "products/orders/floe.yaml",
        line: 5,
        column: 12,
        endLine: 5,
        endColumn: 17,
      }),
      Diagnostic.make("FLOE-E201", "silver/stg_orders.sql must start with silver_", {
        file: "products/orders/models/silver/stg_orders.sql",
        line: 1,
        column: 1,
      }),
      Diagnostic.make("FLOE-E121", "another", { file: "products/orders/platform/domain sales.yaml", line: 2 }),
    ]
    const log = Sarif.fromDiagnostics(diagnostics, options)
    assertSarif(log)
    const run = log.runs[0]
    expect(run?.tool.driver).toMatchObject({ name: "floe", version: "1.2.3", informationUri: "https://floe.dev" })
    expect(run?.tool.driver.rules.map((r) => r.id)).toEqual(["FLOE-E121", "FLOE-E201"])
    const e121 = DiagnosticCodes.describeCode("FLOE-E121")
    expect(run?.tool.driver.rules[0]).toMatchObject({
      shortDescription: { text: e121.title },
      fullDescription: { text: e121.description },
      help: { text: e121.hint },
      defaultConfiguration: { level: "error" },
    })
    expect(run?.results).toHaveLength(3)
    expect(run?.results[0]).toEqual({
      ruleId: "FLOE-E121",
      ruleIndex: 0,
      level: "error",
      message: { text: "version 1.0 is not semver" },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: "floe.yaml", uriBaseId: "PRODUCTROOT" },
            region: { startLine: 5, startColumn: 12, endLine: 5, endColumn: 17 },
          },
        },
      ],
    })
    expect(run?.results[1]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe("models/silver/stg_orders.sql")
    expect(run?.results[1]?.ruleIndex).toBe(1)
    // escaped, and a line without a column starts at column 1
    expect(run?.results[2]?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: "platform/domain%20sales.yaml", uriBaseId: "PRODUCTROOT" },
      region: { startLine: 2, startColumn: 1 },
    })
    expect(run?.originalUriBaseIds).toEqual({ PRODUCTROOT: { uri: "file:///repo/products/orders/" } })
  })

  it("levels: error, warning, note; a specific hint is added to the message; no file → floe.yaml", () => {
    const log = Sarif.fromDiagnostics(
      [
        { code: "FLOE-E201", severity: "warning", message: "m1", hint: "mv a b" },
        { code: "FLOE-E121", severity: "info", message: "m2" },
      ],
      options,
    )
    assertSarif(log)
    const [a, b] = log.runs[0]?.results ?? []
    expect(a?.level).toBe("warning")
    expect(a?.message.text).toBe("m1\nResolution: mv a b")
    expect(a?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: "floe.yaml", uriBaseId: "PRODUCTROOT" },
    })
    expect(b?.level).toBe("note")
    expect(Sarif.level("error")).toBe("error")
  })

  it("no diagnostics: a run with no rules and no results", () => {
    const log = Sarif.fromDiagnostics([], options)
    assertSarif(log)
    expect(log.runs[0]?.results).toEqual([])
    expect(log.runs[0]?.tool.driver.rules).toEqual([])
  })

  it("an inverted or empty end is dropped rather than emitted invalid", () => {
    const log = Sarif.fromDiagnostics(
      [{ code: "FLOE-E121", severity: "error", message: "m", file: "floe.yaml", line: 4, column: 9, endColumn: 3 }],
      { ...options, productDir: "/repo", cwd: "/repo" },
    )
    assertSarif(log)
    expect(log.runs[0]?.results[0]?.locations[0]?.physicalLocation.region).toEqual({ startLine: 4, startColumn: 9 })
  })
})

describe("floe validate --format sarif", () => {
  const floe = (...args: Array<string>) =>
    spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })

  it("the governance-failures example: every diagnostic a result, URIs relative to the product", () => {
    const sarif = floe("validate", "examples/governance-failures", "--format", "sarif")
    expect(sarif.status).toBe(1)
    const log = JSON.parse(sarif.stdout) as Sarif.Log
    assertSarif(log)
    const json = JSON.parse(floe("validate", "examples/governance-failures", "--json").stdout) as {
      diagnostics: Array<Diagnostic.Diagnostic>
    }
    const results = log.runs[0]?.results ?? []
    expect(results.map((r) => r.ruleId)).toEqual(json.diagnostics.map((d) => d.code))
    expect(results.map((r) => r.ruleId)).toEqual(expect.arrayContaining(["FLOE-E201", "FLOE-E712", "FLOE-E251"]))
    const uris = new Set(results.map((r) => r.locations[0]?.physicalLocation.artifactLocation.uri))
    expect(uris).toContain("models/silver/stg_payments.sql")
    expect(uris).toContain("floe.yaml")
    expect(log.runs[0]?.originalUriBaseIds?.["PRODUCTROOT"]?.uri).toBe(
      `file://${join(repo, "examples", "governance-failures")}/`,
    )
  })

  it("a passing product: exit 0 and an empty run; a bad --format is a usage error", () => {
    const ok = floe("validate", "examples/customer-360", "--format", "sarif")
    expect(ok.status).toBe(0)
    const log = JSON.parse(ok.stdout) as Sarif.Log
    assertSarif(log)
    expect(log.runs[0]?.results).toEqual([])
    const bad = floe("validate", "examples/customer-360", "--format", "xml")
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--format must be one of text, json, sarif/)
    const both = floe("validate", "examples/customer-360", "--format", "sarif", "--json")
    expect(both.status).toBe(2)
  })
})
