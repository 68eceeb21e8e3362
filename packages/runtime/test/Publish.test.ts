// Output ports published as Iceberg v2 tables: a real DuckDB writes the Parquet files, the real SQLite JDBC-style
// catalog commits them, and everything written is read back the way another engine would: table metadata against
// the official REST OpenAPI `TableMetadata` schema, manifests and manifest lists as Avro with the spec's field ids,
// data files through DuckDB's Parquet reader.
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { fileURLToPath } from "node:url"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { describe, expect, it } from "@effect/vitest"
import { SqlCatalog } from "@floe/catalog-sql"
import { Graph, Project } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Catalog, Compute, type DataProduct } from "@floe/spec"
import { Ajv } from "ajv"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { parse } from "yaml"
import { Iceberg, Publish, Run } from "../src/index.ts"
import { type Harness, harness, writeProject } from "./support/project.ts"

const openapi = parse(
  readFileSync(join(import.meta.dirname, "..", "schemas", "iceberg", "rest-catalog-open-api-1.11.0.yaml"), "utf8"),
)
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true })
ajv.addSchema(openapi, "iceberg-rest")
const validateMetadata = ajv.getSchema("iceberg-rest#/components/schemas/TableMetadata")

const SHOP = {
  "seeds/raw_orders.csv":
    "id,customer_id,amount,updated_at\n1,1,10.5,2024-01-01\n2,1,20,2024-01-02\n3,2,7.25,2024-01-03\n4,3,3,2024-01-04\n",
  "models/customer_totals.sql":
    "{{ config(materialized='table') }}\nselect customer_id::integer as customer_id, count(*) as orders, sum(amount)::decimal(12,2) as total, 'x'::varchar as note\nfrom {{ ref('raw_orders') }} group by 1",
  "models/orders_incr.sql": [
    "{{ config(materialized='incremental', unique_key='id') }}",
    "select id, customer_id, amount, updated_at from {{ ref('raw_orders') }}",
    "{% if is_incremental() %} where updated_at >= (select max(updated_at) from {{ this }}) {% endif %}",
  ].join("\n"),
}

const product = (version = "1.0.0"): DataProduct.DataProduct =>
  ({
    apiVersion: "floe.dev/v1",
    kind: "DataProduct",
    metadata: { name: "shop", version, owner: "team@example.com", domain: "sales" },
    transforms: [{ type: "dbt", path: "models/" }],
    output_ports: [
      { name: "customers", table: "gold.shop.customers", model: "customer_totals" },
      { name: "orders", table: "silver.shop.orders", model: "orders_incr" },
    ],
  }) as DataProduct.DataProduct

const catalogFile = (h: Harness) => join(h.dir, ".floe", "catalog.db")

/** Runs the project in `h.dir` on its DuckDB file, then publishes its ports with the SQLite catalog. */
const runAndPublish = (
  h: Harness,
  options: {
    readonly product?: DataProduct.DataProduct
    readonly fullRefresh?: boolean
    readonly wrapCatalog?: (c: Catalog.CatalogShape) => Catalog.CatalogShape
    readonly wrapCompute?: (c: Compute.ComputeShape) => Compute.ComputeShape
  } = {},
) =>
  Effect.gen(function* () {
    const loaded = yield* Project.load(h.dir)
    if (loaded.project === undefined) return yield* Effect.die(new Error(JSON.stringify(loaded.diagnostics)))
    const built = yield* Graph.build(loaded.project)
    const duckdb = yield* DuckDBCompute.make({ path: join(h.dir, ".floe", "warehouse.duckdb") })
    const compute = options.wrapCompute?.(duckdb) ?? duckdb
    const raw = yield* SqlCatalog.make({ _tag: "Sqlite", path: catalogFile(h) })
    for (const ns of [["sales"], ["sales", "shop"]]) {
      yield* raw.createNamespace(ns).pipe(Effect.catchReason("CatalogError", "AlreadyExists", () => Effect.void))
    }
    const catalog = options.wrapCatalog?.(raw) ?? raw
    const result = yield* Run.run({
      project: loaded.project,
      graph: built.graph,
      threads: 2,
      dir: h.dir,
      namespace: "sales.shop",
      productName: "shop",
      floeVersion: "0.1.0",
      fullRefresh: options.fullRefresh ?? false,
    }).pipe(Effect.provideService(Compute.Compute, compute))
    const publications = yield* Publish.publish({
      product: options.product ?? product(),
      dir: h.dir,
      graph: built.graph,
      result,
      fullRefresh: options.fullRefresh ?? false,
    }).pipe(Effect.provideService(Compute.Compute, compute), Effect.provideService(Catalog.Catalog, catalog))
    return {
      result,
      graph: built.graph,
      publications: Object.fromEntries(publications.map((p) => [p.port, p])),
      compute,
      raw,
    }
  })

