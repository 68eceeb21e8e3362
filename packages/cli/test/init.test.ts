import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Diagnostic, DiagnosticCodes } from "@floe/spec"
import { describe, expect, it } from "vitest"
import { files, kebab } from "../src/commands/init.ts"

const bin = join(import.meta.dirname, "..", "bin", "floe.js")

const floe = (cwd: string, ...args: Array<string>) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })

describe("floe init", () => {
  for (const mode of ["simple", "centralized", "mesh"] as const) {
    it(`--mode ${mode}: the new product validates and runs at once`, () => {
      const parent = mkdtempSync(join(tmpdir(), "floe-init-"))
      const created = floe(
        parent,
        "init",
        "orders-demo",
        "--mode",
        mode,
        "--domain",
        "sales",
        "--owner",
        "orders@example.com",
        "--repository",
        "github.com/acme/orders-demo",
        "--json",
      )
      expect(created.status, created.stderr).toBe(0)
      const out = JSON.parse(created.stdout) as { created: boolean; dir: string; mode: string; files: Array<string> }
      expect(out).toMatchObject({ created: true, mode, dir: join(parent, "orders-demo") })
      const dir = join(parent, "orders-demo")
      for (const f of [
        "floe.yaml",
        "README.md",
        "tests/.gitkeep",
        "models/bronze/bronze_orders.sql",
        "models/silver/silver_orders.sql",
        "models/gold/gold_daily_orders.sql",
      ])
        expect(existsSync(join(dir, f)), f).toBe(true)
      expect(existsSync(join(dir, "platform", "enterprise.yaml"))).toBe(mode !== "simple")
      expect(existsSync(join(dir, "platform", "domain-sales.yaml"))).toBe(mode === "mesh")
      expect(existsSync(join(dir, "datacontract.yaml"))).toBe(mode === "mesh")
      const yaml = readFileSync(join(dir, "floe.yaml"), "utf8")
      expect(yaml).toContain("name: orders-demo")
      expect(yaml).toContain("owner: orders@example.com")
      expect(yaml).toContain("domain: sales")
      expect(yaml).toContain("repository: github.com/acme/orders-demo")
      expect(yaml).toContain("table: gold.orders_demo.daily_orders")
      if (mode === "simple") expect(yaml).not.toContain("platform:")
      else expect(yaml).toContain(mode === "mesh" ? "ref: platform/domain-sales.yaml" : "ref: platform/enterprise.yaml")

      // run from inside the new directory, as its README says
      const validated = floe(dir, "validate", "--json")
      expect(validated.status, validated.stdout).toBe(0)
      const report = JSON.parse(validated.stdout) as { passed: boolean; diagnostics: Array<unknown> }
      expect(report.passed).toBe(true)
      expect(report.diagnostics).toEqual([])

      const ran = floe(dir, "run", "--json")
      expect(ran.status, ran.stdout + ran.stderr).toBe(0)
      const run = JSON.parse(ran.stdout) as {
        status: string
        nodes: Array<{ unique_id: string; status: string }>
        tests: Array<{ status: string }>
        contracts: { violations: Array<unknown> }
      }
      expect(run.status).toBe("success")
      expect(run.nodes.map((n) => n.unique_id.split(".").pop())).toEqual(
        expect.arrayContaining(["raw_orders", "bronze_orders", "silver_orders", "gold_daily_orders"]),
      )
      expect(run.tests.length).toBeGreaterThan(0)
      expect(run.tests.every((t) => t.status === "pass")).toBe(true)
      expect(run.contracts.violations).toEqual([])
    })
  }

  it("refuses to overwrite an existing directory with FLOE-E108 (exit 1) and leaves it untouched", () => {
    const parent = mkdtempSync(join(tmpdir(), "floe-init-"))
    mkdirSync(join(parent, "taken"))
    const r = floe(parent, "init", "taken")
    expect(r.status).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(
      [
        `error FLOE-E108: ${join(parent, "taken")} already exists; floe init never overwrites`,
        `  Resolution: ${DiagnosticCodes.describeCode("FLOE-E108").hint}`,
        "",
      ].join("\n"),
    )
    expect(readdirSync(join(parent, "taken"))).toEqual([])
    expect(readdirSync(parent)).toEqual(["taken"])
    const json = floe(parent, "init", "taken", "--json")
    expect(json.status).toBe(1)
    const report = JSON.parse(json.stdout) as { diagnostics: Array<Diagnostic.Diagnostic> }
    expect(report).toMatchObject({ created: false, code: "FLOE-E108" })
    expect(report.diagnostics).toEqual([
      Diagnostic.make("FLOE-E108", `${join(parent, "taken")} already exists; floe init never overwrites`, {
        file: join(parent, "taken"),
      }),
    ])
  })

  it("a file in the way is refused the same way, and so is an existing name under --dir", () => {
    const parent = mkdtempSync(join(tmpdir(), "floe-init-"))
    writeFileSync(join(parent, "notes"), "keep me")
    const file = floe(parent, "init", "notes", "--json")
    expect(file.status).toBe(1)
    expect(JSON.parse(file.stdout)).toMatchObject({ created: false, code: "FLOE-E108" })
    expect(readFileSync(join(parent, "notes"), "utf8")).toBe("keep me")
    expect(floe(tmpdir(), "init", "orders", "--dir", parent, "--quiet").status).toBe(0)
    const again = floe(tmpdir(), "init", "orders", "--dir", parent)
    expect(again.status).toBe(1)
    expect(again.stderr).toMatch(/^error FLOE-E108: .*orders already exists/)
    expect(readdirSync(parent).sort()).toEqual(["notes", "orders"])
  })

  it("FLOE-E108 is registered in the E1xx range with a resolution", () => {
    const entry = DiagnosticCodes.describeCode("FLOE-E108")
    expect(entry).toMatchObject({ severity: "error", title: "Product directory already exists" })
    expect(entry.hint).toMatch(/--dir/)
  })

  it("--dir chooses the parent directory", () => {
    const parent = mkdtempSync(join(tmpdir(), "floe-init-"))
    const r = floe(tmpdir(), "init", "elsewhere", "--dir", join(parent, "nested"), "--quiet")
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toBe("")
    expect(existsSync(join(parent, "nested", "elsewhere", "floe.yaml"))).toBe(true)
  })

  it("refuses a name that is not kebab-case (FLOE-E120) and suggests one", () => {
    const parent = mkdtempSync(join(tmpdir(), "floe-init-"))
    const r = floe(parent, "init", "My_Product")
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^error FLOE-E120: product name 'My_Product' must be kebab-case/)
    expect(r.stderr).toMatch(/floe init my-product/)
    expect(readdirSync(parent)).toEqual([])
  })

  it("usage errors: no name, an unknown mode, a bad domain or owner", () => {
    const parent = mkdtempSync(join(tmpdir(), "floe-init-"))
    expect(floe(parent, "init").status).toBe(2)
    const r = floe(parent, "init", "x", "--mode", "federated")
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--mode must be one of simple, centralized, mesh/)
    const domain = floe(parent, "init", "x", "--domain", "Sales Team")
    expect(domain.status).toBe(2)
    expect(domain.stderr).toMatch(/--domain 'Sales Team' must start with a lower-case letter/)
    const owner = floe(parent, "init", "x", "--owner", "nobody")
    expect(owner.status).toBe(2)
    expect(owner.stderr).toMatch(/--owner 'nobody' must be an email address/)
    expect(readdirSync(parent)).toEqual([])
  })

  it("a domain with an underscore: the mesh product still validates", () => {
    const parent = mkdtempSync(join(tmpdir(), "floe-init-"))
    expect(floe(parent, "init", "eu-orders", "--mode", "mesh", "--domain", "sales_eu", "-q").status).toBe(0)
    expect(existsSync(join(parent, "eu-orders", "platform", "domain-sales_eu.yaml"))).toBe(true)
    const validated = floe(parent, "validate", "eu-orders", "--json")
    expect(validated.status, validated.stdout).toBe(0)
  })

  it("kebab() turns names into kebab-case; files() is deterministic", () => {
    expect(kebab("My_Product")).toBe("my-product")
    expect(kebab("customerData360")).toBe("customer-data360")
    expect(kebab("--9x")).toBe("x")
    const o = { name: "a", mode: "mesh", domain: "d", owner: "o@example.com", repository: "r" } as const
    expect(files(o)).toEqual(files(o))
  })
})
