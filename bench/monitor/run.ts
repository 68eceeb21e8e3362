// The monitor at scale: 1,000 registered contracts (one table each, customer-360-like columns, freshness and
// availability SLAs, a sql rule and a library metric), one full cycle of all four checks on DuckDB, with
// Prometheus metrics and OpenLineage FAIL events (file transport) as `floe monitor` has them. Every 10th table is
// stale, so 100 freshness violations are emitted. Reports wall time and CPU (user + system) of the cycle.
//
// Run: node bench/monitor/run.ts [--contracts 1000] [--rows 1000] [--concurrency 8]
// (@floe/monitor and @floe/spec are imported by path: bench/package.json does not list them.)
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Lineage } from "@floe/runtime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Metrics, Monitor, type Target } from "../../packages/monitor/src/index.ts"
import { Compute } from "../../packages/spec/src/index.ts"
import { report } from "../lib/report.ts"

const { values: opts } = parseArgs({
  options: {
    contracts: { type: "string", default: "1000" },
    rows: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "8" },
  },
})
const contracts = Number(opts.contracts)
const rows = Number(opts.rows)
const concurrency = Number(opts.concurrency)

const target = (i: number): Target.Target => ({
  namespace: `bench.product_${i}`,
  datasetNamespace: "duckdb://memory",
  contract: {
    apiVersion: "v3.1.0",
    kind: "DataContract",
    id: `bench.product_${i}`,
    version: "1.0.0",
    status: "active",
    schema: [
      {
        name: "customers",
        physicalName: `main.customers_${i}`,
        physicalType: "table",
        properties: [
          { name: "customer_id", physicalType: "BIGINT", quality: [{ type: "library", metric: "duplicateValues" }] },
          { name: "email", physicalType: "VARCHAR", quality: [{ type: "library", metric: "nullValues" }] },
          {
            name: "lifetime_value_gbp",
            physicalType: "DECIMAL(18,2)",
            quality: [{ type: "sql", query: "SELECT COUNT(*) FROM customers WHERE lifetime_value_gbp < 0", mustBe: 0 }],
          },
          { name: "updated_at", physicalType: "TIMESTAMP" },
        ],
        quality: [{ type: "library", metric: "rowCount", mustBeGreaterThan: 0 }],
      },
    ],
    slaProperties: [
      { property: "freshness", value: 6, unit: "h", element: "customers.updated_at" },
      { property: "availability", value: 99.9, unit: "%", element: "customers" },
    ],
  },
})

const dir = mkdtempSync(join(tmpdir(), "floe-bench-monitor-"))
const events = join(dir, "events.ndjson")

const program = Effect.gen(function* () {
  const compute = yield* Compute.Compute
  const setup0 = performance.now()
  for (let i = 0; i < contracts; i++) {
    const age = i % 10 === 0 ? "INTERVAL 9 HOUR" : "INTERVAL 1 HOUR"
    yield* compute.execute(`CREATE TABLE main.customers_${i} AS
      SELECT range::BIGINT AS customer_id, 'c' || range || '@example.com' AS email,
             (range % 500)::DECIMAL(18,2) AS lifetime_value_gbp, now()::TIMESTAMP - ${age} AS updated_at
      FROM range(${rows})`)
  }
  const setupSeconds = (performance.now() - setup0) / 1000
  const metrics = Metrics.make()
  const emitter = yield* Lineage.makeEmitter()
  const monitor = Monitor.make({ metrics, emitter })
  for (let i = 0; i < contracts; i++) monitor.register(target(i))
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const results = yield* monitor.cycle(concurrency)
  yield* emitter.flush("60 seconds")
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const exposition = yield* metrics.exposition()
  return { results, wall, cpu, setupSeconds, exposition }
}).pipe(
  Effect.scoped,
  Effect.provide(
    Layer.mergeAll(
      DuckDBCompute.layer({ threads: 2 }),
      Lineage.layerFile(events).pipe(Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))),
    ),
  ),
)

const { results, wall, cpu, setupSeconds, exposition } = await Effect.runPromise(program)
const violations = results.reduce((n, r) => n + r.findings.filter((f) => f._tag === "Violation").length, 0)
const failEvents = readFileSync(events, "utf8").trim().split("\n").filter(Boolean).length
const byType = (type: string) => results.filter((r) => r.type === type)
const sum = (xs: ReadonlyArray<{ seconds: number }>) => xs.reduce((s, x) => s + x.seconds, 0)
rmSync(dir, { recursive: true, force: true })
report(
  "monitor",
  [
    ...["freshness", "schema", "quality", "availability"].map((type) => ({
      phase: `${type} (sum of check times)`,
      checks: byType(type).length,
      seconds: Number(sum(byType(type)).toFixed(2)),
      "ms/check": Number(((sum(byType(type)) / Math.max(1, byType(type).length)) * 1000).toFixed(2)),
    })),
    {
      phase: `full cycle, ${concurrency} contracts at a time`,
      checks: results.length,
      seconds: Number(wall.toFixed(2)),
      "ms/check": Number(((wall / results.length) * 1000).toFixed(2)),
      "cpu user s": Number((cpu.user / 1e6).toFixed(2)),
      "cpu system s": Number((cpu.system / 1e6).toFixed(2)),
    },
  ],
  {
    contracts,
    rowsPerTable: rows,
    concurrency,
    setupSeconds,
    violations,
    failEvents,
    expositionBytes: exposition.length,
  },
)
console.log(
  `${contracts} contracts, ${violations} violations, ${failEvents} FAIL events, setup ${setupSeconds.toFixed(1)}s`,
)
