/**
 * The embedded defaults the CLI wires when no platform manifest chooses otherwise: DuckDB at
 * `.floe/warehouse.duckdb`, OpenLineage events appended to `.floe/lineage/events.ndjson`, run state in
 * `.floe/runs/`. The CLI is the only place that picks concrete plugins.
 */

import { readdirSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join, relative, resolve } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { SqlCatalog } from "@floe/catalog-sql"
import type { Platform } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import type { PostgresCompute } from "@floe/compute-postgres"
import { OciPlatformSource } from "@floe/platform-oci"
import { Catalog, Compute } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as PlatformError from "effect/PlatformError"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { parse as parseYaml } from "yaml"
import { UsageError } from "./Args.ts"

export const WAREHOUSE = ".floe/warehouse.duckdb"
export const LINEAGE_FILE = ".floe/lineage/events.ndjson"
/** The database name SQL uses for the warehouse: DuckDB names a file database after its stem. */
export const WAREHOUSE_DATABASE = "warehouse"

const REASONS: Readonly<Record<string, PlatformError.SystemErrorTag>> = {
  ENOENT: "NotFound",
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  EEXIST: "AlreadyExists",
  EISDIR: "BadResource",
  ENOTDIR: "BadResource",
  ELOOP: "BadResource",
  EBUSY: "Busy",
}

/**
 * Node's file system, except that whole-file reads and recursive listings are synchronous. A compile reads every
 * file of the product (the source hash, then the project from those bytes): through the thread pool, 10,000 small
 * files take 360 ms of round trips, synchronously 70–90 ms. A CLI command has nothing else for the event loop to do
 * meanwhile (the compute engines run on their own threads).
 */
const syncReads = Layer.effect(
  FileSystem.FileSystem,
  Effect.map(FileSystem.FileSystem, (fs) =>
    FileSystem.FileSystem.of({
      ...fs,
      readFile: (path) =>
        Effect.try({ try: () => readFileSync(path) as Uint8Array, catch: systemError("readFile", path) }),
      // A whole tree is listed from the entries' types, without a stat per entry (10,000 files: 70 → 40 ms).
      readDirectory: (path, options) =>
        options?.recursive === true
          ? Effect.try({
              try: () => {
                // Each entry's folder, relative to `path`, worked out once per folder.
                const folders = new Map<string, string>()
                return readdirSync(path, { recursive: true, withFileTypes: true }).map((d) => {
                  let folder = folders.get(d.parentPath)
                  if (folder === undefined) {
                    folder = relative(path, d.parentPath)
                    folders.set(d.parentPath, folder)
                  }
                  return folder === "" ? d.name : join(folder, d.name)
                })
              },
              catch: systemError("readDirectory", path),
            })
          : fs.readDirectory(path, options),
    }),
  ),
).pipe(Layer.provide(NodeFileSystem.layer))

const systemError =
  (method: string, path: string) =>
  (error: unknown): PlatformError.PlatformError => {
    const e = error as NodeJS.ErrnoException
    return PlatformError.systemError({
      _tag: REASONS[e.code ?? ""] ?? "Unknown",
      module: "FileSystem",
      method,
      pathOrDescriptor: path,
      ...(e.syscall === undefined ? {} : { syscall: e.syscall }),
      cause: error,
    })
  }

export const platform = Layer.mergeAll(syncReads, NodePath.layer)

/**
 * A throwaway in-memory DuckDB named like the warehouse, for compile-time binding. One worker thread: binding runs
 * thousands of tiny statements (empty tables), which a thread pool only slows down; bind-only, so the optimizer
 * passes that only matter for processing rows are off. It lives until the process exits (the bin exits as soon as
 * the command returns): freeing an in-memory database holding 14,000 empty tables takes ≈ 150 ms of the main
 * thread, and there is nothing in it to save.
 */
export const scratchCompute = (): Effect.Effect<Compute.ComputeShape, Compute.ComputeError> =>
  Effect.flatMap(Scope.make(), (processLifetime) =>
    DuckDBCompute.make({ database: WAREHOUSE_DATABASE, connections: 2, threads: 1, bindOnly: true }).pipe(
      Scope.provide(processLifetime),
    ),
  )

/** `--vars '{key: value}'` (YAML or JSON, as dbt accepts) → an object; anything else is a usage error. */
export const parseVars = (text: string | true | undefined): Readonly<Record<string, unknown>> | undefined => {
  if (text === undefined || text === true) return undefined
  let value: unknown
  try {
    value = parseYaml(text)
  } catch (e) {
    throw new UsageError(`--vars is not YAML: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`)
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError("--vars must be a mapping, e.g. --vars '{start_date: 2024-01-01}'")
  }
  return value as Record<string, unknown>
}

