/**
 * The compile-time SQL check: every model's compiled SQL is bound by the compute engine without producing rows,
 * so "Models compile" means the engine accepted it, and the compiler learns each model's output columns and
 * types before any run. It works in a scratch database (the caller gives a throwaway `Compute`, e.g. an in-memory
 * DuckDB named like the warehouse): seeds are loaded, sources with declared column types become empty tables,
 * and each model becomes an empty table `CREATE TABLE … AS SELECT * FROM (<sql>) LIMIT 0`, each DAG level as two
 * scripts run at once on the engine's connections (a script is retried statement by statement only when it fails,
 * to name the model the engine refused).
 * Empty tables, never views: an engine expands views of views at bind time, which explodes on deep DAGs.
 *
 * The sources can be set up before the graph is built (`setup`, as soon as the project is loaded): the engine
 * creates them while the caller renders the models.
 */
import type { Compute, Diagnostic } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type { Graph, Node } from "./Graph.ts"
import { make } from "./internal/codes.ts"
import type { DbtProject, SourceTable, SqlFile } from "./Project.ts"

export interface BindResult {
  /** Output columns per model and seed unique_id, as the engine typed them. */
  readonly columns: ReadonlyMap<string, ReadonlyArray<Compute.Column>>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  /** Models the engine accepted. */
  readonly bound: number
  /** Models not checked because something they read could not be set up (a source without column types). */
  readonly unchecked: number
}

