import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DuckDBCompute } from "@floe/compute-duckdb"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"

const bin = join(import.meta.dirname, "..", "bin", "floe.js")
const example = join(import.meta.dirname, "..", "..", "..", "examples", "customer-360")

/** A fresh copy of the golden demo product (sources only: no .floe/ or target/). */
const copyDemo = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-demo-"))
  for (const entry of ["floe.yaml", "datacontract.yaml", "platform", "models", "seeds", "tests"])
    cpSync(join(example, entry), join(dir, entry), { recursive: true })
  return dir
}

const floe = (...args: Array<string>) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })

const query = (dir: string, sql: string) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const compute = yield* DuckDBCompute.make({ path: join(dir, ".floe", "warehouse.duckdb") })
        return yield* compute.query(sql)
      }),
    ),
  )

interface RunJson {
  status: string
  run_id: string
  nodes: Array<{ unique_id: string; status: string; rows: number | null; message: string | null }>
  tests: Array<{ unique_id: string; status: string; failures: number | null }>
}

describe("floe compile and floe run on the golden demo", () => {
  it("compiles in seven stages: binds every model, writes target/manifest.json and .floe/artifacts.json", () => {
    const dir = copyDemo()
    const r = floe("compile", dir, "--json")
    expect(r.status, r.stdout).toBe(0)
    const out = JSON.parse(r.stdout) as {
      passed: boolean
      stages: Array<{ index: number; checks: Array<{ label: string }> }>
    }
    expect(out.stages.map((s) => s.index)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(out.stages[3]?.checks[0]?.label).toBe("Models compile: 7/7")
    const manifest = JSON.parse(readFileSync(join(dir, "target", "manifest.json"), "utf8"))
    expect(manifest.metadata.dbt_schema_version).toBe("https://schemas.getdbt.com/dbt/manifest/v12.json")
    expect(Object.keys(manifest.nodes)).toContain("model.customer_360.gold_customer_360")
    const artifacts = JSON.parse(readFileSync(join(dir, ".floe", "artifacts.json"), "utf8"))
    expect(artifacts).toMatchObject({
      version: "1.0.0",
      mode: "mesh",
      identity: { product_id: "sales.customer_360", namespace_registered: true },
      plugins: { compute: { type: "duckdb" } },
      schedule: { cron: "0 6 * * *", timezone: "Europe/London" },
    })
    expect(artifacts.inheritance_chain.map((l: { scope: string }) => l.scope)).toEqual([
      "enterprise",
      "domain",
      "product",
    ])
    expect(artifacts.data_contracts[0]).toMatchObject({
      version: "1.0.0",
      models: ["gold_customer_360"],
      sla: { freshness_hours: 6, availability_percent: 99.9 },
    })
  })

  it("runs seeds, models and tests; writes run results, run state and lineage", async () => {
    const dir = copyDemo()
    const r = floe("run", dir, "--json")
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout) as RunJson
    expect(out.status).toBe("success")
    const rows = Object.fromEntries(out.nodes.map((n) => [n.unique_id.split(".").pop(), n.rows]))
    expect(rows).toMatchObject({
      raw_customers: 500,
      raw_transactions: 1000,
      raw_support_tickets: 300,
      gold_customer_360: 500,
    })
    expect(out.tests).toHaveLength(17)
    expect(out.tests.every((t) => t.status === "pass")).toBe(true)
    const results = JSON.parse(readFileSync(join(dir, "target", "run_results.json"), "utf8"))
    expect(results.metadata.invocation_id).toBe(out.run_id)
    expect(existsSync(join(dir, ".floe", "runs", out.run_id, "run.json"))).toBe(true)
    const events = readFileSync(join(dir, ".floe", "lineage", "events.ndjson"), "utf8")
      .trim()
      .split("\n")
    // START and COMPLETE for the product, for each of the 10 seeds and models, and for publishing the output port
    // as an Iceberg table; no contract violation (the demo's freshness SLA is measured on the table's last build)
    expect(events).toHaveLength(24)
    expect(events.slice(-2).map((e) => `${JSON.parse(e).job.name} ${JSON.parse(e).eventType}`)).toEqual([
      "customer-360.publish.customers START",
      "customer-360.publish.customers COMPLETE",
    ])
    const [segments] = await query(
      dir,
      "select count(distinct value_segment) as n from warehouse.main.gold_customer_360",
    )
    expect(segments?.n).toBe(3)
  })

  it("a failing model fails the run with the engine's message; --retry-failed reruns only what failed", () => {
    const dir = copyDemo()
    const model = join(dir, "models", "silver", "silver_customers.sql")
    const good = readFileSync(model, "utf8")
    writeFileSync(model, good.replace("lower(trim(email)) as email", "lower(trim(e_mail)) as email"))
    // floe validate catches it before any run: the model is bound on a scratch engine
    const validated = floe("validate", dir)
    expect(validated.status).toBe(1)
    expect(validated.stdout).toMatch(/FLOE-E312: model silver_customers does not compile: Binder Error: .*e_mail/)

    const failed = floe("run", dir)
    expect(failed.status).toBe(1)
    expect(failed.stdout).toMatch(/✗ silver_customers/)
    expect(failed.stdout).toMatch(/e_mail/)
    expect(failed.stdout).toMatch(/floe run --retry-failed/)

    writeFileSync(model, good)
    const retried = floe("run", dir, "--retry-failed", "--json")
    expect(retried.status).toBe(0)
    const out = JSON.parse(retried.stdout) as RunJson
    expect(out.nodes.map((n) => n.unique_id.split(".").pop()).sort()).toEqual(["gold_customer_360", "silver_customers"])
    expect(out.nodes.every((n) => n.status === "success")).toBe(true)
    expect(floe("run", dir, "--retry-failed").stdout).toMatch(/had no failures/)
  })

  it("selects with dbt syntax", () => {
    const dir = copyDemo()
    const r = floe("run", dir, "--select", "+silver_customers", "--json")
    const out = JSON.parse(r.stdout) as RunJson
    expect(out.nodes.map((n) => n.unique_id.split(".").pop()).sort()).toEqual([
      "bronze_customers",
      "raw_customers",
      "silver_customers",
    ])
    expect(floe("run", dir, "--select", "nope:x").status).toBe(1)
  })

  it("Ctrl-C cancels the run, keeps the previous table and records the run for --retry-failed", async () => {
    const dir = copyDemo()
    const slow = join(dir, "models", "gold", "gold_slow.sql")
    writeFileSync(slow, "{{ config(materialized='table') }}\nselect 1 as n\n")
    expect(floe("run", dir).status).toBe(0)
    writeFileSync(slow, "{{ config(materialized='table') }}\nselect count(*) as n from range(1000000000000)\n")

    const child: ChildProcess = spawn(process.execPath, [bin, "run", dir], { env: { ...process.env, NO_COLOR: "1" } })
    let stdout = ""
    const code = await new Promise<number | null>((resolve) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8")
        // Interrupt once the run is under way: a node has finished, the slow model is running or queued.
        if (stdout.includes("▶ ") && !child.killed) child.kill("SIGINT")
      })
      child.on("exit", (c) => resolve(c))
    })
    expect(code).toBe(130)
    expect(stdout).toMatch(/Pipeline INTERRUPTED/)
    expect(await query(dir, "select n from warehouse.main.gold_slow")).toEqual([{ n: 1 }])
    const runs = readdirSync(join(dir, ".floe", "runs")).sort()
    const last = JSON.parse(readFileSync(join(dir, ".floe", "runs", runs[runs.length - 1] ?? "", "run.json"), "utf8"))
    expect(last.status).toBe("interrupted")
    expect(
      Object.values(last.nodes as Record<string, { status: string }>).some(
        (n) => n.status === "skipped" || n.status === "error",
      ),
    ).toBe(true)
  })
})
