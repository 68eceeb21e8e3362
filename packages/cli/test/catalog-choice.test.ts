import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const bin = join(import.meta.dirname, "..", "bin", "floe.js")
const floe = (...args: Array<string>) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })

const product = (catalog: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-catalog-choice-"))
  writeFileSync(
    join(dir, "floe.yaml"),
    `apiVersion: floe.dev/v1
kind: DataProduct
metadata: {name: orders, version: "1.0.0", owner: team@example.com, domain: sales, repository: github.com/acme/orders}
platform: {ref: platform.yaml}
transforms: [{type: dbt, path: models/}]
`,
  )
  writeFileSync(
    join(dir, "platform.yaml"),
    `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: acme, version: "1.0.0", owner: platform@example.com}
scope: enterprise
plugins:
  catalog: ${catalog}
`,
  )
  mkdirSync(join(dir, "models", "gold"), { recursive: true })
  writeFileSync(join(dir, "models", "gold", "gold_orders.sql"), "select 1 as order_id\n")
  return dir
}

describe("the platform chooses the orchestrator", () => {
  it("compile stage 6 writes Dagster definitions when the platform chooses dagster", () => {
    const dir = product("{type: sql}\n  orchestrator: {type: dagster}")
    const r = floe("compile", dir)
    expect(r.status, r.stdout).toBe(0)
    expect(r.stdout).toMatch(
      /\[6\/7\] Generating orchestration\n {2}Orchestrator: dagster[^\n]*\n {2}✓ Dagster definitions created/,
    )
    expect(existsSync(join(dir, ".floe", "orchestration", "dagster"))).toBe(true)
    const py = spawnSync("python3", ["-m", "compileall", "-q", join(dir, ".floe", "orchestration", "dagster")], {
      encoding: "utf8",
    })
    expect(py.status, py.stdout + py.stderr).toBe(0)
  })
})

describe("the platform chooses the catalog", () => {
  it("registers the product in the SQL catalog the manifest names, not the embedded one", () => {
    const dir = product("{type: sql, config: {uri: 'sqlite:shared/catalog.db'}}")
    const r = floe("compile", dir)
    expect(r.status, r.stdout).toBe(0)
    expect(r.stdout).toContain("✓ Product registered in catalog")
    expect(existsSync(join(dir, "shared", "catalog.db"))).toBe(true)
    expect(existsSync(join(dir, ".floe", "catalog.db"))).toBe(false)
  })

  it("reports a catalog this host cannot open as E604 and compiles nothing", () => {
    const dir = product("{type: hive, config: {uri: 'thrift://metastore:9083'}}")
    const r = floe("compile", dir, "--json")
    expect(r.status).toBe(1)
    const out = JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; message: string }> }
    expect(out.diagnostics[0]?.code).toBe("FLOE-E604")
    expect(out.diagnostics[0]?.message).toMatch(/catalog 'hive'/)
  })
})
