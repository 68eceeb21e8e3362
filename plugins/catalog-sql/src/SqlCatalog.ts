/**
 * Floe's embedded catalog: the `Catalog` interface of `@floe/spec` stored in the Iceberg JDBC catalog tables
 * (`iceberg_tables`, `iceberg_namespace_properties`), in SQLite through Node's built-in `node:sqlite` or in
 * PostgreSQL through `pg`. Iceberg's JdbcCatalog and PyIceberg's SqlCatalog can open the same database.
 *
 * Without configuration a product uses SQLite at `.floe/catalog.db`; a platform manifest can point every product
 * of a team at one PostgreSQL database instead.
 */
import { Catalog } from "@floe/spec"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { makeCatalog } from "./internal/catalog.ts"
import * as Postgres from "./internal/postgres.ts"
import * as Sqlite from "./internal/sqlite.ts"

/** The SQLite file the embedded default uses, relative to the product directory. */
export const DEFAULT_SQLITE_PATH = ".floe/catalog.db"

/** The `catalog_name` Floe writes its rows under unless told otherwise. */
export const DEFAULT_CATALOG_NAME = "floe"

/** A catalog in one SQLite file, shared safely by several processes. */
export interface SqliteConfig {
  readonly _tag: "Sqlite"
  /** The database file; created with its directory when absent. `:memory:` gives a private in-memory database. */
  readonly path: string
  /** The `catalog_name` column value; one database can hold several catalogs. Default `floe`. */
  readonly catalogName?: string | undefined
  /** How long a writer waits for another process's write transaction. Default 5 seconds. */
  readonly busyTimeout?: Duration.Input | undefined
}

/** A catalog in a PostgreSQL database, reached through a connection pool. */
export interface PostgresConfig {
  readonly _tag: "Postgres"
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly user?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  /** The `catalog_name` column value. Default `floe`. */
  readonly catalogName?: string | undefined
  /** Pool size. Default 10. */
  readonly maxConnections?: number | undefined
  /** How long to wait for a connection. Default 10 seconds. */
  readonly connectTimeout?: Duration.Input | undefined
  /** How often a write transaction is re-run after a serialization failure before failing `Unavailable`. Default 50. */
  readonly maxAttempts?: number | undefined
}

export type SqlCatalogConfig = SqliteConfig | PostgresConfig

/**
 * Opens the catalog described by `config`, creating the catalog tables when absent, and closes it with the scope.
 * Fails with `Connection` when the database cannot be opened or reached, `PermissionDenied` when it refuses the
 * credentials or is read-only, `Unavailable` when it stays locked, `InvalidInput` for an empty catalog name.
 */
export const make = (
  config: SqlCatalogConfig,
): Effect.Effect<Catalog.CatalogShape, Catalog.CatalogError, Scope.Scope> =>
  Effect.gen(function* () {
    const catalogName = config.catalogName ?? DEFAULT_CATALOG_NAME
    if (catalogName.length === 0 || catalogName.length > 255) {
      return yield* Catalog.invalidInput("The catalog name must be 1 to 255 characters")
    }
    const driver =
      config._tag === "Sqlite"
        ? yield* Sqlite.open({
            path: config.path,
            busyTimeoutMs: Duration.toMillis(config.busyTimeout ?? "5 seconds"),
          })
        : yield* Postgres.open({
            host: config.host,
            port: config.port,
            database: config.database,
            user: config.user,
            password: config.password,
            maxConnections: config.maxConnections ?? 10,
            connectTimeoutMs: Duration.toMillis(config.connectTimeout ?? "10 seconds"),
            maxAttempts: config.maxAttempts ?? 50,
          })
    return makeCatalog(driver, catalogName)
  })

/** A layer providing `Catalog` from `config`. Fails as `make` does. */
export const layer = (config: SqlCatalogConfig): Layer.Layer<Catalog.Catalog, Catalog.CatalogError> =>
  Layer.effect(Catalog.Catalog, make(config))

/** A layer providing `Catalog` in the SQLite file at `path` (default `.floe/catalog.db`). */
export const layerSqlite = (
  path: string = DEFAULT_SQLITE_PATH,
  options: Omit<SqliteConfig, "_tag" | "path"> = {},
): Layer.Layer<Catalog.Catalog, Catalog.CatalogError> => layer({ _tag: "Sqlite", path, ...options })

