/**
 * DuckDB compute for Floe (`@duckdb/node-api`): the embedded default engine. A file or in-memory database, a pool
 * of connections so models build in parallel, transactional materialisations, cancellation by interruption.
 */
import { mkdir, rename, rm, stat } from "node:fs/promises"
import { basename, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import { Compute as Computed } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Pool from "effect/Pool"
import { buildIncremental, tableSwap } from "./internal/sql.ts"

export interface Options {
  /** Database file, or ":memory:" (the default). */
  readonly path?: string | undefined
  /** DuckDB worker threads (default: DuckDB's own choice, the number of cores). */
  readonly threads?: number | undefined
  /** Connections in the pool: how many statements may run at once (default 4). */
  readonly connections?: number | undefined
  /**
   * For an in-memory database: the name SQL refers to it by (DuckDB's own default is "memory"). Compile-time
   * binding uses it to check SQL written for `"warehouse"."main"."x"` without touching the warehouse file.
   */
  readonly database?: string | undefined
  /**
   * An engine that only binds queries into empty tables (compile-time checking: `CREATE TABLE … AS SELECT … LIMIT
   * 0`), never processes rows: every optimizer pass except filter pushdown (which turns `LIMIT 0` into an empty
   * plan) is switched off — about 15% less work per statement, and a query's columns and types do not depend on
   * them. Errors the optimizer alone would raise are then found at run time.
   */
  readonly bindOnly?: boolean | undefined
}

/** The optimizer passes a bind-only engine keeps (see `Options.bindOnly`). */
const BIND_ONLY_OPTIMIZERS = ["filter_pushdown"]

const PREFIXES: ReadonlyArray<readonly [RegExp, Computed.ComputeErrorReason]> = [
  [/^Parser Error/, "Syntax"],
  [/^Binder Error/, "Binder"],
  [/^Catalog Error/, "NotFound"],
  [/^Constraint Error/, "Constraint"],
  [/^(Conversion|Invalid Input|Out of Range|Mismatch Type) Error/, "Conversion"],
  [/^TransactionContext Error.*[Cc]onflict/, "Conflict"],
  [/^INTERRUPT Error/, "Interrupted"],
  [/^Out of Memory Error/, "Resource"],
  [/^IO Error.*(No files found|does not exist|No such file)/s, "NotFound"],
  [/^IO Error/, "Resource"],
  [/^Connection Error/, "Connection"],
]

/** Maps a DuckDB error to the compute error reasons by the error class DuckDB prefixes its messages with. */
export const toComputeError = (cause: unknown, sql?: string, relation?: string): Computed.ComputeError => {
  if (cause instanceof Computed.ComputeError) return cause
  const message = cause instanceof Error ? cause.message : String(cause)
  const reason = PREFIXES.find(([re]) => re.test(message))?.[1] ?? "Unknown"
  return new Computed.ComputeError({ reason, message, sql, relation, cause })
}

const toPlain = (row: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(row)) {
    out[k] = typeof v === "bigint" ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v
  }
  return out
}

