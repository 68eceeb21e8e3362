import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Graph, Project } from "../src/index.ts"

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

const buildFixture = (name: string) =>
  Effect.gen(function* () {
    const { project } = yield* Project.load(fixture(name))
    if (project === undefined) throw new Error("no project")
    return yield* Graph.build(project, { target: { database: "dev", schema: "main" } })
  }).pipe(Effect.provide(NodeServices.layer))

describe("Graph.build", () => {
  it.effect("compiles models with config precedence, schemas, aliases and ephemeral CTEs", () =>
    Effect.gen(function* () {
      const { graph, diagnostics } = yield* buildFixture("jaffle")
      expect(diagnostics).toEqual([])
      const customers = graph.nodes.get("model.jaffle.customers")
      const stgOrders = graph.nodes.get("model.jaffle.stg_orders")
      const stgCustomers = graph.nodes.get("model.jaffle.stg_customers")
      // properties config (table) beats dbt_project.yml (view); the folder's +schema gives main_staging
      expect(stgOrders?.config["materialized"]).toBe("table")
      expect(stgOrders?.relationName).toBe('"dev"."main_staging"."stg_orders"')
      expect(stgOrders?.config["tags"]).toEqual(["jaffle", "staging"])
      // config() in the file beats everything; tags accumulate
      expect(stgCustomers?.config["materialized"]).toBe("ephemeral")
      expect(stgCustomers?.config["tags"]).toEqual(["jaffle", "staging", "pii"])
      expect(stgCustomers?.relationName).toBeUndefined()
      // the most specific dbt_project.yml level (marts.customers: +alias) applies
      expect(customers?.alias).toBe("dim_customers")
      expect(customers?.config["materialized"]).toBe("table")
      expect(customers?.config["meta"]).toEqual({ owner: "sales" })
      expect(customers?.dependsOn).toEqual(["model.jaffle.stg_customers", "model.jaffle.stg_orders"])
      expect(customers?.extraCtes.map((c) => c.id)).toEqual(["model.jaffle.stg_customers"])
      expect(customers?.compiledCode).toContain(
        'with __dbt__cte__stg_customers as (\n\nselect id as customer_id, name from "dev"."raw_data"."raw_customers"\n), orders as',
      )
      expect(customers?.compiledCode).toContain("from __dbt__cte__stg_customers c")
      expect(customers?.compiledCode).toContain("'EUR' as currency")
      expect(stgOrders?.compiledCode).toContain("(amount / 100.0) as amount")
      expect(stgOrders?.compiledCode).toContain("ordered_at >= '2020-01-01'")
      expect(graph.nodes.get("seed.jaffle.countries")?.relationName).toBe('"dev"."main_raw_seeds"."countries"')
      const test = graph.nodes.get("test.jaffle.assert_total_positive")
      expect(test?.compiledCode).toBe('select * from "dev"."main"."dim_customers" where total < 0')
      // the source's own column tests are its children too (source_unique_raw_orders_id, source_not_null_…)
      expect(graph.children.get("source.jaffle.raw.orders")?.filter((c) => !c.startsWith("test."))).toEqual([
        "model.jaffle.stg_orders",
      ])
      expect(graph.children.get("model.jaffle.customers")).toEqual(["test.jaffle.assert_total_positive"])
      expect(graph.parents.get("model.jaffle.stg_orders")).toEqual(["source.jaffle.raw.orders"])
      const order = graph.order
      expect(order.indexOf("model.jaffle.stg_orders")).toBeLessThan(order.indexOf("model.jaffle.customers"))
    }),
  )

  it.effect("reports cycles with their path, undefined refs and sources with suggestions", () =>
    Effect.gen(function* () {
      const { graph, diagnostics } = yield* buildFixture("cycle")
      const summary = diagnostics.map((d) => [d.code, d.file?.split("/fixtures/")[1], d.line, d.message])
      expect(summary).toEqual([
        [
          "FLOE-E301",
          "cycle/models/d.sql",
          2,
          "d refers to custmers, which is not a model or seed in this project; did you mean customers?",
        ],
        [
          "FLOE-E303",
          "cycle/models/d.sql",
          3,
          "d reads source raw.ordrs, which no properties file declares; did you mean raw.orders?",
        ],
        ["FLOE-E302", "cycle/models/a.sql", 1, "models form a cycle: a → b → c → a"],
      ])
      expect(graph.nodes.get("model.cycle.a")?.compiledCode).toBeUndefined()
      expect(graph.nodes.get("model.cycle.customers")?.compiledCode).toBe("select 1 as id")
    }),
  )

  it("injects CTEs into an existing WITH or adds one", () => {
    const ctes = [{ id: "model.p.e", sql: "select 1" }]
    expect(Graph.injectCtes("select * from __dbt__cte__e", ctes)).toBe(
      "with __dbt__cte__e as (\nselect 1\n)\nselect * from __dbt__cte__e",
    )
    expect(Graph.injectCtes("-- c\nWITH x as (select 2) select 1", ctes)).toBe(
      "-- c\nWITH __dbt__cte__e as (\nselect 1\n), x as (select 2) select 1",
    )
  })
})
