// What stands at a name: the adapter reads the catalog once and follows its own builds and drops from then on. These
// tests change the catalog in every way the adapter cannot follow and check that builds still see what is there.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { DuckDBCompute } from "../src/index.ts"

const rel = (identifier: string) => ({ database: "memory", schema: "main", identifier })

describe("DuckDB: what stands at a name", () => {
  it.effect("follows its own builds and drops, and forgets what execute may have changed", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const compute = yield* DuckDBCompute.make({ connections: 2 })
        const m = rel("m")
        expect(yield* compute.materialize({ kind: "table", relation: m, sql: "SELECT 1 AS a" })).toMatchObject({
          action: "created",
        })
        expect(yield* compute.materialize({ kind: "view", relation: m, sql: "SELECT 2 AS a" })).toMatchObject({
          action: "view",
        })
        expect(yield* compute.materialize({ kind: "table", relation: m, sql: "SELECT 3 AS a" })).toMatchObject({
          action: "replaced",
          rows: 1,
        })
        yield* compute.dropRelation(m)
        expect(yield* compute.describeRelation(m)).toBeUndefined()
        expect(yield* compute.materialize({ kind: "table", relation: m, sql: "SELECT 4 AS a" })).toMatchObject({
          action: "created",
        })
        // Behind the adapter's back: the table becomes a view. The next build must drop a view, not a table.
        yield* compute.execute(`DROP TABLE ${compute.render(m)}; CREATE VIEW ${compute.render(m)} AS SELECT 5 AS a`)
        expect(yield* compute.materialize({ kind: "table", relation: m, sql: "SELECT 6 AS a" })).toMatchObject({
          action: "replaced",
        })
        expect(yield* compute.describeRelation(m)).toMatchObject({ kind: "table", columns: [{ name: "a" }] })
        yield* compute.query(`DROP TABLE ${compute.render(m)}`)
        expect(yield* compute.materialize({ kind: "view", relation: m, sql: "SELECT 7 AS a" })).toMatchObject({
          action: "view",
        })
        expect(yield* compute.query(`SELECT * FROM ${compute.render(m)}`)).toEqual([{ a: 7 }])
      }),
    ),
  )

  it.effect("looks names up case-insensitively, as DuckDB does", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const compute = yield* DuckDBCompute.make()
        yield* compute.materialize({ kind: "view", relation: rel("Orders"), sql: "SELECT 1 AS id" })
        expect(
          yield* compute.materialize({ kind: "table", relation: rel("orders"), sql: "SELECT 2 AS id" }),
        ).toMatchObject({ action: "replaced" })
        expect((yield* compute.describeRelation(rel("ORDERS")))?.kind).toBe("table")
      }),
    ),
  )

  it.effect("a failed build leaves what stood there and the next build still knows it", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const compute = yield* DuckDBCompute.make()
        const t = rel("t")
        yield* compute.materialize({ kind: "view", relation: t, sql: "SELECT 1 AS a" })
        const error = yield* Effect.flip(compute.materialize({ kind: "table", relation: t, sql: "SELECT nope" }))
        expect(error.reason).toBe("Binder")
        expect((yield* compute.describeRelation(t))?.kind).toBe("view")
        expect(yield* compute.materialize({ kind: "table", relation: t, sql: "SELECT 2 AS a" })).toMatchObject({
          action: "replaced",
        })
        expect(yield* compute.query(`SELECT * FROM ${compute.render(t)}`)).toEqual([{ a: 2 }])
      }),
    ),
  )

  it.effect("builds many relations at once on several connections and knows each afterwards", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const compute = yield* DuckDBCompute.make({ connections: 4 })
        const names = Array.from({ length: 12 }, (_, i) => rel(`r${i}`))
        yield* Effect.forEach(
          names,
          (r, i) => compute.materialize({ kind: i % 2 === 0 ? "table" : "view", relation: r, sql: `SELECT ${i} AS a` }),
          { concurrency: 4 },
        )
        const again = yield* Effect.forEach(
          names,
          (r, i) => compute.materialize({ kind: i % 2 === 0 ? "view" : "table", relation: r, sql: `SELECT ${i} AS a` }),
          { concurrency: 4 },
        )
        expect(again.map((r) => r.action)).toEqual(names.map((_, i) => (i % 2 === 0 ? "view" : "replaced")))
        const kinds = yield* Effect.forEach(names, (r) => compute.describeRelation(r))
        expect(kinds.map((k) => k?.kind)).toEqual(names.map((_, i) => (i % 2 === 0 ? "view" : "table")))
      }),
    ),
  )

  it.effect("reads what an earlier session left in a database file", () =>
    Effect.gen(function* () {
      const path = join(mkdtempSync(join(tmpdir(), "floe-duck-catalog-")), "warehouse.duckdb")
      const v = { database: "warehouse", schema: "main", identifier: "v" }
      yield* Effect.scoped(
        Effect.gen(function* () {
          const compute = yield* DuckDBCompute.make({ path })
          yield* compute.materialize({ kind: "view", relation: v, sql: "SELECT 1 AS a" })
        }),
      )
      const result = yield* Effect.scoped(
        Effect.gen(function* () {
          const compute = yield* DuckDBCompute.make({ path })
          const built = yield* compute.materialize({ kind: "table", relation: v, sql: "SELECT 2 AS a" })
          return { built, rows: yield* compute.query(`SELECT * FROM ${compute.render(v)}`) }
        }),
      )
      expect(result).toEqual({ built: { rows: 1, action: "replaced" }, rows: [{ a: 2 }] })
    }),
  )
})
