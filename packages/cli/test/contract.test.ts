import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { capture } from "./support/capture.ts"

const V1 = `apiVersion: v3.1.0
kind: DataContract
id: sales.customers
version: 1.0.0
status: active
schema:
  - name: customers
    properties:
      - {name: customer_id, logicalType: string, required: true}
      - {name: email, logicalType: string, classification: confidential}
`

const SHORTHAND = `apiVersion: v3.0.2
kind: DataContract
name: sales-customers
version: 1.0.0
models:
  customers:
    elements:
      customer_id: {type: string, primaryKey: true}
slaProperties:
  freshness: {value: PT6H, element: customer_id}
`

const files = (entries: Record<string, string>): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-contract-"))
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text)
  return dir
}

const runCli = (argv: ReadonlyArray<string>, cwd: string) => capture(argv, { cwd })

describe("floe contract lint", () => {
  it("accepts a valid contract", async () => {
    const r = await runCli(["contract", "lint", "c.yaml"], files({ "c.yaml": V1 }))
    expect(r.code).toBe(0)
    expect(r.stdout).toBe("✓ c.yaml valid (ODCS v3.1.0)\n")
  })

  it("prints positioned diagnostics and exits 1", async () => {
    const r = await runCli(
      ["contract", "lint", "c.yaml"],
      files({ "c.yaml": V1.replace("logicalType: string, required", "logicalType: varchar, required") }),
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/c\.yaml:9:42 error FLOE-E504: logicalType "varchar".*did you mean "string"\?/)
  })

  it("prints one JSON object with --json", async () => {
    const r = await runCli(["contract", "lint", "c.yaml", "--json"], files({ "c.yaml": V1 }))
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ file: "c.yaml", valid: true, apiVersion: "v3.1.0", shorthand: false, diagnostics: [] })
    expect(out.hash).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it("reports a missing file as E100", async () => {
    const r = await runCli(["contract", "lint", "nope.yaml"], files({}))
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FLOE-E100: nope.yaml does not exist/)
  })
})

describe("floe contract diff", () => {
  const removed = V1.replace("version: 1.0.0", "version: 1.1.0").replace(
    "      - {name: email, logicalType: string, classification: confidential}\n",
    "",
  )

  it("lists changes with their level, the requiredBump, and fails the gate", async () => {
    const r = await runCli(["contract", "diff", "old.yaml", "new.yaml"], files({ "old.yaml": V1, "new.yaml": removed }))
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/MAJOR {2}column customers.email removed/)
    expect(r.stdout).toMatch(/requiredBump: major \(version bump: minor\)/)
    expect(r.stdout).toMatch(/new\.yaml:4:10 error FLOE-E520/)
  })

  it("passes when the version bump is large enough", async () => {
    const r = await runCli(
      ["contract", "diff", "old.yaml", "new.yaml", "--json"],
      files({ "old.yaml": V1, "new.yaml": removed.replace("version: 1.1.0", "version: 2.0.0") }),
    )
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ requiredBump: "major", actualBump: "major", passed: true, diagnostics: [] })
    expect(out.changes).toEqual([
      { level: "major", kind: "column-removed", path: "customers.email", message: "column customers.email removed" },
    ])
  })
})

describe("floe contract fmt", () => {
  it("rewrites the shorthand as ODCS", async () => {
    const dir = files({ "c.yaml": SHORTHAND })
    const r = await runCli(["contract", "fmt", "c.yaml", "--to", "odcs"], dir)
    expect(r.code).toBe(0)
    expect(r.stdout).toBe("✓ c.yaml rewritten as ODCS\n")
    const text = readFileSync(join(dir, "c.yaml"), "utf8")
    expect(text).toMatch(/^apiVersion: v3.1.0\n/)
    expect(text).toMatch(
      /slaProperties:\n {2}- property: freshness\n {4}value: 6\n {4}unit: h\n {4}element: customers.customer_id\n/,
    )
    const again = await runCli(["contract", "lint", "c.yaml"], dir)
    expect(again.stdout).toBe("✓ c.yaml valid (ODCS v3.1.0)\n")
  })

  it("needs --to odcs", async () => {
    expect((await runCli(["contract", "fmt", "c.yaml"], files({ "c.yaml": SHORTHAND }))).code).toBe(2)
    expect((await runCli(["contract", "fmt", "c.yaml", "--to", "dcs"], files({ "c.yaml": SHORTHAND }))).code).toBe(2)
  })
})

describe("floe contract usage", () => {
  it("suggests the subcommand a typo meant", async () => {
    const r = await runCli(["contract", "lnt", "c.yaml"], files({}))
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown contract subcommand 'lnt' — did you mean 'lint'\?/)
  })

  it("is listed in the help", async () => {
    const r = await runCli(["--help"], files({}))
    expect(r.stdout).toMatch(/contract\s+Lint, diff and format ODCS data contracts/)
  })
})
