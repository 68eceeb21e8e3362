/**
 * An in-memory `Catalog`: the reference implementation of the interface's semantics, small enough to read in one
 * sitting. Tests of code that talks to a catalog use it, and adapter authors compare their behaviour against it;
 * it passes the conformance suite in `CatalogConformance`. State lives in the layer, so every build starts empty.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  alreadyExists,
  Catalog,
  type CatalogError,
  type CatalogShape,
  checkLocation,
  checkNamespace,
  checkTable,
  checkUpdate,
  compareNamespaces,
  conflict,
  firstMismatch,
  formatNamespace,
  formatTable,
  type Namespace,
  type NamespaceInfo,
  notEmpty,
  notFound,
  type PropertiesUpdateResult,
  type TableIdentifier,
  type TableInfo,
} from "../Catalog.ts"

interface TableEntry {
  metadataLocation: string
  previousMetadataLocation: string | undefined
}

// Keys join levels with U+001F (the Iceberg REST separator), which cannot be confused with a dot inside a level.
const key = (namespace: Namespace): string => namespace.join("\u001f")
const tableKey = (identifier: TableIdentifier): string => `${key(identifier.namespace)}\u001e${identifier.name}`

const sortedKeys = (keys: Iterable<string>): ReadonlyArray<string> => [...keys].sort()

/**
 * Builds an empty in-memory catalog. Every operation runs synchronously inside one `Effect.suspend`, so each is
 * atomic with respect to other fibers — the same guarantee a database transaction gives the SQL adapter.
 */
