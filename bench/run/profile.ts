// Where the time of `floe run` goes on the 500-model project (bench (a)): the floor and one floe run with 1 thread,
// each statement DuckDB runs timed and classified by what it is, and each Compute call timed. Prints a table of
// statement kinds (count, total ms) for both, the Compute calls, and the time spent outside DuckDB.
// Run: node bench/run/profile.ts [--models 500] [--runs 2]   (add `node --cpu-prof` for a CPU profile)
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Graph, Project } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Lineage, Run } from "@floe/runtime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Compute } from "../../packages/spec/src/index.ts"
import { transforms } from "./generate.ts"

const { values: opts } = parseArgs({
  options: { models: { type: "string", default: "500" }, runs: { type: "string", default: "2" } },
})
const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

// Every statement, timed from call to settle, by kind.
const stmts = new Map<string, { n: number; ms: number }>()
const kindOf = (sql: string): string => {
  const s = sql.trim().replace(/\s+/g, " ")
  if (/^BEGIN TRANSACTION ; (DROP TABLE IF EXISTS .* ; )?CREATE OR REPLACE VIEW/i.test(s))
    return "batch: BEGIN+VIEW+columns"
  if (/^BEGIN TRANSACTION ; CREATE OR REPLACE TABLE/i.test(s)) return "batch: BEGIN+TABLE aside"
  if (/^(DROP .* ; )?ALTER TABLE .* ; SELECT .*pragma_table_info/i.test(s)) return "batch: swap+columns"
  if (/^SELECT .*pragma_table_info/i.test(s)) return "pragma_table_info"
  if (/duckdb_views\(\)/i.test(s)) return "duckdb_views()"
  if (/^CREATE OR REPLACE VIEW/i.test(s)) return "CREATE VIEW"
  if (/^CREATE OR REPLACE TABLE/i.test(s)) return "CREATE TABLE aside"
  if (/^(BEGIN|COMMIT|ROLLBACK)/i.test(s)) return s.split(" ")[0]?.toUpperCase() ?? s
  return s.split(" ").slice(0, 2).join(" ").toUpperCase()
}
const patch = (name: "run" | "runAndReadAll") => {
  const proto = DuckDBConnection.prototype as unknown as Record<
    string,
    (sql: string, ...rest: Array<unknown>) => unknown
  >
  const original = proto[name]
  if (original === undefined) return
  proto[name] = async function (this: unknown, sql: string, ...rest: Array<unknown>) {
    const t0 = performance.now()
    try {
      return await original.call(this, sql, ...rest)
    } finally {
      const k = kindOf(sql)
      const e = stmts.get(k) ?? { n: 0, ms: 0 }
      e.n++
      e.ms += performance.now() - t0
      stmts.set(k, e)
    }
  }
}
patch("run")

const calls = new Map<string, { n: number; ms: number }>()
// The runtime's phases around each model, from progress events and the Compute calls' start and end.
const marks: Array<readonly [string, number]> = []
const mark = (what: string) => marks.push([what, performance.now()])
const timed =
  <A extends Array<unknown>, R, E>(name: string, f: (...a: A) => Effect.Effect<R, E>) =>
  (...a: A): Effect.Effect<R, E> =>
    Effect.suspend(() => {
      const t0 = performance.now()
      mark(`${name}:start`)
      return f(...a).pipe(
        Effect.tap(() => Effect.sync(() => mark(`${name}:end`))),
        Effect.ensuring(
          Effect.sync(() => {
            const e = calls.get(name) ?? { n: 0, ms: 0 }
            e.n++
            e.ms += performance.now() - t0
            calls.set(name, e)
          }),
        ),
      )
    })

const dir = mkdtempSync(join(tmpdir(), "floe-profile-"))
transforms(dir, Number(opts.models))
const loaded = await Effect.runPromise(
  Effect.gen(function* () {
    const p = yield* Project.load(dir)
    if (p.project === undefined) throw new Error("load")
    const g = yield* Graph.build(p.project)
    return { project: p.project, graph: g.graph }
  }).pipe(Effect.provide(platform)),
)
const fresh = () => {
  mkdirSync(join(dir, ".floe"), { recursive: true })
  const db = join(dir, ".floe", "warehouse.duckdb")
  rmSync(db, { force: true })
  rmSync(`${db}.wal`, { force: true })
  return db
}
const q = (s: string) => `"${s.replaceAll('"', '""')}"`

