/**
 * Output ports as Iceberg v2 tables. After a successful run each output port's model is published to the product's
 * warehouse (`{warehouse}/{domain}/{layer}/{product}/{table}`): the compute engine writes the rows as Parquet with
 * Iceberg field ids, this module writes the manifest (Avro), the manifest list (Avro) and a new table metadata JSON,
 * and the `Catalog` commits it by compare-and-set on the metadata location. A conflicting commit is retried on fresh
 * metadata; anything that fails before the commit leaves the table as it was (new files are simply unreferenced).
 *
 * Table lifecycle: the first publish creates the table (an `append` snapshot); a table or view model replaces its
 * rows (`overwrite`, the previous files marked deleted); an incremental model appends the rows it added, or
 * overwrites when it also changed or removed rows. Columns keep their field ids across runs; a new column gets a
 * new id and a widening (int → long, float → double, a wider decimal) is a schema update; anything else is refused
 * unless the major version governing the table (the contract's, else the product's) was bumped, and then the
 * table's schema is replaced with fresh field ids (history and snapshots are kept). Tables are never dropped: a
 * port that goes away leaves its table, which `orphans` lists.
 */
import { fileURLToPath, pathToFileURL } from "node:url"
import { AtomicFile, type Graph } from "@floe/compiler"
import { Models } from "@floe/contracts"
import { Catalog, Compute, DataProduct, Diagnostic, OpenLineage } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as Iceberg from "./Iceberg.ts"
import type * as Run from "./Run.ts"

/** The embedded warehouse, relative to the product directory. */
export const DEFAULT_WAREHOUSE = ".floe/warehouse"

/** Table properties Floe writes. */
export const PROPERTY = {
  product: "floe.product",
  port: "floe.port",
  model: "floe.model",
  productVersion: "floe.product.version",
  contractVersion: "floe.contract.version",
} as const

export interface PublishOptions {
  readonly product: DataProduct.DataProduct
  /** The product directory (the default warehouse lives under it). */
  readonly dir: string
  /** The warehouse root: a `file://` URI or a local path; default `<dir>/.floe/warehouse`. */
  readonly warehouse?: string | undefined
  readonly graph: Graph.Graph
  /** The run whose successful models are published; ports whose model did not succeed in it are skipped. */
  readonly result: Pick<Run.Result, "nodes">
  readonly fullRefresh?: boolean | undefined
  /** The effective data contract's version, when the product has one (it governs incompatible changes). */
  readonly contractVersion?: string | undefined
  /** Commit attempts on conflicting writers (default 5). */
  readonly maxAttempts?: number | undefined
  /**
   * OpenLineage: a job `{product}.publish.{port}` per published port, START then COMPLETE (or FAIL), reading the
   * model's relation and writing the Iceberg table (its location, with the catalog name as a symlink), as a child of
   * the product run. Absent: no events.
   */
  readonly lineage?: PublishLineage | undefined
}

export interface PublishLineage {
  readonly emit: (event: OpenLineage.RunEvent) => Effect.Effect<void>
  /** The job namespace (the product id) and the product run the events are children of. */
  readonly namespace: string
  readonly productName: string
  readonly parentRunId: string
  /** The catalog's dataset namespace for the symlink (e.g. the REST URI, `sqlite:///…/catalog.db`). */
  readonly catalogNamespace: string
  readonly producer?: string | undefined
}

export type PublicationStatus = "created" | "appended" | "overwritten" | "replaced" | "unchanged" | "skipped" | "failed"

