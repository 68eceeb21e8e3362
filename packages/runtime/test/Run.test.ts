import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { describe, expect, it } from "@effect/vitest"
import Ajv2020 from "ajv/dist/2020.js"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import { RunState } from "../src/index.ts"
import { validateEvent } from "./support/openlineage.ts"
import { harness, rows, runProject } from "./support/project.ts"

const SHOP = {
  "seeds/raw_customers.csv": "id,name,country\n1,Ada,UK\n2,Grace,US\n3,Linus,FI\n",
  "seeds/raw_orders.csv":
    "id,customer_id,amount,status,updated_at\n1,1,10.5,placed,2024-01-01\n2,1,20,shipped,2024-01-02\n3,2,7.25,returned,2024-01-03\n4,3,3,placed,2024-01-04\n",
  "models/staging/stg_orders.sql": "select id, customer_id, amount, status, updated_at from {{ ref('raw_orders') }}",
  "models/marts/customer_totals.sql":
    "{{ config(materialized='table') }}\nselect c.id as customer_id, c.name, count(o.id) as orders, coalesce(sum(o.amount), 0) as total\nfrom {{ ref('raw_customers') }} c left join {{ ref('stg_orders') }} o on o.customer_id = c.id\ngroup by 1, 2",
  "models/marts/orders_incr.sql": [
    "{{ config(materialized='incremental', unique_key='id') }}",
    "select id, customer_id, amount, status, updated_at, {{ 'true' if is_incremental() else 'false' }} as loaded_incrementally",
    "from {{ ref('stg_orders') }}",
    "{% if is_incremental() %} where updated_at >= (select max(updated_at) from {{ this }}) {% endif %}",
  ].join("\n"),
  "models/schema.yml": `version: 2
models:
  - name: customer_totals
    columns:
      - name: customer_id
        tests: [not_null, unique]
  - name: stg_orders
    columns:
      - name: status
        tests:
          - accepted_values:
              values: [placed, shipped]
              config: {severity: warn}
      - name: customer_id
        tests:
          - relationships: {to: "ref('raw_customers')", field: id}
`,
}

const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

