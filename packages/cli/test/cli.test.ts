import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import pkg from "../package.json" with { type: "json" }
import { wantsColor } from "../src/Io.ts"
import { capture } from "./support/capture.ts"

const GUIDE = `apiVersion: floe.dev/v1
kind: DataProduct
metadata: {name: my-product, version: "1.0.0", owner: data-team@example.com, domain: sales, repository: github.com/acme/my-product}
platform: {ref: platform.yaml}
transforms: [{type: dbt, path: models/}]
schedule: {cron: "0 6 * * *", timezone: UTC}
output_ports: [{name: customers, table: gold.my_product.customers, sla: {freshness: "6h", availability: "99.9%"}}]
`

const BAD = `apiVersion: floe.dev/v1
kind: DataProduct
metadata:
  name: my-product
  version: "1.0.0"
  owner: data-team@example.com
  domain: sales
  repository: github.com/acme/my-product
transforms:
  - type: dbt
    path: models/
shedule:
  cron: "0 6 * * *"
`

const product = (text: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-cli-"))
  writeFileSync(join(dir, "floe.yaml"), text)
  // The guide points at oci://registry.example.com, which does not exist here; a file manifest stands in for it.
  writeFileSync(
    join(dir, "platform.yaml"),
    "apiVersion: floe.dev/v1\nkind: Manifest\nmetadata: {name: acme-platform, version: '1.0.0', owner: platform@example.com}\nscope: enterprise\n",
  )
  // The guide's output port gold.my_product.customers is served by the model gold_customers.
  mkdirSync(join(dir, "models", "gold"), { recursive: true })
  writeFileSync(join(dir, "models", "gold", "gold_customers.sql"), "select 1 as customer_id, 'Ada' as name\n")
  return dir
}

const runCli = (argv: ReadonlyArray<string>, color = false) => capture(argv, { color })

const bin = join(import.meta.dirname, "..", "bin", "floe.js")

describe("floe (in-process)", () => {
  it("prints help with the commands and exit codes", async () => {
    const r = await runCli(["--help"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Usage: floe <command>/)
    expect(r.stdout).toMatch(/validate\s+Check a data product/)
    expect(r.stdout).toMatch(/2 usage error/)
  })

  it("prints the package version", async () => {
    const r = await runCli(["--version"])
    expect(r.stdout.trim()).toBe(pkg.version)
  })

  it("treats no command as a usage error and shows help", async () => {
    const r = await runCli([])
    expect(r.code).toBe(2)
    expect(r.stdout).toMatch(/Commands:/)
  })

  it("suggests the command a typo meant", async () => {
    const r = await runCli(["valdate"])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown command 'valdate' — did you mean 'validate'\?/)
  })

  it("refuses unknown options with a suggestion", async () => {
    const r = await runCli(["validate", "--jsn"])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown option '--jsn' — did you mean '--json'\?/)
  })

  it("shows a command's help", async () => {
    const r = await runCli(["validate", "--help"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Usage: floe validate \[dir\]/)
  })

  it("validates the lifecycle guide example", async () => {
    const r = await runCli(["validate", product(GUIDE)])
    expect(r.stdout).toMatch(/\[1\/4\] Validating floe.yaml\n {2}✓ Schema valid/)
    expect(r.stdout).toMatch(/Validation PASSED/)
    expect(r.code).toBe(0)
  })

  it("reports a misspelt key with its position and fix, and exits 1", async () => {
    const dir = product(BAD)
    const r = await runCli(["validate", dir])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`${join(dir, "floe.yaml")}:12:1 error FLOE-E110: unknown key \`shedule\``)
    expect(r.stdout).toMatch(/did you mean `schedule`\?/)
    expect(r.stdout).toMatch(/Resolution: Rename `shedule` to `schedule`./)
    expect(r.stdout).toMatch(/Validation FAILED/)
  })

  it("prints one JSON object with --json", async () => {
    const r = await runCli(["validate", product(BAD), "--json"])
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout) as { passed: boolean; diagnostics: Array<Record<string, unknown>> }
    expect(out.passed).toBe(false)
    expect(out.diagnostics).toHaveLength(1)
    expect(out.diagnostics[0]).toMatchObject({ code: "FLOE-E110", severity: "error", line: 12, column: 1 })
    expect(out.diagnostics[0]?.hint).toBe("Rename `shedule` to `schedule`.")
  })

  it("validates a product given by its floe.yaml path like one given by its directory", async () => {
    const dir = product(GUIDE)
    const r = await runCli(["validate", join(dir, "floe.yaml"), "--json"])
    expect(JSON.parse(r.stdout).diagnostics).toEqual([])
    expect(r.code).toBe(0)
  })

  it("reports a missing product directory as E100", async () => {
    const r = await runCli(["validate", join(tmpdir(), "floe-no-such-dir-5c1f"), "--json"])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).diagnostics[0].code).toBe("FLOE-E100")
  })

  it("colours only when asked", async () => {
    const plain = await runCli(["validate", product(GUIDE)], false)
    const coloured = await runCli(["validate", product(GUIDE)], true)
    expect(plain.stdout).not.toContain("\u001b[")
    expect(coloured.stdout).toContain("\u001b[32m✓")
  })
})

describe("colour choice", () => {
  it("follows NO_COLOR, FORCE_COLOR and the terminal", () => {
    expect(wantsColor({}, true)).toBe(true)
    expect(wantsColor({}, false)).toBe(false)
    expect(wantsColor({ NO_COLOR: "1" }, true)).toBe(false)
    expect(wantsColor({ NO_COLOR: "1", FORCE_COLOR: "1" }, true)).toBe(false)
    expect(wantsColor({ FORCE_COLOR: "1" }, false)).toBe(true)
    expect(wantsColor({ TERM: "dumb" }, true)).toBe(false)
  })
})

describe("floe (the real binary)", () => {
  const floe = (...args: Array<string>) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })

  it("exits 0 on a valid product and 1 on an invalid one", () => {
    expect(floe("validate", product(GUIDE)).status).toBe(0)
    const bad = floe("validate", product(BAD), "--json")
    expect(bad.status).toBe(1)
    expect(JSON.parse(bad.stdout).diagnostics[0].code).toBe("FLOE-E110")
  })

  it("exits 2 on a usage error", () => {
    const r = floe("validate", "a", "b")
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/validate takes one directory/)
  })

  it("keeps V8's code cache in the temporary folder, unless NODE_DISABLE_COMPILE_CACHE is set", () => {
    const run = (tmp: string, extra: Record<string, string>) =>
      spawnSync(process.execPath, [bin, "validate", product(GUIDE), "--json"], {
        encoding: "utf8",
        env: { ...process.env, NODE_COMPILE_CACHE: "", TMPDIR: tmp, ...extra },
      })
    const cached = mkdtempSync(join(tmpdir(), "floe-cc-"))
    const r = run(cached, {})
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout).passed).toBe(true)
    expect(readdirSync(join(cached, "node-compile-cache")).length).toBeGreaterThan(0)
    const off = mkdtempSync(join(tmpdir(), "floe-cc-"))
    expect(run(off, { NODE_DISABLE_COMPILE_CACHE: "1" }).status).toBe(0)
    expect(existsSync(join(off, "node-compile-cache"))).toBe(false)
  })
})