const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`

const firstLine = (message: string): string => message.split("\n")[0] ?? message

const SEP_FIELD = "\u0001"
const SEP_ROW = "\u0002"

/**
 * The columns of the tables in `schemas` (only `names`, when given), by `catalog \0 schema \0 table`, from the
 * standard information_schema (any engine answers it). Asked as one aggregated string — one value to hand over
 * instead of one row per column (50,000 at 10,000 models) — and read row by row when the engine has no
 * `string_agg` or a name holds the separator characters.
 */
const columnsIn = (
  compute: Compute.ComputeShape,
  schemas: ReadonlyArray<string>,
  names?: ReadonlyArray<string>,
): Effect.Effect<ReadonlyMap<string, ReadonlyArray<Compute.Column>>> =>
  Effect.gen(function* () {
    const where = `table_schema IN (${schemas.map(literal).join(", ")})${names === undefined ? "" : ` AND table_name IN (${names.map(literal).join(", ")})`}`
    const order = "table_catalog, table_schema, table_name, ordinal_position"
    const found = new Map<string, Array<Compute.Column>>()
    const add = (catalog: string, schema: string, table: string, name: string, type: string) => {
      const key = `${catalog}\u0000${schema}\u0000${table}`
      const list = found.get(key)
      if (list === undefined) found.set(key, [{ name, type }])
      else list.push({ name, type })
    }
    const text = yield* Effect.option(
      compute.query(
        `SELECT string_agg(table_catalog || chr(1) || table_schema || chr(1) || table_name || chr(1) || column_name || chr(1) || data_type, chr(2) ORDER BY ${order}) AS cols FROM information_schema.columns WHERE ${where}`,
      ),
    )
    if (text._tag === "Some") {
      const value = text.value[0]?.["cols"]
      if (value === null || value === undefined || value === "") return found
      if (typeof value === "string") {
        let whole = true
        for (const row of value.split(SEP_ROW)) {
          const f = row.split(SEP_FIELD)
          if (f.length !== 5) {
            whole = false
            break
          }
          add(f[0] as string, f[1] as string, f[2] as string, f[3] as string, f[4] as string)
        }
        if (whole) return found
        found.clear()
      }
    }
    const rows = yield* Effect.option(
      compute.query(
        `SELECT table_catalog, table_schema, table_name, column_name, data_type FROM information_schema.columns WHERE ${where} ORDER BY ${order}`,
      ),
    )
    for (const r of rows._tag === "Some" ? rows.value : []) {
      add(
        String(r["table_catalog"]),
        String(r["table_schema"]),
        String(r["table_name"]),
        String(r["column_name"]),
        String(r["data_type"]),
      )
    }
    return found
  })

/** Sources being created on the engine ahead of `bind` (see `setup`). */
export interface Setup {
  /** The schemas already made, as `database.schema`. */
  readonly schemas: ReadonlySet<string>
  /** Completes with the unique_ids of the sources created as empty tables. */
  readonly sources: Effect.Effect<ReadonlySet<string>>
  /** The sources left for later (not in `first`): their CREATE statements by unique_id, made when a model reads them. */
  readonly later: ReadonlyMap<string, string>
}

/**
 * How many scripts a batch of independent statements is split into, run at once on the engine's connections (the
 * CLI's scratch DuckDB has two). DuckDB runs two scripts of CREATE TABLE on two connections of one database in
 * parallel when a core is free (4,000 CTAS: 1.06 s on one connection, 0.56 s on two, quiet machine); on a busy
 * machine it costs nothing extra. An engine with one connection runs them one after the other.
 */
const SCRIPTS = 2

/** Runs `statements` (independent of each other) as `SCRIPTS` scripts at once; a script that fails is retried one
 * statement at a time. Returns each item's outcome, in the order given. */
const runSplit = <A>(
  compute: Compute.ComputeShape,
  items: ReadonlyArray<A>,
  sqlOf: (a: A) => string,
): Effect.Effect<Array<Exit.Exit<void, Compute.ComputeError>>> =>
  Effect.gen(function* () {
    const outcomes: Array<Exit.Exit<void, Compute.ComputeError>> = new Array(items.length)
    const shares = Array.from({ length: Math.min(SCRIPTS, items.length) }, (_, k) =>
      items.map((_, i) => i).filter((i) => i % SCRIPTS === k),
    )
    yield* Effect.forEach(
      shares,
      (share) =>
        Effect.gen(function* () {
          const script = yield* Effect.exit(compute.execute(share.map((i) => sqlOf(items[i] as A)).join(";\n")))
          for (const i of share) {
            outcomes[i] = Exit.isSuccess(script) ? script : yield* Effect.exit(compute.execute(sqlOf(items[i] as A)))
          }
        }),
      { concurrency: "unbounded", discard: true },
    )
    return outcomes
  })

/** The statements split into scripts run at once (see `runSplit`). Returns the ids created. */
const createAll = (
  compute: Compute.ComputeShape,
  statements: ReadonlyArray<{ readonly id: string; readonly sql: string }>,
) =>
  Effect.gen(function* () {
    const ready = new Set<string>()
    if (statements.length === 0) return ready
    const outcomes = yield* runSplit(compute, statements, (x) => x.sql)
    for (const [i, x] of statements.entries())
      if (outcomes[i] !== undefined && Exit.isSuccess(outcomes[i])) ready.add(x.id)
    return ready
  })

/**
 * Starts creating the project's sources with declared column types as empty tables (`database` is where a source
 * without its own database lives: the target's). Their schemas are made first; the tables are created by scripts
 * on the engine, already submitted when this returns, so the caller can render the models meanwhile.
 * When a script fails, its sources are created one at a time, so one bad `data_type` leaves only that source
 * unchecked. With `first`, only those sources are created now (the ones the models' SQL names); the others wait
 * in `later` until a model reads one (`bindBatches` creates it then), so a source nothing reads costs nothing.
 */
export const setup = (
  sources: ReadonlyArray<SourceTable>,
  compute: Compute.ComputeShape,
  database: string,
  first?: ReadonlySet<string>,
): Effect.Effect<Setup> =>
  Effect.gen(function* () {
    const schemas = new Set<string>()
    const statements: Array<{ readonly id: string; readonly sql: string }> = []
    const later = new Map<string, string>()
    for (const src of sources) {
      if (src.columns.length === 0 || src.columns.some((c) => c.dataType === undefined)) continue
      const relation = { database: src.database ?? database, schema: src.schema, identifier: src.identifier }
      const key = `${relation.database}.${relation.schema}`
      if (!schemas.has(key)) {
        schemas.add(key)
        yield* Effect.ignore(compute.ensureSchema(relation))
      }
      const cols = src.columns.map((c) => `${compute.quote(c.name)} ${c.dataType}`).join(", ")
      const sql = `CREATE TABLE IF NOT EXISTS ${compute.render(relation)} (${cols})`
      if (first === undefined || first.has(src.uniqueId)) statements.push({ id: src.uniqueId, sql })
      else later.set(src.uniqueId, sql)
    }
    // Started now (up to the engine's first await), so the script runs while the caller's fiber is busy.
    const fiber = yield* Effect.forkChild(createAll(compute, statements), { startImmediately: true })
    return { schemas, sources: Fiber.join(fiber), later }
  })

/** The unique_ids of the sources the model files of package `packageName` name in a literal `source('…', '…')` call. */
export const sourcesNamed = (packageName: string, models: ReadonlyArray<SqlFile>): ReadonlySet<string> => {
  const named = new Set<string>()
  for (const m of models) {
    for (const call of m.rawCode.matchAll(SOURCE_CALL)) named.add(`source.${packageName}.${call[2]}.${call[4]}`)
  }
  return named
}

const SOURCE_CALL = /source\s*\(\s*(['"])([^'"]+)\1\s*,\s*(['"])([^'"]+)\3/g

/**
 * Binds the graph's seeds and models on `compute`. Never fails: a model the engine refuses is an E312 diagnostic
 * (its children are then not checked), a seed that does not load is E313, a model reading a source without
 * declared column types is W303 (once per source).
 */
export const bind = (
  project: DbtProject,
  graph: Graph,
  compute: Compute.ComputeShape,
  started?: Setup,
): Effect.Effect<BindResult> =>
  Effect.gen(function* () {
    const prepared =
      started ?? (yield* setup(project.sources, compute, graph.nodes.values().next().value?.database ?? "warehouse"))
    // Seeds first, then the models by DAG level.
    const seeds: Array<Node> = []
    const models: Array<Node> = []
    for (const id of graph.order) {
      const n = graph.nodes.get(id)
      if (n?.resourceType === "seed") seeds.push(n)
      else if (n?.resourceType === "model") models.push(n)
    }
    const level = new Map<string, number>()
    const levelOf = (n: Node): number => {
      const known = level.get(n.uniqueId)
      if (known !== undefined) return known
      level.set(n.uniqueId, 0) // provisional, so a cycle in the graph ends the recursion
      let l = 0
      for (const p of n.dependsOn) {
        const parent = graph.nodes.get(p)
        if (parent !== undefined && parent.resourceType === "model") l = Math.max(l, levelOf(parent) + 1)
      }
      level.set(n.uniqueId, l)
      return l
    }
    const byLevel = new Map<number, Array<Node>>()
    for (const n of models) {
      const l = levelOf(n)
      const list = byLevel.get(l)
      if (list === undefined) byLevel.set(l, [n])
      else list.push(n)
    }
    const batches = [seeds, ...[...byLevel.keys()].sort((a, b) => a - b).map((l) => byLevel.get(l) ?? [])]
    return yield* bindBatches(
      project,
      compute,
      prepared,
      Effect.sync(() => batches.shift()),
    )
  })

/**
 * Binds nodes as they are handed over: `next` gives the next batch — the seeds, then the models one DAG level at a
 * time, so a model's parents are in earlier batches — and undefined when there are no more (Graph.build's
 * `onNodes` gives them in that order). A batch's models are created by one script. Never fails, as `bind`.
 */
export const bindBatches = (
  project: DbtProject,
  compute: Compute.ComputeShape,
  started: Setup,
  next: Effect.Effect<ReadonlyArray<Node> | undefined>,
): Effect.Effect<BindResult> =>
  Effect.gen(function* () {
    const columns = new Map<string, ReadonlyArray<Compute.Column>>()
    const diagnostics: Array<Diagnostic.Diagnostic> = []
    // Filled with the sources created by `setup` once the first batch has made its schemas (see below).
    const ready = new Set<string>()
    let sourcesJoined = false
    const schemas = new Set<string>(started.schemas)
    const file = (n: Node) => `${project.root}/${n.originalFilePath}`
    const relationOf = (n: { database: string; schema: string; alias: string }): Compute.Relation => ({
      database: n.database,
      schema: n.schema,
      identifier: n.alias,
    })
    const ensure = (r: Compute.Relation) =>
      Effect.gen(function* () {
        const key = `${r.database}.${r.schema}`
        if (schemas.has(key)) return
        schemas.add(key)
        yield* Effect.ignore(compute.ensureSchema(r))
      })
    const warnedSources = new Set<string>()
    const waiting = new Map(started.later)
    let bound = 0
    let unchecked = 0
    const createSql = (n: Node) =>
      `CREATE OR REPLACE TABLE ${compute.render(relationOf(n))} AS SELECT * FROM (${n.compiledCode}) AS floe_bind LIMIT 0`
    const refused = (n: Node, message: string) =>
      diagnostics.push(
        make(
          "FLOE-E312",
          `model ${n.name} does not compile: ${firstLine(message)}`,
          { file: file(n), line: 1, column: 1 },
          `The engine said: ${message.split("\n").slice(0, 3).join(" ").trim()}. Fix the SQL and run floe validate again.`,
        ),
      )
    const messageOf = (exit: Exit.Exit<unknown, Compute.ComputeError>) =>
      Exit.isFailure(exit)
        ? exit.cause.reasons.map((r) => (r._tag === "Fail" ? r.error.message : String(r))).join("; ")
        : ""
    const created: Array<Node> = []
    const learn = (n: Node) =>
      Effect.sync(() => {
        created.push(n)
        ready.add(n.uniqueId)
        bound++
      })

    const loadSeed = (n: Node) =>
      Effect.gen(function* () {
        const relation = relationOf(n)
        yield* ensure(relation)
        const columnTypes = n.config["column_types"]
        const loaded = yield* Effect.exit(
          compute.loadCsv({
            relation,
            file: `${project.root}/${n.originalFilePath}`,
            columnTypes:
              typeof columnTypes === "object" && columnTypes !== null
                ? Object.fromEntries(Object.entries(columnTypes).map(([k, v]) => [k, String(v)]))
                : undefined,
            delimiter: typeof n.config["delimiter"] === "string" ? n.config["delimiter"] : undefined,
          }),
        )
        if (Exit.isFailure(loaded)) {
          const message = loaded.cause.reasons.map((r) => (r._tag === "Fail" ? r.error.message : String(r))).join("; ")
          diagnostics.push(
            make("FLOE-E313", `seed ${n.name} cannot be loaded: ${firstLine(message)}`, {
              file: file(n),
              line: 1,
              column: 1,
            }),
          )
          return
        }
        const info = yield* Effect.option(compute.describeRelation(relation))
        if (info._tag === "Some" && info.value) columns.set(n.uniqueId, info.value.columns)
        ready.add(n.uniqueId)
      })

    for (let batch = yield* next; batch !== undefined; batch = yield* next) {
      // The models' schemas first: for the first models they are made as soon as a connection is free, while the
      // sources' other script may still run, instead of after both. (Seeds do not wait for the sources.)
      let models = false
      for (const n of batch) {
        if (n.resourceType !== "model" || n.compiledCode === undefined) continue
        models = true
        if (n.config["materialized"] !== "ephemeral") yield* ensure(relationOf(n))
      }
      if (models && !sourcesJoined) {
        sourcesJoined = true
        for (const id of yield* started.sources) ready.add(id)
      }
      // Sources set aside by `setup` that this batch reads: created now, before the models are checked.
      const needed: Array<{ id: string; sql: string }> = []
      for (const n of batch) {
        for (const p of n.dependsOn) {
          const sql = waiting.get(p)
          if (sql === undefined) continue
          waiting.delete(p)
          needed.push({ id: p, sql })
        }
      }
      for (const id of yield* createAll(compute, needed)) ready.add(id)
      const tables: Array<Node> = []
      for (const n of batch) {
        if (n.resourceType === "seed") {
          yield* loadSeed(n)
          continue
        }
        if (n.resourceType !== "model" || n.compiledCode === undefined) continue
        const missing = n.dependsOn.filter((p) => !ready.has(p))
        if (missing.length > 0) {
          unchecked++
          for (const p of missing) {
            if (p.startsWith("source.") && !warnedSources.has(p)) {
              warnedSources.add(p)
              diagnostics.push(
                make(
                  "FLOE-W303",
                  `${n.name} reads ${p.split(".").slice(2).join(".")}, whose columns have no declared data_type; models reading it are checked only when they run`,
                  { file: file(n), line: 1, column: 1 },
                ),
              )
            }
          }
          continue
        }
        if (n.config["materialized"] === "ephemeral") {
          // Ephemeral models are inlined into their readers; bind the query itself for its columns.
          const described = yield* Effect.exit(compute.describeQuery(n.compiledCode))
          if (Exit.isSuccess(described)) {
            columns.set(n.uniqueId, described.value)
            ready.add(n.uniqueId)
            bound++
          } else refused(n, messageOf(described))
          continue
        }
        tables.push(n) // its schema was made above
      }
      if (tables.length === 0) continue
      // The batch's models in `SCRIPTS` scripts at once; a script that fails is rerun one statement at a time,
      // which says which model the engine refused. Learned and reported in the batch's order.
      const outcomes = yield* runSplit(compute, tables, createSql)
      for (const [i, n] of tables.entries()) {
        const outcome = outcomes[i]
        if (outcome === undefined) continue
        if (Exit.isSuccess(outcome)) yield* learn(n)
        else refused(n, messageOf(outcome))
      }
    }
    // Every created table's columns in one query (the standard information_schema, so any engine answers it):
    // one catalog scan instead of one lookup per model.
    if (created.length > 0) {
      // only the schemas the models were created in (not the sources')
      const found = yield* columnsIn(compute, [...new Set(created.map((n) => n.schema))])
      for (const n of created) {
        const cols = found.get(`${n.database}\u0000${n.schema}\u0000${n.alias}`)
        if (cols !== undefined) columns.set(n.uniqueId, cols)
      }
    }
    return { columns, diagnostics, bound, unchecked }
  })
