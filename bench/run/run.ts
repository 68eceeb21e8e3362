// Run speed: what `floe run` costs on top of the SQL it runs, what parallelism buys, and fused tests against one
// query per test. Every case runs in this one process, alternating, `--runs` times; the table shows medians.
//
// (a) Runtime overhead. A 500-model project (generate.ts: seeds, generated source tables, staging views,
//     intermediate views and tables, mart tables). `Run.run` with 1 thread — the runtime the CLI uses, with the
//     OpenLineage file transport, run state and run_results.json — against the floor: the same compiled SQL of
//     the same graph, in the same dependency order, as the statements the DuckDB adapter issues (CREATE OR
//     REPLACE VIEW; build aside, drop, rename in one transaction for tables and seeds) on one @duckdb/node-api
//     connection, and nothing else. Both start from an empty database file. Target ≤ 1.15×.
// (b) Parallelism: the same project with 1 and 2 threads.
// (c) Tests. 1,000 generic tests over 25 tables of 100,000 rows: `Run.run` of the tests only (fused, 2 threads)
//     against what dbt does with one thread: each test wrapped by dbt's get_test_sql (TestResult.wrap), one query
//     per test, sequentially, on one connection. The failure counts of both are compared. Target ≥ 3×.
// DuckDB runs with 2 worker threads in every case (the machine has 2 cores).
//
// Run: pnpm --filter @floe/bench run-bench [--runs 5] [--models 500] [--tests 1000] [--rows 100000]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { DuckDBInstance } from "@duckdb/node-api"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Graph, Project } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Lineage, Run, TestResult } from "@floe/runtime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type Row, report, stats } from "../lib/report.ts"
import { tested, transforms } from "./generate.ts"

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    models: { type: "string", default: "500" },
    "source-rows": { type: "string", default: "20000" },
    tests: { type: "string", default: "1000" },
    tables: { type: "string", default: "25" },
    rows: { type: "string", default: "100000" },
    only: { type: "string" },
  },
})
const runs = Number(opts.runs)
const DUCKDB_THREADS = 2
const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

const load = (dir: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const loaded = yield* Project.load(dir)
      if (loaded.project === undefined) throw new Error(JSON.stringify(loaded.diagnostics))
      const built = yield* Graph.build(loaded.project)
      const errors = [...loaded.diagnostics, ...built.diagnostics].filter((d) => d.severity === "error")
      if (errors.length > 0) throw new Error(JSON.stringify(errors.slice(0, 3)))
      return { project: loaded.project, graph: built.graph }
    }).pipe(Effect.provide(platform)),
  )

type Loaded = Awaited<ReturnType<typeof load>>

const q = (s: string) => `"${s.replaceAll('"', '""')}"`

/** The floor: the adapter's statements for every model and seed, in dependency order, on one connection. */
const floor = async ({ project, graph }: Loaded, db: string): Promise<number> => {
  const t0 = performance.now()
  const instance = await DuckDBInstance.create(db, { threads: String(DUCKDB_THREADS) })
  const c = await instance.connect()
  const schemas = new Set<string>()
  for (const id of graph.order) {
    const n = graph.nodes.get(id)
    if (n === undefined || n.resourceType === "test") continue
    const schema = `${q(n.database)}.${q(n.schema)}`
    if (!schemas.has(schema)) {
      await c.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
      schemas.add(schema)
    }
    const target = `${schema}.${q(n.alias)}`
    const sql =
      n.resourceType === "seed"
        ? `SELECT * FROM read_csv('${join(project.root, n.originalFilePath).replaceAll("'", "''")}', header = true, auto_detect = true)`
        : n.compiledCode
    if (sql === undefined) throw new Error(`${id} has no SQL`)
    await c.run("BEGIN TRANSACTION")
    if (n.resourceType !== "seed" && n.config["materialized"] !== "table") {
      await c.run(`CREATE OR REPLACE VIEW ${target} AS ${sql}`)
    } else {
      await c.run(`CREATE OR REPLACE TABLE ${schema}.${q(`${n.alias}__floe_new`)} AS ${sql}`)
      await c.run(`ALTER TABLE ${schema}.${q(`${n.alias}__floe_new`)} RENAME TO ${q(n.alias)}`)
    }
    await c.run("COMMIT")
  }
  c.closeSync()
  instance.closeSync()
  return performance.now() - t0
}

