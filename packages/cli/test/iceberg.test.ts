// `floe run` publishes the output ports as Iceberg tables; `floe catalog orphans` lists the ones left behind.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// The OpenAPI-validating Iceberg REST test server of @floe/catalog-rest's own tests.
import { start, type TestServer } from "../../../plugins/catalog-rest/test/rest-server.ts"
import { capture } from "./support/capture.ts"

const floeYaml = (ports: string, platform = "") => `apiVersion: floe.dev/v1
kind: DataProduct
metadata: {name: my-product, version: "1.0.0", owner: data-team@example.com, domain: sales, repository: github.com/acme/my-product}
${platform}transforms: [{type: dbt, path: models/}]
output_ports: ${ports}
`

const CUSTOMERS = "[{name: customers, table: gold.my_product.customers}]"

/** A product with the ports given; with `plugins` (YAML lines under `plugins:`), a platform manifest choosing them. */
const product = (ports = CUSTOMERS, plugins?: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-iceberg-cli-"))
  writeFileSync(
    join(dir, "floe.yaml"),
    floeYaml(ports, plugins === undefined ? "" : "platform: {ref: platform.yaml}\n"),
  )
  if (plugins !== undefined) {
    writeFileSync(
      join(dir, "platform.yaml"),
      `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: acme, version: "1.0.0", owner: platform@example.com}
scope: enterprise
plugins:
  ${plugins}
`,
    )
  }
  mkdirSync(join(dir, "models", "gold"), { recursive: true })
  writeFileSync(
    join(dir, "models", "gold", "gold_customers.sql"),
    "{{ config(materialized='table') }}\nselect i as customer_id, 'c' || i as name from range(1, 4) t(i)\n",
  )
  writeFileSync(join(dir, "models", "gold", "gold_orders.sql"), "select 1 as order_id\n")
  return dir
}

const catalogRow = (file: string, table: string) => {
  const db = new DatabaseSync(file)
  try {
    return db
      .prepare("SELECT metadata_location FROM iceberg_tables WHERE table_namespace = ? AND table_name = ?")
      .get("sales.my_product", table) as { metadata_location: string } | undefined
  } finally {
    db.close()
  }
}

