// Publishing output ports as Iceberg tables: what it costs next to the run that built them, and next to the floor
// (DuckDB's own COPY of the same rows to one Parquet file, which every publish includes).
//
// A product with two output ports over N rows each (five columns: bigint, int, decimal, timestamp, varchar):
// `facts`, a table model, and `events`, an incremental model that appends the rows whose id is above the table's
// maximum. Run 1 builds both and publishes them (create). Run 2 grows the source by 1 %: the table model is rebuilt
// and published as an overwrite (a full rewrite, the previous file marked deleted), the incremental model appends
// 1 % and its publish writes only those rows (found with EXCEPT ALL against the table's Parquet files). Run 3
// changes nothing: the incremental port is `unchanged`. Everything runs in this process on a DuckDB file with 2
// threads and the SQLite catalog; medians of `--runs`.
//
// Run: node bench/publish/run.ts [--runs 3] [--rows 100000,1000000,5000000]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { SqlCatalog } from "@floe/catalog-sql"
import { Graph, Project } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Publish, Run } from "@floe/runtime"
import { Catalog, Compute, type DataProduct } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type Row, report, stats } from "../lib/report.ts"

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    rows: { type: "string", default: "100000,1000000,5000000" },
  },
})
const runs = Number(opts.runs)
const sizes = String(opts.rows)
  .split(",")
  .map((s) => Number(s))

const product = {
  apiVersion: "floe.dev/v1",
  kind: "DataProduct",
  metadata: { name: "bench", version: "1.0.0", owner: "bench@example.com", domain: "perf" },
  transforms: [{ type: "dbt", path: "models/" }],
  output_ports: [
    { name: "facts", table: "gold.bench.facts", model: "facts" },
    { name: "events", table: "silver.bench.events", model: "events" },
  ],
} as unknown as DataProduct.DataProduct

const source = (n: number) =>
  `{{ config(materialized='table') }}\nselect i as id, (i % 1000)::integer as customer, (i % 997 * 1.25)::decimal(12,2) as amount, timestamp '2024-01-01' + to_seconds(i) as at, 'note ' || (i % 100) as note from range(${n}) t(i)`

const write = (dir: string, n: number) => {
  mkdirSync(join(dir, "models"), { recursive: true })
  writeFileSync(join(dir, "dbt_project.yml"), "name: bench\nversion: '1.0.0'\nprofile: bench\n")
  writeFileSync(join(dir, "models", "src.sql"), source(n))
  writeFileSync(join(dir, "models", "facts.sql"), "{{ config(materialized='table') }}\nselect * from {{ ref('src') }}")
  writeFileSync(
    join(dir, "models", "events.sql"),
    "{{ config(materialized='incremental', unique_key='id') }}\nselect * from {{ ref('src') }}\n{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}",
  )
}

const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

interface Timing {
  readonly run: number
  readonly publish: number
  readonly statuses: string
}

const once = (dir: string) =>
  Effect.gen(function* () {
    const loaded = yield* Project.load(dir)
    if (loaded.project === undefined) return yield* Effect.die(new Error(JSON.stringify(loaded.diagnostics)))
    const graph = (yield* Graph.build(loaded.project)).graph
    const compute = yield* DuckDBCompute.make({ path: join(dir, ".floe", "warehouse.duckdb"), threads: 2 })
    const catalog = yield* SqlCatalog.make({ _tag: "Sqlite", path: join(dir, ".floe", "catalog.db") })
    for (const ns of [["perf"], ["perf", "bench"]]) {
      yield* catalog.createNamespace(ns).pipe(Effect.catchReason("CatalogError", "AlreadyExists", () => Effect.void))
    }
    const t0 = performance.now()
    const result = yield* Run.run({
      project: loaded.project,
      graph,
      threads: 2,
      dir,
      namespace: "perf.bench",
      productName: "bench",
      floeVersion: "bench",
    }).pipe(Effect.provideService(Compute.Compute, compute))
    const t1 = performance.now()
    const published = yield* Publish.publish({ product, dir, graph, result }).pipe(
      Effect.provideService(Compute.Compute, compute),
      Effect.provideService(Catalog.Catalog, catalog),
    )
    const t2 = performance.now()
    if (published.some((p) => p.status === "failed")) {
      return yield* Effect.die(new Error(JSON.stringify(published)))
    }
    // The floor: DuckDB copying the table model's rows to one Parquet file, nothing else.
    const c0 = performance.now()
    yield* compute.execute(
      `COPY (SELECT * FROM ${compute.render({ database: "warehouse", schema: "main", identifier: "facts" })}) TO '${join(dir, "floor.parquet")}' (FORMAT parquet)`,
    )
    const copy = performance.now() - c0
    const timing: Timing = {
      run: t1 - t0,
      publish: t2 - t1,
      statuses: published.map((p) => `${p.port}:${p.status}`).join(" "),
    }
    return { timing, copy }
  }).pipe(Effect.scoped, Effect.provide(platform))

const rows: Array<Row> = []
for (const n of sizes) {
  const samples: Record<string, { run: Array<number>; publish: Array<number>; copy: Array<number>; statuses: string }> =
    {}
  for (let r = 0; r < runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), "floe-bench-publish-"))
    const phases: Array<readonly [string, number]> = [
      ["1 first run (create)", n],
      ["2 source +1% (overwrite / append)", Math.round(n * 1.01)],
      ["3 nothing new (overwrite / unchanged)", Math.round(n * 1.01)],
    ]
    for (const [label, size] of phases) {
      write(dir, size)
      const { timing, copy } = await Effect.runPromise(once(dir))
      const s = samples[label] ?? { run: [], publish: [], copy: [], statuses: timing.statuses }
      s.run.push(timing.run)
      s.publish.push(timing.publish)
      s.copy.push(copy)
      samples[label] = s
    }
    rmSync(dir, { recursive: true, force: true })
  }
  for (const [label, s] of Object.entries(samples)) {
    const run = stats(s.run).median
    const publish = stats(s.publish).median
    const copy = stats(s.copy).median
    rows.push({
      rows: n,
      phase: label,
      "run ms": run,
      "publish ms": publish,
      "publish / run": publish / run,
      "COPY floor ms (1 table)": copy,
      ports: s.statuses,
    })
  }
}
report("publish", rows, { runs })
