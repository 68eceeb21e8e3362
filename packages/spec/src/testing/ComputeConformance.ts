/**
 * The conformance suite every `Compute` adapter runs: call `ComputeConformance.suite(name, layer, options)` from the
 * adapter's test file. It uses portable SQL only, so the same suite checks DuckDB, PostgreSQL and third-party
 * engines. Each test works in a schema of its own.
 */
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import { Compute, type ComputeError, type Materialization, type Relation } from "../Compute.ts"

export interface Options {
  /** The database part of relations, when the engine uses one (DuckDB: the file stem or "memory"). */
  readonly database?: string | undefined
  /** A query that runs for many seconds, used to check cancellation (DuckDB: a count over a huge range). */
  readonly slowQuery: string
  /** Engine type names the suite expects for an integer literal and a string literal, normalised to upper case. */
  readonly integerTypes: ReadonlyArray<string>
  readonly stringTypes: ReadonlyArray<string>
}

let counter = 0
const freshSchema = () => `floe_conf_${process.pid}_${Math.random().toString(36).slice(2, 8)}_${counter++}`

const failure = <A>(effect: Effect.Effect<A, ComputeError>) =>
  Effect.flip(effect).pipe(Effect.map((e) => ({ reason: e.reason, message: e.message, retryable: e.isRetryable })))

