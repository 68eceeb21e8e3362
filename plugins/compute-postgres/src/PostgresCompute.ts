/**
 * PostgreSQL compute for Floe (`pg`): runs a product's models on a PostgreSQL warehouse. A pool of connections so
 * models build in parallel, a statement timeout, transactional materialisations (PostgreSQL DDL is transactional),
 * seeds through `COPY … FROM STDIN`, binding without running through the extended protocol's Describe, and
 * cancellation by interruption.
 */
import { readFile } from "node:fs/promises"
import { Compute as Computed } from "@floe/spec"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import pg from "pg"
import * as Csv from "./internal/csv.ts"
import { CopyIn, Describe } from "./internal/protocol.ts"
import { asideName, buildIncremental, tableSwap } from "./internal/sql.ts"

/** The schema models land in unless the relation names another. */
export const DEFAULT_SCHEMA = "public"

export interface Config {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly user?: string | undefined
  /** Stays redacted until it is handed to the driver. */
  readonly password?: Redacted.Redacted<string> | undefined
  /** The schema models land in and unqualified names resolve to first (`search_path`). Default `public`. */
  readonly schema?: string | undefined
  /** Connections in the pool: how many statements may run at once (default 4). */
  readonly connections?: number | undefined
  /** PostgreSQL's `statement_timeout` for every statement (default: none). Exceeding it fails with `Timeout`. */
  readonly statementTimeout?: Duration.Input | undefined
  /** How long to wait for a new connection (default 10 seconds). */
  readonly connectTimeout?: Duration.Input | undefined
  /** `application_name` shown in `pg_stat_activity` (default `floe`). */
  readonly applicationName?: string | undefined
}

/** The compute service, plus the schema models land in. */
export interface PostgresComputeShape extends Computed.ComputeShape {
  readonly schema: string
}

/**
 * The `plugins.compute.config` of a platform manifest (`type: postgres`). Secrets never appear in it:
 * `password_env` names the environment variable holding the password.
 */
export interface ManifestConfig {
  readonly host?: string | undefined
  readonly port?: number | string | undefined
  readonly database?: string | undefined
  readonly user?: string | undefined
  readonly password_env?: string | undefined
  readonly schema?: string | undefined
  readonly connections?: number | undefined
  /** Milliseconds, or a duration such as "30 minutes". */
  readonly statement_timeout?: number | string | undefined
}

/**
 * Reads a manifest's compute config, taking the password from the environment variable `password_env` names. Fails
 * with a Connection error when that variable is unset, or when the config holds a password itself.
 */