describe("runtime: a product end to end on DuckDB", () => {
  it.effect("builds seeds, views, tables and incremental models, then runs the tests", () =>
    Effect.gen(function* () {
      const h = harness(SHOP)
      const result = yield* runProject(h)
      const byName = Object.fromEntries(result.nodes.map((n) => [n.name, n]))
      expect(result.nodes.map((n) => n.status)).toEqual(result.nodes.map(() => "success"))
      expect(byName.raw_orders?.rows).toBe(4)
      expect(byName.customer_totals?.rows).toBe(3)
      expect(byName.orders_incr?.rows).toBe(4)
      const tests = Object.fromEntries(result.tests.map((t) => [t.testName + (t.column ? `:${t.column}` : ""), t]))
      expect(tests["not_null:customer_id"]?.status).toBe("pass")
      expect(tests["unique:customer_id"]?.status).toBe("pass")
      expect(tests["relationships:customer_id"]?.status).toBe("pass")
      // 'returned' is not an accepted value: one failing row, severity warn
      expect(tests["accepted_values:status"]).toMatchObject({ status: "warn", failures: 1 })
      expect(result.status).toBe("success")
      expect(yield* rows(h.dir, 'select * from "warehouse"."main"."customer_totals" order by customer_id')).toEqual([
        { customer_id: 1, name: "Ada", orders: 2, total: 30.5 },
        { customer_id: 2, name: "Grace", orders: 1, total: 7.25 },
        { customer_id: 3, name: "Linus", orders: 1, total: 3 },
      ])
    }),
  )

  it.effect(
    "renders is_incremental() from the real table: false on the first run, true after, false on full refresh",
    () =>
      Effect.gen(function* () {
        const h = harness(SHOP)
        yield* runProject(h)
        const q = 'select id, loaded_incrementally from "warehouse"."main"."orders_incr" order by id'
        expect((yield* rows(h.dir, q)).every((r) => r.loaded_incrementally === false)).toBe(true)
        // a new order arrives; the incremental run picks up rows at or after the newest updated_at and merges by id
        writeFileSync(join(h.dir, "seeds/raw_orders.csv"), `${SHOP["seeds/raw_orders.csv"]}5,2,99,placed,2024-01-05\n`)
        const second = yield* runProject(h)
        expect(second.nodes.find((n) => n.name === "orders_incr")?.rows).toBe(2)
        expect(yield* rows(h.dir, q)).toEqual([
          { id: 1, loaded_incrementally: false },
          { id: 2, loaded_incrementally: false },
          { id: 3, loaded_incrementally: false },
          { id: 4, loaded_incrementally: true },
          { id: 5, loaded_incrementally: true },
        ])
        yield* runProject(h, { fullRefresh: true })
        expect((yield* rows(h.dir, q)).every((r) => r.loaded_incrementally === false)).toBe(true)
      }),
  )

  it.effect("a failing model skips its descendants, the rest builds, and tests of skipped models are skipped", () =>
    Effect.gen(function* () {
      const h = harness({
        ...SHOP,
        "models/marts/broken.sql": "select no_such_column from {{ ref('stg_orders') }}",
        "models/marts/after_broken.sql": "select * from {{ ref('broken') }}",
        "models/schema2.yml":
          "version: 2\nmodels:\n  - name: after_broken\n    columns:\n      - name: no_such_column\n        tests: [not_null]\n",
      })
      const result = yield* runProject(h)
      const byName = Object.fromEntries(result.nodes.map((n) => [n.name, n]))
      expect(byName.broken?.status).toBe("error")
      expect(byName.broken?.message).toMatch(/no_such_column/)
      expect(byName.after_broken?.status).toBe("skipped")
      expect(byName.customer_totals?.status).toBe("success")
      expect(result.tests.find((t) => t.attachedNode?.endsWith("after_broken"))?.status).toBe("skipped")
      expect(result.status).toBe("error")

      // --retry-failed: the last run's state names exactly the failed and skipped nodes
      const state = yield* Effect.gen(function* () {
        return yield* RunState.latest(yield* FileSystem.FileSystem, yield* Path.Path, h.dir)
      }).pipe(Effect.provide(platform))
      const retry = state === undefined ? [] : [...RunState.toRetry(state)].sort()
      expect(retry).toEqual(
        [
          "model.shop.after_broken",
          "model.shop.broken",
          ...result.tests.filter((t) => t.attachedNode?.endsWith("after_broken")).map((t) => t.uniqueId),
        ].sort(),
      )
      // fix the model and rerun only those
      writeFileSync(join(h.dir, "models/marts/broken.sql"), "select id as no_such_column from {{ ref('stg_orders') }}")
      const again = yield* runProject(h, { selected: new Set(retry) })
      expect(again.nodes.map((n) => [n.name, n.status])).toEqual([
        ["broken", "success"],
        ["after_broken", "success"],
      ])
      expect(again.status).toBe("success")
    }),
  )

  it.effect("an error-severity test failure makes the run fail; --warn-error turns warnings into failures", () =>
    Effect.gen(function* () {
      const h = harness({
        ...SHOP,
        "models/schema3.yml":
          "version: 2\nmodels:\n  - name: orders_incr\n    columns:\n      - name: amount\n        tests:\n          - accepted_values: {values: [10.5], quote: false}\n",
      })
      const result = yield* runProject(h)
      expect(result.tests.find((t) => t.testName === "accepted_values" && t.column === "amount")).toMatchObject({
        status: "fail",
        failures: 3,
      })
      expect(result.status).toBe("error")
      const strict = yield* runProject(harness(SHOP), { warnError: true })
      expect(strict.tests.find((t) => t.column === "status")?.status).toBe("fail")
    }),
  )

  it.effect("writes run_results.json valid against dbt's v6 schema, and lineage events valid against OpenLineage", () =>
    Effect.gen(function* () {
      const h = harness({ ...SHOP, "models/marts/broken.sql": "select nope from {{ ref('stg_orders') }}" })
      const result = yield* runProject(h)
      const schema = JSON.parse(
        readFileSync(join(import.meta.dirname, "..", "schemas", "dbt", "run_results_v6.json"), "utf8"),
      )
      const validate = new Ajv2020.default({ strict: false }).compile(schema)
      const doc = JSON.parse(readFileSync(join(h.dir, "target", "run_results.json"), "utf8"))
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
      expect(doc.results).toHaveLength(result.nodes.length + result.tests.length)
      expect(doc.metadata.invocation_id).toBe(result.runId)

      for (const e of h.events) expect(validateEvent(e), `${e.eventType} ${e.job.name}`).toEqual([])
      const product = h.events.filter((e) => e.job.name === "shop")
      expect(product.map((e) => e.eventType)).toEqual(["START", "FAIL"])
      const failed = h.events.filter((e) => e.job.name === "shop.broken").map((e) => e.eventType)
      expect(failed).toEqual(["START", "FAIL"])
      const fail = h.events.find((e) => e.job.name === "shop.broken" && e.eventType === "FAIL")
      expect(String(fail?.run.facets?.errorMessage?.message)).toMatch(/nope/)
      const complete = h.events.find((e) => e.job.name === "shop.customer_totals" && e.eventType === "COMPLETE")
      expect(complete?.run.facets?.parent?.run).toEqual({ runId: result.runId })
      expect(complete?.outputs?.[0]?.outputFacets?.outputStatistics?.rowCount).toBe(3)
      const end = product[1]
      const assertions = end?.inputs?.flatMap(
        (i) => (i.inputFacets?.dataQualityAssertions?.assertions as Array<unknown>) ?? [],
      )
      expect(assertions?.length).toBe(result.tests.filter((t) => t.status !== "skipped").length)
    }),
  )
})
