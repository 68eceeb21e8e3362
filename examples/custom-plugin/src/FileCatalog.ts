/**
 * A `Catalog` (the plugin interface of `@floe/spec`) kept as JSON files in a directory: one directory per namespace
 * level, `namespace.json` holding a namespace's properties, `<name>.table.json` holding a table's metadata location.
 * Every write runs under the directory's lock file and replaces whole files by atomic rename, so compare-and-set
 * (`expected` properties, `commitTable`) holds across fibers, clients and processes; reads take no lock and see
 * each file either before or after a write. Good for a laptop, a CI job, or a directory on a shared disk that
 * `git` or a backup tool can read; it is a worked example of a third-party adapter, not a replacement for
 * `@floe/catalog-sql`.
 *
 * ```
 * <directory>/
 *   catalog.lock                      held while a write runs
 *   namespaces/sales/namespace.json   {"namespace": ["sales"], "properties": {...}}
 *   namespaces/sales/my_product/namespace.json
 *   namespaces/sales/my_product/orders.table.json   {"metadataLocation": "...", "previousMetadataLocation": "..."}
 * ```
 */
import * as path from "node:path"
import { Catalog } from "@floe/spec"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import * as Files from "./internal/files.ts"
import * as Lock from "./internal/lock.ts"
import * as Names from "./internal/names.ts"

/** Where the catalog lives and how it waits. */
export interface FileCatalogConfig {
  /** The catalog's directory; created (with its parents) when absent. */
  readonly directory: string
  /** How long a write waits for another writer's lock before failing `Unavailable`. Default 10 seconds. */
  readonly lockTimeout?: Duration.Input | undefined
  /** A lock held longer than this is taken to be abandoned by a crashed writer and broken. Default 30 seconds. */
  readonly staleLockAfter?: Duration.Input | undefined
  /** Flush every write to disk (`fsync` the file and its directory) before it counts as done. Default true. */
  readonly durable?: boolean | undefined
}

const NamespaceFile = Schema.Struct({
  namespace: Schema.Array(Schema.String),
  properties: Schema.Record(Schema.String, Schema.String),
})

const TableFile = Schema.Struct({
  metadataLocation: Schema.String,
  previousMetadataLocation: Schema.optionalKey(Schema.String),
})

const NAMESPACE_FILE = "namespace.json"
const TABLE_SUFFIX = ".table.json"

/**
 * Opens the catalog in `config.directory`, creating the directory when absent. Each call returns an independent
 * client (its own in-process queue for the lock); clients in one or many processes share the directory safely.
 * Fails `PermissionDenied` when the directory cannot be created or written, `Connection` when the path is a file.
 */