describe("floe run: output ports as Iceberg tables", () => {
  it("creates the table on the first run, replaces it on the next, and reports both in --json", async () => {
    const dir = product()
    const first = await capture(["run", dir])
    expect(first.code, first.stdout).toBe(0)
    const warehouse = `file://${join(dir, ".floe", "warehouse")}`
    expect(first.stdout).toContain(
      [
        `  Output ports (Iceberg tables in ${warehouse}):`,
        "    ✓ customers → sales.my_product.customers (created, 3 rows)",
      ].join("\n"),
    )
    // The run claimed the product's namespace itself (no compile needed) and committed the table there.
    const row = catalogRow(join(dir, ".floe", "catalog.db"), "customers")
    expect(row?.metadata_location).toMatch(
      new RegExp(`^${warehouse}/sales/gold/my_product/customers/metadata/00000-.*\\.metadata\\.json$`),
    )
    const metadata = JSON.parse(readFileSync(fileURLToPath(row?.metadata_location ?? ""), "utf8"))
    expect(metadata.properties["floe.model"]).toBe("gold_customers")
    // The publish is a child job of the product run in the lineage file, writing the table's location.
    const events = readFileSync(join(dir, ".floe", "lineage", "events.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    const publish = events.filter((e) => e.job.name === "my-product.publish.customers")
    expect(publish.map((e) => e.eventType)).toEqual(["START", "COMPLETE"])
    expect(publish[1].outputs[0]).toMatchObject({
      namespace: "file",
      name: join(dir, ".floe", "warehouse", "sales", "gold", "my_product", "customers"),
      facets: {
        symlinks: {
          identifiers: [
            {
              namespace: `sqlite://${join(dir, ".floe", "catalog.db")}`,
              name: "sales.my_product.customers",
              type: "TABLE",
            },
          ],
        },
      },
    })

    const second = await capture(["run", dir, "--json"])
    expect(second.code, second.stdout).toBe(0)
    const json = JSON.parse(second.stdout)
    expect(json.output_ports).toEqual([
      expect.objectContaining({
        port: "customers",
        table: "sales.my_product.customers",
        status: "overwritten",
        total_records: 3,
        metadata_location: expect.stringMatching(/\/metadata\/00001-.*\.metadata\.json$/),
      }),
    ])
    expect(catalogRow(join(dir, ".floe", "catalog.db"), "customers")?.metadata_location).toBe(
      json.output_ports[0].metadata_location,
    )
  })

  it("fails the run when a port cannot be published, and keeps the table's previous snapshot", async () => {
    const dir = product()
    expect((await capture(["run", dir])).code).toBe(0)
    const before = catalogRow(join(dir, ".floe", "catalog.db"), "customers")?.metadata_location
    writeFileSync(
      join(dir, "models", "gold", "gold_customers.sql"),
      "{{ config(materialized='table') }}\nselect 'x' || i as customer_id from range(1, 4) t(i)\n",
    )
    const r = await capture(["run", dir])
    expect(r.code, r.stdout).toBe(1)
    expect(r.stdout).toContain("✗ customers → sales.my_product.customers (failed:")
    expect(r.stdout).toMatch(/gold_customers\.sql:1:1 error FLOE-E813: .*customer_id long → string, name removed/)
    expect(r.stdout).toContain("Resolution: Readers of sales.my_product.customers would break.")
    expect(r.stdout).toContain("Pipeline FAILED")
    expect(catalogRow(join(dir, ".floe", "catalog.db"), "customers")?.metadata_location).toBe(before)
  })

  it("publishes nothing when the platform's storage is none, and refuses storage it does not have", async () => {
    const none = product(CUSTOMERS, "storage: {type: none}")
    const r = await capture(["run", none])
    expect(r.code, r.stdout).toBe(0)
    expect(r.stdout).toContain("- output ports not published: plugins.storage is none")
    expect(existsSync(join(none, ".floe", "warehouse"))).toBe(false)

    const s3 = product(CUSTOMERS, "storage: {type: s3, config: {warehouse: 's3://bucket/wh'}}")
    const refused = await capture(["run", s3])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain("FLOE-E810: the platform chooses storage 's3' at 's3://bucket/wh'")

    const local = product(CUSTOMERS, "storage: {type: file, config: {warehouse: shared/wh}}")
    expect((await capture(["run", local])).code).toBe(0)
    expect(existsSync(join(local, "shared", "wh", "sales", "gold", "my_product", "customers", "metadata"))).toBe(true)
  })
})

describe("floe catalog orphans", () => {
  it("lists a table whose port was removed, and nothing while every table has its port", async () => {
    const dir = product(
      "[{name: customers, table: gold.my_product.customers}, {name: orders, table: gold.my_product.orders}]",
    )
    expect((await capture(["run", dir])).code).toBe(0)
    const none = await capture(["catalog", "orphans", dir])
    expect(none.code).toBe(0)
    expect(none.stdout).toContain("No orphaned tables in sales.my_product")

    writeFileSync(join(dir, "floe.yaml"), floeYaml(CUSTOMERS))
    rmSync(join(dir, "models", "gold", "gold_orders.sql"))
    expect((await capture(["run", dir])).code).toBe(0)
    const r = await capture(["catalog", "orphans", dir])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      "1 orphaned table in sales.my_product (no output port publishes them; kept for manual clean-up)",
    )
    expect(r.stdout).toMatch(/ {2}sales\.my_product\.orders {2}model gold_orders, port orders, last updated \d{4}-/)
    const json = JSON.parse((await capture(["catalog", "orphans", dir, "--json"])).stdout)
    expect(json).toEqual({
      namespace: "sales.my_product",
      orphans: [
        expect.objectContaining({
          table: "sales.my_product.orders",
          model: "gold_orders",
          port: "orders",
          metadata_location: catalogRow(join(dir, ".floe", "catalog.db"), "orders")?.metadata_location,
        }),
      ],
    })
  })
})

describe("floe run with an Iceberg REST catalog", () => {
  let server: TestServer | undefined
  beforeAll(async () => {
    server = await start({ warehouse: "lake", vend: { prefix: "memory://", config: { "s3.access-key-id": "vended" } } })
  })
  afterAll(async () => {
    await server?.close()
  })

  it("commits the port's table through the REST catalog, asking for vended credentials", async () => {
    const dir = product(CUSTOMERS, `catalog: {type: rest, config: {uri: "${server?.uri}", warehouse: lake}}`)
    const first = await capture(["run", dir, "--json"])
    expect(first.code, first.stdout).toBe(0)
    const created = JSON.parse(first.stdout).output_ports[0]
    expect(created).toMatchObject({ status: "created", table: "sales.my_product.customers", total_records: 3 })
    const second = JSON.parse((await capture(["run", dir, "--json"])).stdout).output_ports[0]
    expect(second).toMatchObject({ status: "overwritten", total_records: 3 })
    // The REST catalog holds the new metadata location; the embedded catalog was never created.
    // Created by register, then committed under the namespace lease (register the lease, re-register the table
    // with overwrite, drop the lease).
    const ns = "/namespaces/sales%1Fmy_product"
    expect(server?.requests.filter((r) => r.startsWith("POST ") && r.endsWith(`${ns}/register`))).toHaveLength(3)
    expect(
      server?.requests.filter((r) => r.startsWith("DELETE ") && r.endsWith(`${ns}/tables/__floe_lock`)),
    ).toHaveLength(1)
    expect(existsSync(join(dir, ".floe", "catalog.db"))).toBe(false)
    expect(server?.delegations).toContain("vended-credentials")
    expect(server?.rejected).toEqual([])
    const metadata = JSON.parse(readFileSync(fileURLToPath(second.metadata_location), "utf8"))
    expect(metadata["metadata-log"].map((m: { "metadata-file": string }) => m["metadata-file"])).toEqual([
      created.metadata_location,
    ])
  })
})