const floor = async () => {
  const t0 = performance.now()
  const instance = await DuckDBInstance.create(fresh(), { threads: "2" })
  const c = await instance.connect()
  const schemas = new Set<string>()
  for (const id of loaded.graph.order) {
    const n = loaded.graph.nodes.get(id)
    if (n === undefined || n.resourceType === "test") continue
    const schema = `${q(n.database)}.${q(n.schema)}`
    if (!schemas.has(schema)) {
      await c.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
      schemas.add(schema)
    }
    const target = `${schema}.${q(n.alias)}`
    const sql =
      n.resourceType === "seed"
        ? `SELECT * FROM read_csv('${join(loaded.project.root, n.originalFilePath)}', header = true, auto_detect = true)`
        : (n.compiledCode ?? "")
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

let noLineage = process.env.NO_LINEAGE !== undefined
const floe = async () => {
  const t0 = performance.now()
  const wrapped = Layer.effect(
    Compute.Compute,
    Effect.gen(function* () {
      const c = yield* DuckDBCompute.make({ path: fresh(), threads: 2 })
      return {
        ...c,
        execute: timed("execute", c.execute),
        query: timed("query", c.query),
        describeRelation: timed("describeRelation", c.describeRelation),
        ensureSchema: timed("ensureSchema", c.ensureSchema),
        materialize: timed("materialize", c.materialize),
        loadCsv: timed("loadCsv", c.loadCsv),
      } satisfies Compute.ComputeShape
    }),
  )
  let started = 0
  let returned = 0
  const result = await Effect.runPromise(
    Effect.gen(function* () {
      const emitter = yield* Lineage.makeEmitter()
      const result = yield* Run.run({
        project: loaded.project,
        graph: loaded.graph,
        threads: 1,
        dir,
        namespace: "bench.run",
        productName: "bench_run",
        floeVersion: "0.0.0",
        emitter: noLineage ? undefined : emitter,
        onProgress: (e) =>
          Effect.sync(() => {
            if (e._tag === "RunStarted") started = performance.now() - t0
            if (e._tag === "NodeStarted" || e._tag === "NodeFinished") mark(e._tag)
          }),
      })
      returned = performance.now()
      return result
    }).pipe(
      Effect.scoped,
      Effect.provide(
        Layer.mergeAll(
          wrapped,
          Lineage.layerFile(join(dir, ".floe", "lineage", "events.ndjson")).pipe(Layer.provide(platform)),
          platform,
        ),
      ),
    ),
  )
  if (result.status !== "success") throw new Error("floe run failed")
  // pre: NodeStarted → the build's first Compute call; post: the last call's end → NodeFinished; gap: NodeFinished
  // → the next NodeStarted; finish: the last NodeFinished → Run.run's return (run state, results, lineage flush);
  // close: closing the database and the rest of the scope.
  const phase = { pre: 0, post: 0, gap: 0, finish: 0, close: 0 }
  let last: readonly [string, number] | undefined
  let lastFinished = 0
  for (const m of marks) {
    if (last !== undefined) {
      const d = m[1] - last[1]
      if (last[0] === "NodeStarted" && m[0].endsWith(":start")) phase.pre += d
      else if (last[0].endsWith(":end") && m[0] === "NodeFinished") phase.post += d
      else if (last[0] === "NodeFinished" && m[0] === "NodeStarted") phase.gap += d
    }
    if (m[0] === "NodeFinished") lastFinished = m[1]
    last = m
  }
  const end = performance.now()
  phase.finish = returned - lastFinished
  phase.close = end - returned
  marks.length = 0
  return { ms: end - t0, started, phase }
}

const table = (title: string, m: Map<string, { n: number; ms: number }>) => {
  console.log(`\n${title}`)
  const rows = [...m].sort((a, b) => b[1].ms - a[1].ms)
  let total = 0
  for (const [k, v] of rows) {
    total += v.ms
    console.log(`  ${k.padEnd(28)} ${String(v.n).padStart(6)} ${v.ms.toFixed(0).padStart(8)} ms`)
  }
  console.log(`  ${"total".padEnd(28)} ${"".padStart(6)} ${total.toFixed(0).padStart(8)} ms`)
  return total
}

for (let i = 0; i < Number(opts.runs); i++) {
  if (process.env.LINEAGE_AB) noLineage = i % 2 === 1
  stmts.clear()
  calls.clear()
  const h0 = process.hrtime.bigint() / 1000n
  const r = await floe()
  const floeStmts = new Map(stmts)
  stmts.clear()
  const f = await floor()
  const floorStmts = new Map(stmts)
  stmts.clear()
  for (const [k, v] of floeStmts) stmts.set(k, v)
  if (process.env.PROFILE_WINDOW) console.log(`window ${h0} ${process.hrtime.bigint() / 1000n}`)
  console.log(
    `\n=== run ${i}${noLineage ? " (no lineage)" : ""}: floor ${f.toFixed(0)} ms, floe ${r.ms.toFixed(0)} ms (RunStarted at ${r.started.toFixed(0)})`,
  )
  const a = table("floor statements", floorStmts)
  const b = table("floe statements", stmts)
  const c = table("floe Compute calls", calls)
  console.log(
    `\n  floor outside statements: ${(f - a).toFixed(0)} ms; floe outside statements: ${(r.ms - b).toFixed(0)} ms`,
  )
  console.log(`  floe outside Compute calls: ${(r.ms - c).toFixed(0)} ms`)
  console.log(
    `  floe phases (ms): ${JSON.stringify(Object.fromEntries(Object.entries(r.phase).map(([k, v]) => [k, Math.round(v)])))}`,
  )
}
rmSync(dir, { recursive: true, force: true })
