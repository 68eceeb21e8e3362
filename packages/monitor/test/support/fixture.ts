// A customer-360-like contract over an in-memory DuckDB table, shared by the monitor's tests.
import { DuckDBCompute } from "@floe/compute-duckdb"
import type { Odcs } from "@floe/contracts"
import { Compute } from "@floe/spec"
import * as Effect from "effect/Effect"
import type { Target } from "../../src/index.ts"

export const contract = (over: Partial<Odcs.Contract> = {}): Odcs.Contract => ({
  apiVersion: "v3.1.0",
  kind: "DataContract",
  id: "sales.customer_360",
  name: "customer-360",
  version: "1.0.0",
  status: "active",
  schema: [
    {
      name: "customers",
      physicalName: "main.customers",
      physicalType: "table",
      properties: [
        { name: "customer_id", logicalType: "integer", physicalType: "BIGINT" },
        { name: "email", logicalType: "string", physicalType: "VARCHAR" },
        {
          name: "lifetime_value_gbp",
          logicalType: "number",
          physicalType: "DECIMAL(38,2)",
          quality: [{ type: "sql", query: "SELECT COUNT(*) FROM customers WHERE lifetime_value_gbp < 0", mustBe: 0 }],
        },
        { name: "updated_at", logicalType: "timestamp", physicalType: "TIMESTAMP" },
      ],
      quality: [{ type: "library", metric: "rowCount", mustBeGreaterThan: 0 }],
    },
  ],
  slaProperties: [
    { property: "freshness", value: 6, unit: "h", element: "customers.updated_at" },
    { property: "availability", value: 99.9, unit: "%", element: "customers" },
  ],
  ...over,
})

export const target = (over: Partial<Target.Target> = {}): Target.Target => ({
  contract: contract(),
  namespace: "sales.customer_360",
  datasetNamespace: "duckdb://memory",
  ...over,
})

/** 2026-11-28T06:00:00Z: the TestClock is set here, and the table's newest row is `ageHours` older. */
export const NOW = Date.UTC(2026, 10, 28, 6, 0, 0)

export const createCustomers = (ageHours: number, extra = "") =>
  Effect.gen(function* () {
    const compute = yield* Compute.Compute
    const newest = new Date(NOW - ageHours * 3_600_000).toISOString().replace("T", " ").replace("Z", "")
    yield* compute.execute(`CREATE OR REPLACE TABLE main.customers AS
      SELECT * FROM (VALUES
        (1::BIGINT, 'a@example.com', 10.00::DECIMAL(38,2), TIMESTAMP '2026-11-01 00:00:00'${extra ? `, ${extra}` : ""}),
        (2::BIGINT, 'b@example.com', 20.50::DECIMAL(38,2), TIMESTAMP '${newest}'${extra ? `, ${extra}` : ""})
      ) AS t(customer_id, email, lifetime_value_gbp, updated_at${extra ? ", segment" : ""})`)
  })

export const duck = DuckDBCompute.layer({ threads: 1 })
