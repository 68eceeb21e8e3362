import { spawn, spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const bin = join(import.meta.dirname, "..", "bin", "floe.js")
const example = join(import.meta.dirname, "..", "..", "..", "examples", "customer-360")

/** A fresh copy of the golden demo product (sources only). */
const copyDemo = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-monitor-"))
  for (const entry of ["floe.yaml", "datacontract.yaml", "platform", "models", "seeds", "tests"])
    cpSync(join(example, entry), join(dir, entry), { recursive: true })
  return dir
}

const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(file, "utf8")
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`)
  writeFileSync(file, text.replace(from, to))
}

const floe = (...args: Array<string>) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })

/** Points the freshness SLA at updated_at: the demo's seed data is years old, so the check fails. */
const staleFreshness = (dir: string) =>
  edit(
    join(dir, "datacontract.yaml"),
    "  - property: freshness\n    value: 6\n    unit: h\n    element: customers\n",
    "  - property: freshness\n    value: 6\n    unit: h\n    element: customers.updated_at\n",
  )

const stage4 = (stdout: string) => stdout.slice(stdout.indexOf("[4/4] Validating contracts"))

describe("floe run [4/4] Validating contracts", () => {
  it("runs every check once; the demo's old data breaks the 6h freshness SLA: a WARNING, alert_only continues", () => {
    const dir = copyDemo()
    staleFreshness(dir)
    const r = floe("run", dir)
    expect(r.status, r.stdout + r.stderr).toBe(0)
    const out = stage4(r.stdout)
    expect(out).toContain("⚠ WARNING: Contract violation detected")
    expect(out).toContain("    Contract: sales.customer_360 v1.0.0")
    expect(out).toContain("    Type: freshness")
    expect(out).toMatch(/ {4}Message: Data is [\d.]+h old, exceeding the 6h freshness SLA/)
    expect(out).toContain("  ✓ schema: no drift")
    expect(out).toContain("  ✓ quality: 7/7 passed (score 1.00)")
    expect(out).toContain("  ✓ availability: 100%")
    expect(out).toContain("  Continuing (alert_only mode)")
    expect(out).toContain("Pipeline COMPLETE")
    const events = readFileSync(join(dir, ".floe", "lineage", "events.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    const fail = events.filter((e) => e.job.name === "sales.customer_360.freshness")
    expect(fail).toHaveLength(1)
    expect(fail[0]).toMatchObject({
      eventType: "FAIL",
      job: { namespace: "sales.customer_360" },
      run: { facets: { contractViolation: { contract: "sales.customer_360", type: "freshness", severity: "error" } } },
    })
  })

  it("freshness from the last successful build passes: ✓ freshness: 0.0h (SLA: 6h); --json carries the checks", () => {
    const dir = copyDemo()
    const human = floe("run", dir)
    expect(human.status).toBe(0)
    expect(stage4(human.stdout)).toContain("  ✓ freshness: 0.0h (SLA: 6h)")
    expect(stage4(human.stdout)).not.toContain("Continuing")
    const r = floe("run", dir, "--json")
    const json = JSON.parse(r.stdout)
    expect(json.contracts).toMatchObject({ enforcement: "alert_only", blocked: false, violations: [] })
    expect(json.contracts.checks.map((c: { type: string }) => c.type)).toEqual([
      "freshness",
      "schema",
      "quality",
      "availability",
    ])
  })

  it("block: the run exits non-zero after a violation; off: the checks do not run", () => {
    const dir = copyDemo()
    staleFreshness(dir)
    edit(join(dir, "platform", "enterprise.yaml"), "enforcement: alert_only", "enforcement: block")
    const r = floe("run", dir)
    expect(r.status).toBe(1)
    expect(stage4(r.stdout)).toContain("Blocking: contract violations fail the run (block mode)")
    expect(r.stdout).toContain("Pipeline FAILED")
    expect(r.stdout).toMatch(/1 contract violation \(block mode\)/)
    const off = copyDemo()
    edit(join(off, "platform", "enterprise.yaml"), "enforcement: alert_only", "enforcement: off")
    const o = floe("run", off)
    expect(o.status).toBe(0)
    expect(stage4(o.stdout)).toContain("- skipped: contract enforcement is off")
  })
})

describe("floe monitor", () => {
  it("--once --json prints one result per check", () => {
    const dir = copyDemo()
    staleFreshness(dir)
    expect(floe("run", dir).status).toBe(0)
    const r = floe("monitor", dir, "--once", "--json")
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.type, l.passed])).toEqual([
      ["freshness", false],
      ["schema", true],
      ["quality", true],
      ["availability", true],
    ])
    expect(lines[0].violations[0]).toMatchObject({
      severity: "error",
      element: "customers.updated_at",
      expected: "<= 6h",
    })
  })

  it("runs continuously, serves /metrics on --listen, and stops cleanly on SIGINT", async () => {
    const dir = copyDemo()
    staleFreshness(dir)
    expect(floe("run", dir).status).toBe(0)
    const child = spawn(process.execPath, [bin, "monitor", dir, "--listen", "127.0.0.1:0"], {
      env: { ...process.env, NO_COLOR: "1" },
    })
    let stdout = ""
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (b: Buffer) => {
        stdout += b.toString("utf8")
        const m = /Metrics: (http:\/\/\S+)/.exec(stdout)
        if (m && stdout.includes("availability: 100%")) resolve(m[1] ?? "")
      })
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${stdout}`)))
    })
    const text = await (await fetch(url)).text()
    expect(text).toContain('floe_contract_availability_ratio{contract="sales.customer_360"} 1')
    expect(text).toContain(
      'floe_contract_violations_total{contract="sales.customer_360",type="freshness",severity="error"} 1',
    )
    expect(stdout).toContain("Intervals: freshness 15m, schema 1h, quality 6h, availability 5m")
    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", (c) => resolve(c))
      child.kill("SIGINT")
    })
    expect(code).toBe(0)
    expect(stdout).toContain("Monitor stopped")
  })

  it("rejects a bad --listen address", () => {
    const r = floe("monitor", ".", "--listen", "nowhere")
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("expected host:port")
  })
})