const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

const metadataAt = (uri: string) => JSON.parse(readFileSync(fileURLToPath(uri), "utf8")) as Iceberg.TableMetadata

/** The catalog row as any JDBC-catalog reader sees it. */
const catalogRow = (h: Harness, table: string) => {
  const db = new DatabaseSync(catalogFile(h))
  try {
    return db
      .prepare(
        "SELECT metadata_location, previous_metadata_location FROM iceberg_tables WHERE table_namespace = ? AND table_name = ?",
      )
      .get("sales.shop", table) as { metadata_location: string; previous_metadata_location: string | null }
  } finally {
    db.close()
  }
}

/** The live data files of the current snapshot, read through its manifest list and manifests. */
const liveFiles = (metadata: Iceberg.TableMetadata) =>
  Effect.promise(async () => {
    const snapshot = Iceberg.currentSnapshot(metadata)
    if (snapshot === undefined) return { list: undefined, manifests: [], files: [] as Array<string> }
    const list = await Iceberg.decodeAvro<Iceberg.ManifestFile>(readFileSync(fileURLToPath(snapshot["manifest-list"])))
    const manifests = await Promise.all(
      list.records.map((m) => Iceberg.decodeAvro<Iceberg.ManifestEntry>(readFileSync(fileURLToPath(m.manifest_path)))),
    )
    const files = manifests
      .flatMap((m) => m.records)
      .filter((e) => e.status !== Iceberg.Status.DELETED)
      .map((e) => e.data_file.file_path)
    return { list, manifests, files }
  })

/** Rows in the model's relation that the Parquet files do not hold, and the other way round (EXCEPT ALL). */
const difference = (compute: Compute.ComputeShape, relation: string, files: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const scan = compute.parquet?.scan(files) ?? ""
    const a = yield* compute.query(
      `SELECT count(*) AS n FROM (SELECT * FROM ${relation} EXCEPT ALL SELECT * FROM ${scan})`,
    )
    const b = yield* compute.query(
      `SELECT count(*) AS n FROM (SELECT * FROM ${scan} EXCEPT ALL SELECT * FROM ${relation})`,
    )
    return [Number(a[0]?.["n"]), Number(b[0]?.["n"])]
  })

const fieldIdsOf = (schema: unknown): Record<string, number> => {
  const out: Record<string, number> = {}
  const walk = (s: unknown) => {
    if (s === null || typeof s !== "object") return
    if (Array.isArray(s)) return s.forEach(walk)
    const o = s as Record<string, unknown>
    if (typeof o["name"] === "string" && typeof o["field-id"] === "number") out[o["name"]] = o["field-id"]
    for (const v of Object.values(o)) walk(v)
  }
  walk(schema)
  return out
}