/** Registers the compute conformance tests for an adapter's layer. */
export const suite = (name: string, computeLayer: Layer.Layer<Compute, ComputeError>, options: Options): void => {
  describe(`Compute conformance: ${name}`, () => {
    layer(computeLayer, { timeout: "60 seconds" })((it) => {
      const setup = Effect.gen(function* () {
        const compute = yield* Compute
        const schema = freshSchema()
        yield* compute.ensureSchema({ database: options.database, schema })
        const rel = (identifier: string): Relation => ({ database: options.database, schema, identifier })
        const rows = (r: Relation, order = "1") => compute.query(`SELECT * FROM ${compute.render(r)} ORDER BY ${order}`)
        return { compute, schema, rel, rows }
      })

      it.effect("runs statements and returns rows as plain values", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("people")
          yield* compute.execute(`CREATE TABLE ${compute.render(t)} (id INTEGER, name VARCHAR(20))`)
          yield* compute.execute(`INSERT INTO ${compute.render(t)} VALUES (1, 'ada'), (2, 'grace')`)
          expect(yield* rows(t, "id")).toEqual([
            { id: 1, name: "ada" },
            { id: 2, name: "grace" },
          ])
        }),
      )

      it.effect("quotes identifiers so reserved words and quotes are safe", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel('odd "name" select')
          yield* compute.materialize({ kind: "table", relation: t, sql: `SELECT 1 AS ${compute.quote("order")}` })
          expect(yield* rows(t)).toEqual([{ order: 1 }])
          // … and the catalog finds it by that name (and does not find a name it lacks)
          const info = yield* compute.describeRelation(t)
          expect(info?.kind).toBe("table")
          expect(info?.columns.map((c) => c.name)).toEqual(["order"])
          expect(yield* compute.describeRelation(rel('odd "name" missing'))).toBeUndefined()
        }),
      )

      it.effect("describes a query's columns without running it", () =>
        Effect.gen(function* () {
          const { compute, rel } = yield* setup
          const t = rel("src")
          yield* compute.execute(`CREATE TABLE ${compute.render(t)} (id INTEGER, name VARCHAR(20))`)
          const cols = yield* compute.describeQuery(`SELECT id, name, id + 1 AS next_id FROM ${compute.render(t)}`)
          expect(cols.map((c) => c.name)).toEqual(["id", "name", "next_id"])
          expect(options.integerTypes).toContain(cols[0]?.type.toUpperCase())
          expect(options.stringTypes.some((s) => cols[1]?.type.toUpperCase().startsWith(s))).toBe(true)
        }),
      )

      it.effect("classifies syntax errors, unknown tables and unknown columns", () =>
        Effect.gen(function* () {
          const { compute, rel } = yield* setup
          const syntax = yield* failure(compute.describeQuery("SELEC 1"))
          expect(syntax.reason).toBe("Syntax")
          expect(syntax.retryable).toBe(false)
          const table = yield* failure(compute.describeQuery(`SELECT * FROM ${compute.render(rel("missing"))}`))
          expect(table.reason).toBe("NotFound")
          const t = rel("cols")
          yield* compute.execute(`CREATE TABLE ${compute.render(t)} (id INTEGER)`)
          const column = yield* failure(compute.describeQuery(`SELECT nope FROM ${compute.render(t)}`))
          expect(column.reason).toBe("Binder")
          expect(column.message).toMatch(/nope/)
        }),
      )

      it.effect("describes relations: nothing, a table, a view", () =>
        Effect.gen(function* () {
          const { compute, rel } = yield* setup
          expect(yield* compute.describeRelation(rel("none"))).toBeUndefined()
          const t = rel("t")
          yield* compute.materialize({ kind: "table", relation: t, sql: "SELECT 1 AS id, 'x' AS label" })
          const info = yield* compute.describeRelation(t)
          expect(info?.kind).toBe("table")
          expect(info?.columns.map((c) => c.name)).toEqual(["id", "label"])
          const v = rel("v")
          yield* compute.materialize({ kind: "view", relation: v, sql: `SELECT id FROM ${compute.render(t)}` })
          expect((yield* compute.describeRelation(v))?.kind).toBe("view")
        }),
      )

      it.effect("materialises tables and views, and replaces one kind with the other", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const m = rel("m")
          const created = yield* compute.materialize({
            kind: "table",
            relation: m,
            sql: "SELECT 1 AS id UNION ALL SELECT 2",
          })
          expect(created).toMatchObject({ action: "created", rows: 2 })
          const replaced = yield* compute.materialize({ kind: "table", relation: m, sql: "SELECT 3 AS id" })
          expect(replaced).toMatchObject({ action: "replaced", rows: 1 })
          expect(yield* rows(m)).toEqual([{ id: 3 }])
          yield* compute.materialize({ kind: "view", relation: m, sql: "SELECT 4 AS id" })
          expect((yield* compute.describeRelation(m))?.kind).toBe("view")
          expect(yield* rows(m)).toEqual([{ id: 4 }])
          yield* compute.materialize({ kind: "table", relation: m, sql: "SELECT 5 AS id" })
          expect((yield* compute.describeRelation(m))?.kind).toBe("table")
          expect(yield* rows(m)).toEqual([{ id: 5 }])
        }),
      )

      it.effect("leaves the previous table intact when a rebuild fails", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("keep")
          yield* compute.materialize({ kind: "table", relation: t, sql: "SELECT 1 AS id, 'good' AS v" })
          const err = yield* failure(
            compute.materialize({
              kind: "table",
              relation: t,
              sql: "SELECT 2 AS id, CAST('not a number' AS INTEGER) AS v",
            }),
          )
          expect(err.reason).toBe("Conversion")
          expect(yield* rows(t)).toEqual([{ id: 1, v: "good" }])
          // and the engine is usable afterwards: the failed transaction was rolled back
          yield* compute.materialize({ kind: "table", relation: t, sql: "SELECT 3 AS id, 'next' AS v" })
          expect(yield* rows(t)).toEqual([{ id: 3, v: "next" }])
        }),
      )

      const incremental = (
        relation: Relation,
        sql: string,
        extra: Partial<Extract<Materialization, { kind: "incremental" }>> = {},
      ): Materialization => ({
        kind: "incremental",
        relation,
        sql,
        strategy: "append",
        uniqueKey: [],
        onSchemaChange: "ignore",
        fullRefresh: false,
        ...extra,
      })

      it.effect("incremental append: creates on the first run, then appends", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("events")
          const first = yield* compute.materialize(incremental(t, "SELECT 1 AS id, 'a' AS v"))
          expect(first.action).toBe("created")
          const second = yield* compute.materialize(incremental(t, "SELECT 1 AS id, 'b' AS v"))
          expect(second).toMatchObject({ action: "incremental", rows: 1 })
          expect(yield* rows(t, "v")).toEqual([
            { id: 1, v: "a" },
            { id: 1, v: "b" },
          ])
        }),
      )

      it.effect("incremental delete+insert with a single and a composite key", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("di")
          const base =
            "SELECT 1 AS k1, 'x' AS k2, 'old' AS v UNION ALL SELECT 2, 'x', 'old' UNION ALL SELECT 2, 'y', 'old'"
          yield* compute.materialize(incremental(t, base))
          yield* compute.materialize(
            incremental(t, "SELECT 2 AS k1, 'x' AS k2, 'new' AS v UNION ALL SELECT 3, 'z', 'new'", {
              strategy: "delete+insert",
              uniqueKey: ["k1", "k2"],
            }),
          )
          expect(yield* rows(t, "k1, k2")).toEqual([
            { k1: 1, k2: "x", v: "old" },
            { k1: 2, k2: "x", v: "new" },
            { k1: 2, k2: "y", v: "old" },
            { k1: 3, k2: "z", v: "new" },
          ])
          yield* compute.materialize(
            incremental(t, "SELECT 2 AS k1, 'q' AS k2, 'single' AS v", {
              strategy: "delete+insert",
              uniqueKey: ["k1"],
            }),
          )
          expect(yield* rows(t, "k1, k2")).toEqual([
            { k1: 1, k2: "x", v: "old" },
            { k1: 2, k2: "q", v: "single" },
            { k1: 3, k2: "z", v: "new" },
          ])
        }),
      )

      it.effect("incremental merge updates matches and inserts the rest; it needs a key", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("mg")
          yield* compute.materialize(incremental(t, "SELECT 1 AS id, 'a' AS v UNION ALL SELECT 2, 'b'"))
          const r = yield* compute.materialize(
            incremental(t, "SELECT 2 AS id, 'B' AS v UNION ALL SELECT 3, 'c'", {
              strategy: "merge",
              uniqueKey: ["id"],
            }),
          )
          expect(r.rows).toBe(2)
          expect(yield* rows(t, "id")).toEqual([
            { id: 1, v: "a" },
            { id: 2, v: "B" },
            { id: 3, v: "c" },
          ])
          const noKey = yield* failure(
            compute.materialize(incremental(t, "SELECT 9 AS id, 'z' AS v", { strategy: "merge" })),
          )
          expect(noKey.reason).toBe("SchemaChange")
          expect(yield* rows(t, "id")).toHaveLength(3)
        }),
      )

      it.effect("incremental predicates narrow what delete+insert removes", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("pred")
          yield* compute.materialize(incremental(t, "SELECT 1 AS id, 2020 AS yr UNION ALL SELECT 1, 2024"))
          yield* compute.materialize(
            incremental(t, "SELECT 1 AS id, 2025 AS yr", {
              strategy: "delete+insert",
              uniqueKey: ["id"],
              predicates: [`${compute.quote("yr")} >= 2024`],
            }),
          )
          expect(yield* rows(t, "yr")).toEqual([
            { id: 1, yr: 2020 },
            { id: 1, yr: 2025 },
          ])
        }),
      )

      it.effect("on_schema_change: fail refuses and keeps the table; ignore drops new columns", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("osc")
          yield* compute.materialize(incremental(t, "SELECT 1 AS id"))
          const failed = yield* failure(
            compute.materialize(incremental(t, "SELECT 2 AS id, 'x' AS extra", { onSchemaChange: "fail" })),
          )
          expect(failed.reason).toBe("SchemaChange")
          expect(failed.message).toMatch(/extra/)
          expect(yield* rows(t)).toEqual([{ id: 1 }])
          yield* compute.materialize(incremental(t, "SELECT 2 AS id, 'x' AS extra", { onSchemaChange: "ignore" }))
          expect(yield* rows(t)).toEqual([{ id: 1 }, { id: 2 }])
        }),
      )

      it.effect("on_schema_change: append_new_columns and sync_all_columns", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("evolve")
          yield* compute.materialize(incremental(t, "SELECT 1 AS id, 'a' AS old_col"))
          const appended = yield* compute.materialize(
            incremental(t, "SELECT 2 AS id, 'b' AS old_col, 'n' AS new_col", { onSchemaChange: "append_new_columns" }),
          )
          expect(appended.schemaChanges?.added.map((c) => c.name)).toEqual(["new_col"])
          expect(yield* rows(t, "id")).toEqual([
            { id: 1, old_col: "a", new_col: null },
            { id: 2, old_col: "b", new_col: "n" },
          ])
          const synced = yield* compute.materialize(
            incremental(t, "SELECT 3 AS id, 'm' AS new_col", { onSchemaChange: "sync_all_columns" }),
          )
          expect(synced.schemaChanges?.removed.map((c) => c.name)).toEqual(["old_col"])
          expect(yield* rows(t, "id")).toEqual([
            { id: 1, new_col: null },
            { id: 2, new_col: "n" },
            { id: 3, new_col: "m" },
          ])
        }),
      )

      it.effect("a full refresh rebuilds an incremental table from scratch", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("fr")
          yield* compute.materialize(incremental(t, "SELECT 1 AS id"))
          yield* compute.materialize(incremental(t, "SELECT 2 AS id"))
          const r = yield* compute.materialize(incremental(t, "SELECT 9 AS id, 'new' AS c", { fullRefresh: true }))
          expect(r.action).toBe("replaced")
          expect(yield* rows(t)).toEqual([{ id: 9, c: "new" }])
        }),
      )

      it.effect("loads CSV seeds with inferred and declared column types, replacing on reload", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const dir = mkdtempSync(join(tmpdir(), "floe-seed-"))
          const file = join(dir, "customers.csv")
          writeFileSync(file, "id,name,score,active,joined\n1,Ada,9.5,true,2024-01-02\n2,Grace,7.25,false,2023-12-31\n")
          const t = rel("customers")
          expect(yield* compute.loadCsv({ relation: t, file })).toEqual({ rows: 2 })
          const info = yield* compute.describeRelation(t)
          const types = Object.fromEntries((info?.columns ?? []).map((c) => [c.name, c.type.toUpperCase()]))
          expect(options.integerTypes.some((x) => types.id?.startsWith(x))).toBe(true)
          expect(types.active).toMatch(/^BOOL/)
          expect(types.joined).toBe("DATE")
          writeFileSync(file, "id,name,score,active,joined\n3,Linus,1.0,true,2020-05-05\n")
          yield* compute.loadCsv({ relation: t, file, columnTypes: { id: "VARCHAR" } })
          const reloaded = yield* rows(t)
          expect(reloaded).toHaveLength(1)
          expect(reloaded[0]?.id).toBe("3")
        }),
      )

      it.effect("builds different relations concurrently", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const names = ["c1", "c2", "c3", "c4", "c5", "c6"]
          yield* Effect.forEach(
            names,
            (n, i) => compute.materialize({ kind: "table", relation: rel(n), sql: `SELECT ${i} AS id` }),
            { concurrency: "unbounded" },
          )
          for (const [i, n] of names.entries()) expect(yield* rows(rel(n))).toEqual([{ id: i }])
        }),
      )

      it.effect("interrupting a running statement cancels it and frees the engine", () =>
        Effect.gen(function* () {
          const { compute } = yield* setup
          const fiber = yield* Effect.forkChild(compute.query(options.slowQuery))
          yield* Effect.yieldNow
          const exit = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
          assert.isTrue(Exit.isFailure(exit))
          expect(yield* compute.query("SELECT 42 AS answer")).toEqual([{ answer: 42 }])
        }),
      )

      it.effect("an interrupted table build leaves the previous table intact", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const t = rel("interrupted")
          yield* compute.materialize({ kind: "table", relation: t, sql: "SELECT 1 AS n" })
          const fiber = yield* Effect.forkChild(
            compute.materialize({ kind: "table", relation: t, sql: `SELECT * FROM (${options.slowQuery}) AS slow` }),
          )
          yield* Effect.yieldNow
          yield* Fiber.interrupt(fiber)
          expect(yield* rows(t)).toEqual([{ n: 1 }])
        }),
      )

      // Optional capability: engines that write Parquet (Iceberg publishing) must write whole files with the field
      // ids asked for, readable through their own `scan`, and leave nothing behind when the query fails.
      it.effect("writes Parquet files atomically with field ids, and reads them back (when it has Parquet)", () =>
        Effect.gen(function* () {
          const { compute, rel, rows } = yield* setup
          const parquet = compute.parquet
          if (parquet === undefined) return
          const t = rel("to_parquet")
          yield* compute.materialize({
            kind: "table",
            relation: t,
            sql: "SELECT 1 AS id, 'ada' AS name UNION ALL SELECT 2, NULL",
          })
          const dir = mkdtempSync(join(tmpdir(), "floe-parquet-"))
          const path = join(dir, "data", "part-0.parquet")
          const written = yield* parquet.write({
            sql: `SELECT * FROM ${compute.render(t)}`,
            path,
            fieldIds: { id: 7, name: 8 },
          })
          expect(written).toMatchObject({ path, records: 2 })
          expect(written.bytes).toBe(statSync(path).size)
          expect(written.columns["name"]).toMatchObject({ valueCount: 2, nullCount: 1 })
          const back = yield* compute.query(`SELECT * FROM ${parquet.scan([path])} ORDER BY id`)
          expect(back).toEqual(yield* rows(t, "id"))
          expect(readdirSync(join(dir, "data"))).toEqual(["part-0.parquet"])

          const broken = join(dir, "data", "part-1.parquet")
          const refused = yield* failure(
            parquet.write({ sql: `SELECT * FROM ${compute.render(rel("missing"))}`, path: broken, fieldIds: {} }),
          )
          expect(refused.reason).toBe("NotFound")
          expect(readdirSync(join(dir, "data"))).toEqual(["part-0.parquet"])
        }),
      )
    })
  })
}
