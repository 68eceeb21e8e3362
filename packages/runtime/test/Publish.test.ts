// Output ports published as Iceberg v2 tables: a real DuckDB writes the Parquet files, the real SQLite JDBC-style
// catalog commits them, and everything written is read back the way another engine would: table metadata against
// the official REST OpenAPI `TableMetadata` schema, manifests and manifest lists as Avro with the spec's field ids,
// data files through DuckDB's Parquet reader.
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Catalog, Compute, type OpenLineage } from "@floe/spec"
import { Ajv } from "ajv"
import * as Effect from "effect/Effect"
import { parse } from "yaml"
import { Iceberg, Publish } from "../src/index.ts"
import { validateEvent } from "./support/openlineage.ts"
import { harness, writeProject } from "./support/project.ts"
import {
  catalogRow,
  difference,
  fieldIdsOf,
  liveFiles,
  metadataAt,
  platform,
  product,
  runAndPublish,
  SHOP,
} from "./support/publish.ts"

const openapi = parse(
  readFileSync(join(import.meta.dirname, "..", "schemas", "iceberg", "rest-catalog-open-api-1.11.0.yaml"), "utf8"),
)
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true })
ajv.addSchema(openapi, "iceberg-rest")
const validateMetadata = ajv.getSchema("iceberg-rest#/components/schemas/TableMetadata")

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
        // Column metrics by field id: counts, and bounds in the spec's binary form that match the data.
        const entry = manifest?.records[0]?.data_file
        expect(entry?.value_counts).toEqual([1, 2, 3, 4].map((key) => ({ key, value: 3 })))
        expect(entry?.null_value_counts).toEqual([1, 2, 3, 4].map((key) => ({ key, value: 0 })))
        const bound = (list: Iceberg.DataFile["lower_bounds"] | undefined, key: number) =>
          Buffer.from((list ?? []).find((b) => b.key === key)?.value ?? [])
        const minmax = (yield* compute.query(
          'SELECT min(customer_id) AS lo, max(customer_id) AS hi, min(note) AS nlo FROM "warehouse"."main"."customer_totals"',
        ))[0]
        expect(bound(entry?.lower_bounds, 1).readInt32LE()).toBe(minmax?.["lo"])
        expect(bound(entry?.upper_bounds, 1).readInt32LE()).toBe(minmax?.["hi"])
        expect(bound(entry?.lower_bounds, 4).toString("utf8")).toBe(minmax?.["nlo"])
        expect(bound(entry?.lower_bounds, 3).length).toBeGreaterThan(0)

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

  it.effect("each published port is an OpenLineage job of the product run: model relation in, Iceberg table out", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      const events: Array<OpenLineage.RunEvent> = []
      const { result, publications } = yield* runAndPublish(h, { events })
      for (const e of events) expect(validateEvent(e), JSON.stringify(e)).toEqual([])
      const customers = events.filter((e) => e.job.name === "shop.publish.customers")
      expect(customers.map((e) => e.eventType)).toEqual(["START", "COMPLETE"])
      const complete = customers[1]
      expect(complete?.run.facets?.["parent"]).toMatchObject({ run: { runId: result.runId }, job: { name: "shop" } })
      expect(complete?.inputs).toEqual([{ namespace: "duckdb://warehouse", name: "warehouse.main.customer_totals" }])
      const out = complete?.outputs?.[0]
      expect(out?.namespace).toBe("file")
      expect(out?.name).toBe(join(h.dir, ".floe", "warehouse", "sales", "gold", "shop", "customers"))
      expect(out?.facets?.["symlinks"]).toMatchObject({
        identifiers: [{ name: "sales.shop.customers", type: "TABLE" }],
      })
      expect(out?.facets?.["schema"]).toMatchObject({
        fields: [
          { name: "customer_id", type: "int" },
          { name: "orders", type: "long" },
          { name: "total", type: "decimal(12, 2)" },
          { name: "note", type: "string" },
        ],
      })
      expect(out?.outputFacets?.["outputStatistics"]).toMatchObject({ rowCount: 3 })
      expect(publications.customers?.location).toBe(`file://${out?.name}`)

      // A port that fails to publish is a FAIL with the reason; an unchanged one is not reported at all.
      writeProject(
        {
          "models/customer_totals.sql":
            "{{ config(materialized='table') }}\nselect customer_id::varchar as customer_id from {{ ref('raw_orders') }}",
        },
        h.dir,
      )
      const again: Array<OpenLineage.RunEvent> = []
      yield* runAndPublish(h, { events: again })
      for (const e of again) expect(validateEvent(e), JSON.stringify(e)).toEqual([])
      expect(again.map((e) => `${e.job.name} ${e.eventType}`)).toEqual([
        "shop.publish.customers START",
        "shop.publish.customers FAIL",
      ])
      expect(again[1]?.run.facets?.["errorMessage"]).toMatchObject({ message: expect.stringContaining("incompatible") })
    }).pipe(Effect.scoped, Effect.provide(platform)),
  )

  it.effect("a table whose files were deleted is a diagnostic that says how to recover, not a crash", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      const first = yield* runAndPublish(h)
      rmSync(join(h.dir, ".floe", "warehouse"), { recursive: true })
      const { publications } = yield* runAndPublish(h)
      expect(publications.customers).toMatchObject({ status: "failed" })
      expect(publications.customers?.diagnostics[0]).toMatchObject({ code: "FLOE-E811" })
      expect(publications.customers?.diagnostics[0]?.hint).toContain("was the warehouse directory deleted?")
      expect(catalogRow(h, "customers").metadata_location).toBe(first.publications.customers?.metadataLocation)
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

  it("serialises bounds as the spec's single values, and leaves out what it cannot be sure of", () => {
    const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString("hex"))
    expect(hex(Iceberg.serializeBound("int", "-5"))).toBe("fbffffff")
    expect(hex(Iceberg.serializeBound("long", "12345678901"))).toBe("351cdcdf02000000")
    expect(hex(Iceberg.serializeBound("int", "2147483648"))).toBeUndefined()
    expect(hex(Iceberg.serializeBound("date", "1969-12-31"))).toBe("ffffffff")
    expect(hex(Iceberg.serializeBound("date", "2024-02-29"))).toBe("464d0000")
    expect(hex(Iceberg.serializeBound("date", "2023-02-29"))).toBeUndefined()
    expect(hex(Iceberg.serializeBound("decimal(12, 2)", "-1.05"))).toBe("97") // -105 in one byte
    expect(hex(Iceberg.serializeBound("decimal(12, 2)", "-1.29"))).toBe("ff7f") // -129 needs two
    expect(hex(Iceberg.serializeBound("decimal(12, 2)", "2.5"))).toBe("00fa")
    expect(hex(Iceberg.serializeBound("decimal(12, 2)", "1.005"))).toBeUndefined()
    expect(hex(Iceberg.serializeBound("decimal(38, 0)", "128"))).toBe("0080")
    expect(hex(Iceberg.serializeBound("boolean", "1"))).toBe("01")
    expect(hex(Iceberg.serializeBound("string", "héllo"))).toBe("68c3a96c6c6f")
    expect(Iceberg.serializeBound("string", "x".repeat(65))).toBeUndefined()
    expect(Iceberg.serializeBound("double", "1.5")).toBeUndefined()
    expect(Iceberg.serializeBound("timestamp", "2024-01-01 00:00:00")).toBeUndefined()
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
