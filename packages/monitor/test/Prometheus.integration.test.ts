// Debian's prometheus scrapes the monitor's /metrics on 127.0.0.1; the series are read back through Prometheus'
// HTTP API after a forced freshness violation, and the exposition passes `promtool check metrics`. With CI set, a
// missing prometheus binary fails the test instead of skipping it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Compute } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { afterAll, describe, expect, it } from "vitest"
import { Metrics, Monitor } from "../src/index.ts"
import { target } from "./support/fixture.ts"

const PROMETHEUS = "/usr/bin/prometheus"
const PROMTOOL = "/usr/bin/promtool"
const available = existsSync(PROMETHEUS) && existsSync(PROMTOOL)
if (!available && process.env.CI) throw new Error(`${PROMETHEUS} is missing: CI must install Debian's prometheus`)

const AGE_HOURS = 8.2

/** A compute answering from memory: the contract's columns, newest updated_at AGE_HOURS ago by the wall clock. */
const compute = Layer.succeed(Compute.Compute, {
  dialect: "duckdb",
  quote: Compute.quoteAnsi,
  render: (r) => Compute.renderWith(Compute.quoteAnsi, r),
  execute: () => Effect.void,
  describeQuery: () => Effect.succeed([]),
  ensureSchema: () => Effect.void,
  dropRelation: () => Effect.void,
  materialize: () => Effect.succeed({ rows: 0, action: "created" as const }),
  loadCsv: () => Effect.succeed({ rows: 0 }),
  describeRelation: () =>
    Effect.succeed({
      kind: "table" as const,
      columns: [
        { name: "customer_id", type: "BIGINT" },
        { name: "email", type: "VARCHAR" },
        { name: "lifetime_value_gbp", type: "DECIMAL(38,2)" },
        { name: "updated_at", type: "TIMESTAMP" },
      ],
    }),
  query: (sql: string) =>
    Effect.sync(() =>
      sql.includes("MAX(")
        ? [{ newest: new Date(Date.now() - AGE_HOURS * 3_600_000) }]
        : sql.includes("< 0")
          ? [{ n: 0 }]
          : [{ n: 2 }],
    ),
})

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const a = s.address()
      const port = typeof a === "object" && a !== null ? a.port : 0
      s.close(() => resolve(port))
    })
  })

interface Sample {
  readonly metric: Record<string, string>
  readonly value: [number, string]
}

const cleanup: Array<() => void> = []
afterAll(() => {
  for (const f of cleanup.reverse()) f()
})

describe.skipIf(!available)("Prometheus scrapes the monitor", () => {
  it("series exist with the expected values after a forced violation; the exposition passes promtool", async () => {
    const started = performance.now()
    const metrics = Metrics.make()
    const monitor = Monitor.make({ metrics })
    monitor.register(target())
    await Effect.runPromise(monitor.cycle().pipe(Effect.provide(compute)))

    const exposition = await Effect.runPromise(metrics.exposition())
    const lint = spawnSync(PROMTOOL, ["check", "metrics"], { input: exposition, encoding: "utf8" })
    expect(lint.status, `${lint.stdout}${lint.stderr}`).toBe(0)

    const served = await new Promise<string>((resolve, reject) => {
      const fiber = Effect.runFork(
        Effect.scoped(
          Effect.gen(function* () {
            const bound = yield* Metrics.serve(metrics, { host: "127.0.0.1", port: 0 })
            resolve(`127.0.0.1:${bound.port}`)
            return yield* Effect.never
          }),
        ).pipe(Effect.tapError((e) => Effect.sync(() => reject(e)))),
      )
      cleanup.push(() => Effect.runFork(Fiber.interrupt(fiber)))
    })

    const dir = mkdtempSync(join(tmpdir(), "floe-prometheus-"))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const config = join(dir, "prometheus.yml")
    writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: floe-monitor",
        "    static_configs:",
        `      - targets: ["${served}"]`,
        "",
      ].join("\n"),
    )
    const check = spawnSync(PROMTOOL, ["check", "config", config], { encoding: "utf8" })
    expect(check.status, check.stdout + check.stderr).toBe(0)
    const port = await freePort()
    const prometheus: ChildProcess = spawn(
      PROMETHEUS,
      [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ["ignore", "ignore", "pipe"] },
    )
    let log = ""
    prometheus.stderr?.on("data", (b: Buffer) => {
      log = (log + b.toString("utf8")).slice(-4000)
    })
    cleanup.push(() => prometheus.kill("SIGTERM"))

    const query = async (q: string): Promise<Array<Sample>> => {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`)
      const body = (await r.json()) as { status: string; data?: { result?: Array<Sample> } }
      return body.status === "success" ? (body.data?.result ?? []) : []
    }
    // Waiting for a real server: Prometheus starts, then scrapes every second. Bounded: 60 s.
    let violations: Array<Sample> = []
    for (let attempt = 0; attempt < 240 && violations.length === 0; attempt++) {
      violations = await query("floe_contract_violations_total").catch(() => [])
      if (violations.length === 0) await new Promise((r) => setTimeout(r, 250))
    }
    expect(violations, `prometheus never saw the series; its log:\n${log}`).toHaveLength(1)
    expect(violations[0]?.metric).toMatchObject({
      __name__: "floe_contract_violations_total",
      contract: "sales.customer_360",
      type: "freshness",
      severity: "error",
      job: "floe-monitor",
    })
    expect(violations[0]?.value[1]).toBe("1")
    const value = async (q: string) => Number((await query(q))[0]?.value[1])
    const freshness = await value('floe_contract_freshness_seconds{contract="sales.customer_360"}')
    expect(freshness).toBeGreaterThan(AGE_HOURS * 3600 - 1)
    expect(freshness).toBeLessThan(AGE_HOURS * 3600 + 60)
    expect(await value('floe_contract_availability_ratio{contract="sales.customer_360"}')).toBe(1)
    expect(await value('floe_contract_quality_score{contract="sales.customer_360"}')).toBe(1)
    expect(await value("count(floe_contract_last_check_timestamp_seconds)")).toBe(4)
    expect(await value('sum(floe_contract_check_duration_seconds_count{contract="sales.customer_360"})')).toBe(4)
    expect(await value('floe_contract_violations_total{severity="critical"} or vector(0)')).toBe(0)
    console.log(`prometheus integration: ${((performance.now() - started) / 1000).toFixed(1)}s`)
  })
})