export interface Publication {
  readonly port: string
  readonly model: string
  /** The table as the catalog names it: `domain.product.table`. */
  readonly table: string
  readonly status: PublicationStatus
  readonly snapshotId?: number | undefined
  readonly metadataLocation?: string | undefined
  readonly addedRecords?: number | undefined
  readonly totalRecords?: number | undefined
  readonly addedColumns?: ReadonlyArray<string> | undefined
  readonly widenedColumns?: ReadonlyArray<string> | undefined
  /** The table's location and, once committed, its current schema. */
  readonly location?: string | undefined
  readonly schema?: ReadonlyArray<Iceberg.Field> | undefined
  /** Why it was skipped or failed. */
  readonly message?: string | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

/** Where a port's table lives: catalog identifier and warehouse path parts. */
export interface PortTable {
  readonly identifier: Catalog.TableIdentifier
  /** `{domain}/{layer}/{product}/{table}` under the warehouse. */
  readonly path: ReadonlyArray<string>
}

const underscore = (s: string) => s.replaceAll("-", "_")

/**
 * The table of an output port: registered in the product's namespace (`[domain, product]`) under the last part of
 * its `table:`, stored at `{domain}/{layer}/{product}/{table}` (`gold.customer_360.customers` in domain `sales` →
 * `sales/gold/customer_360/customers`).
 */
export const portTable = (product: DataProduct.DataProduct, port: Pick<DataProduct.OutputPort, "table">): PortTable => {
  const parts = port.table.split(".")
  const name = parts[parts.length - 1] ?? port.table
  const layer = parts.length > 1 ? (parts[0] ?? "default") : "default"
  const productName = parts.length > 2 ? (parts[1] ?? "") : underscore(product.metadata.name)
  const domain = underscore(product.metadata.domain)
  return {
    identifier: { namespace: [domain, underscore(product.metadata.name)], name },
    path: [domain, layer, productName, name],
  }
}

/** The warehouse root as a `file://` URI (relative paths resolve against the product directory). */
export const warehouseUri = (dir: string, warehouse: string | undefined): string => {
  const w = warehouse ?? DEFAULT_WAREHOUSE
  if (/^[a-z][a-z0-9+.-]*:/i.test(w)) return w.replace(/\/+$/, "")
  const abs = w.startsWith("/") ? w : `${pathToFileURL(dir).pathname.replace(/\/+$/, "")}/${w}`
  return pathToFileURL(abs).href.replace(/\/+$/, "")
}

type Code = Parameters<typeof Diagnostic.make>[0]

const code = (c: Code, message: string, hint?: string, location: Diagnostic.Location = {}) =>
  Diagnostic.make(c, message, location, hint)

class PublishFailure extends Data.TaggedError("PublishFailure")<{ readonly diagnostic: Diagnostic.Diagnostic }> {}

const fail = (diagnostic: Diagnostic.Diagnostic) => new PublishFailure({ diagnostic })

const majorOf = (v: string | undefined): number | undefined => {
  const m = /^(\d+)\./.exec(v ?? "")
  return m === null ? undefined : Number(m[1])
}

const randomId = Effect.sync(() => {
  const b = crypto.getRandomValues(new Uint32Array(2))
  // A positive id below 2^52: exact as a JavaScript number and as an Avro long.
  return ((b[0] ?? 0) & 0xfffff) * 2 ** 32 + (b[1] ?? 0) + 1
})

const countOf = (rows: ReadonlyArray<Readonly<Record<string, unknown>>>): number => Number(rows[0]?.["n"] ?? 0)

/** The live data files of a snapshot (entries not deleted), with their data and file sequence numbers resolved. */
const liveEntries = (
  read: (uri: string) => Effect.Effect<Uint8Array, PublishFailure>,
  snapshot: Iceberg.Snapshot | undefined,
) =>
  Effect.gen(function* () {
    if (snapshot === undefined) return { manifests: [] as ReadonlyArray<Iceberg.ManifestFile>, entries: [] }
    const list = yield* read(snapshot["manifest-list"])
    const manifests = (yield* Effect.tryPromise({
      try: () => Iceberg.decodeAvro<Iceberg.ManifestFile>(list),
      catch: (e) => fail(code("FLOE-E811", `cannot read manifest list ${snapshot["manifest-list"]}: ${e}`)),
    })).records
    const entries: Array<Iceberg.ManifestEntry> = []
    for (const m of manifests) {
      const bytes = yield* read(m.manifest_path)
      const file = yield* Effect.tryPromise({
        try: () => Iceberg.decodeAvro<Iceberg.ManifestEntry>(bytes),
        catch: (e) => fail(code("FLOE-E811", `cannot read manifest ${m.manifest_path}: ${e}`)),
      })
      for (const e of file.records) {
        if (e.status === Iceberg.Status.DELETED) continue
        entries.push({
          ...e,
          sequence_number: e.sequence_number ?? m.sequence_number,
          file_sequence_number: e.file_sequence_number ?? m.sequence_number,
        })
      }
    }
    return { manifests, entries }
  })

/**
 * Publishes every output port of the product whose model succeeded in `result`. Never fails: each port's outcome
 * (created, appended, overwritten, replaced, unchanged, skipped, failed with a diagnostic) is in the result.
 */
export const publish = Effect.fn("Runtime.publish")(function* (options: PublishOptions) {
  const compute = yield* Compute.Compute
  const catalog = yield* Catalog.Catalog
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const ports = options.product.output_ports ?? []
  const warehouse = warehouseUri(options.dir, options.warehouse)
  const maxAttempts = options.maxAttempts ?? 5
  const outcomes = new Map(options.result.nodes.map((n) => [n.uniqueId, n]))
  const productId = DataProduct.productId(options.product)

  const localPath = (uri: string): string | undefined => {
    if (uri.startsWith("file://")) return fileURLToPath(uri)
    return uri.startsWith("/") ? uri : undefined
  }
  const read = (uri: string) =>
    Effect.gen(function* () {
      const p = localPath(uri)
      if (p === undefined) {
        return yield* Effect.fail(fail(code("FLOE-E810", `cannot read '${uri}': only file:// is supported`)))
      }
      return yield* fs
        .readFile(p)
        .pipe(
          Effect.mapError((e) =>
            fail(
              code(
                "FLOE-E811",
                `cannot read ${uri}: ${e.message}`,
                "The catalog points at table files that are missing or unreadable (was the warehouse directory deleted?). Restore them, or remove the table's entry from the catalog so the next run creates the table again.",
              ),
            ),
          ),
        )
    })
  /** Writes a file whole or not at all (`AtomicFile`). */
  const write = (uri: string, bytes: Uint8Array) =>
    AtomicFile.write(fs, path, localPath(uri) ?? "", bytes).pipe(
      Effect.mapError((e) => fail(code("FLOE-E811", `cannot write ${uri}: ${e.message}`))),
    )
  const sql = (text: string) => compute.query(text).pipe(Effect.mapError((e) => fail(code("FLOE-E811", e.message))))

  /** The model or seed that serves a port, by name. */
  const servingNode = (model: string) =>
    [...options.graph.nodes.values()].find(
      (n) => n.name === model && (n.resourceType === "model" || n.resourceType === "seed"),
    )

  const publishPort = (port: DataProduct.OutputPort) => {
    const model = Models.servingModel(port)
    const where = portTable(options.product, port)
    const tableName = Catalog.formatTable(where.identifier)
    const base = { port: port.name, model, table: tableName, diagnostics: [] }
    return Effect.gen(function* () {
      const node = servingNode(model)
      const outcome = node === undefined ? undefined : outcomes.get(node.uniqueId)
      if (node === undefined || outcome === undefined || outcome.status !== "success") {
        const why =
          node === undefined
            ? `no model '${model}' serves it`
            : outcome === undefined
              ? `'${model}' was not part of this run`
              : `'${model}' did not succeed`
        return { ...base, status: "skipped" as const, message: why }
      }
      if (!/^file:\/\//.test(warehouse)) {
        return yield* Effect.fail(
          fail(
            code(
              "FLOE-E810",
              `the warehouse '${warehouse}' is not a file:// location; this host writes Iceberg tables to local files only`,
            ),
          ),
        )
      }
      const modelFile = { file: path.join(options.dir, node.originalFilePath), line: 1, column: 1 }
      const parquet = compute.parquet
      if (parquet === undefined) {
        const d = code("FLOE-W814", `the '${compute.dialect}' compute engine cannot write Parquet files`)
        return { ...base, status: "skipped" as const, message: d.message, diagnostics: [d] }
      }
      const relation: Compute.Relation = { database: node.database, schema: node.schema, identifier: node.alias }
      const info = yield* compute
        .describeRelation(relation)
        .pipe(Effect.mapError((e) => fail(code("FLOE-E811", e.message))))
      if (info === undefined) {
        return { ...base, status: "skipped" as const, message: `${compute.render(relation)} does not exist` }
      }
      const mapped = info.columns.map((c) => ({ column: c, mapping: Iceberg.icebergType(c.type) }))
      const unmapped = mapped.filter((m) => m.mapping === undefined)
      if (unmapped.length > 0) {
        return yield* Effect.fail(
          fail(
            code(
              "FLOE-E812",
              `${model}: ${unmapped.map((m) => `${m.column.name} (${m.column.type})`).join(", ")} ${unmapped.length === 1 ? "has" : "have"} no Iceberg type`,
              undefined,
              modelFile,
            ),
          ),
        )
      }
      const columns = mapped.map((m) => ({ name: m.column.name, type: (m.mapping as Iceberg.TypeMapping).type }))
      const select = `SELECT ${mapped
        .map((m) => {
          const q = compute.quote(m.column.name)
          return m.mapping?.cast === undefined ? q : `CAST(${q} AS ${m.mapping.cast}) AS ${q}`
        })
        .join(", ")} FROM ${compute.render(relation)}`
      const governing = options.contractVersion ?? options.product.metadata.version
      const tableLocation = `${warehouse}/${where.path.join("/")}`
      const incremental = node.config["materialized"] === "incremental" && options.fullRefresh !== true

      for (let attempt = 1; ; attempt++) {
        const loaded = yield* catalog.loadTable(where.identifier).pipe(
          Effect.map((t): Catalog.TableInfo | undefined => t),
          Effect.catchReason("CatalogError", "NotFound", () => Effect.succeed(undefined)),
          Effect.mapError((e) => fail(code("FLOE-E811", e.message))),
        )
        const current =
          loaded === undefined
            ? undefined
            : (JSON.parse(new TextDecoder().decode(yield* read(loaded.metadataLocation))) as Iceberg.TableMetadata)
        const now = yield* Clock.currentTimeMillis
        const snapshotId = yield* randomId
        const commitId = crypto.randomUUID()
        const location = current?.location ?? tableLocation
        const metadataDir = `${location}/metadata`

        // The schema this publish writes with, and how the data changes.
        let schema: Iceberg.Schema
        let lastColumnId: number
        let evolution: Iceberg.Evolution | undefined
        let kind: "create" | "append" | "overwrite" | "replace"
        if (current === undefined) {
          schema = Iceberg.freshSchema(columns, 0, 1)
          lastColumnId = columns.length
          kind = "create"
        } else {
          const schemaNow = Iceberg.currentSchema(current)
          const nextSchemaId = Math.max(...current.schemas.map((s) => s["schema-id"])) + 1
          evolution = Iceberg.evolve(schemaNow, current["last-column-id"], columns, nextSchemaId)
          if (evolution.incompatible.length > 0 || evolution.dropped.length > 0) {
            const recorded =
              current.properties[
                options.contractVersion === undefined ? PROPERTY.productVersion : PROPERTY.contractVersion
              ]
            const before = majorOf(recorded)
            const now_ = majorOf(governing)
            const what = [
              ...evolution.incompatible.map((c) => `${c.name} ${c.from} → ${c.to}`),
              ...evolution.dropped.map((d) => `${d} removed`),
            ].join(", ")
            if (before === undefined || now_ === undefined || now_ <= before) {
              return yield* Effect.fail(
                fail(
                  code(
                    "FLOE-E813",
                    `${tableName}: incompatible schema change (${what}) while the ${options.contractVersion === undefined ? "product" : "contract"} version stays at major ${now_ ?? "?"}`,
                    `Readers of ${tableName} would break. Make the change additive (new columns, int → long, float → double, wider decimals), or bump the ${options.contractVersion === undefined ? "product" : "contract"}'s major version (${recorded ?? "?"} → ${(before ?? 0) + 1}.0.0) to replace the table's schema.`,
                    modelFile,
                  ),
                ),
              )
            }
            schema = Iceberg.freshSchema(columns, nextSchemaId, current["last-column-id"] + 1)
            lastColumnId = current["last-column-id"] + columns.length
            kind = "replace"
          } else {
            schema = evolution.schema
            lastColumnId = evolution.lastColumnId
            kind = incremental && !evolution.changed ? "append" : "overwrite"
          }
        }
        const fieldIds = Object.fromEntries(schema.fields.map((f) => [f.name, f.id]))
        const previous = current === undefined ? undefined : Iceberg.currentSnapshot(current)
        const live = yield* liveEntries(read, previous)
        const previousTotal = Number(previous?.summary["total-records"] ?? 0)

        const dataFile = (name: string) => `${location}/data/${name}.parquet`
        const writeData = (query: string) =>
          parquet
            .write({
              sql: query,
              path: dataFile(`${String(now)}-${crypto.randomUUID()}`),
              fieldIds,
              ...(loaded?.storage === undefined ? {} : { storage: loaded.storage }),
            })
            .pipe(Effect.mapError((e) => fail(code("FLOE-E811", e.message))))

        let written: Compute.ParquetFile
        if (kind === "append" && previous !== undefined) {
          // What the model added since the last snapshot: its rows minus the rows the table already holds. A pure
          // addition (nothing changed or removed) is an append; anything else is an overwrite.
          const scan = parquet.scan(live.entries.map((e) => e.data_file.file_path))
          const names = schema.fields.map((f) => compute.quote(f.name)).join(", ")
          const added = live.entries.length === 0 ? select : `${select} EXCEPT ALL SELECT ${names} FROM ${scan}`
          // Written first (one pass over the difference), checked after: a file that turns out not to be a pure
          // addition, or an empty one, is removed again before anything references it.
          const diff = yield* writeData(added)
          const total = countOf(yield* sql(`SELECT count(*) AS n FROM ${compute.render(relation)}`))
          const pure = total === previousTotal + diff.records
          if (!pure || diff.records === 0) {
            const local = localPath(diff.path)
            if (local !== undefined) yield* fs.remove(local).pipe(Effect.ignore)
          }
          if (pure && diff.records === 0) {
            return {
              ...base,
              status: "unchanged" as const,
              snapshotId: previous["snapshot-id"],
              metadataLocation: loaded?.metadataLocation,
              addedRecords: 0,
              totalRecords: previousTotal,
            }
          }
          if (pure) written = diff
          else {
            kind = "overwrite"
            written = yield* writeData(select)
          }
        } else {
          written = yield* writeData(select)
        }

        // The manifest of the new file, and for an overwrite the previous files marked deleted.
        const sequenceNumber = (current?.["last-sequence-number"] ?? 0) + 1
        const stats = (pick: (s: Compute.ParquetColumnStats) => number | undefined) => {
          const out = schema.fields.flatMap((f) => {
            const v = written.columns[f.name] === undefined ? undefined : pick(written.columns[f.name] ?? {})
            return v === undefined ? [] : [{ key: f.id, value: v }]
          })
          return out.length === 0 ? null : out
        }
        const bounds = (pick: (s: Compute.ParquetColumnStats) => string | undefined) => {
          const out = schema.fields.flatMap((f) => {
            const text = written.columns[f.name] === undefined ? undefined : pick(written.columns[f.name] ?? {})
            const value = text === undefined ? undefined : Iceberg.serializeBound(f.type, text)
            return value === undefined ? [] : [{ key: f.id, value: Buffer.from(value) }]
          })
          return out.length === 0 ? null : out
        }
        const addedEntry: Iceberg.ManifestEntry = {
          status: Iceberg.Status.ADDED,
          snapshot_id: snapshotId,
          sequence_number: null,
          file_sequence_number: null,
          data_file: {
            content: 0,
            file_path: written.path,
            file_format: "PARQUET",
            partition: {},
            record_count: written.records,
            file_size_in_bytes: written.bytes,
            column_sizes: stats((s) => s.sizeBytes),
            value_counts: stats((s) => s.valueCount),
            null_value_counts: stats((s) => s.nullCount),
            nan_value_counts: null,
            lower_bounds: bounds((s) => s.min),
            upper_bounds: bounds((s) => s.max),
            key_metadata: null,
            split_offsets: null,
            equality_ids: null,
            sort_order_id: null,
          },
        }
        const manifestMeta = {
          schema: JSON.stringify(schema),
          "schema-id": String(schema["schema-id"]),
          "partition-spec": "[]",
          "partition-spec-id": "0",
          "format-version": "2",
          content: "data",
        }
        const writeManifest = (suffix: string, entries: ReadonlyArray<Iceberg.ManifestEntry>) =>
          Effect.gen(function* () {
            const uri = `${metadataDir}/${commitId}-m${suffix}.avro`
            const bytes = yield* Effect.promise(() =>
              Iceberg.encodeAvro(Iceberg.MANIFEST_ENTRY_SCHEMA, entries, manifestMeta),
            )
            yield* write(uri, bytes)
            const count = (status: number) => entries.filter((e) => e.status === status)
            const rows = (es: ReadonlyArray<Iceberg.ManifestEntry>) =>
              es.reduce((n, e) => n + e.data_file.record_count, 0)
            const liveSeqs = entries
              .filter((e) => e.status !== Iceberg.Status.DELETED)
              .map((e) => e.sequence_number ?? sequenceNumber)
            return {
              manifest_path: uri,
              manifest_length: bytes.length,
              partition_spec_id: 0,
              content: 0,
              sequence_number: sequenceNumber,
              min_sequence_number: liveSeqs.length === 0 ? sequenceNumber : Math.min(...liveSeqs),
              added_snapshot_id: snapshotId,
              added_files_count: count(Iceberg.Status.ADDED).length,
              existing_files_count: count(Iceberg.Status.EXISTING).length,
              deleted_files_count: count(Iceberg.Status.DELETED).length,
              added_rows_count: rows(count(Iceberg.Status.ADDED)),
              existing_rows_count: rows(count(Iceberg.Status.EXISTING)),
              deleted_rows_count: rows(count(Iceberg.Status.DELETED)),
              partitions: null,
              key_metadata: null,
            } satisfies Iceberg.ManifestFile
          })
        const manifests: Array<Iceberg.ManifestFile> = [yield* writeManifest("0", [addedEntry])]
        const deleted = kind === "overwrite" || kind === "replace" ? live.entries : []
        if (deleted.length > 0) {
          manifests.push(
            yield* writeManifest(
              "1",
              deleted.map((e) => ({ ...e, status: Iceberg.Status.DELETED, snapshot_id: snapshotId })),
            ),
          )
        }
        if (kind === "append") {
          // Earlier manifests stay as they are; those with no live files are left out.
          manifests.push(...live.manifests.filter((m) => m.added_files_count + m.existing_files_count > 0))
        }
        const manifestList = `${metadataDir}/snap-${snapshotId}-1-${commitId}.avro`
        yield* write(
          manifestList,
          yield* Effect.promise(() =>
            Iceberg.encodeAvro(Iceberg.MANIFEST_FILE_SCHEMA, manifests, {
              "snapshot-id": String(snapshotId),
              "parent-snapshot-id": previous === undefined ? "null" : String(previous["snapshot-id"]),
              "sequence-number": String(sequenceNumber),
              "format-version": "2",
            }),
          ),
        )

        // The snapshot and the new table metadata.
        const deletedRecords = deleted.reduce((n, e) => n + e.data_file.record_count, 0)
        const deletedBytes = deleted.reduce((n, e) => n + e.data_file.file_size_in_bytes, 0)
        const liveBytes = live.entries.reduce((n, e) => n + e.data_file.file_size_in_bytes, 0)
        const keptFiles = kind === "append" ? live.entries.length : 0
        const totalRecords = (kind === "append" ? previousTotal : 0) + written.records
        const operation: Iceberg.Operation = kind === "create" || kind === "append" ? "append" : "overwrite"
        const snapshot: Iceberg.Snapshot = {
          "snapshot-id": snapshotId,
          ...(previous === undefined ? {} : { "parent-snapshot-id": previous["snapshot-id"] }),
          "sequence-number": sequenceNumber,
          "timestamp-ms": now,
          "manifest-list": manifestList,
          summary: {
            operation,
            "added-data-files": "1",
            "added-records": String(written.records),
            "added-files-size": String(written.bytes),
            ...(deleted.length > 0
              ? {
                  "deleted-data-files": String(deleted.length),
                  "deleted-records": String(deletedRecords),
                  "removed-files-size": String(deletedBytes),
                }
              : {}),
            "total-data-files": String(keptFiles + 1),
            "total-records": String(totalRecords),
            "total-files-size": String((kind === "append" ? liveBytes : 0) + written.bytes),
            "total-delete-files": "0",
            "total-position-deletes": "0",
            "total-equality-deletes": "0",
            "floe.model": model,
          },
          "schema-id": schema["schema-id"],
        }
        const properties: Record<string, string> = {
          ...(current?.properties ?? {}),
          "write.format.default": "parquet",
          "schema.name-mapping.default": Iceberg.nameMapping(schema),
          [PROPERTY.product]: productId,
          [PROPERTY.port]: port.name,
          [PROPERTY.model]: model,
          [PROPERTY.productVersion]: options.product.metadata.version,
        }
        if (options.contractVersion !== undefined) properties[PROPERTY.contractVersion] = options.contractVersion
        const schemas =
          current === undefined
            ? [schema]
            : current.schemas.some((s) => s["schema-id"] === schema["schema-id"])
              ? current.schemas
              : [...current.schemas, schema]
        const metadata: Iceberg.TableMetadata = {
          "format-version": 2,
          "table-uuid": current?.["table-uuid"] ?? crypto.randomUUID(),
          location,
          "last-sequence-number": sequenceNumber,
          "last-updated-ms": now,
          "last-column-id": lastColumnId,
          schemas,
          "current-schema-id": schema["schema-id"],
          "partition-specs": [{ "spec-id": 0, fields: [] }],
          "default-spec-id": 0,
          "last-partition-id": 999,
          properties,
          "current-snapshot-id": snapshotId,
          snapshots: [...(current?.snapshots ?? []), snapshot],
          "snapshot-log": [...(current?.["snapshot-log"] ?? []), { "snapshot-id": snapshotId, "timestamp-ms": now }],
          "metadata-log":
            current === undefined || loaded === undefined
              ? []
              : [
                  ...current["metadata-log"],
                  { "metadata-file": loaded.metadataLocation, "timestamp-ms": current["last-updated-ms"] },
                ],
          "sort-orders": [{ "order-id": 0, fields: [] }],
          "default-sort-order-id": 0,
          refs: { main: { "snapshot-id": snapshotId, type: "branch" } },
        }
        // 00000 for the table's first metadata file, then one more per commit.
        const version = metadata["metadata-log"].length
        const metadataLocation = `${metadataDir}/${String(version).padStart(5, "0")}-${commitId}.metadata.json`
        yield* write(metadataLocation, new TextEncoder().encode(`${JSON.stringify(metadata, null, 2)}\n`))

        // The commit: compare-and-set on the metadata location. Losing the race means starting over on fresh
        // metadata; the files written for this attempt stay unreferenced.
        const committed = yield* (
          loaded === undefined
            ? catalog.registerTable(where.identifier, metadataLocation)
            : catalog.commitTable(where.identifier, {
                expectedMetadataLocation: loaded.metadataLocation,
                newMetadataLocation: metadataLocation,
              })
        ).pipe(
          Effect.as(true),
          Effect.catchReason("CatalogError", "Conflict", () => Effect.succeed(false)),
          Effect.catchReason("CatalogError", "AlreadyExists", () => Effect.succeed(false)),
          Effect.mapError((e) =>
            e.reason._tag === "NotFound" && loaded === undefined
              ? fail(
                  code(
                    "FLOE-E811",
                    `${tableName}: the product namespace ${Catalog.formatNamespace(where.identifier.namespace)} is not registered`,
                    "Run `floe compile` to register the product in the catalog, then run again.",
                  ),
                )
              : fail(code("FLOE-E811", `${tableName}: ${e.message}`)),
          ),
        )
        if (committed) {
          return {
            ...base,
            status:
              kind === "create"
                ? ("created" as const)
                : kind === "append"
                  ? ("appended" as const)
                  : kind === "replace"
                    ? ("replaced" as const)
                    : ("overwritten" as const),
            snapshotId,
            metadataLocation,
            addedRecords: written.records,
            totalRecords,
            addedColumns: evolution?.added ?? [],
            widenedColumns: evolution?.widened.map((w) => `${w.name} ${w.from} → ${w.to}`) ?? [],
            location,
            schema: schema.fields,
          }
        }
        if (attempt >= maxAttempts) {
          return yield* Effect.fail(
            fail(
              code(
                "FLOE-E811",
                `${tableName}: other writers committed first ${maxAttempts} times in a row`,
                "Another run is publishing the same table; run again when it has finished.",
              ),
            ),
          )
        }
      }
    }).pipe(
      Effect.catch((e: PublishFailure) =>
        Effect.succeed<Publication>({
          ...base,
          status: "failed",
          message: e.diagnostic.message,
          diagnostics: [e.diagnostic],
        }),
      ),
    )
  }

  /** Publishes one port and, with `lineage`, reports it as a child job of the product run. */
  const publishWithLineage = (port: DataProduct.OutputPort) =>
    Effect.gen(function* () {
      const lineage = options.lineage
      if (lineage === undefined) return yield* publishPort(port)
      const started = yield* Clock.currentTimeMillis
      const publication = yield* publishPort(port)
      if (publication.status === "skipped" || publication.status === "unchanged") return publication
      const ended = yield* Clock.currentTimeMillis
      const producer = lineage.producer ?? OpenLineage.DEFAULT_PRODUCER
      const runId = OpenLineage.uuidv7(started, crypto.getRandomValues(new Uint8Array(10)))
      const node = servingNode(publication.model)
      const location = publication.location ?? `${warehouse}/${portTable(options.product, port).path.join("/")}`
      const job = {
        namespace: lineage.namespace,
        name: `${lineage.productName}.publish.${port.name}`,
        facets: { jobType: OpenLineage.facet.jobType(producer, "PUBLISH") },
      }
      const inputs =
        node === undefined
          ? []
          : [
              {
                namespace: `${compute.dialect}://${node.database}`,
                name: `${node.database}.${node.schema}.${node.alias}`,
              },
            ]
      const symlinks = OpenLineage.facet.symlinks(producer, [
        { namespace: lineage.catalogNamespace, name: publication.table, type: "TABLE" },
      ])
      const dataset = { namespace: "file", name: location.startsWith("file://") ? fileURLToPath(location) : location }
      const parent = OpenLineage.facet.parent(producer, {
        runId: lineage.parentRunId,
        namespace: lineage.namespace,
        name: lineage.productName,
      })
      const event = (eventType: OpenLineage.EventType, ms: number, extra: Partial<OpenLineage.RunEvent>) =>
        lineage.emit({
          eventType,
          eventTime: new Date(ms).toISOString(),
          producer,
          schemaURL: OpenLineage.RUN_EVENT_SCHEMA_URL,
          run: { runId, facets: { parent } },
          job,
          inputs,
          ...extra,
        })
      yield* event("START", started, { outputs: [dataset] })
      if (publication.status === "failed") {
        const message = publication.message ?? "the table could not be published"
        yield* event("FAIL", ended, {
          run: { runId, facets: { parent, errorMessage: OpenLineage.facet.errorMessage(producer, message, "Floe") } },
          outputs: [dataset],
        })
      } else {
        yield* event("COMPLETE", ended, {
          outputs: [
            {
              ...dataset,
              facets: {
                schema: OpenLineage.facet.schema(
                  producer,
                  (publication.schema ?? []).map((f) => ({ name: f.name, type: f.type })),
                ),
                symlinks,
              },
              outputFacets: {
                outputStatistics: OpenLineage.facet.outputStatistics(producer, publication.addedRecords ?? 0),
              },
            },
          ],
        })
      }
      return publication
    })

  // Ports are independent tables: two at a time keeps both engine threads busy while the other waits on files.
  return (yield* Effect.forEach(ports, publishWithLineage, { concurrency: 2 })) as ReadonlyArray<Publication>
})

export interface OrphanTable {
  readonly identifier: Catalog.TableIdentifier
  readonly metadataLocation: string
  /** The model and port that last wrote it, from its table properties (when its metadata is readable). */
  readonly model?: string | undefined
  readonly port?: string | undefined
  readonly lastUpdatedMs?: number | undefined
}

/**
 * The tables in the product's namespace that no current output port publishes (a model or port was deleted or
 * renamed). They are kept for manual clean-up; this lists them. A product namespace that does not exist has none.
 */
export const orphans = Effect.fn("Runtime.orphans")(function* (product: DataProduct.DataProduct) {
  const catalog = yield* Catalog.Catalog
  const fs = yield* FileSystem.FileSystem
  const ports = product.output_ports ?? []
  const namespace = portTable(product, { table: "x.x" }).identifier.namespace
  const current = new Set(ports.map((p) => portTable(product, p).identifier.name))
  const tables = yield* catalog
    .listTables(namespace)
    .pipe(Effect.catchReason("CatalogError", "NotFound", () => Effect.succeed([])))
  const out: Array<OrphanTable> = []
  for (const t of tables) {
    if (current.has(t.name)) continue
    const info = yield* catalog.loadTable(t)
    const local = info.metadataLocation.startsWith("file://") ? fileURLToPath(info.metadataLocation) : undefined
    const metadata =
      local === undefined
        ? undefined
        : yield* fs.readFileString(local).pipe(
            Effect.flatMap((s) =>
              Effect.try({ try: () => JSON.parse(s) as Iceberg.TableMetadata, catch: () => undefined }),
            ),
            Effect.orElseSucceed(() => undefined),
          )
    out.push({
      identifier: t,
      metadataLocation: info.metadataLocation,
      model: metadata?.properties[PROPERTY.model],
      port: metadata?.properties[PROPERTY.port],
      lastUpdatedMs: metadata?.["last-updated-ms"],
    })
  }
  return out as ReadonlyArray<OrphanTable>
})
