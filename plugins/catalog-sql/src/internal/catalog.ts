/**
 * The catalog operations over the Iceberg JDBC catalog tables, written once for every `Driver`.
 *
 * Layout conventions kept for Iceberg's JdbcCatalog and PyIceberg's SqlCatalog (they open the same database):
 * - a namespace is stored as its levels joined with `.`, so a level may not itself contain a dot;
 * - creating a namespace writes the reserved property `exists` = `true` (hidden when loading), and that row's
 *   primary key is what makes creation atomic;
 * - a namespace exists when a property row or a table names it, or names a namespace beneath it;
 * - a commit is `UPDATE … WHERE metadata_location = <expected>`; zero rows changed means someone else committed.
 */
import { Catalog } from "@floe/spec"
import * as Effect from "effect/Effect"
import type { Driver, Param, Row, Tx, TxError } from "./driver.ts"

/** The property every namespace created through the JDBC layout carries; reserved, never shown to callers. */
export const EXISTS_PROPERTY = "exists"

const MAX_NAME = 255
const MAX_VALUE = 1000

// Lengths in characters (code points), as both VARCHAR(n) and SQL substr() count them.
const chars = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

const checkNamespace = (namespace: Catalog.Namespace): Catalog.CatalogError | undefined => {
  const invalid = Catalog.checkNamespace(namespace)
  if (invalid) return invalid
  const dotted = namespace.find((level) => level.includes("."))
  if (dotted !== undefined) {
    return Catalog.invalidInput(
      `Namespace level '${dotted}' contains '.', which the JDBC catalog layout uses to separate levels; use separate levels instead`,
    )
  }
  if (chars(namespace.join(".")) > MAX_NAME) {
    return Catalog.invalidInput(
      `Namespace '${Catalog.formatNamespace(namespace)}' is longer than ${MAX_NAME} characters`,
    )
  }
  return undefined
}

const checkTable = (id: Catalog.TableIdentifier): Catalog.CatalogError | undefined =>
  Catalog.checkTable(id) ??
  checkNamespace(id.namespace) ??
  (chars(id.name) > MAX_NAME
    ? Catalog.invalidInput(`Table name '${id.name}' is longer than ${MAX_NAME} characters`)
    : undefined)

const checkLocation = (location: string): Catalog.CatalogError | undefined =>
  Catalog.checkLocation(location) ??
  (chars(location) > MAX_VALUE
    ? Catalog.invalidInput(`Metadata location is longer than ${MAX_VALUE} characters`)
    : undefined)

const checkKeys = (keys: Iterable<string>): Catalog.CatalogError | undefined => {
  for (const key of keys) {
    if (key === EXISTS_PROPERTY) {
      return Catalog.invalidInput(`Property '${EXISTS_PROPERTY}' is reserved by the JDBC catalog layout`)
    }
    if (chars(key) > MAX_NAME)
      return Catalog.invalidInput(`Property key '${key}' is longer than ${MAX_NAME} characters`)
  }
  return undefined
}

const checkValues = (properties: Catalog.Properties): Catalog.CatalogError | undefined => {
  for (const [key, value] of Object.entries(properties)) {
    if (typeof value === "string" && chars(value) > MAX_VALUE) {
      return Catalog.invalidInput(`Property '${key}' has a value longer than ${MAX_VALUE} characters`)
    }
  }
  return undefined
}

const checkUpdate = (update: Catalog.PropertiesUpdate): Catalog.CatalogError | undefined =>
  Catalog.checkUpdate(update) ??
  checkKeys([
    ...Object.keys(update.updates ?? {}),
    ...(update.removals ?? []),
    ...Object.keys(update.expected ?? {}),
  ]) ??
  checkValues(update.updates ?? {})

const validated = <A>(
  invalid: Catalog.CatalogError | undefined,
  self: () => Effect.Effect<A, Catalog.CatalogError>,
): Effect.Effect<A, Catalog.CatalogError> => (invalid ? Effect.fail(invalid) : Effect.suspend(self))

const str = (row: Row | undefined, column: string): string | undefined => {
  const value = row?.[column]
  return typeof value === "string" ? value : undefined
}

const sortStrings = (values: Iterable<string>): ReadonlyArray<string> => [...values].sort()