/** `floe run` as the CLI runs it (DuckDB file, lineage to a file), minus the compile before it. */
const floe = async (
  { project, graph }: Loaded,
  dir: string,
  db: string,
  threads: number,
  extra: Partial<Run.Options> = {},
): Promise<{ ms: number; result: Run.Result; phases: Record<string, number> }> => {
  const t0 = performance.now()
  const phases: Record<string, number> = {}
  const mark = (name: string) => {
    phases[name] = performance.now() - t0
  }
  const result = await Effect.runPromise(
    Effect.gen(function* () {
      const emitter = yield* Lineage.makeEmitter()
      return yield* Run.run({
        project,
        graph,
        threads,
        dir,
        namespace: "bench.run",
        productName: "bench_run",
        floeVersion: "0.0.0",
        emitter,
        onProgress: (e) =>
          Effect.sync(() => {
            if (e._tag === "RunStarted") mark("started")
            else if (e._tag === "TestsStarted") mark("testsStarted")
            else if (e._tag === "TestFinished") mark("lastTest")
          }),
        ...extra,
      })
    }).pipe(
      Effect.scoped,
      Effect.provide(
        Layer.mergeAll(
          DuckDBCompute.layer({ path: db, threads: DUCKDB_THREADS }),
          Lineage.layerFile(join(dir, ".floe", "lineage", "events.ndjson")).pipe(Layer.provide(platform)),
          platform,
        ),
      ),
    ),
  )
  return { ms: performance.now() - t0, result, phases }
}

/** dbt with one thread: each test wrapped by get_test_sql, one query per test, in order, on one connection. */
const perTest = async ({ graph }: Loaded, db: string, ids: ReadonlyArray<string>) => {
  const t0 = performance.now()
  const instance = await DuckDBInstance.create(db, { threads: String(DUCKDB_THREADS) })
  const c = await instance.connect()
  const failures = new Map<string, number>()
  for (const id of ids) {
    const n = graph.nodes.get(id)
    if (n?.compiledCode === undefined) continue
    const sql = TestResult.wrap(n.compiledCode, {
      warn_if: typeof n.config["warn_if"] === "string" ? n.config["warn_if"] : undefined,
      error_if: typeof n.config["error_if"] === "string" ? n.config["error_if"] : undefined,
    })
    const row = (await c.runAndReadAll(sql)).getRowObjectsJS()[0]
    failures.set(id, Number(row?.failures ?? 0))
  }
  c.closeSync()
  instance.closeSync()
  return { ms: performance.now() - t0, failures }
}

const median = (xs: ReadonlyArray<number>) => stats(xs).median
const fresh = (dir: string) => {
  mkdirSync(join(dir, ".floe"), { recursive: true })
  const db = join(dir, ".floe", "warehouse.duckdb")
  rmSync(db, { force: true })
  rmSync(`${db}.wal`, { force: true })
  return db
}

const rows: Array<Row> = []
const notes: Record<string, unknown> = { runs, duckdbThreads: DUCKDB_THREADS }
// The 1-minute load average before and after each case: the machine is shared, and figures move with it.
const loadNow = () => Number(loadavg()[0]?.toFixed(2))
const loadAverage: Record<string, { before: number; after?: number }> = {}
notes.loadAverage = loadAverage

if (opts.only === undefined || opts.only === "transforms") {
  loadAverage.transforms = { before: loadNow() }
  const dir = mkdtempSync(join(tmpdir(), "floe-bench-run-"))
  const shape = transforms(dir, Number(opts.models), Number(opts["source-rows"]))
  const loaded = await load(dir)
  notes.transforms = shape
  const samples = { floor: [] as Array<number>, t1: [] as Array<number>, t2: [] as Array<number> }
  for (let i = 0; i < runs + 1; i++) {
    const f = await floor(loaded, fresh(dir))
    const a = await floe(loaded, dir, fresh(dir), 1)
    const b = await floe(loaded, dir, fresh(dir), 2)
    for (const r of [a, b])
      if (r.result.status !== "success") throw new Error(`floe run failed: ${JSON.stringify(r.result.nodes[0])}`)
    if (i === 0) continue // warm-up: module loading, OS file cache
    samples.floor.push(f)
    samples.t1.push(a.ms)
    samples.t2.push(b.ms)
    console.error(
      `transforms run ${i}: floor ${f.toFixed(0)} ms, floe×1 ${a.ms.toFixed(0)} ms, floe×2 ${b.ms.toFixed(0)} ms`,
    )
  }
  const fl = median(samples.floor)
  const t1 = median(samples.t1)
  const t2 = median(samples.t2)
  rows.push(
    {
      case: `(a) floor: ${shape.models} models, adapter SQL on 1 connection`,
      "median ms": fl,
      "vs floor": 1,
      target: "",
    },
    {
      case: "(a) floe run, 1 thread",
      "median ms": t1,
      "vs floor": t1 / fl,
      target: t1 / fl <= 1.15 ? "≤ 1.15× met" : "≤ 1.15× MISSED",
    },
    {
      case: "(b) floe run, 2 threads",
      "median ms": t2,
      "vs floor": t2 / fl,
      target: `${(t1 / t2).toFixed(2)}× vs 1 thread`,
    },
  )
  loadAverage.transforms.after = loadNow()
  notes.transformsSamples = samples
  notes.overheadPerModelMs = (t1 - fl) / (shape.models + shape.seeds)
  rmSync(dir, { recursive: true, force: true })
}