export const make: Effect.Effect<CatalogShape> = Effect.sync(() => {
  const namespaces = new Map<string, { namespace: Namespace; properties: Map<string, string> }>()
  const tables = new Map<string, { identifier: TableIdentifier; entry: TableEntry }>()

  const run = <A>(f: () => A | CatalogError): Effect.Effect<A, CatalogError> =>
    Effect.suspend(() => {
      const result = f()
      return isError(result) ? Effect.fail(result) : Effect.succeed(result)
    })

  const hasChildren = (namespace: Namespace): boolean => {
    for (const ns of namespaces.values()) {
      if (ns.namespace.length === namespace.length + 1 && compareNamespaces(ns.namespace.slice(0, -1), namespace) === 0)
        return true
    }
    return false
  }

  const info = (namespace: Namespace, properties: Map<string, string>): NamespaceInfo => ({
    namespace: [...namespace],
    properties: Object.fromEntries(properties),
  })

  const tableInfo = (identifier: TableIdentifier, entry: TableEntry): TableInfo =>
    entry.previousMetadataLocation === undefined
      ? { identifier: copyId(identifier), metadataLocation: entry.metadataLocation }
      : {
          identifier: copyId(identifier),
          metadataLocation: entry.metadataLocation,
          previousMetadataLocation: entry.previousMetadataLocation,
        }

  return Catalog.of({
    createNamespace: (namespace, properties = {}) =>
      run(() => {
        const invalid = checkNamespace(namespace) ?? checkUpdate({ updates: properties })
        if (invalid) return invalid
        if (namespaces.has(key(namespace))) return alreadyExists("namespace", formatNamespace(namespace))
        const parent = namespace.slice(0, -1)
        if (parent.length > 0 && !namespaces.has(key(parent))) {
          return notFound(
            "namespace",
            formatNamespace(parent),
            `Parent namespace '${formatNamespace(parent)}' of '${formatNamespace(namespace)}' does not exist`,
          )
        }
        const props = new Map(Object.entries(properties))
        namespaces.set(key(namespace), { namespace: [...namespace], properties: props })
        return info(namespace, props)
      }),

    loadNamespace: (namespace) =>
      run(() => {
        const invalid = checkNamespace(namespace)
        if (invalid) return invalid
        const ns = namespaces.get(key(namespace))
        return ns ? info(namespace, ns.properties) : notFound("namespace", formatNamespace(namespace))
      }),

    listNamespaces: (parent) =>
      run(() => {
        const depth = parent === undefined ? 0 : parent.length
        if (parent !== undefined) {
          const invalid = checkNamespace(parent)
          if (invalid) return invalid
          if (!namespaces.has(key(parent))) return notFound("namespace", formatNamespace(parent))
        }
        const children: Array<Namespace> = []
        for (const ns of namespaces.values()) {
          if (ns.namespace.length !== depth + 1) continue
          if (parent !== undefined && compareNamespaces(ns.namespace.slice(0, depth), parent) !== 0) continue
          children.push([...ns.namespace])
        }
        return children.sort(compareNamespaces)
      }),

    dropNamespace: (namespace) =>
      run(() => {
        const invalid = checkNamespace(namespace)
        if (invalid) return invalid
        const name = formatNamespace(namespace)
        if (!namespaces.has(key(namespace))) return notFound("namespace", name)
        const tableCount = [...tables.values()].filter(
          (t) => compareNamespaces(t.identifier.namespace, namespace) === 0,
        ).length
        if (tableCount > 0) return notEmpty(name, `Namespace '${name}' is not empty: it holds ${tableCount} table(s)`)
        if (hasChildren(namespace)) return notEmpty(name, `Namespace '${name}' is not empty: it has child namespaces`)
        namespaces.delete(key(namespace))
        return undefined
      }),

    updateNamespaceProperties: (namespace, update) =>
      run((): PropertiesUpdateResult | CatalogError => {
        const invalid = checkNamespace(namespace) ?? checkUpdate(update)
        if (invalid) return invalid
        const name = formatNamespace(namespace)
        const ns = namespaces.get(key(namespace))
        if (!ns) return notFound("namespace", name)
        const mismatch = firstMismatch(ns.properties, update.expected ?? {})
        if (mismatch !== undefined) return conflict("namespace", name, mismatch)
        const removed: Array<string> = []
        const missing: Array<string> = []
        for (const k of update.removals ?? []) {
          if (ns.properties.delete(k)) removed.push(k)
          else missing.push(k)
        }
        const updates = update.updates ?? {}
        for (const [k, v] of Object.entries(updates)) ns.properties.set(k, v)
        return { updated: sortedKeys(Object.keys(updates)), removed: sortedKeys(removed), missing: sortedKeys(missing) }
      }),

    registerTable: (identifier, metadataLocation) =>
      run(() => {
        const invalid = checkTable(identifier) ?? checkLocation(metadataLocation)
        if (invalid) return invalid
        if (!namespaces.has(key(identifier.namespace)))
          return notFound("namespace", formatNamespace(identifier.namespace))
        if (tables.has(tableKey(identifier))) return alreadyExists("table", formatTable(identifier))
        const entry: TableEntry = { metadataLocation, previousMetadataLocation: undefined }
        tables.set(tableKey(identifier), { identifier: copyId(identifier), entry })
        return tableInfo(identifier, entry)
      }),

    loadTable: (identifier) =>
      run(() => {
        const invalid = checkTable(identifier)
        if (invalid) return invalid
        const table = tables.get(tableKey(identifier))
        return table ? tableInfo(identifier, table.entry) : notFound("table", formatTable(identifier))
      }),

    listTables: (namespace) =>
      run(() => {
        const invalid = checkNamespace(namespace)
        if (invalid) return invalid
        if (!namespaces.has(key(namespace))) return notFound("namespace", formatNamespace(namespace))
        return [...tables.values()]
          .filter((t) => compareNamespaces(t.identifier.namespace, namespace) === 0)
          .map((t) => copyId(t.identifier))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      }),

    dropTable: (identifier) =>
      run(() => {
        const invalid = checkTable(identifier)
        if (invalid) return invalid
        return tables.delete(tableKey(identifier)) ? undefined : notFound("table", formatTable(identifier))
      }),

    commitTable: (identifier, commit) =>
      run(() => {
        const invalid =
          checkTable(identifier) ??
          checkLocation(commit.expectedMetadataLocation) ??
          checkLocation(commit.newMetadataLocation)
        if (invalid) return invalid
        const table = tables.get(tableKey(identifier))
        const name = formatTable(identifier)
        if (!table) return notFound("table", name)
        if (table.entry.metadataLocation !== commit.expectedMetadataLocation) {
          return conflict(
            "table",
            name,
            `Table '${name}' was committed concurrently: expected metadata at ${commit.expectedMetadataLocation}, found ${table.entry.metadataLocation}`,
          )
        }
        table.entry = {
          metadataLocation: commit.newMetadataLocation,
          previousMetadataLocation: commit.expectedMetadataLocation,
        }
        return tableInfo(identifier, table.entry)
      }),
  })
})

/** A layer providing a fresh, empty in-memory `Catalog`. */
export const layerMemory: Layer.Layer<Catalog> = Layer.effect(Catalog, make)

const copyId = (identifier: TableIdentifier): TableIdentifier => ({
  namespace: [...identifier.namespace],
  name: identifier.name,
})

const isError = (u: unknown): u is CatalogError =>
  typeof u === "object" && u !== null && "_tag" in u && u._tag === "CatalogError"
