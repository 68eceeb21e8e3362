/**
 * The PostgreSQL driver, on `pg` with a connection pool. Write transactions run at SERIALIZABLE and are re-run
 * when PostgreSQL reports a serialization failure or deadlock, so every multi-statement check-then-write in the
 * catalog behaves as if the writers had taken turns; the single-statement compare-and-sets (`INSERT … ON CONFLICT
 * DO NOTHING`, `UPDATE … WHERE metadata_location = ?`) are atomic on their own.
 */
import { Catalog } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import type * as pg from "pg"
import { CREATE_TABLES, type Driver, type Param, RetryTransaction, type Row, type Tx } from "./driver.ts"

export interface PostgresOptions {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly user?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  readonly maxConnections: number
  readonly connectTimeoutMs: number
  readonly maxAttempts: number
}

const sqlState = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

const RETRY_STATES = new Set(["40001", "40P01"])

/** Classifies a `pg` or socket error as a `CatalogError` reason. */
export const toCatalogError = (cause: unknown, where: string): Catalog.CatalogError => {
  const code = sqlState(cause) ?? ""
  const detail = cause instanceof Error ? cause.message : String(cause)
  const message = `${where}: ${detail}`
  if (
    code.startsWith("08") ||
    code === "3D000" ||
    ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "EPIPE", "ENOENT"].includes(code) ||
    /timeout exceeded when trying to connect|Connection terminated/i.test(detail)
  ) {
    return new Catalog.CatalogError({ reason: new Catalog.Connection({ message, cause }) })
  }
  if (code.startsWith("28") || code === "42501") {
    return new Catalog.CatalogError({ reason: new Catalog.PermissionDenied({ message, cause }) })
  }
  if (code.startsWith("53") || code === "57P01" || code === "57P03" || code === "55P03" || RETRY_STATES.has(code)) {
    return new Catalog.CatalogError({ reason: new Catalog.Unavailable({ message, cause }) })
  }
  if (code === "22001") return new Catalog.CatalogError({ reason: new Catalog.InvalidInput({ message }) })
  return new Catalog.CatalogError({ reason: new Catalog.Unknown({ message, cause }) })
}

// The catalog's queries use `?`; PostgreSQL wants `$1, $2, …`. None of the statements has a `?` in a literal.
const numbered = (sql: string): string => {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}

// A constant key for pg_advisory_xact_lock while creating the tables ("floecat" in ASCII).
const DDL_LOCK_KEY = "28829673322668404"

/**
 * Connects a pool and creates the catalog tables when absent; ends the pool when the scope closes. Fails with
 * `Connection` when the server cannot be reached, `PermissionDenied` on bad credentials.
 */
export const open = (options: PostgresOptions) =>
  Effect.gen(function* () {
    const where = `PostgreSQL catalog at ${options.host ?? "localhost"}:${options.port ?? 5432}/${options.database ?? options.user ?? ""}`
    const fail = (cause: unknown) => toCatalogError(cause, where)
    const { default: driver } = yield* Effect.tryPromise({ try: () => import("pg"), catch: fail })
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const pool = new driver.Pool({
          host: options.host,
          port: options.port,
          database: options.database,
          user: options.user,
          password: options.password === undefined ? undefined : Redacted.value(options.password),
          max: options.maxConnections,
          connectionTimeoutMillis: options.connectTimeoutMs,
        })
        // An idle client losing its connection must not crash the process; the next checkout reconnects.
        pool.on("error", () => {})
        return pool
      }),
      (pool) => Effect.promise(() => pool.end().catch(() => undefined)),
    )

    const watched = new WeakSet<pg.PoolClient>()
    const query = (client: pg.PoolClient, sql: string, values: ReadonlyArray<Param>) =>
      Effect.tryPromise({
        try: () => client.query(numbered(sql), [...values]),
        catch: (cause) => (RETRY_STATES.has(sqlState(cause) ?? "") ? new RetryTransaction({ cause }) : fail(cause)),
      })

    const once = <A>(
      mode: "read" | "write",
      body: (tx: Tx) => Effect.Effect<A, Catalog.CatalogError | RetryTransaction>,
    ) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const client = yield* restore(Effect.tryPromise({ try: () => pool.connect(), catch: fail }))
          // A checked-out client without an error listener crashes the process when its connection drops; the
          // failure reaches us through the pending query instead.
          if (!watched.has(client)) {
            watched.add(client)
            client.on("error", () => {})
          }
          const tx: Tx = {
            query: (sql, values) => Effect.map(query(client, sql, values), (r) => r.rows as ReadonlyArray<Row>),
            execute: (sql, values) => Effect.map(query(client, sql, values), (r) => r.rowCount ?? 0),
          }
          const begin =
            mode === "write" ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
          const exit = yield* Effect.exit(
            restore(
              Effect.gen(function* () {
                yield* query(client, begin, [])
                const result = yield* body(tx)
                yield* query(client, "COMMIT", [])
                return result
              }),
            ),
          )
          if (Exit.isSuccess(exit)) {
            client.release()
            return exit.value
          }
          // Roll back and hand the connection back; if even that fails (or we were interrupted mid-query), the
          // connection is in an unknown state and is destroyed instead.
          const interrupted = Exit.hasInterrupts(exit)
          const rolledBack =
            !interrupted &&
            (yield* Effect.promise(() =>
              client.query("ROLLBACK").then(
                () => true,
                () => false,
              ),
            ))
          client.release(rolledBack ? undefined : true)
          return yield* exit
        }),
      )

    const transaction = <A>(
      mode: "read" | "write",
      body: (tx: Tx) => Effect.Effect<A, Catalog.CatalogError | RetryTransaction>,
    ): Effect.Effect<A, Catalog.CatalogError> => {
      const attempt = (n: number): Effect.Effect<A, Catalog.CatalogError> =>
        Effect.catchTag(once(mode, body), "RetryTransaction", (retry) =>
          n < options.maxAttempts ? Effect.andThen(Effect.yieldNow, attempt(n + 1)) : Effect.fail(fail(retry.cause)),
        )
      return attempt(1)
    }

    const hasTypeColumn = yield* transaction("write", (tx) =>
      Effect.gen(function* () {
        // Concurrent CREATE TABLE IF NOT EXISTS can still collide in the system catalogs; take turns.
        yield* tx.query(`SELECT pg_advisory_xact_lock(${DDL_LOCK_KEY})`, [])
        for (const ddl of CREATE_TABLES) yield* tx.execute(ddl, [])
        const columns = yield* tx.query(
          `SELECT column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'iceberg_tables' AND column_name = 'iceberg_type'`,
          [],
        )
        return columns.length > 0
      }),
    )
    return { hasTypeColumn, transaction } satisfies Driver
  })
