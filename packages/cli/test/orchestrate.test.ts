import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const bin = join(import.meta.dirname, "..", "bin", "floe.js")
const example = join(import.meta.dirname, "..", "..", "..", "examples", "customer-360")

const copyDemo = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-orchestrate-"))
  for (const entry of ["floe.yaml", "datacontract.yaml", "platform", "models", "seeds", "tests"])
    cpSync(join(example, entry), join(dir, entry), { recursive: true })
  return dir
}

const floe = (...args: Array<string>) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })

describe("floe orchestrate", () => {
  it("--to dagster writes the Dagster package under .floe/orchestration/dagster and it compiles", () => {
    const dir = copyDemo()
    const r = floe("orchestrate", dir, "--to", "dagster", "--dbt")
    expect(r.status, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain("✓ Dagster definitions created (.floe/orchestration/dagster, 10 assets)")
    const pkg = join(dir, ".floe", "orchestration", "dagster", "floe_sales_customer_360")
    for (const f of ["__init__.py", "definitions.py", "floe_runner.py", "dbt_definitions.py"]) {
      const c = spawnSync("python3", ["-m", "py_compile", join(pkg, f)], { encoding: "utf8" })
      expect(c.status, `${f}: ${c.stderr}`).toBe(0)
    }
    const definitions = readFileSync(join(pkg, "definitions.py"), "utf8")
    expect(definitions).toContain('cron_schedule="0 6 * * *"')
    expect(definitions).toContain('execution_timezone="Europe/London"')
    // generation writes nothing but the definitions
    expect(existsSync(join(dir, "target", "manifest.json"))).toBe(false)
  })

  it("--json lists the files; --to local needs none", () => {
    const dir = copyDemo()
    const r = floe("orchestrate", dir, "--to", "dagster", "--json")
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: "ok",
      orchestrator: "dagster",
      directory: ".floe/orchestration/dagster",
      files: expect.arrayContaining(["floe_sales_customer_360/definitions.py", "pyproject.toml"]),
    })
    const local = floe("orchestrate", dir, "--to", "local")
    expect(local.status).toBe(0)
    expect(local.stdout).toContain("needs no generated files")
  })

  it("refuses an unknown or missing orchestrator as a usage error", () => {
    expect(floe("orchestrate", ".", "--to", "airflow").status).toBe(2)
    expect(floe("orchestrate", ".").status).toBe(2)
  })
})
