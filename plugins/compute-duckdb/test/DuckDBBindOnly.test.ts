// `bindOnly`: the engine behind compile-time checking binds queries into empty tables. Its optimizer passes are off
// except filter pushdown, and what binding learns (columns, types, refusals) is what a full engine learns.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { DuckDBCompute } from "../src/index.ts"

const SETUP = [
  "CREATE TABLE orders (id INTEGER, customer VARCHAR, amount DECIMAL(12, 2), placed TIMESTAMP, paid BOOLEAN)",
  "CREATE TABLE customers (id VARCHAR, region VARCHAR)",
]
const MODELS = [
  "SELECT o.customer, sum(o.amount) AS total, max(o.placed) AS last_order, count(*) AS n FROM orders o WHERE o.paid GROUP BY 1",
  "SELECT c.region, avg(o.amount) AS mean, list(o.id ORDER BY o.id) AS ids FROM orders o JOIN customers c ON c.id = o.customer GROUP BY ALL",
  "WITH r AS (SELECT *, row_number() OVER (PARTITION BY customer ORDER BY placed DESC) AS k FROM orders) SELECT * EXCLUDE (k) FROM r WHERE k = 1",
  "SELECT id::BIGINT * 2 AS twice, {'a': customer, 'b': amount} AS s FROM orders UNION ALL SELECT 1, {'a': 'x', 'b': 1.5}",
]
const bind = (sql: string, i: number) => `CREATE TABLE m${i} AS SELECT * FROM (${sql}) AS floe_bind LIMIT 0`

const learned = (options: DuckDBCompute.Options) =>
  Effect.scoped(
    Effect.gen(function* () {
      const compute = yield* DuckDBCompute.make(options)
      for (const sql of SETUP) yield* compute.execute(sql)
      yield* compute.execute(MODELS.map(bind).join(";\n"))
      const columns = yield* Effect.forEach(MODELS, (_, i) =>
        compute.describeRelation({ database: "memory", schema: "main", identifier: `m${i}` }),
      )
      const refused = yield* Effect.exit(compute.execute(bind("SELECT nope FROM orders", 9)))
      const disabled = yield* compute.query("SELECT current_setting('disabled_optimizers') AS d")
      return { columns, refused, disabled: String(disabled[0]?.["d"] ?? "") }
    }),
  )

describe("DuckDB: bind-only engine", () => {
  it.effect("switches off every optimizer pass but filter pushdown", () =>
    Effect.gen(function* () {
      const { disabled } = yield* learned({ bindOnly: true, threads: 1 })
      const off = disabled.split(",").map((s) => s.trim())
      expect(off).toContain("join_order")
      expect(off).toContain("statistics_propagation")
      expect(off).not.toContain("filter_pushdown")
      const full = yield* learned({ threads: 1 })
      expect(full.disabled).toBe("")
    }),
  )

  it.effect("learns the same columns and types as a full engine, and refuses the same SQL", () =>
    Effect.gen(function* () {
      const bindOnly = yield* learned({ bindOnly: true, threads: 1 })
      const full = yield* learned({ threads: 1 })
      expect(bindOnly.columns).toEqual(full.columns)
      expect(bindOnly.columns.every((c) => c !== undefined && c.columns.length > 0)).toBe(true)
      expect(Exit.isFailure(bindOnly.refused)).toBe(true)
      expect(Exit.isFailure(full.refused)).toBe(true)
    }),
  )
})