export const make = (config: FileCatalogConfig): Effect.Effect<Catalog.CatalogShape, Catalog.CatalogError> =>
  Effect.gen(function* () {
    const root = path.resolve(config.directory)
    const namespacesDir = path.join(root, "namespaces")
    yield* Files.makeDirectory(namespacesDir)
    const durable = config.durable ?? true
    const lockOptions: Lock.LockOptions = {
      file: path.join(root, "catalog.lock"),
      timeoutMs: Duration.toMillis(config.lockTimeout ?? "10 seconds"),
      staleAfterMs: Duration.toMillis(config.staleLockAfter ?? "30 seconds"),
    }
    // Fibers of this client queue here first, so only one of them at a time polls the lock file.
    const local = Semaphore.makeUnsafe(1)
    const exclusive = <A>(body: Effect.Effect<A, Catalog.CatalogError>): Effect.Effect<A, Catalog.CatalogError> =>
      local.withPermits(1)(
        Effect.acquireUseRelease(
          Lock.acquire(lockOptions),
          () => body,
          (token) => Lock.release(lockOptions.file, token),
        ),
      )

    const dirOf = (namespace: Catalog.Namespace): string => path.join(namespacesDir, ...namespace.map(Names.encode))
    const namespaceFile = (namespace: Catalog.Namespace): string => path.join(dirOf(namespace), NAMESPACE_FILE)
    const tableFile = (id: Catalog.TableIdentifier): string =>
      path.join(dirOf(id.namespace), `${Names.encode(id.name)}${TABLE_SUFFIX}`)

    const decodeOrDamaged =
      <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, file: string) =>
      (value: unknown): Effect.Effect<S["Type"], Catalog.CatalogError> =>
        Schema.decodeUnknownEffect(schema)(value).pipe(
          Effect.mapError(
            (cause) =>
              new Catalog.CatalogError({
                reason: new Catalog.Unknown({ message: `${file} is damaged: ${cause.message}`, cause }),
              }),
          ),
        )

    const readNamespace = (namespace: Catalog.Namespace) =>
      Effect.gen(function* () {
        const file = namespaceFile(namespace)
        const json = yield* Files.readJson(file)
        if (json === undefined) return undefined
        const decoded = yield* decodeOrDamaged(NamespaceFile, file)(json)
        return new Map(Object.entries(decoded.properties))
      })

    const readTable = (id: Catalog.TableIdentifier) =>
      Effect.gen(function* () {
        const file = tableFile(id)
        const json = yield* Files.readJson(file)
        return json === undefined ? undefined : yield* decodeOrDamaged(TableFile, file)(json)
      })

    const writeNamespace = (namespace: Catalog.Namespace, properties: ReadonlyMap<string, string>) =>
      Files.writeJsonAtomic(
        namespaceFile(namespace),
        { namespace: [...namespace], properties: Object.fromEntries(properties) },
        durable,
      )

    const tableInfo = (
      id: Catalog.TableIdentifier,
      entry: { readonly metadataLocation: string; readonly previousMetadataLocation?: string | undefined },
    ): Catalog.TableInfo => ({
      identifier: { namespace: [...id.namespace], name: id.name },
      metadataLocation: entry.metadataLocation,
      ...(entry.previousMetadataLocation === undefined
        ? {}
        : { previousMetadataLocation: entry.previousMetadataLocation }),
    })

    const requireNamespace = (namespace: Catalog.Namespace, message?: string) =>
      Effect.flatMap(Files.exists(namespaceFile(namespace)), (found) =>
        found ? Effect.void : Effect.fail(Catalog.notFound("namespace", Catalog.formatNamespace(namespace), message)),
      )

    /** The sub-directories of `dir` that are namespaces, decoded, and the tables in it, by name. */
    const contents = (dir: string) =>
      Effect.gen(function* () {
        const children: Array<string> = []
        const tables: Array<string> = []
        for (const entry of yield* Files.list(dir)) {
          if (entry.isDirectory) {
            const level = Names.decode(entry.name)
            if (level !== undefined && (yield* Files.exists(path.join(dir, entry.name, NAMESPACE_FILE))))
              children.push(level)
          } else if (entry.name.endsWith(TABLE_SUFFIX)) {
            const name = Names.decode(entry.name.slice(0, -TABLE_SUFFIX.length))
            if (name !== undefined) tables.push(name)
          }
        }
        return { children, tables }
      })

    return Catalog.Catalog.of({
      createNamespace: Effect.fn("Catalog.createNamespace")(function* (namespace, properties = {}) {
        yield* check(checkNamespace(namespace) ?? Catalog.checkUpdate({ updates: properties }))
        const name = Catalog.formatNamespace(namespace)
        const props = new Map(Object.entries(properties))
        return yield* exclusive(
          Effect.gen(function* () {
            if (yield* Files.exists(namespaceFile(namespace))) return yield* Catalog.alreadyExists("namespace", name)
            const parent = namespace.slice(0, -1)
            if (parent.length > 0) {
              const parentName = Catalog.formatNamespace(parent)
              yield* requireNamespace(parent, `Parent namespace '${parentName}' of '${name}' does not exist`)
            }
            yield* Files.makeDirectory(dirOf(namespace))
            yield* writeNamespace(namespace, props)
            return { namespace: [...namespace], properties: Object.fromEntries(props) }
          }),
        )
      }),

      loadNamespace: Effect.fn("Catalog.loadNamespace")(function* (namespace) {
        yield* check(checkNamespace(namespace))
        const properties = yield* readNamespace(namespace)
        if (properties === undefined) return yield* Catalog.notFound("namespace", Catalog.formatNamespace(namespace))
        return { namespace: [...namespace], properties: Object.fromEntries(properties) }
      }),

      listNamespaces: Effect.fn("Catalog.listNamespaces")(function* (parent) {
        if (parent !== undefined) {
          yield* check(checkNamespace(parent))
          yield* requireNamespace(parent)
        }
        const base = parent ?? []
        const { children } = yield* contents(parent === undefined ? namespacesDir : dirOf(parent))
        return children.map((level) => [...base, level]).sort(Catalog.compareNamespaces)
      }),

      dropNamespace: Effect.fn("Catalog.dropNamespace")(function* (namespace) {
        yield* check(checkNamespace(namespace))
        const name = Catalog.formatNamespace(namespace)
        yield* exclusive(
          Effect.gen(function* () {
            yield* requireNamespace(namespace)
            const { children, tables } = yield* contents(dirOf(namespace))
            if (tables.length > 0)
              return yield* Catalog.notEmpty(
                name,
                `Namespace '${name}' is not empty: it holds ${tables.length} table(s)`,
              )
            if (children.length > 0)
              return yield* Catalog.notEmpty(name, `Namespace '${name}' is not empty: it has child namespaces`)
            // Removing namespace.json is the moment the namespace stops existing; the directory is then litter.
            yield* Files.remove(namespaceFile(namespace))
            yield* Files.removeTree(dirOf(namespace))
          }),
        )
      }),

      updateNamespaceProperties: Effect.fn("Catalog.updateNamespaceProperties")(function* (namespace, update) {
        yield* check(checkNamespace(namespace) ?? Catalog.checkUpdate(update))
        const name = Catalog.formatNamespace(namespace)
        return yield* exclusive(
          Effect.gen(function* () {
            const properties = yield* readNamespace(namespace)
            if (properties === undefined) return yield* Catalog.notFound("namespace", name)
            const mismatch = Catalog.firstMismatch(properties, update.expected ?? {})
            if (mismatch !== undefined) return yield* Catalog.conflict("namespace", name, mismatch)
            const removed: Array<string> = []
            const missing: Array<string> = []
            for (const key of update.removals ?? []) (properties.delete(key) ? removed : missing).push(key)
            const updated = Object.entries(update.updates ?? {})
            for (const [key, value] of updated) properties.set(key, value)
            yield* writeNamespace(namespace, properties)
            return {
              updated: updated.map(([key]) => key).sort(),
              removed: removed.sort(),
              missing: missing.sort(),
            }
          }),
        )
      }),

      registerTable: Effect.fn("Catalog.registerTable")(function* (identifier, metadataLocation) {
        yield* check(checkTable(identifier) ?? Catalog.checkLocation(metadataLocation))
        return yield* exclusive(
          Effect.gen(function* () {
            yield* requireNamespace(identifier.namespace)
            if (yield* Files.exists(tableFile(identifier)))
              return yield* Catalog.alreadyExists("table", Catalog.formatTable(identifier))
            yield* Files.writeJsonAtomic(tableFile(identifier), { metadataLocation }, durable)
            return tableInfo(identifier, { metadataLocation })
          }),
        )
      }),

      loadTable: Effect.fn("Catalog.loadTable")(function* (identifier) {
        yield* check(checkTable(identifier))
        const entry = yield* readTable(identifier)
        if (entry === undefined) return yield* Catalog.notFound("table", Catalog.formatTable(identifier))
        return tableInfo(identifier, entry)
      }),

      listTables: Effect.fn("Catalog.listTables")(function* (namespace) {
        yield* check(checkNamespace(namespace))
        yield* requireNamespace(namespace)
        const { tables } = yield* contents(dirOf(namespace))
        return tables.sort().map((name) => ({ namespace: [...namespace], name }))
      }),

      dropTable: Effect.fn("Catalog.dropTable")(function* (identifier) {
        yield* check(checkTable(identifier))
        const removed = yield* exclusive(Files.remove(tableFile(identifier)))
        if (!removed) return yield* Catalog.notFound("table", Catalog.formatTable(identifier))
      }),

      commitTable: Effect.fn("Catalog.commitTable")(function* (identifier, commit) {
        yield* check(
          checkTable(identifier) ??
            Catalog.checkLocation(commit.expectedMetadataLocation) ??
            Catalog.checkLocation(commit.newMetadataLocation),
        )
        const name = Catalog.formatTable(identifier)
        return yield* exclusive(
          Effect.gen(function* () {
            const entry = yield* readTable(identifier)
            if (entry === undefined) return yield* Catalog.notFound("table", name)
            if (entry.metadataLocation !== commit.expectedMetadataLocation) {
              return yield* Catalog.conflict(
                "table",
                name,
                `Table '${name}' was committed concurrently: expected metadata at ${commit.expectedMetadataLocation}, found ${entry.metadataLocation}`,
              )
            }
            const next = {
              metadataLocation: commit.newMetadataLocation,
              previousMetadataLocation: commit.expectedMetadataLocation,
            }
            yield* Files.writeJsonAtomic(tableFile(identifier), next, durable)
            return tableInfo(identifier, next)
          }),
        )
      }),
    })
  })

