// Runs a small shop project on DuckDB and publishes its output ports, for the Publish tests (SQLite and PostgreSQL
// catalogs), plus readers that look at what was written the way another engine would.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { fileURLToPath } from "node:url"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { SqlCatalog } from "@floe/catalog-sql"
import { Graph, Project } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Catalog, Compute, type DataProduct, type OpenLineage } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { Iceberg, Publish, Run } from "../../src/index.ts"
import type { Harness } from "./project.ts"

export const SHOP = {
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

export const product = (version = "1.0.0"): DataProduct.DataProduct =>
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

export const catalogFile = (h: Harness) => join(h.dir, ".floe", "catalog.db")

/** Runs the project in `h.dir` on its DuckDB file, then publishes its ports with the SQLite catalog. */
export const runAndPublish = (
  h: Harness,
  options: {
    readonly product?: DataProduct.DataProduct
    readonly fullRefresh?: boolean
    readonly wrapCatalog?: (c: Catalog.CatalogShape) => Catalog.CatalogShape
    readonly wrapCompute?: (c: Compute.ComputeShape) => Compute.ComputeShape
    /** The catalog to publish to; the SQLite catalog at <dir>/.floe/catalog.db by default. */
    readonly catalog?: Effect.Effect<Catalog.CatalogShape, Catalog.CatalogError, Scope.Scope>
    /** Collects the publish jobs' OpenLineage events. */
    readonly events?: Array<OpenLineage.RunEvent>
  } = {},
) =>
  Effect.gen(function* () {
    const loaded = yield* Project.load(h.dir)
    if (loaded.project === undefined) return yield* Effect.die(new Error(JSON.stringify(loaded.diagnostics)))
    const built = yield* Graph.build(loaded.project)
    const duckdb = yield* DuckDBCompute.make({ path: join(h.dir, ".floe", "warehouse.duckdb") })
    const compute = options.wrapCompute?.(duckdb) ?? duckdb
    const raw = yield* options.catalog ?? SqlCatalog.make({ _tag: "Sqlite", path: catalogFile(h) })
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
      ...(options.events === undefined
        ? {}
        : {
            lineage: {
              emit: (e: OpenLineage.RunEvent) => Effect.sync(() => void options.events?.push(e)),
              namespace: "sales.shop",
              productName: "shop",
              parentRunId: result.runId,
              catalogNamespace: `sqlite://${catalogFile(h)}`,
            },
          }),
    }).pipe(Effect.provideService(Compute.Compute, compute), Effect.provideService(Catalog.Catalog, catalog))
    return {
      result,
      graph: built.graph,
      publications: Object.fromEntries(publications.map((p) => [p.port, p])),
      compute,
      raw,
    }
  })

export const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

export const metadataAt = (uri: string) => JSON.parse(readFileSync(fileURLToPath(uri), "utf8")) as Iceberg.TableMetadata

/** The catalog row as any JDBC-catalog reader sees it. */
export const catalogRow = (h: Harness, table: string) => {
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
export const liveFiles = (metadata: Iceberg.TableMetadata) =>
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
export const difference = (compute: Compute.ComputeShape, relation: string, files: ReadonlyArray<string>) =>
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

export const fieldIdsOf = (schema: unknown): Record<string, number> => {
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