describe("publishing output ports as Iceberg v2 tables", () => {
  it.effect(
    "the first run creates each port's table: metadata, Avro manifests and Parquet that read back exactly",
    () =>
      Effect.gen(function* () {
        const h = harness(SHOP)
        const { publications, compute } = yield* runAndPublish(h)
        expect(publications.customers).toMatchObject({ status: "created", addedRecords: 3, totalRecords: 3 })
        expect(publications.orders).toMatchObject({ status: "created", addedRecords: 4, totalRecords: 4 })
        expect(publications.customers?.table).toBe("sales.shop.customers")

        // The catalog row points at the newest metadata file, in the warehouse layout {domain}/{layer}/{product}/{table}.
        const row = catalogRow(h, "customers")
        expect(row.metadata_location).toBe(publications.customers?.metadataLocation)
        expect(row.metadata_location).toMatch(
          new RegExp(
            `^file://${h.dir}/\\.floe/warehouse/sales/gold/shop/customers/metadata/00000-[0-9a-f-]+\\.metadata\\.json$`,
          ),
        )
        const metadata = metadataAt(row.metadata_location)
        expect(validateMetadata?.(metadata), JSON.stringify(validateMetadata?.errors)).toBe(true)
        expect(metadata["format-version"]).toBe(2)
        expect(Iceberg.currentSchema(metadata).fields.map((f) => [f.id, f.name, f.type])).toEqual([
          [1, "customer_id", "int"],
          [2, "orders", "long"],
          [3, "total", "decimal(12, 2)"],
          [4, "note", "string"],
        ])
        const snapshot = Iceberg.currentSnapshot(metadata)
        expect(snapshot?.summary).toMatchObject({
          operation: "append",
          "added-data-files": "1",
          "added-records": "3",
          "total-records": "3",
        })
        expect(metadata.properties).toMatchObject({ "floe.product": "sales.shop", "floe.model": "customer_totals" })

        // Manifest list and manifest, read back as Avro: the spec's field ids, one added Parquet file.
        const { list, manifests, files } = yield* liveFiles(metadata)
        expect(fieldIdsOf(list?.schema)).toMatchObject({
          manifest_path: 500,
          manifest_length: 501,
          partition_spec_id: 502,
          added_snapshot_id: 503,
          added_files_count: 504,
          sequence_number: 515,
          content: 517,
        })
        expect(list?.metadata).toMatchObject({
          "format-version": "2",
          "snapshot-id": String(snapshot?.["snapshot-id"]),
        })
        expect(list?.records).toHaveLength(1)
        expect(list?.records[0]).toMatchObject({ added_files_count: 1, added_rows_count: 3, sequence_number: 1 })
        const manifest = manifests[0]
        expect(fieldIdsOf(manifest?.schema)).toMatchObject({
          status: 0,
          snapshot_id: 1,
          data_file: 2,
          file_path: 100,
          file_format: 101,
          record_count: 103,
          file_size_in_bytes: 104,
          content: 134,
        })
        expect(manifest?.metadata).toMatchObject({ "format-version": "2", content: "data", "partition-spec": "[]" })
        expect(JSON.parse(manifest?.metadata["schema"] ?? "{}")).toEqual(Iceberg.currentSchema(metadata))
        expect(manifest?.records[0]).toMatchObject({
          status: 1,
          data_file: { file_format: "PARQUET", record_count: 3 },
        })
        expect(files).toHaveLength(1)
        expect(files[0]).toMatch(/\/sales\/gold\/shop\/customers\/data\/[^/]+\.parquet$/)

        // The Parquet file holds exactly the model's rows and columns, with the schema's field ids.
        expect(yield* difference(compute, '"warehouse"."main"."customer_totals"', files)).toEqual([0, 0])
        const parquetIds = yield* compute.query(
          `SELECT name, field_id FROM parquet_schema('${fileURLToPath(files[0] ?? "")}') WHERE field_id IS NOT NULL`,
        )
        expect(parquetIds.map((r) => [r["name"], Number(r["field_id"])])).toEqual([
          ["customer_id", 1],
          ["orders", 2],
          ["total", 3],
          ["note", 4],
        ])
      }).pipe(Effect.scoped, Effect.provide(platform)),
  )

  it.effect("a second run overwrites a table model and appends only the new rows of an incremental model", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      const first = yield* runAndPublish(h)
      const csv = join(h.dir, "seeds", "raw_orders.csv")
      writeFileSync(csv, `${readFileSync(csv, "utf8")}5,2,1.75,2024-01-05\n`)
      const { publications, compute } = yield* runAndPublish(h)
      expect(publications.customers).toMatchObject({ status: "overwritten", addedRecords: 3, totalRecords: 3 })
      expect(publications.orders).toMatchObject({ status: "appended", addedRecords: 1, totalRecords: 5 })

      const customers = metadataAt(catalogRow(h, "customers").metadata_location)
      expect(catalogRow(h, "customers").previous_metadata_location).toBe(first.publications.customers?.metadataLocation)
      expect(validateMetadata?.(customers), JSON.stringify(validateMetadata?.errors)).toBe(true)
      const s2 = Iceberg.currentSnapshot(customers)
      expect(customers.snapshots).toHaveLength(2)
      expect(s2).toMatchObject({
        "parent-snapshot-id": first.publications.customers?.snapshotId,
        "sequence-number": 2,
        summary: { operation: "overwrite", "deleted-data-files": "1", "deleted-records": "3", "total-records": "3" },
      })
      expect(customers["metadata-log"].map((m) => m["metadata-file"])).toEqual([
        first.publications.customers?.metadataLocation,
      ])
      const c = yield* liveFiles(customers)
      // The overwrite marks the first file deleted in its own manifest; only the new file is live.
      expect(c.manifests.flatMap((m) => m.records.map((e) => e.status)).sort()).toEqual([1, 2])
      expect(c.files).toHaveLength(1)
      expect(yield* difference(compute, '"warehouse"."main"."customer_totals"', c.files)).toEqual([0, 0])

      const orders = metadataAt(catalogRow(h, "orders").metadata_location)
      expect(Iceberg.currentSnapshot(orders)?.summary).toMatchObject({
        operation: "append",
        "added-records": "1",
        "total-records": "5",
        "total-data-files": "2",
      })
      const o = yield* liveFiles(orders)
      expect(o.list?.records.map((m) => m.sequence_number).sort()).toEqual([1, 2])
      expect(o.files).toHaveLength(2)
      expect(yield* difference(compute, '"warehouse"."main"."orders_incr"', o.files)).toEqual([0, 0])

      // Nothing new: the incremental port is unchanged, no snapshot is added.
      const third = yield* runAndPublish(h)
      expect(third.publications.orders).toMatchObject({ status: "unchanged", totalRecords: 5 })
      expect(metadataAt(catalogRow(h, "orders").metadata_location).snapshots).toHaveLength(2)
    }).pipe(Effect.scoped, Effect.provide(platform)),
  )

  it.effect("schema evolution keeps field ids: added columns get new ids, widenings update the type", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      yield* runAndPublish(h)
      writeProject(
        {
          "models/customer_totals.sql":
            "{{ config(materialized='table') }}\nselect 'new' as segment, customer_id::bigint as customer_id, count(*) as orders, sum(amount)::decimal(18,2) as total, 'x'::varchar as note\nfrom {{ ref('raw_orders') }} group by 2",
        },
        h.dir,
      )
      const { publications, compute } = yield* runAndPublish(h)
      expect(publications.customers).toMatchObject({
        status: "overwritten",
        addedColumns: ["segment"],
        widenedColumns: ["customer_id int → long", "total decimal(12, 2) → decimal(18, 2)"],
      })
      const metadata = metadataAt(catalogRow(h, "customers").metadata_location)
      expect(metadata.schemas).toHaveLength(2)
      expect(metadata["last-column-id"]).toBe(5)
      expect(Iceberg.currentSchema(metadata).fields.map((f) => [f.id, f.name, f.type])).toEqual([
        [5, "segment", "string"],
        [1, "customer_id", "long"],
        [2, "orders", "long"],
        [3, "total", "decimal(18, 2)"],
        [4, "note", "string"],
      ])
      expect(Iceberg.currentSnapshot(metadata)?.["schema-id"]).toBe(1)
      const { files } = yield* liveFiles(metadata)
      expect(yield* difference(compute, '"warehouse"."main"."customer_totals"', files)).toEqual([0, 0])
    }).pipe(Effect.scoped, Effect.provide(platform)),
  )

  it.effect("an incompatible change is refused until the major version is bumped, then the schema is replaced", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      yield* runAndPublish(h)
      const before = catalogRow(h, "customers").metadata_location
      writeProject(
        {
          "models/customer_totals.sql":
            "{{ config(materialized='table') }}\nselect customer_id::varchar as customer_id, count(*) as orders\nfrom {{ ref('raw_orders') }} group by 1",
        },
        h.dir,
      )
      const refused = yield* runAndPublish(h, { product: product("1.1.0") })
      expect(refused.publications.customers?.status).toBe("failed")
      const d = refused.publications.customers?.diagnostics[0]
      expect(d).toMatchObject({ code: "FLOE-E813", file: join(h.dir, "models/customer_totals.sql"), line: 1 })
      expect(d?.message).toContain("customer_id int → string")
      expect(d?.message).toContain("total removed")
      expect(d?.hint).toContain("1.0.0 → 2.0.0")
      expect(catalogRow(h, "customers").metadata_location).toBe(before)

      const bumped = yield* runAndPublish(h, { product: product("2.0.0") })
      expect(bumped.publications.customers?.status).toBe("replaced")
      const metadata = metadataAt(catalogRow(h, "customers").metadata_location)
      expect(Iceberg.currentSchema(metadata).fields.map((f) => [f.id, f.name, f.type])).toEqual([
        [5, "customer_id", "string"],
        [6, "orders", "long"],
      ])
      expect(metadata.snapshots).toHaveLength(2)
      expect(metadata.properties["floe.product.version"]).toBe("2.0.0")
      const { files } = yield* liveFiles(metadata)
      expect(yield* difference(bumped.compute, '"warehouse"."main"."customer_totals"', files)).toEqual([0, 0])
    }).pipe(Effect.scoped, Effect.provide(platform)),
  )

  it.effect("a commit that loses the race is retried on fresh metadata; no snapshot is lost", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      const first = yield* runAndPublish(h)
      // Just before this publish commits `customers`, another writer commits its own snapshot of the table.
      let raced = false
      const { publications } = yield* runAndPublish(h, {
        wrapCatalog: (c) => ({
          ...c,
          commitTable: (id, commit) =>
            Effect.gen(function* () {
              if (!raced && id.name === "customers") {
                raced = true
                const other = yield* Publish.publish({
                  product: product(),
                  dir: h.dir,
                  graph: first.graph,
                  result: first.result,
                }).pipe(
                  Effect.provideService(Compute.Compute, first.compute),
                  Effect.provideService(Catalog.Catalog, c),
                  Effect.provide(platform),
                )
                expect(other.find((p) => p.port === "customers")?.status).toBe("overwritten")
              }
              return yield* c.commitTable(id, commit)
            }),
        }),
      })
      expect(raced).toBe(true)
      expect(publications.customers?.status).toBe("overwritten")
      const metadata = metadataAt(catalogRow(h, "customers").metadata_location)
      // Created, the other writer's overwrite, then ours on top of it.
      expect(metadata.snapshots).toHaveLength(3)
      expect(metadata.snapshots.map((s) => s["sequence-number"])).toEqual([1, 2, 3])
      expect(metadata.snapshots[2]?.["parent-snapshot-id"]).toBe(metadata.snapshots[1]?.["snapshot-id"])
    }).pipe(Effect.scoped, Effect.provide(platform)),
  )

  it.effect("storage credentials the catalog vends with a table are passed to the Parquet writer", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      yield* runAndPublish(h)
      const seen: Array<Readonly<Record<string, string>> | undefined> = []
      const { publications } = yield* runAndPublish(h, {
        wrapCatalog: (c) => ({
          ...c,
          loadTable: (id) =>
            Effect.map(c.loadTable(id), (t) => ({ ...t, storage: { "s3.access-key-id": `key-for-${id.name}` } })),
        }),
        wrapCompute: (c) => ({
          ...c,
          parquet:
            c.parquet === undefined
              ? undefined
              : {
                  ...c.parquet,
                  write: (request) => {
                    seen.push(request.storage)
                    return c.parquet?.write(request) ?? Effect.die("no parquet")
                  },
                },
        }),
      })
      expect(publications.customers?.status).toBe("overwritten")
      expect(seen).toContainEqual({ "s3.access-key-id": "key-for-customers" })
    }).pipe(Effect.scoped, Effect.provide(platform)),
  )

  it.effect("a failed commit leaves the table at its previous snapshot, whole and readable", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      const first = yield* runAndPublish(h)
      const { publications, compute } = yield* runAndPublish(h, {
        wrapCatalog: (c) => ({
          ...c,
          commitTable: () =>
            Effect.fail(new Catalog.CatalogError({ reason: new Catalog.Unavailable({ message: "catalog is down" }) })),
        }),
      })
      expect(publications.customers).toMatchObject({ status: "failed" })
      expect(publications.customers?.diagnostics[0]).toMatchObject({ code: "FLOE-E811" })
      expect(publications.customers?.message).toContain("catalog is down")
      expect(catalogRow(h, "customers").metadata_location).toBe(first.publications.customers?.metadataLocation)
      const metadata = metadataAt(catalogRow(h, "customers").metadata_location)
      expect(metadata.snapshots).toHaveLength(1)
      const { files } = yield* liveFiles(metadata)
      expect(yield* difference(compute, '"warehouse"."main"."customer_totals"', files)).toEqual([0, 0])
    }).pipe(Effect.scoped, Effect.provide(platform)),
  )

  it.effect("ports whose model failed are skipped; a removed port's table stays and is listed as an orphan", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      yield* runAndPublish(h)
      writeProject({ "models/customer_totals.sql": "select no_such_column from {{ ref('raw_orders') }}" }, h.dir)
      const { publications, raw } = yield* runAndPublish(h)
      expect(publications.customers).toMatchObject({ status: "skipped", message: "'customer_totals' did not succeed" })
      expect(publications.orders?.status).toBe("unchanged")

      const onlyOrders = { ...product(), output_ports: product().output_ports?.filter((p) => p.name === "orders") }
      const orphans = yield* Publish.orphans(onlyOrders).pipe(Effect.provideService(Catalog.Catalog, raw))
      expect(orphans.map((o) => [Catalog.formatTable(o.identifier), o.model, o.port])).toEqual([
        ["sales.shop.customers", "customer_totals", "customers"],
      ])
      expect(yield* Publish.orphans(product()).pipe(Effect.provideService(Catalog.Catalog, raw))).toEqual([])
    }).pipe(Effect.scoped, Effect.provide(platform)),
  )
})