/** A layer providing `Catalog` from the files in `config.directory`. Fails as `make` does. */
export const layer = (config: FileCatalogConfig): Layer.Layer<Catalog.Catalog, Catalog.CatalogError> =>
  Layer.effect(Catalog.Catalog, make(config))

/** The catalog directory from `FLOE_FILE_CATALOG_DIR` (default `.floe/file-catalog`). */
export const config: Config.Config<string> = Config.String("FLOE_FILE_CATALOG_DIR").pipe(
  Config.withDefault(".floe/file-catalog"),
)

/** A layer providing `Catalog` from configuration (see `config`). Fails `InvalidInput` when it cannot be read. */
export const layerConfig = (from: Config.Config<string> = config): Layer.Layer<Catalog.Catalog, Catalog.CatalogError> =>
  Layer.effect(
    Catalog.Catalog,
    Effect.flatMap(
      Effect.mapError(from, (error) => Catalog.invalidInput(`File catalog configuration: ${error.message}`)),
      (directory) => make({ directory }),
    ),
  )

// ---------------------------------------------------------------------------------------------------------------
// Input checks: the spec's shared ones, plus what a file name can hold.
// ---------------------------------------------------------------------------------------------------------------

const check = (error: Catalog.CatalogError | undefined): Effect.Effect<void, Catalog.CatalogError> =>
  error === undefined ? Effect.void : Effect.fail(error)

const nameProblem = (names: ReadonlyArray<string>): Catalog.CatalogError | undefined => {
  for (const name of names) {
    const problem = Names.problem(name)
    if (problem !== undefined) return Catalog.invalidInput(`Cannot store ${problem}`)
  }
  return undefined
}

const checkNamespace = (namespace: Catalog.Namespace): Catalog.CatalogError | undefined =>
  Catalog.checkNamespace(namespace) ?? nameProblem(namespace)

const checkTable = (identifier: Catalog.TableIdentifier): Catalog.CatalogError | undefined =>
  Catalog.checkTable(identifier) ?? nameProblem([...identifier.namespace, identifier.name])