export const fromManifest = (
  config: ManifestConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Effect.Effect<Config, Computed.ComputeError> =>
  Effect.suspend(() => {
    if ("password" in config) {
      return Effect.fail(
        new Computed.ComputeError({
          reason: "Connection",
          message:
            "The postgres compute config holds a password; name an environment variable with password_env instead",
        }),
      )
    }
    let password: Redacted.Redacted<string> | undefined
    if (config.password_env !== undefined) {
      const value = env[config.password_env]
      if (value === undefined) {
        return Effect.fail(
          new Computed.ComputeError({
            reason: "Connection",
            message: `The environment variable ${config.password_env} (password_env of the postgres compute) is not set`,
          }),
        )
      }
      password = Redacted.make(value)
    }
    const timeout = config.statement_timeout
    let statementTimeout: Duration.Input | undefined
    if (timeout !== undefined) {
      const parsed = Duration.fromInput(timeout as Duration.Input)
      if (parsed._tag === "None") {
        return Effect.fail(
          new Computed.ComputeError({
            reason: "Connection",
            message: `statement_timeout '${String(timeout)}' of the postgres compute is neither milliseconds nor a duration such as "30 minutes"`,
          }),
        )
      }
      statementTimeout = parsed.value
    }
    return Effect.succeed<Config>({
      host: config.host,
      port: config.port === undefined ? undefined : Number(config.port),
      database: config.database,
      user: config.user,
      password,
      schema: config.schema,
      connections: config.connections,
      statementTimeout,
    })
  })

const REASONS: ReadonlyArray<readonly [RegExp, Computed.ComputeErrorReason]> = [
  [/^42601$/, "Syntax"],
  [/^42P01$|^3F000$|^42704$/, "NotFound"],
  [/^42703$|^42883$|^42804$|^42803$|^42P18$|^42702$|^42725$/, "Binder"],
  [/^23/, "Constraint"],
  [/^22/, "Conversion"],
  [/^40001$|^40P01$|^55P03$/, "Conflict"],
  [/^08|^57P0[123]$|^3D000$|^28/, "Connection"],
  [/^53/, "Resource"],
]

const NODE_CONNECTION = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"])

/** Maps a pg error to the compute error reasons by its SQLSTATE (57014 by message: timeout or cancel). */
export const toComputeError = (cause: unknown, sql?: string, relation?: string): Computed.ComputeError => {
  if (cause instanceof Computed.ComputeError) return cause
  const message = cause instanceof Error ? cause.message : String(cause)
  const code =
    typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
      ? cause.code
      : undefined
  let reason: Computed.ComputeErrorReason = "Unknown"
  if (code === "57014") reason = /statement timeout/.test(message) ? "Timeout" : "Interrupted"
  else if (code !== undefined && NODE_CONNECTION.has(code)) reason = "Connection"
  else if (code !== undefined) reason = REASONS.find(([re]) => re.test(code))?.[1] ?? "Unknown"
  else if (/Connection terminated|timeout exceeded when trying to connect|not queryable/i.test(message))
    reason = "Connection"
  return new Computed.ComputeError({ reason, message, sql, relation, cause })
}

const interrupted = () => new Computed.ComputeError({ reason: "Interrupted", message: "The statement was interrupted" })

// Values as DuckDB's plugin returns them: bigint and numeric as numbers when a double holds them exactly enough
// (else strings), dates and timestamps without zone as UTC `Date`s.
const parseInt8 = (s: string): number | string => {
  const n = Number(s)
  return Number.isSafeInteger(n) ? n : s
}
const parseNumeric = (s: string): number | string => {
  const digits = s.replace(/^[-+]?0*|\.|e.*$/gi, "").replace(/^0+/, "")
  return digits.length <= 15 && Number.isFinite(Number(s)) ? Number(s) : s
}
const parseDate = (s: string): Date | string => {
  const d = new Date(`${s}T00:00:00Z`)
  return Number.isNaN(d.getTime()) ? s : d
}
const parseTimestamp = (s: string): Date | string => {
  const d = new Date(`${s.replace(" ", "T")}Z`)
  return Number.isNaN(d.getTime()) ? s : d
}
const TYPES = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === "binary") return pg.types.getTypeParser(oid, "binary")
    switch (oid) {
      case 20:
        return parseInt8
      case 1700:
        return parseNumeric
      case 1082:
        return parseDate
      case 1114:
        return parseTimestamp
      default:
        return pg.types.getTypeParser(oid, "text")
    }
  }) as typeof pg.types.getTypeParser,
}

/** `-c` values in the startup `options` escape spaces and backslashes. */
const startupOption = (s: string) => s.replace(/[\\ ]/g, "\\$&")

/**
 * Connects a pool to PostgreSQL and returns the compute service; the pool ends when the scope closes. Checks the
 * connection once, failing with a Connection ComputeError when the server cannot be reached or refuses the login.
 */