if (opts.only === undefined || opts.only === "tests") {
  loadAverage.tests = { before: loadNow() }
  const dir = mkdtempSync(join(tmpdir(), "floe-bench-tests-"))
  const shape = tested(dir, Number(opts.tables), Number(opts.rows), Number(opts.tests))
  const loaded = await load(dir)
  notes.tests = shape
  const db = fresh(dir)
  const build = await floe(loaded, dir, db, 2, {
    selected: new Set([...loaded.graph.nodes.values()].filter((n) => n.resourceType !== "test").map((n) => n.uniqueId)),
  })
  if (build.result.status !== "success") throw new Error("building the tested tables failed")
  const testIds = loaded.graph.order.filter((id) => loaded.graph.nodes.get(id)?.resourceType === "test")
  const selected = new Set(testIds)
  const samples = {
    perTest: [] as Array<number>,
    fused2: [] as Array<number>,
    fused1: [] as Array<number>,
    unfused2: [] as Array<number>,
  }
  let failing = 0
  for (let i = 0; i < runs + 1; i++) {
    const base = await perTest(loaded, db, testIds)
    const fused2 = await floe(loaded, dir, db, 2, { selected })
    const fused1 = await floe(loaded, dir, db, 1, { selected })
    const unfused2 = await floe(loaded, dir, db, 2, { selected, fuseTests: false })
    for (const t of fused2.result.tests) {
      if (t.failures !== base.failures.get(t.uniqueId))
        throw new Error(`${t.uniqueId}: ${t.failures} vs ${base.failures.get(t.uniqueId)}`)
    }
    failing = fused2.result.tests.filter((t) => t.status !== "pass").length
    if (process.env.BENCH_PHASES) console.error(JSON.stringify({ fused2: fused2.phases, fused1: fused1.phases }))
    if (i === 0) continue
    samples.perTest.push(base.ms)
    samples.fused2.push(fused2.ms)
    samples.fused1.push(fused1.ms)
    samples.unfused2.push(unfused2.ms)
    console.error(
      `tests run ${i}: per-test ${base.ms.toFixed(0)} ms, fused×2 ${fused2.ms.toFixed(0)} ms, fused×1 ${fused1.ms.toFixed(0)} ms, unfused×2 ${unfused2.ms.toFixed(0)} ms`,
    )
  }
  const base = median(samples.perTest)
  const f2 = median(samples.fused2)
  rows.push(
    {
      case: `(c) one query per test, sequential: ${shape.tests} tests, ${shape.tables}×${shape.rows} rows`,
      "median ms": base,
      "vs floor": "",
      target: "",
    },
    {
      case: "(c) floe tests, fused, 2 threads",
      "median ms": f2,
      "vs floor": "",
      target: `${(base / f2).toFixed(2)}× faster (≥ 3× ${base / f2 >= 3 ? "met" : "MISSED"})`,
    },
    {
      case: "(c) floe tests, fused, 1 thread",
      "median ms": median(samples.fused1),
      "vs floor": "",
      target: `${(base / median(samples.fused1)).toFixed(2)}× faster`,
    },
    {
      case: "(c) floe tests, unfused, 2 threads",
      "median ms": median(samples.unfused2),
      "vs floor": "",
      target: `${(base / median(samples.unfused2)).toFixed(2)}× faster`,
    },
  )
  loadAverage.tests.after = loadNow()
  notes.testsSamples = samples
  notes.testsNotPassing = failing
  rmSync(dir, { recursive: true, force: true })
}

report("run", rows, notes)