/** The value of a numeric flag, or a usage error. */
export const intFlag = (
  value: string | true | undefined,
  name: string,
  fallback: number,
  min = 1,
  max = 256,
): number => {
  if (value === undefined) return fallback
  const n = typeof value === "string" ? Number(value) : Number.NaN
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`)
  return n
}

/** The OCI source configured from the environment the CLI runs in. */
export const ociConfig = (
  env: Readonly<Record<string, string | undefined>>,
  offline: boolean,
): OciPlatformSource.Config => {
  const username = env["FLOE_REGISTRY_USERNAME"]
  const password = env["FLOE_REGISTRY_PASSWORD"]
  const token = env["FLOE_REGISTRY_TOKEN"]
  const credentials: OciPlatformSource.Credentials | undefined =
    token !== undefined && token !== ""
      ? { token }
      : username !== undefined && username !== ""
        ? { username, password: password ?? "" }
        : undefined
  const plain = env["FLOE_REGISTRY_PLAIN_HTTP"]
  return {
    cacheDir: env["FLOE_PLATFORM_CACHE"] || OciPlatformSource.defaultCacheDir(env, homedir()),
    credentials: () => credentials,
    offline,
    ...(plain ? { plainHttp: plain.split(",").map((s) => s.trim()) } : {}),
  }
}

/** The embedded catalog of a product, relative to its directory. */
export const CATALOG_FILE = SqlCatalog.DEFAULT_SQLITE_PATH

const secretFrom = (
  config: Readonly<Record<string, unknown>>,
  key: string,
  env: Readonly<Record<string, string | undefined>>,
): Redacted.Redacted<string> | undefined => {
  const name = config[key]
  if (typeof name !== "string") return undefined
  const value = env[name]
  return value === undefined || value === "" ? undefined : Redacted.make(value)
}

/**
 * Opens the catalog the platform chooses (`plugins.catalog`): `sql` with a `sqlite:` or `postgresql:` `uri` (the
 * password from the variable `password_env` names), `rest` with `uri`, `warehouse` and a token or OAuth2 client
 * credential from `token_env` / `credential_env`; without a choice, the embedded SQLite catalog in
 * `<product>/.floe/catalog.db`. Relative SQLite paths resolve against the product directory.
 */
export const openCatalog = (
  platformChoice: Platform.ResolvedPlatform | undefined,
  productDir: string,
  env: Readonly<Record<string, string | undefined>>,
): Effect.Effect<Catalog.CatalogShape, Catalog.CatalogError, Scope.Scope> => {
  const choice = platformChoice?.plugins.catalog
  if (choice === undefined) return SqlCatalog.make({ _tag: "Sqlite", path: join(productDir, CATALOG_FILE) })
  const config = choice.config ?? {}
  const uri = typeof config["uri"] === "string" ? config["uri"] : undefined
  if (choice.type === "sql") {
    if (uri === undefined) return SqlCatalog.make({ _tag: "Sqlite", path: join(productDir, CATALOG_FILE) })
    return Effect.flatMap(SqlCatalog.fromUri(uri, { password: secretFrom(config, "password_env", env) }), (parsed) =>
      SqlCatalog.make(parsed._tag === "Sqlite" ? { ...parsed, path: resolve(productDir, parsed.path) } : parsed),
    )
  }
  if (choice.type === "rest" && uri !== undefined) {
    // Loaded when chosen (as the Postgres compute is): the embedded default does not pay for it at start-up.
    return Effect.flatMap(
      Effect.promise(() => import("@floe/catalog-rest")),
      ({ RestCatalog }) =>
        RestCatalog.make({
          uri,
          warehouse: typeof config["warehouse"] === "string" ? config["warehouse"] : undefined,
          token: secretFrom(config, "token_env", env),
          credential: secretFrom(config, "credential_env", env),
          vendedCredentials: config["vended_credentials"] !== false,
        }),
    )
  }
  return Effect.fail(
    Catalog.invalidInput(
      `the platform chooses catalog '${choice.type}'${uri === undefined ? " without a uri" : ""}; this host has sql (sqlite:, postgresql:) and rest`,
    ),
  )
}

/** The compute a product runs on, as the CLI reports it: the engine, where it is, and the dbt target it implies. */
export interface ComputeChoice {
  readonly type: "duckdb" | "postgres"
  readonly where: string
  /** The dbt target (`target.type` picks `postgres__` macros before `default__`; database and schema of models). */
  readonly target: { readonly type: string; readonly database: string; readonly schema: string }
  readonly make: Effect.Effect<Compute.ComputeShape, Compute.ComputeError, Scope.Scope>
}

/**
 * The compute the platform chooses (`plugins.compute`): `postgres` with host, port, database, user, schema and
 * `password_env` (the password from the environment), or the embedded DuckDB at `<product>/.floe/warehouse.duckdb`.
 * Fails with a Connection ComputeError when the platform names an engine this host does not have.
 */
export const chooseCompute = (
  platformChoice: Platform.ResolvedPlatform | undefined,
  productDir: string,
  threads: number,
  env: Readonly<Record<string, string | undefined>>,
): Effect.Effect<ComputeChoice, Compute.ComputeError> => {
  const choice = platformChoice?.plugins.compute
  if (choice === undefined || choice.type === "duckdb") {
    const path =
      typeof choice?.config?.["path"] === "string"
        ? resolve(productDir, choice.config["path"])
        : join(productDir, WAREHOUSE)
    const database = (path.split(/[\\/]/).pop() ?? WAREHOUSE_DATABASE).replace(/\.[^.]*$/, "")
    return Effect.succeed({
      type: "duckdb",
      where: path,
      target: { type: "duckdb", database, schema: "main" },
      make: DuckDBCompute.make({ path, threads }),
    })
  }
  if (choice.type === "postgres") {
    const config = (choice.config ?? {}) as PostgresCompute.ManifestConfig
    return Effect.flatMap(
      Effect.promise(() => import("@floe/compute-postgres")),
      ({ PostgresCompute }) =>
        Effect.map(PostgresCompute.fromManifest(config, env), (resolved) => ({
          type: "postgres" as const,
          where: `postgresql://${resolved.host ?? "localhost"}:${resolved.port ?? 5432}/${resolved.database ?? "postgres"}`,
          target: { type: "postgres", database: resolved.database ?? "postgres", schema: resolved.schema ?? "public" },
          make: PostgresCompute.make(resolved),
        })),
    )
  }
  return Effect.fail(
    new Compute.ComputeError({
      reason: "Connection",
      message: `the platform chooses compute '${choice.type}'; this host has duckdb and postgres`,
    }),
  )
}