export const make = Effect.fn("PostgresCompute.make")(function* (config: Config = {}) {
  const schema = config.schema ?? DEFAULT_SCHEMA
  const timeoutMs = config.statementTimeout === undefined ? undefined : Duration.toMillis(config.statementTimeout)
  const clientConfig: pg.ClientConfig = {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password === undefined ? undefined : Redacted.value(config.password),
    application_name: config.applicationName ?? "floe",
    connectionTimeoutMillis: Duration.toMillis(config.connectTimeout ?? "10 seconds"),
    options: `-c search_path=${startupOption(Computed.quoteAnsi(schema))},public`,
    types: TYPES,
  }
  if (timeoutMs !== undefined && timeoutMs > 0) clientConfig.statement_timeout = Math.round(timeoutMs)
  const pool = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const p = new pg.Pool({ ...clientConfig, max: Math.max(1, config.connections ?? 4) })
      // An idle client losing its connection must not crash the process; the pool drops it.
      p.on("error", () => undefined)
      return p
    }),
    (p) => Effect.promise(() => p.end().catch(() => undefined)),
  )
  yield* Effect.tryPromise({
    try: () => pool.query("SELECT 1"),
    catch: (e) => {
      const error = toComputeError(e)
      return new Computed.ComputeError({
        reason: error.reason === "Unknown" ? "Connection" : error.reason,
        message: `cannot connect to PostgreSQL at ${config.host ?? "localhost"}:${config.port ?? 5432}: ${error.message}`,
        cause: e,
      })
    },
  })

  /** Cancels whatever backend `pid` runs, from a connection of its own (the pool may be exhausted). */
  const cancelBackend = async (pid: number): Promise<void> => {
    const client = new pg.Client({ ...clientConfig, statement_timeout: undefined })
    client.on("error", () => undefined)
    try {
      await client.connect()
      await client.query("SELECT pg_cancel_backend($1)", [pid])
    } catch {
      // the backend is gone or the server unreachable: nothing left to cancel
    } finally {
      await client.end().catch(() => undefined)
    }
  }

  interface Session {
    /** Runs one statement; refuses once the fiber is interrupted, so no statement starts after that. */
    readonly run: (sql: string, values?: ReadonlyArray<unknown>) => Promise<pg.QueryResult>
    readonly client: pg.PoolClient
    /** Whether the fiber was interrupted (statements sent through `client` directly ask first). */
    readonly aborted: () => boolean
  }

  /**
   * Runs `f` on a pooled connection. Interrupting the fiber stops new statements, cancels the running one
   * (`pg_cancel_backend` from another connection, repeated until `f` has settled: a cancel landing between two
   * statements is lost) and waits until `f` has finished, rollback included. The connection of an interrupted
   * session, or one left in a transaction or broken, is destroyed rather than returned to the pool.
   */
  const withSession = <A>(f: (s: Session) => Promise<A>, sql?: string, relation?: string) =>
    Effect.callback<A, Computed.ComputeError>((resume) => {
      let aborted = false
      let settled = false
      let client: pg.PoolClient | undefined
      const session = (c: pg.PoolClient): Session => ({
        client: c,
        aborted: () => aborted,
        run: (text, values) => (aborted ? Promise.reject(interrupted()) : c.query(text, values as Array<unknown>)),
      })
      const done = (async () => {
        try {
          client = await pool.connect()
        } catch (e) {
          throw toComputeError(e, sql, relation)
        }
        let broken = false
        try {
          if (aborted) throw interrupted()
          return await f(session(client))
        } catch (e) {
          const error = toComputeError(e, sql, relation)
          broken = error.reason === "Connection"
          throw error
        } finally {
          const status = (
            client as pg.PoolClient & { getTransactionStatus?: () => string | null }
          ).getTransactionStatus?.()
          // An interrupted session's connection never returns to the pool: a cancel still in flight for its
          // backend must not land on the next user's statement. pg reports a statement's error before the server
          // has finished aborting it; a round trip first waits until the backend is idle again.
          if (aborted) await client.query("SELECT 1").catch(() => undefined)
          client.release(aborted || broken || (status !== undefined && status !== null && status !== "I"))
        }
      })().then(
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
        aborted = true
        while (!settled) {
          const pid = (client as (pg.PoolClient & { processID?: number }) | undefined)?.processID
          if (pid !== undefined && pid !== null) await cancelBackend(pid)
          await Promise.race([done, new Promise((r) => setTimeout(r, 50))])
        }
      })
    })

  /** Runs `f` in one transaction on one connection, rolling back on failure or interruption. */
  const transaction = <A>(f: (s: Session) => Promise<A>, relation: string, sql?: string) =>
    withSession(
      async (s) => {
        await s.run("BEGIN")
        try {
          const result = await f(s)
          await s.client.query("COMMIT")
          return result
        } catch (e) {
          await s.client.query("ROLLBACK").catch(() => undefined)
          throw e
        }
      },
      sql,
      relation,
    )

  const quote = Computed.quoteAnsi
  // One database per connection: the database part of a relation is not written (PostgreSQL refuses
  // cross-database references even to its own name when it differs from the connected database).
  const render = (relation: Computed.Relation) => Computed.renderWith(quote, { ...relation, database: undefined })

  // Type names as PostgreSQL writes them (`format_type`), cached per OID and modifier.
  const typeNames = new Map<string, string>()
  const namesOf = async (s: Session, fields: ReadonlyArray<pg.FieldDef>): Promise<Array<Computed.Column>> => {
    const key = (f: pg.FieldDef) => `${f.dataTypeID}:${f.dataTypeModifier}`
    const missing = fields.filter((f) => !typeNames.has(key(f)))
    if (missing.length > 0) {
      const res = await s.run(
        "SELECT t.o::int AS o, t.m AS m, format_type(t.o, t.m) AS name FROM unnest($1::oid[], $2::int[]) AS t(o, m)",
        [missing.map((f) => f.dataTypeID), missing.map((f) => f.dataTypeModifier)],
      )
      for (const r of res.rows) typeNames.set(`${r.o}:${r.m}`, String(r.name))
    }
    return fields.map((f) => ({ name: f.name, type: typeNames.get(key(f)) ?? "unknown" }))
  }

  const describeSql = async (s: Session, sql: string) => {
    if (s.aborted()) throw interrupted()
    const d = new Describe(sql)
    s.client.query(d as never)
    return namesOf(s, await d.promise)
  }

  const describeOn = async (s: Session, relation: Computed.Relation): Promise<Computed.RelationInfo | undefined> => {
    const res = await s.run(
      `SELECT c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        ORDER BY a.attnum`,
      [relation.schema, relation.identifier],
    )
    const first = res.rows[0]
    if (first === undefined) return undefined
    return {
      kind: first.relkind === "v" || first.relkind === "m" ? "view" : "table",
      columns: res.rows
        .filter((r) => r.attname !== null)
        .map((r) => ({ name: String(r.attname), type: String(r.type), nullable: r.attnotnull !== true })),
    }
  }

  const describeRelation: Computed.ComputeShape["describeRelation"] = (relation) =>
    withSession((s) => describeOn(s, relation), undefined, render(relation))

  const describeQuery: Computed.ComputeShape["describeQuery"] = (sql) => withSession((s) => describeSql(s, sql), sql)

  const dropStatement = (relation: Computed.Relation, kind: "table" | "view"): string =>
    `DROP ${kind === "view" ? "VIEW" : "TABLE"} IF EXISTS ${render(relation)} CASCADE`

  interface Dependent {
    readonly schema: string
    readonly name: string
    readonly kind: string
    readonly definition: string
  }

  /**
   * The views (and materialised views) that depend on `relation`, directly or through other views, in an order
   * that creates each after what it reads. PostgreSQL binds views to the relation, not its name, so replacing it
   * means dropping them (`CASCADE`); they are re-created after the swap in the same transaction.
   */
  const dependentsOf = async (s: Session, relation: Computed.Relation): Promise<ReadonlyArray<Dependent>> => {
    const res = await s.run(
      `WITH RECURSIVE target AS (
         SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2
       ), deps(oid, depth) AS (
         SELECT r.ev_class, 1 FROM pg_catalog.pg_depend d
           JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
           JOIN target t ON d.refobjid = t.oid
          WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.ev_class <> t.oid
         UNION ALL
         SELECT r.ev_class, deps.depth + 1 FROM deps
           JOIN pg_catalog.pg_depend d ON d.refobjid = deps.oid
           JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
          WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.ev_class <> deps.oid AND deps.depth < 64
       )
       SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, pg_catalog.pg_get_viewdef(c.oid) AS definition
         FROM (SELECT oid, max(depth) AS depth FROM deps GROUP BY oid) d
         JOIN pg_catalog.pg_class c ON c.oid = d.oid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm')
        ORDER BY d.depth, n.nspname, c.relname`,
      [relation.schema, relation.identifier],
    )
    return res.rows.map((r) => ({
      schema: String(r.schema),
      name: String(r.name),
      kind: String(r.kind),
      definition: String(r.definition).replace(/;\s*$/, ""),
    }))
  }

  /**
   * Re-creates the dependent views, each under a savepoint: one that no longer binds against the new relation (a
   * column it reads is gone) stays dropped, as dbt-postgres leaves it, and the build goes on.
   */
  const restoreDependents = async (s: Session, dependents: ReadonlyArray<Dependent>): Promise<void> => {
    for (const d of dependents) {
      await s.run("SAVEPOINT floe_dependent")
      try {
        await s.run(
          `CREATE ${d.kind === "m" ? "MATERIALIZED VIEW" : "VIEW"} ${render({ schema: d.schema, identifier: d.name })} AS ${d.definition}`,
        )
        await s.run("RELEASE SAVEPOINT floe_dependent")
      } catch (e) {
        if (s.aborted() || (e as { code?: string })?.code === "57014") throw e
        await s.run("ROLLBACK TO SAVEPOINT floe_dependent")
      }
    }
  }

  /** Runs `body` (which drops and rebuilds `relation`) with the views that depend on it kept. */
  const keepingDependents = async <A>(
    s: Session,
    relation: Computed.Relation,
    existing: Computed.RelationInfo | undefined,
    body: () => Promise<A>,
  ): Promise<A> => {
    const dependents = existing === undefined ? [] : await dependentsOf(s, relation)
    const a = await body()
    await restoreDependents(s, dependents)
    return a
  }

  /** Runs a table swap and returns the CREATE's row count. */
  const swap = async (s: Session, statements: ReadonlyArray<string>): Promise<number> => {
    let rows = 0
    for (const [i, sql] of statements.entries()) {
      const r = await s.run(sql)
      if (i === 1) rows = r.rowCount ?? 0
    }
    return rows
  }

  const materialize: Computed.ComputeShape["materialize"] = (m: Computed.Materialization) =>
    Effect.gen(function* () {
      const target = render(m.relation)
      const existing = yield* describeRelation(m.relation)
      if (m.kind === "view") {
        yield* transaction(
          (s) =>
            keepingDependents(s, m.relation, existing, async () => {
              if (existing !== undefined) await s.run(dropStatement(m.relation, existing.kind))
              await s.run(`CREATE VIEW ${target} AS ${m.sql}`)
            }),
          target,
          m.sql,
        )
        return { rows: undefined, action: "view" as const }
      }
      if (m.kind === "table" || existing === undefined || existing.kind === "view" || m.fullRefresh) {
        const rows = yield* transaction(
          (s) =>
            keepingDependents(s, m.relation, existing, () =>
              swap(
                s,
                tableSwap(render, quote, m.relation, (aside) => [`CREATE TABLE ${aside} AS ${m.sql}`], existing?.kind),
              ),
            ),
          target,
          m.sql,
        )
        return { rows, action: existing === undefined ? ("created" as const) : ("replaced" as const) }
      }
      // Incremental on an existing table: stage the new rows in a temp table of this connection, reconcile the
      // schema, apply the strategy, all in one transaction.
      const staged = quote(asideName(`${m.relation.identifier}__floe_incr`))
      return yield* transaction(
        async (s) => {
          await s.run(`CREATE TEMP TABLE ${staged} ON COMMIT DROP AS ${m.sql}`)
          const source = await describeSql(s, `SELECT * FROM ${staged}`)
          const changes = Computed.diffColumns(existing.columns, source)
          const plan = buildIncremental(render, quote, m, existing.columns, source, staged, changes)
          if (plan._tag === "Fail") {
            throw new Computed.ComputeError({ reason: "SchemaChange", message: plan.message, relation: target })
          }
          let rows = 0
          for (const statement of plan.statements) {
            const r = await s.run(statement.sql)
            if (statement.counts) rows += r.rowCount ?? 0
          }
          await s.run(`DROP TABLE IF EXISTS ${staged}`)
          const changed = changes.added.length + changes.removed.length + changes.changed.length > 0
          return { rows, action: "incremental" as const, schemaChanges: changed ? changes : undefined }
        },
        target,
        m.sql,
      )
    })

  const loadCsv: Computed.ComputeShape["loadCsv"] = (load) =>
    Effect.gen(function* () {
      const target = render(load.relation)
      const data = yield* Effect.tryPromise({
        try: () => readFile(load.file),
        catch: (e) =>
          new Computed.ComputeError({
            reason: (e as NodeJS.ErrnoException).code === "ENOENT" ? "NotFound" : "Resource",
            message: `cannot read the seed ${load.file}: ${String(e)}`,
            relation: target,
            cause: e,
          }),
      })
      const delimiter = load.delimiter ?? ","
      const { names, types } = Csv.columns(data.toString("utf8"), delimiter, load.columnTypes ?? {})
      if (names.length === 0) {
        return yield* new Computed.ComputeError({
          reason: "Conversion",
          message: `The seed ${load.file} has no header row`,
          relation: target,
        })
      }
      const existing = yield* describeRelation(load.relation)
      const columnList = names.map(quote).join(", ")
      const rows = yield* transaction(async (s) => {
        let count = 0
        const statements = tableSwap(
          render,
          quote,
          load.relation,
          (aside) => [
            `CREATE TABLE ${aside} (${names.map((n, i) => `${quote(n)} ${types[i]}`).join(", ")})`,
            `COPY ${aside} (${columnList}) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ${literal(delimiter)})`,
          ],
          existing?.kind,
        )
        return keepingDependents(s, load.relation, existing, async () => {
          for (const sql of statements) {
            if (sql.startsWith("COPY ")) {
              if (s.aborted()) throw interrupted()
              const copy = new CopyIn(sql, data)
              s.client.query(copy as never)
              count = await copy.promise
            } else await s.run(sql)
          }
          return count
        })
      }, target)
      return { rows }
    })

  const service: PostgresComputeShape = {
    dialect: "postgres",
    schema,
    quote,
    render,
    execute: (sql) => withSession((s) => s.run(sql).then(() => undefined), sql),
    query: (sql) =>
      withSession(async (s) => {
        // Several statements in one string (the simple protocol allows it): the rows of the last one.
        const result: pg.QueryResult | Array<pg.QueryResult> = await s.run(sql)
        const last = Array.isArray(result) ? result[result.length - 1] : result
        return (last?.rows ?? []) as ReadonlyArray<Record<string, unknown>>
      }, sql),
    describeQuery,
    describeRelation,
    ensureSchema: (r) => {
      const sql = `CREATE SCHEMA IF NOT EXISTS ${quote(r.schema)}`
      // Two sessions creating the same schema at once: the loser fails on the catalog's unique index although
      // IF NOT EXISTS was given. The schema exists either way.
      return withSession(
        (s) =>
          s.run(sql).then(
            () => undefined,
            (e: { code?: string }) => (e?.code === "23505" || e?.code === "42P06" ? undefined : Promise.reject(e)),
          ),
        sql,
      )
    },
    dropRelation: (relation) =>
      withSession(async (s) => {
        const existing = await describeOn(s, relation)
        if (existing !== undefined) await s.run(dropStatement(relation, existing.kind))
      }, undefined),
    materialize,
    loadCsv,
  }
  return service
})

const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** A layer providing `Compute` backed by PostgreSQL; the pool ends with the layer. */
export const layer = (config: Config = {}): Layer.Layer<Computed.Compute, Computed.ComputeError> =>
  Layer.effect(Computed.Compute, make(config))