const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`

/**
 * Creates `dir` and its missing parents one level at a time. (Node's recursive mkdir spins forever on paths under
 * /proc; creating level by level fails fast there, as anywhere a parent cannot be written.)
 */
const makeParents = async (dir: string): Promise<void> => {
  const missing: Array<string> = []
  let current = dir
  while (
    !(await stat(current).then(
      () => true,
      () => false,
    ))
  ) {
    missing.push(current)
    const parent = dirname(current)
    if (parent === current) break
    current = parent
  }
  for (const d of missing.reverse())
    await mkdir(d).catch((e: NodeJS.ErrnoException) => (e.code === "EEXIST" ? undefined : Promise.reject(e)))
}

/**
 * Runs statements and returns the rows of the last one as DuckDB values (strings, booleans, bigints), read from the
 * materialised result synchronously: `runAndReadAll` fetches each chunk in another round trip to DuckDB's thread,
 * which on small catalog results costs more than the query.
 */
const rowsOf = async (c: DuckDBConnection, sql: string): Promise<Array<Record<string, unknown>>> => {
  const result = await c.run(sql)
  const names = result.columnNames()
  const rows: Array<Record<string, unknown>> = []
  for (let i = 0; i < result.chunkCount; i++) rows.push(...result.getChunk(i).getRowObjects(names))
  return rows
}

/** Runs a statement and returns the row count DuckDB reports for writes (its `Count` column), else 0. */
const count = async (c: DuckDBConnection, sql: string): Promise<number> => {
  const n = (await rowsOf(c, sql))[0]?.Count
  return typeof n === "bigint" ? Number(n) : typeof n === "number" ? n : 0
}

/**
 * Opens a DuckDB database and returns the compute service. The database and its connections close when the scope
 * closes. Fails with a Connection ComputeError when the file cannot be opened (for example, locked by another
 * process).
 */
export const make = Effect.fn("DuckDBCompute.make")(function* (options: Options = {}) {
  const path = options.path ?? ":memory:"
  const config: Record<string, string> = {}
  if (options.threads !== undefined) config.threads = String(options.threads)
  const instance = yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        // DuckDB creates the database file but not its directory (.floe/ in a fresh product).
        if (path !== ":memory:" && !path.startsWith("md:")) await makeParents(dirname(resolve(path)))
        return DuckDBInstance.create(path, config)
      },
      catch: (e) =>
        new Computed.ComputeError({
          reason: "Connection",
          message: `cannot open DuckDB at ${path}: ${String(e)}`,
          cause: e,
        }),
    }),
    (db) => Effect.sync(() => db.closeSync()),
  )
  const alias =
    path === ":memory:" && options.database !== undefined && options.database !== "memory"
      ? options.database
      : undefined
  if (alias !== undefined || options.bindOnly === true) {
    yield* Effect.tryPromise({
      try: async () => {
        const c = await instance.connect()
        try {
          if (alias !== undefined) await c.run(`ATTACH ':memory:' AS ${Computed.quoteAnsi(alias)}`)
          if (options.bindOnly === true) {
            // The passes this DuckDB version has, less the ones kept (naming one it lacks would be an error).
            const keep = BIND_ONLY_OPTIMIZERS.map(literal).join(", ")
            const off = await c.runAndReadAll(
              `SELECT string_agg(name, ',') FROM duckdb_optimizers() WHERE name NOT IN (${keep})`,
            )
            const names = off.getRows()[0]?.[0]
            if (typeof names === "string") await c.run(`SET GLOBAL disabled_optimizers = ${literal(names)}`)
          }
        } finally {
          c.closeSync()
        }
      },
      catch: (e) => toComputeError(e),
    })
  }
  const pool = yield* Pool.make({
    acquire: Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const c = await instance.connect()
          if (alias !== undefined) await c.run(`USE ${Computed.quoteAnsi(alias)}`)
          return c
        },
        catch: (e) => toComputeError(e),
      }),
      (c) => Effect.sync(() => c.closeSync()),
    ),
    size: Math.max(1, options.connections ?? 4),
  })

  /**
   * Runs `f` on a pooled connection. Interrupting the fiber interrupts the running statement and waits until it has
   * stopped (and any transaction has rolled back), so a connection never returns to the pool while still busy.
   */
  const withConnection = <A>(f: (c: DuckDBConnection) => Promise<A>, sql?: string, relation?: string) =>
    Effect.scoped(
      Effect.flatMap(Pool.get(pool), (c) =>
        Effect.callback<A, Computed.ComputeError>((resume) => {
          let settled = false
          const done = f(c).then(
            (a) => {
              settled = true
              resume(Effect.succeed(a))
            },
            (e: unknown) => {
              settled = true
              resume(Effect.fail(toComputeError(e, sql, relation)))
            },
          )
          return Effect.promise(async () => {
            // An interrupt that lands before DuckDB has started the statement is lost, so repeat it until the
            // statement has ended.
            while (!settled) {
              c.interrupt()
              await Promise.race([done, new Promise((r) => setTimeout(r, 10))])
            }
          })
        }),
      ),
    )

  const quote = Computed.quoteAnsi
  const render = (relation: Computed.Relation) => Computed.renderWith(quote, relation)

  // DuckDB's table functions rather than information_schema: information_schema.tables and .columns build their
  // rows for every relation in the catalog (and bind every view) before filtering, ~6 ms a call at 500 relations,
  // where duckdb_views() plus pragma_table_info() on the one relation take under 1 ms.
  const describeOn = async (
    c: DuckDBConnection,
    relation: Computed.Relation,
    known?: "table" | "view",
  ): Promise<Computed.RelationInfo | undefined> => {
    let isView = known === "view"
    if (known === undefined) {
      const views = (
        await rowsOf(
          c,
          `SELECT count(*) AS n FROM duckdb_views() WHERE database_name = ${
            relation.database ? literal(relation.database) : "current_database()"
          } AND schema_name = ${literal(relation.schema)} AND view_name = ${literal(relation.identifier)}`,
        )
      )[0]?.n
      isView = views !== undefined && Number(views) > 0
    }
    let cols: ReadonlyArray<Record<string, unknown>>
    try {
      cols = await rowsOf(c, columnsSql(relation))
    } catch (e) {
      // No such table or view (a Catalog Error), or a view that no longer binds: it exists, without columns.
      if (isView) return { kind: "view", columns: [] }
      if (e instanceof Error && /^Catalog Error/.test(e.message)) return undefined
      throw e
    }
    // duckdb_columns() has no rows for a name that is not there (a table has at least one column).
    if (cols.length === 0 && !isView) return undefined
    return { kind: isView ? "view" : "table", columns: toColumns(cols) }
  }

  // pragma_table_info reads a qualified name, but DuckDB 1.5 does not undo `""` in it (a table named `we"ird` is
  // looked up as `weird`); such names are looked up by their parts in duckdb_columns() (slower: it lists the catalog).
  const columnsSql = (relation: Computed.Relation) =>
    [relation.database, relation.schema, relation.identifier].some((p) => p?.includes('"'))
      ? `SELECT column_name AS name, data_type AS type, NOT is_nullable AS "notnull" FROM duckdb_columns() WHERE lower(database_name) = lower(${
          relation.database ? literal(relation.database) : "current_database()"
        }) AND lower(schema_name) = lower(${literal(relation.schema)}) AND lower(table_name) = lower(${literal(
          relation.identifier,
        )}) ORDER BY column_index`
      : `SELECT name, type, "notnull" FROM pragma_table_info(${literal(render(relation))}) ORDER BY cid`
  const toColumns = (rows: ReadonlyArray<Record<string, unknown>>): ReadonlyArray<Computed.Column> =>
    rows.map((r) => ({ name: String(r.name), type: String(r.type), nullable: r.notnull !== true }))

  /** Runs a statement this adapter cannot follow: what it knows of the catalog is forgotten first. */
  const forget = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.suspend(() => {
      forgetCatalog()
      return effect
    })

  // What stands at each name — a table or a view — read from the catalog once (one query, ~2 ms at 500
  // relations) and from then on kept by this adapter's own builds and drops, so that a build does not ask the
  // catalog first (two queries a model, a third of the runtime's overhead on a 500-model project). Only this
  // process writes the database (DuckDB locks the file), so only statements this adapter cannot follow change it
  // behind its back: `execute` and `query` forget it, and so does any build or drop that fails (whether its commit
  // happened is then unknown). Names are keyed case-insensitively, as DuckDB looks them up.
  let standing: Map<string, "table" | "view"> | undefined
  let currentDatabase = ""
  let generation = 0
  // Changes recorded while a catalog read is in flight, replayed onto its answer (it may predate them).
  const journals = new Set<Array<readonly [Computed.Relation, "table" | "view" | undefined]>>()
  const keyOf = (r: Computed.Relation, db = currentDatabase) =>
    `${(r.database || db).toLowerCase()}\u0000${r.schema.toLowerCase()}\u0000${r.identifier.toLowerCase()}`
  const forgetCatalog = () => {
    standing = undefined
    generation++
  }
  const noteStanding = (relation: Computed.Relation, kind: "table" | "view" | undefined) => {
    for (const journal of journals) journal.push([relation, kind])
    if (standing === undefined) return
    if (kind === undefined) standing.delete(keyOf(relation))
    else standing.set(keyOf(relation), kind)
  }
  /** What stands at `relation`: from what this adapter knows, reading the whole catalog first if it knows nothing. */
  const standingKind = (
    relation: Computed.Relation,
  ): Effect.Effect<"table" | "view" | undefined, Computed.ComputeError> =>
    Effect.suspend(() => {
      if (standing !== undefined) return Effect.succeed(standing.get(keyOf(relation)))
      const gen = generation
      const journal: Array<readonly [Computed.Relation, "table" | "view" | undefined]> = []
      journals.add(journal)
      return withConnection((c) =>
        rowsOf(
          c,
          `SELECT current_database() AS db, NULL AS d, NULL AS s, NULL AS n, NULL AS k
           UNION ALL SELECT NULL, database_name, schema_name, table_name, 'table' FROM duckdb_tables()
           UNION ALL SELECT NULL, database_name, schema_name, view_name, 'view' FROM duckdb_views() WHERE NOT internal`,
        ),
      ).pipe(
        Effect.map((rows) => {
          const db = String(rows.find((r) => r.db !== null)?.db ?? "")
          const read = new Map<string, "table" | "view">()
          for (const r of rows) {
            if (r.db !== null) continue
            const rel = { database: String(r.d), schema: String(r.s), identifier: String(r.n) }
            read.set(keyOf(rel, db), r.k === "view" ? "view" : "table")
          }
          for (const [rel, kind] of journal) {
            if (kind === undefined) read.delete(keyOf(rel, db))
            else read.set(keyOf(rel, db), kind)
          }
          // Kept only when nothing was forgotten meanwhile; the answer holds either way.
          if (gen === generation) {
            currentDatabase = db
            standing = read
          }
          return read.get(keyOf(relation, db))
        }),
        Effect.ensuring(Effect.sync(() => journals.delete(journal))),
      )
    })

  /**
   * From the catalog; what kind stands there, when this adapter knows, spares the view lookup, and a name it knows
   * to be free is not looked up at all. (Builds no longer describe what they built: the runtime reads the columns
   * for its lineage event on another connection while the next model builds, off the run's critical path.)
   */
  const describeRelation: Computed.ComputeShape["describeRelation"] = (relation) =>
    Effect.suspend(() => {
      if (standing !== undefined && !standing.has(keyOf(relation))) return Effect.succeed(undefined)
      const known = standing?.get(keyOf(relation))
      return withConnection((c) => describeOn(c, relation, known), undefined, render(relation))
    })

  const describeQuery: Computed.ComputeShape["describeQuery"] = (sql) =>
    withConnection(async (c) => {
      const prepared = await c.prepare(sql)
      try {
        return Array.from({ length: prepared.columnCount }, (_, i) => ({
          name: prepared.columnName(i),
          type: prepared.columnType(i).toString(),
        }))
      } finally {
        prepared.destroySync()
      }
    }, sql)

  const dropStatements = (relation: Computed.Relation, kind: "table" | "view" | undefined): Array<string> =>
    kind === "view"
      ? [`DROP VIEW IF EXISTS ${render(relation)}`]
      : kind === "table"
        ? [`DROP TABLE IF EXISTS ${render(relation)}`]
        : []

  /**
   * Builds `relation` in one transaction on one connection in as few round trips as DuckDB allows:
   * - a view: BEGIN, the drop of a table standing there, CREATE OR REPLACE VIEW and COMMIT in one batch;
   * - a table: BEGIN and the build aside in one batch (the last statement's count is the table's rows), the swap
   *   (drop, rename) and COMMIT in a second.
   * Statements are joined by a line break and `;`, so a trailing line comment in the model's SQL ends with its
   * line. On failure or interruption the transaction rolls back — what stood there stays — and what this adapter
   * knows of the catalog is forgotten (after a failed COMMIT it cannot know).
   */
  const build = (
    relation: Computed.Relation,
    kind: "table" | "view",
    sql: string,
    standing: "table" | "view" | undefined,
  ): Effect.Effect<{ readonly rows: number | undefined }, Computed.ComputeError> => {
    const target = render(relation)
    const script = (statements: ReadonlyArray<string>) => statements.join("\n;\n")
    return withConnection(
      async (c) => {
        try {
          if (kind === "view") {
            const drop = standing === "table" ? dropStatements(relation, "table") : []
            await c.run(script(["BEGIN TRANSACTION", ...drop, `CREATE OR REPLACE VIEW ${target} AS ${sql}`, "COMMIT"]))
            return { rows: undefined }
          }
          const [aside = "", ...swap] = tableSwap(render, relation, sql, standing)
          const rows = await count(c, script(["BEGIN TRANSACTION", aside]))
          await c.run(script([...swap, "COMMIT"]))
          return { rows }
        } catch (e) {
          await c.run("ROLLBACK").catch(() => undefined)
          throw e
        }
      },
      undefined,
      target,
    ).pipe(
      Effect.onExit((exit) =>
        Effect.sync(() => (Exit.isSuccess(exit) ? noteStanding(relation, kind) : forgetCatalog())),
      ),
    )
  }

  const materialize: Computed.ComputeShape["materialize"] = (m: Computed.Materialization) =>
    Effect.gen(function* () {
      const target = render(m.relation)
      if (m.kind === "view") {
        yield* build(m.relation, "view", m.sql, yield* standingKind(m.relation))
        return { rows: undefined, action: "view" as const }
      }
      // An incremental model needs the existing table's columns; a table only needs to know what stands there.
      const existing = m.kind === "incremental" ? yield* describeRelation(m.relation) : undefined
      if (m.kind === "table" || existing === undefined || existing.kind === "view" || m.fullRefresh) {
        const standing = m.kind === "table" ? yield* standingKind(m.relation) : existing?.kind
        const { rows } = yield* build(m.relation, "table", m.sql, standing)
        return { rows: rows ?? 0, action: standing === undefined ? ("created" as const) : ("replaced" as const) }
      }
      // Incremental on an existing table: stage the new rows, reconcile the schema, apply the strategy, all in
      // one transaction on one connection (the staged table is a temp table of that connection).
      const staged = quote(`${m.relation.identifier}__floe_incr`)
      return yield* withConnection(
        async (c) => {
          await c.run("BEGIN TRANSACTION")
          try {
            await c.run(`CREATE OR REPLACE TEMP TABLE ${staged} AS ${m.sql}`)
            // Read from the catalog as the table's own columns are: a prepared statement names some types
            // differently (STRUCT("a" VARCHAR) for STRUCT(a VARCHAR), VARCHAR for JSON), which would be a change.
            const source = toColumns(
              await rowsOf(
                c,
                columnsSql({ database: "temp", schema: "main", identifier: `${m.relation.identifier}__floe_incr` }),
              ),
            )
            const changes = Computed.diffColumns(existing.columns, source)
            const plan = buildIncremental(render, quote, m, existing.columns, source, staged, changes)
            if (plan._tag === "Fail") {
              throw new Computed.ComputeError({ reason: "SchemaChange", message: plan.message, relation: target })
            }
            let rows = 0
            for (const statement of plan.statements) {
              const n = await count(c, statement.sql)
              if (statement.counts) rows += n
            }
            await c.run(`DROP TABLE IF EXISTS ${staged}`)
            await c.run("COMMIT")
            const changed = changes.added.length + changes.removed.length + changes.changed.length > 0
            return { rows, action: "incremental" as const, schemaChanges: changed ? changes : undefined }
          } catch (e) {
            await c.run("ROLLBACK").catch(() => undefined)
            throw e
          }
        },
        m.sql,
        target,
      ).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => (Exit.isSuccess(exit) ? noteStanding(m.relation, "table") : forgetCatalog())),
        ),
      )
    })

  const loadCsv: Computed.ComputeShape["loadCsv"] = (load) =>
    Effect.gen(function* () {
      const standing = yield* standingKind(load.relation)
      const args = [literal(load.file), "header = true", "auto_detect = true"]
      if (load.delimiter !== undefined) args.push(`delim = ${literal(load.delimiter)}`)
      const types = Object.entries(load.columnTypes ?? {})
      if (types.length > 0) args.push(`types = {${types.map(([k, v]) => `${literal(k)}: ${literal(v)}`).join(", ")}}`)
      const { rows } = yield* build(load.relation, "table", `SELECT * FROM read_csv(${args.join(", ")})`, standing)
      return { rows: rows ?? 0 }
    })

  /**
   * Parquet through DuckDB's bundled writer: `COPY … TO` a hidden file beside the target with the Iceberg field ids,
   * then a rename, so the file appears whole or not at all. Local paths (or `file://` URIs) only: object stores
   * would need the httpfs extension, which is not bundled and is never downloaded.
   */
  const parquet: Computed.ParquetSupport = {
    write: (request) =>
      Effect.gen(function* () {
        const local = request.path.startsWith("file://") ? fileURLToPath(request.path) : request.path
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(local)) {
          return yield* Effect.fail(
            new Computed.ComputeError({
              reason: "Connection",
              message: `DuckDB here writes local files only, not '${request.path}' (object stores need the httpfs extension, which is not bundled)`,
            }),
          )
        }
        const hidden = join(dirname(local), `.${basename(local)}.${process.pid}.${Date.now()}.tmp`)
        const ids = Object.entries(request.fieldIds)
          .map(([name, id]) => `${literal(name)}: ${Math.trunc(id)}`)
          .join(", ")
        const sql = `COPY (${request.sql}) TO ${literal(hidden)} (FORMAT parquet${ids === "" ? "" : `, FIELD_IDS {${ids}}`}, RETURN_STATS)`
        const written = yield* withConnection(async (c) => {
          await makeParents(dirname(local))
          try {
            const row = (await c.runAndReadAll(sql)).getRowObjectsJson()[0]
            await rename(hidden, local)
            return row
          } catch (e) {
            await rm(hidden, { force: true })
            throw e
          }
        }, sql)
        const columns: Record<string, Computed.ParquetColumnStats> = {}
        const stats = (written?.["column_statistics"] ?? []) as unknown as ReadonlyArray<{
          key: string
          value: ReadonlyArray<{ key: string; value: string | null }>
        }>
        for (const entry of stats) {
          const name = entry.key.startsWith('"') ? entry.key.slice(1, -1).replaceAll('""', '"') : entry.key
          const text = (k: string) => entry.value.find((x) => x.key === k)?.value ?? undefined
          const get = (k: string) => {
            const v = text(k)
            return v === undefined ? undefined : Number(v)
          }
          columns[name] = {
            valueCount: get("num_values"),
            nullCount: get("null_count"),
            sizeBytes: get("column_size_bytes"),
            min: text("min"),
            max: text("max"),
          }
        }
        return {
          path: request.path,
          records: Number(written?.["count"] ?? 0),
          bytes: Number(written?.["file_size_bytes"] ?? 0),
          columns,
        }
      }),
    scan: (paths) =>
      `read_parquet([${paths.map((p) => literal(p.startsWith("file://") ? fileURLToPath(p) : p)).join(", ")}])`,
  }

  // Queries that run at once share `threads` cores. DuckDB runs a statement on the thread that issued it plus its
  // `threads - 1` workers, shared by every statement; so k statements at once already keep k threads busy, and the
  // workers only add threads the cores do not have (2 test queries on 2 cores with 2 DuckDB threads: 3 threads).
  // While k > 1 queries run, DuckDB's threads are lowered to `threads - k + 1` (never raised meanwhile: a statement
  // keeps the workers it started with), and set back to `threads` when none runs. On a 2-core machine, the fused
  // tests of 25 tables of 100,000 rows (one row group: one core per statement anyway), 2 at a time, took 810 ms
  // with DuckDB at 1 thread against 996 ms at 2 (medians of 6, alternating, load 4-5). Builds are not counted;
  // they run before the tests and keep every thread.
  const budget = options.threads !== undefined && options.threads > 1 ? options.threads : undefined
  let queriesRunning = 0
  let threadsSet = budget ?? 0
  const query = (sql: string) =>
    withConnection(async (c) => {
      queriesRunning++
      try {
        if (budget !== undefined) {
          const want = Math.max(1, budget - queriesRunning + 1)
          if (want < threadsSet) {
            threadsSet = want
            // A database that refuses (lock_configuration) keeps its threads; the query runs all the same.
            await c.run(`SET threads = ${want}`).catch(() => undefined)
          }
        }
        return (await c.runAndReadAll(sql)).getRowObjectsJS().map(toPlain)
      } finally {
        queriesRunning--
        if (budget !== undefined && queriesRunning === 0 && threadsSet !== budget) {
          threadsSet = budget
          await c.run(`SET threads = ${budget}`).catch(() => {
            threadsSet = 1 // try again when the next queries end
          })
        }
      }
    }, sql)

  const service: Computed.ComputeShape = {
    dialect: "duckdb",
    quote,
    render,
    execute: (sql) => forget(withConnection((c) => c.run(sql).then(() => undefined), sql)),
    query: (sql) => forget(query(sql)),
    describeQuery,
    describeRelation,
    ensureSchema: (r) => {
      const sql = `CREATE SCHEMA IF NOT EXISTS ${r.database ? `${quote(r.database)}.` : ""}${quote(r.schema)}`
      return withConnection((c) => c.run(sql).then(() => undefined), sql)
    },
    dropRelation: (relation) =>
      Effect.gen(function* () {
        const existing = yield* standingKind(relation)
        if (existing === undefined) return
        yield* withConnection((c) => c.run(dropStatements(relation, existing)[0] ?? "").then(() => undefined)).pipe(
          Effect.onExit((exit) =>
            Effect.sync(() => (Exit.isSuccess(exit) ? noteStanding(relation, undefined) : forgetCatalog())),
          ),
        )
      }),
    materialize,
    loadCsv,
    parquet,
  }
  return service
})

/** A layer providing `Compute` backed by DuckDB; the database closes with the layer. */
export const layer = (options: Options = {}): Layer.Layer<Computed.Compute, Computed.ComputeError> =>
  Layer.effect(Computed.Compute, make(options))
