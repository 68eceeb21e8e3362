// Incremental models compare the staged rows' columns with the table's. Both must be read the same way: DuckDB
// names some types differently in a prepared statement (STRUCT("a" VARCHAR), VARCHAR for JSON) than in its catalog
// (STRUCT(a VARCHAR), JSON), which made `on_schema_change: fail` refuse a model whose columns had not changed.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { DuckDBCompute } from "../src/index.ts"

const relation = { database: "memory", schema: "main", identifier: "events" }
const batch = (id: number, extra = "") =>
  `SELECT ${id} AS id, {'kind': 'click', 'n': ${id}} AS payload, '{"k": ${id}}'::JSON AS doc, [${id}, ${id + 1}] AS tags, MAP {'a': ${id}} AS attrs${extra}`
const incremental = (sql: string) => ({
  kind: "incremental" as const,
  relation,
  sql,
  strategy: "merge" as const,
  uniqueKey: ["id"],
  onSchemaChange: "fail" as const,
  fullRefresh: false,
})

describe("DuckDB: incremental schema comparison", () => {
  it.effect(
    "sees no change when STRUCT, JSON, LIST and MAP columns are the same, and a real one when they are not",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const compute = yield* DuckDBCompute.make({ threads: 1 })
          const first = yield* compute.materialize(incremental(batch(1)))
          expect(first.action).toBe("created")
          const second = yield* compute.materialize(incremental(batch(2)))
          expect(second).toEqual({ rows: 1, action: "incremental", schemaChanges: undefined })
          const rows = yield* compute.query(`SELECT id, payload.n AS n FROM ${compute.render(relation)} ORDER BY id`)
          expect(rows).toEqual([
            { id: 1, n: 1 },
            { id: 2, n: 2 },
          ])
          // A column really added is still refused under `fail`, and named.
          const refused = yield* Effect.exit(compute.materialize(incremental(batch(3, ", 'x' AS note"))))
          expect(Exit.isFailure(refused)).toBe(true)
          if (Exit.isFailure(refused)) expect(String(refused.cause)).toMatch(/added note VARCHAR/)
        }),
      ),
  )
})