/** Builds the `Catalog` for one driver and one `catalog_name`. */
export const makeCatalog = (driver: Driver, catalogName: string): Catalog.CatalogShape => {
  const tableFilter = driver.hasTypeColumn ? " AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)" : ""

  const exists = Effect.fnUntraced(function* (tx: Tx, ns: string) {
    const prefix = `${ns}.`
    const p: ReadonlyArray<Param> = [catalogName, ns, chars(prefix), prefix]
    const rows = yield* tx.query(
      `SELECT 1 AS found FROM iceberg_namespace_properties
        WHERE catalog_name = ? AND (namespace = ? OR substr(namespace, 1, ?) = ?)
       UNION ALL
       SELECT 1 AS found FROM iceberg_tables
        WHERE catalog_name = ? AND (table_namespace = ? OR substr(table_namespace, 1, ?) = ?)`,
      [...p, ...p],
    )
    return rows.length > 0
  })

  const hasChildren = Effect.fnUntraced(function* (tx: Tx, ns: string) {
    const prefix = `${ns}.`
    const p: ReadonlyArray<Param> = [catalogName, chars(prefix), prefix]
    const rows = yield* tx.query(
      `SELECT 1 AS found FROM iceberg_namespace_properties WHERE catalog_name = ? AND substr(namespace, 1, ?) = ?
       UNION ALL
       SELECT 1 AS found FROM iceberg_tables WHERE catalog_name = ? AND substr(table_namespace, 1, ?) = ?`,
      [...p, ...p],
    )
    return rows.length > 0
  })

  const readProperties = Effect.fnUntraced(function* (tx: Tx, ns: string) {
    const rows = yield* tx.query(
      "SELECT property_key, property_value FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?",
      [catalogName, ns],
    )
    const properties = new Map<string, string>()
    for (const row of rows) {
      const key = str(row, "property_key")
      const value = str(row, "property_value")
      if (key !== undefined && key !== EXISTS_PROPERTY && value !== undefined) properties.set(key, value)
    }
    return properties
  })

  const requireNamespace = Effect.fnUntraced(function* (tx: Tx, namespace: Catalog.Namespace) {
    const ns = namespace.join(".")
    if (!(yield* exists(tx, ns))) return yield* Catalog.notFound("namespace", ns)
    return ns
  })

  const insertProperty = (tx: Tx, ns: string, key: string, value: string) =>
    tx.execute(
      `INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (catalog_name, namespace, property_key) DO NOTHING`,
      [catalogName, ns, key, value],
    )

  const tableInfo = (
    id: Catalog.TableIdentifier,
    row: Row | undefined,
  ): Effect.Effect<Catalog.TableInfo, Catalog.CatalogError> => {
    const metadataLocation = str(row, "metadata_location")
    const previous = str(row, "previous_metadata_location")
    const identifier = { namespace: [...id.namespace], name: id.name }
    if (metadataLocation === undefined) {
      return Effect.fail(
        new Catalog.CatalogError({
          reason: new Catalog.Unknown({ message: `Table '${Catalog.formatTable(id)}' has no metadata location` }),
        }),
      )
    }
    return Effect.succeed(
      previous === undefined
        ? { identifier, metadataLocation }
        : { identifier, metadataLocation, previousMetadataLocation: previous },
    )
  }

  const selectTable = (tx: Tx, id: Catalog.TableIdentifier) =>
    Effect.map(
      tx.query(
        `SELECT metadata_location, previous_metadata_location FROM iceberg_tables
          WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${tableFilter}`,
        [catalogName, id.namespace.join("."), id.name],
      ),
      (rows) => rows[0],
    )

  const tableNotFound = Effect.fnUntraced(function* (tx: Tx, id: Catalog.TableIdentifier) {
    yield* requireNamespace(tx, id.namespace)
    return yield* Catalog.notFound("table", Catalog.formatTable(id))
  })

  return Catalog.Catalog.of({
    createNamespace: Effect.fn("Catalog.createNamespace")(function* (namespace, properties = {}) {
      return yield* validated(checkNamespace(namespace) ?? checkUpdate({ updates: properties }), () =>
        driver.transaction("write", (tx) =>
          Effect.gen(function* () {
            const ns = namespace.join(".")
            if (yield* exists(tx, ns)) return yield* Catalog.alreadyExists("namespace", ns)
            const parent = namespace.slice(0, -1)
            if (parent.length > 0 && !(yield* exists(tx, parent.join(".")))) {
              return yield* Catalog.notFound(
                "namespace",
                parent.join("."),
                `Parent namespace '${parent.join(".")}' of '${ns}' does not exist`,
              )
            }
            // The primary key on this row decides races between creators the checks above cannot see.
            if ((yield* insertProperty(tx, ns, EXISTS_PROPERTY, "true")) === 0) {
              return yield* Catalog.alreadyExists("namespace", ns)
            }
            for (const [key, value] of Object.entries(properties)) yield* insertProperty(tx, ns, key, value)
            return { namespace: [...namespace], properties: { ...properties } }
          }),
        ),
      )
    }),

    loadNamespace: Effect.fn("Catalog.loadNamespace")(function* (namespace) {
      return yield* validated(checkNamespace(namespace), () =>
        driver.transaction("read", (tx) =>
          Effect.gen(function* () {
            const ns = yield* requireNamespace(tx, namespace)
            const properties = yield* readProperties(tx, ns)
            return { namespace: [...namespace], properties: Object.fromEntries(properties) }
          }),
        ),
      )
    }),

    listNamespaces: Effect.fn("Catalog.listNamespaces")(function* (parent) {
      return yield* validated(parent === undefined ? undefined : checkNamespace(parent), () =>
        driver.transaction("read", (tx) =>
          Effect.gen(function* () {
            const depth = parent?.length ?? 0
            let rows: ReadonlyArray<Row>
            if (parent === undefined) {
              rows = yield* tx.query(
                `SELECT DISTINCT namespace AS ns FROM iceberg_namespace_properties WHERE catalog_name = ?
                 UNION
                 SELECT DISTINCT table_namespace AS ns FROM iceberg_tables WHERE catalog_name = ?`,
                [catalogName, catalogName],
              )
            } else {
              const prefix = `${yield* requireNamespace(tx, parent)}.`
              const p: ReadonlyArray<Param> = [catalogName, chars(prefix), prefix]
              rows = yield* tx.query(
                `SELECT DISTINCT namespace AS ns FROM iceberg_namespace_properties
                  WHERE catalog_name = ? AND substr(namespace, 1, ?) = ?
                 UNION
                 SELECT DISTINCT table_namespace AS ns FROM iceberg_tables
                  WHERE catalog_name = ? AND substr(table_namespace, 1, ?) = ?`,
                [...p, ...p],
              )
            }
            const children = new Map<string, Catalog.Namespace>()
            for (const row of rows) {
              const ns = str(row, "ns")
              if (ns === undefined || ns === "") continue
              const levels = ns.split(".")
              if (levels.length <= depth) continue
              const child = levels.slice(0, depth + 1)
              children.set(child.join("."), child)
            }
            return [...children.values()].sort(Catalog.compareNamespaces)
          }),
        ),
      )
    }),

    dropNamespace: Effect.fn("Catalog.dropNamespace")(function* (namespace) {
      return yield* validated(checkNamespace(namespace), () =>
        driver.transaction("write", (tx) =>
          Effect.gen(function* () {
            const ns = yield* requireNamespace(tx, namespace)
            const tables = yield* tx.query(
              "SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ?",
              [catalogName, ns],
            )
            if (tables.length > 0) {
              return yield* Catalog.notEmpty(ns, `Namespace '${ns}' is not empty: it holds ${tables.length} table(s)`)
            }
            if (yield* hasChildren(tx, ns)) {
              return yield* Catalog.notEmpty(ns, `Namespace '${ns}' is not empty: it has child namespaces`)
            }
            yield* tx.execute("DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?", [
              catalogName,
              ns,
            ])
          }),
        ),
      )
    }),

    updateNamespaceProperties: Effect.fn("Catalog.updateNamespaceProperties")(function* (namespace, update) {
      return yield* validated(checkNamespace(namespace) ?? checkUpdate(update), () =>
        driver.transaction("write", (tx) =>
          Effect.gen(function* () {
            const ns = yield* requireNamespace(tx, namespace)
            const current = yield* readProperties(tx, ns)
            const mismatch = Catalog.firstMismatch(current, update.expected ?? {})
            if (mismatch !== undefined) return yield* Catalog.conflict("namespace", ns, mismatch)
            const removed: Array<string> = []
            const missing: Array<string> = []
            for (const key of update.removals ?? []) {
              const n = yield* tx.execute(
                "DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ? AND property_key = ?",
                [catalogName, ns, key],
              )
              if (n > 0) removed.push(key)
              else missing.push(key)
            }
            const updates = update.updates ?? {}
            for (const [key, value] of Object.entries(updates)) {
              yield* tx.execute(
                `INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value)
                 VALUES (?, ?, ?, ?)
                 ON CONFLICT (catalog_name, namespace, property_key) DO UPDATE SET property_value = excluded.property_value`,
                [catalogName, ns, key, value],
              )
            }
            // A namespace made by another tool may exist only through its properties; keep it existing when they go.
            yield* insertProperty(tx, ns, EXISTS_PROPERTY, "true")
            return {
              updated: sortStrings(Object.keys(updates)),
              removed: sortStrings(removed),
              missing: sortStrings(missing),
            }
          }),
        ),
      )
    }),

    registerTable: Effect.fn("Catalog.registerTable")(function* (identifier, metadataLocation) {
      return yield* validated(checkTable(identifier) ?? checkLocation(metadataLocation), () =>
        driver.transaction("write", (tx) =>
          Effect.gen(function* () {
            const ns = yield* requireNamespace(tx, identifier.namespace)
            const inserted = yield* tx.execute(
              driver.hasTypeColumn
                ? `INSERT INTO iceberg_tables
                     (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type)
                   VALUES (?, ?, ?, ?, NULL, 'TABLE')
                   ON CONFLICT (catalog_name, table_namespace, table_name) DO NOTHING`
                : `INSERT INTO iceberg_tables
                     (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location)
                   VALUES (?, ?, ?, ?, NULL)
                   ON CONFLICT (catalog_name, table_namespace, table_name) DO NOTHING`,
              [catalogName, ns, identifier.name, metadataLocation],
            )
            if (inserted === 0) return yield* Catalog.alreadyExists("table", Catalog.formatTable(identifier))
            return { identifier: { namespace: [...identifier.namespace], name: identifier.name }, metadataLocation }
          }),
        ),
      )
    }),

    loadTable: Effect.fn("Catalog.loadTable")(function* (identifier) {
      return yield* validated(checkTable(identifier), () =>
        driver.transaction("read", (tx) =>
          Effect.gen(function* () {
            const row = yield* selectTable(tx, identifier)
            if (row === undefined) return yield* tableNotFound(tx, identifier)
            return yield* tableInfo(identifier, row)
          }),
        ),
      )
    }),

    listTables: Effect.fn("Catalog.listTables")(function* (namespace) {
      return yield* validated(checkNamespace(namespace), () =>
        driver.transaction("read", (tx) =>
          Effect.gen(function* () {
            const ns = yield* requireNamespace(tx, namespace)
            const rows = yield* tx.query(
              `SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ?${tableFilter}`,
              [catalogName, ns],
            )
            const names = rows.flatMap((row) => {
              const name = str(row, "table_name")
              return name === undefined ? [] : [name]
            })
            return sortStrings(names).map((name) => ({ namespace: [...namespace], name }))
          }),
        ),
      )
    }),

    dropTable: Effect.fn("Catalog.dropTable")(function* (identifier) {
      return yield* validated(checkTable(identifier), () =>
        driver.transaction("write", (tx) =>
          Effect.gen(function* () {
            const deleted = yield* tx.execute(
              `DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${tableFilter}`,
              [catalogName, identifier.namespace.join("."), identifier.name],
            )
            if (deleted === 0) yield* tableNotFound(tx, identifier)
          }),
        ),
      )
    }),

    commitTable: Effect.fn("Catalog.commitTable")(function* (identifier, commit) {
      return yield* validated(
        checkTable(identifier) ??
          checkLocation(commit.expectedMetadataLocation) ??
          checkLocation(commit.newMetadataLocation),
        () =>
          driver.transaction("write", (tx) =>
            Effect.gen(function* () {
              const updated = yield* tx.execute(
                `UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ?
                  WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?${tableFilter}`,
                [
                  commit.newMetadataLocation,
                  commit.expectedMetadataLocation,
                  catalogName,
                  identifier.namespace.join("."),
                  identifier.name,
                  commit.expectedMetadataLocation,
                ],
              )
              if (updated === 1) {
                return {
                  identifier: { namespace: [...identifier.namespace], name: identifier.name },
                  metadataLocation: commit.newMetadataLocation,
                  previousMetadataLocation: commit.expectedMetadataLocation,
                }
              }
              const row = yield* selectTable(tx, identifier)
              if (row === undefined) return yield* tableNotFound(tx, identifier)
              const name = Catalog.formatTable(identifier)
              return yield* Catalog.conflict(
                "table",
                name,
                `Table '${name}' was committed concurrently: expected metadata at ${commit.expectedMetadataLocation}, found ${str(row, "metadata_location") ?? "none"}`,
              )
            }),
          ),
      )
    }),
  })
}

export type { TxError }