describe("Iceberg schema rules", () => {
  it("maps SQL types of DuckDB and PostgreSQL to Iceberg types, casting where Parquet would differ", () => {
    expect(Iceberg.icebergType("INTEGER")).toEqual({ type: "int" })
    expect(Iceberg.icebergType("SMALLINT")).toEqual({ type: "int", cast: "INTEGER" })
    expect(Iceberg.icebergType("bigint")).toEqual({ type: "long" })
    expect(Iceberg.icebergType("DECIMAL(18,3)")).toEqual({ type: "decimal(18, 3)" })
    expect(Iceberg.icebergType("numeric(10, 2)")).toEqual({ type: "decimal(10, 2)" })
    expect(Iceberg.icebergType("DECIMAL(40,2)")).toBeUndefined()
    expect(Iceberg.icebergType("TIMESTAMP WITH TIME ZONE")).toEqual({ type: "timestamptz" })
    expect(Iceberg.icebergType("timestamp without time zone")).toEqual({ type: "timestamp" })
    expect(Iceberg.icebergType("TIMESTAMP_NS")).toEqual({ type: "timestamp", cast: "TIMESTAMP" })
    expect(Iceberg.icebergType("character varying(20)")).toEqual({ type: "string" })
    expect(Iceberg.icebergType("double precision")).toEqual({ type: "double" })
    expect(Iceberg.icebergType("INTEGER[]")).toBeUndefined()
    expect(Iceberg.icebergType("STRUCT(a INTEGER)")).toBeUndefined()
    expect(Iceberg.icebergType("INTERVAL")).toBeUndefined()
  })

  it("allows exactly Iceberg's widenings", () => {
    expect(Iceberg.canPromote("int", "long")).toBe(true)
    expect(Iceberg.canPromote("float", "double")).toBe(true)
    expect(Iceberg.canPromote("decimal(10, 2)", "decimal(12, 2)")).toBe(true)
    expect(Iceberg.canPromote("decimal(10, 2)", "decimal(12, 3)")).toBe(false)
    expect(Iceberg.canPromote("decimal(12, 2)", "decimal(10, 2)")).toBe(false)
    expect(Iceberg.canPromote("long", "int")).toBe(false)
    expect(Iceberg.canPromote("int", "string")).toBe(false)
    expect(Iceberg.canPromote("timestamp", "timestamptz")).toBe(false)
  })

  it("never reuses a dropped column's id", () => {
    const s0 = Iceberg.freshSchema(
      [
        { name: "a", type: "int" },
        { name: "b", type: "string" },
      ],
      0,
      1,
    )
    const e = Iceberg.evolve(
      s0,
      2,
      [
        { name: "A", type: "long" },
        { name: "c", type: "date" },
      ],
      1,
    )
    expect(e.schema.fields.map((f) => [f.id, f.name, f.type])).toEqual([
      [1, "A", "long"],
      [3, "c", "date"],
    ])
    expect(e).toMatchObject({ added: ["c"], dropped: ["b"], lastColumnId: 3, changed: true })
    expect(
      Iceberg.evolve(
        s0,
        2,
        [
          { name: "a", type: "int" },
          { name: "b", type: "string" },
        ],
        1,
      ),
    ).toMatchObject({
      changed: false,
      schema: s0,
    })
  })
})