/** A layer providing `Catalog` in PostgreSQL. The password stays `Redacted` until it is handed to the driver. */
export const layerPostgres = (
  config: Omit<PostgresConfig, "_tag">,
): Layer.Layer<Catalog.Catalog, Catalog.CatalogError> => layer({ _tag: "Postgres", ...config })

/**
 * Parses a catalog URI as platform manifests write it: `sqlite:///abs/path.db`, `sqlite:relative/path.db`,
 * `sqlite::memory:`, or `postgresql://user@host:port/database` (also `postgres://`). Secrets do not belong in the
 * URI: pass the password separately. Fails with `InvalidInput` for anything else.
 */
export const fromUri = (
  uri: string,
  options: {
    readonly password?: Redacted.Redacted<string> | undefined
    readonly catalogName?: string | undefined
  } = {},
): Effect.Effect<SqlCatalogConfig, Catalog.CatalogError> =>
  Effect.suspend(() => {
    if (uri.startsWith("sqlite:")) {
      const rest = uri.slice("sqlite:".length)
      const path = rest.startsWith("//") ? rest.slice(2) : rest
      if (path.length === 0) return Effect.fail(Catalog.invalidInput(`Catalog URI '${uri}' names no database file`))
      return Effect.succeed<SqlCatalogConfig>({ _tag: "Sqlite", path, catalogName: options.catalogName })
    }
    if (uri.startsWith("postgresql://") || uri.startsWith("postgres://")) {
      const url = URL.parse(uri)
      if (url === null) return Effect.fail(Catalog.invalidInput(`Catalog URI '${uri}' is not a valid URL`))
      if (url.password !== "") {
        return Effect.fail(
          Catalog.invalidInput("The catalog URI contains a password; pass it through an environment variable instead"),
        )
      }
      const port = url.port === "" ? undefined : Number(url.port)
      const database = decodeURIComponent(url.pathname.replace(/^\//, ""))
      return Effect.succeed<SqlCatalogConfig>({
        _tag: "Postgres",
        host: url.hostname === "" ? undefined : decodeURIComponent(url.hostname),
        port,
        database: database === "" ? undefined : database,
        user: url.username === "" ? undefined : decodeURIComponent(url.username),
        password: options.password,
        catalogName: options.catalogName,
      })
    }
    return Effect.fail(Catalog.invalidInput(`Catalog URI '${uri}' is neither sqlite: nor postgresql://`))
  })

/**
 * Configuration read from the environment: `FLOE_CATALOG_URI` (default `sqlite:.floe/catalog.db`),
 * `FLOE_CATALOG_PASSWORD` (redacted, optional), `FLOE_CATALOG_NAME` (default `floe`).
 */
export const config: Config.Config<{
  readonly uri: string
  readonly password: Option.Option<Redacted.Redacted<string>>
  readonly catalogName: string
}> = Config.all({
  uri: Config.String("FLOE_CATALOG_URI").pipe(Config.withDefault(`sqlite:${DEFAULT_SQLITE_PATH}`)),
  password: Config.option(Config.Redacted("FLOE_CATALOG_PASSWORD")),
  catalogName: Config.String("FLOE_CATALOG_NAME").pipe(Config.withDefault(DEFAULT_CATALOG_NAME)),
})

/**
 * A layer providing `Catalog` from configuration (by default the `FLOE_CATALOG_*` environment variables, see
 * `config`). Fails with `InvalidInput` for a bad URI or missing configuration, otherwise as `make` does.
 */
export const layerConfig = (
  from: Config.Config<{
    readonly uri: string
    readonly password: Option.Option<Redacted.Redacted<string>>
    readonly catalogName: string
  }> = config,
): Layer.Layer<Catalog.Catalog, Catalog.CatalogError> =>
  Layer.effect(
    Catalog.Catalog,
    Effect.gen(function* () {
      const values = yield* Effect.mapError(from, (error) =>
        Catalog.invalidInput(`Catalog configuration: ${error.message}`),
      )
      const parsed = yield* fromUri(values.uri, {
        password: Option.getOrUndefined(values.password),
        catalogName: values.catalogName,
      })
      return yield* make(parsed)
    }),
  )
