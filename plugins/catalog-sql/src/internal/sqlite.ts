/**
 * The SQLite driver, on Node's built-in `node:sqlite` (no native build). Safe for several processes sharing one
 * file: WAL journal so readers never block, a busy timeout so writers wait for each other instead of failing, and
 * `BEGIN IMMEDIATE` so a write transaction takes the write lock before it reads what it will decide on.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { DatabaseSync } from "node:sqlite"
import { Catalog } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Semaphore from "effect/Semaphore"
import { CREATE_TABLES, type Driver, type Param, type Row, type Tx } from "./driver.ts"

export interface SqliteOptions {
  readonly path: string
  readonly busyTimeoutMs: number
}

// SQLite primary result codes (the low byte of the extended code node:sqlite reports as `errcode`).
const SQLITE_PERM = 3
const SQLITE_BUSY = 5
const SQLITE_LOCKED = 6
const SQLITE_READONLY = 8
const SQLITE_CANTOPEN = 14
const SQLITE_AUTH = 23
const SQLITE_NOTADB = 26

/** Classifies a node:sqlite error as a `CatalogError` reason. */
export const toCatalogError = (cause: unknown, file: string): Catalog.CatalogError => {
  const errcode =
    typeof cause === "object" && cause !== null && "errcode" in cause && typeof cause.errcode === "number"
      ? cause.errcode & 0xff
      : undefined
  const detail = cause instanceof Error ? cause.message : String(cause)
  switch (errcode) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new Catalog.CatalogError({
        reason: new Catalog.Unavailable({ message: `Catalog database ${file} is locked: ${detail}`, cause }),
      })
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return new Catalog.CatalogError({
        reason: new Catalog.PermissionDenied({ message: `Catalog database ${file} is not writable: ${detail}`, cause }),
      })
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
      return new Catalog.CatalogError({
        reason: new Catalog.Connection({ message: `Cannot open catalog database ${file}: ${detail}`, cause }),
      })
    default:
      return new Catalog.CatalogError({
        reason: new Catalog.Unknown({ message: `Catalog database ${file}: ${detail}`, cause }),
      })
  }
}

const params = (values: ReadonlyArray<Param>): Array<string | number | null> => [...values]

/**
 * Opens (creating when absent) the database file and the catalog tables; closes the file when the scope closes.
 * Fails with `Connection` when the file cannot be opened, `Unavailable` when it stays locked past the timeout.
 */
export const open = (options: SqliteOptions) =>
  Effect.gen(function* () {
    const file = options.path
    const fail = (cause: unknown) => toCatalogError(cause, file)
    const db = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
          return openDatabase(file, options.busyTimeoutMs)
        },
        catch: (cause) =>
          cause instanceof Catalog.CatalogError
            ? cause
            : new Catalog.CatalogError({
                reason: new Catalog.Connection({
                  message: `Cannot open catalog database ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
                  cause,
                }),
              }),
      }),
      (db) => Effect.sync(() => db.isOpen && db.close()),
    )

    const run = <A>(f: () => A) => Effect.try({ try: f, catch: fail })
    const tx: Tx = {
      query: (sql, values) => run(() => db.prepare(sql).all(...params(values)) as ReadonlyArray<Row>),
      execute: (sql, values) => run(() => Number(db.prepare(sql).run(...params(values)).changes)),
    }

    // A transaction spans several effects, so fibers sharing this connection take turns. So do connections to the
    // same file within this process: SQLite's busy handler sleeps synchronously, which would stall the event loop
    // that the lock holder needs to finish. Other processes are kept apart by SQLite's own file locks.
    const lock = yield* Effect.try({ try: () => lockFor(file), catch: fail })
    const transaction: Driver["transaction"] = (mode, body) =>
      lock
        .withPermits(1)(
          Effect.uninterruptibleMask((restore) =>
            Effect.gen(function* () {
              yield* run(() => db.exec(mode === "write" ? "BEGIN IMMEDIATE" : "BEGIN"))
              const exit = yield* Effect.exit(restore(body(tx)).pipe(Effect.tap(() => run(() => db.exec("COMMIT")))))
              if (Exit.isFailure(exit) && db.isTransaction) {
                // A failed ROLLBACK means SQLite already ended the transaction itself; nothing is left to undo.
                yield* Effect.ignore(run(() => db.exec("ROLLBACK")))
              }
              return yield* exit
            }),
          ),
        )
        .pipe(
          // SQLite never reports serialization failures: a RetryTransaction cannot occur here.
          Effect.catchTag("RetryTransaction", (e) => Effect.fail(fail(e.cause))),
        )

    // Create the tables under the write lock, so processes opening a fresh file at the same moment do not collide.
    const hasTypeColumn = yield* transaction("write", (tx) =>
      Effect.gen(function* () {
        for (const ddl of CREATE_TABLES) yield* tx.execute(ddl, [])
        const columns = yield* tx.query("SELECT name FROM pragma_table_info('iceberg_tables')", [])
        return columns.some((c) => c["name"] === "iceberg_type")
      }),
    )
    return { hasTypeColumn, transaction } satisfies Driver
  })

const locks = new Map<string, Semaphore.Semaphore>()

const lockFor = (file: string): Semaphore.Semaphore => {
  if (file === ":memory:") return Semaphore.makeUnsafe(1)
  const key = fs.realpathSync(file)
  let lock = locks.get(key)
  if (lock === undefined) {
    lock = Semaphore.makeUnsafe(1)
    locks.set(key, lock)
  }
  return lock
}

const openDatabase = (file: string, busyTimeoutMs: number): DatabaseSync => {
  // Loaded lazily: node:sqlite prints an ExperimentalWarning on import, which PostgreSQL users should not see.
  const { DatabaseSync } = process.getBuiltinModule("node:sqlite")
  const db = new DatabaseSync(file)
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`)
    // WAL: readers never block the writer; NORMAL is durable across application crashes in WAL mode.
    db.exec("PRAGMA journal_mode = WAL")
    db.exec("PRAGMA synchronous = NORMAL")
    return db
  } catch (cause) {
    db.close()
    throw toCatalogError(cause, file)
  }
}
