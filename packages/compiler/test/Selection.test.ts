import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Graph, Project, Selection } from "../src/index.ts"

const fixture = fileURLToPath(new URL("./fixtures/shop", import.meta.url))

// The shop fixture's DAG (tests omitted):
//   raw_customers → stg_customers ─┐
//   raw_orders    → stg_orders ────┼→ customers
//                              └───┼→ orders ← stg_payments (ephemeral) ← raw_payments
//   source ingest.events → stg_events
// staging models carry the tag "staging"; relationships(orders.customer_id → customers) has both as parents.
const loaded = Effect.gen(function* () {
  const { project } = yield* Project.load(fixture)
  if (project === undefined) throw new Error("no project")
  const { graph } = yield* Graph.build(project)
  return { project, graph }
}).pipe(Effect.provide(NodeServices.layer))

/** `model.jaffle_shop.x` → `model.x`; a generic test's hash is dropped. */
const short = (id: string) => {
  const [type, , name] = id.split(".")
  return `${type}.${name}`
}
const nonTests = (ids: ReadonlyArray<string>) => ids.filter((i) => !i.startsWith("test.")).map(short)
const tests = (ids: ReadonlyArray<string>) => ids.filter((i) => i.startsWith("test.")).map(short)

const cases: ReadonlyArray<readonly [string, Selection.SelectOptions, ReadonlyArray<string>]> = [
  ["a bare name", { select: "stg_orders" }, ["model.stg_orders"]],
  [
    "+m: all ancestors",
    { select: "+customers" },
    ["model.customers", "model.stg_customers", "model.stg_orders", "seed.raw_customers", "seed.raw_orders"],
  ],
  ["m+: all descendants", { select: "stg_orders+" }, ["model.customers", "model.orders", "model.stg_orders"]],
  ["n+m: ancestors to depth n", { select: "1+orders" }, ["model.orders", "model.stg_orders", "model.stg_payments"]],
  ["m+n: descendants to depth n", { select: "raw_orders+1" }, ["model.stg_orders", "seed.raw_orders"]],
  [
    // descendants of stg_payments include the relationships test, whose other parent is customers
    "@m: descendants and all their ancestors",
    { select: "@stg_payments" },
    [
      "model.customers",
      "model.orders",
      "model.stg_customers",
      "model.stg_orders",
      "model.stg_payments",
      "seed.raw_customers",
      "seed.raw_orders",
      "seed.raw_payments",
    ],
  ],
  [
    "tag: from dbt_project.yml",
    { select: "tag:staging" },
    ["model.stg_customers", "model.stg_events", "model.stg_orders", "model.stg_payments"],
  ],
  [
    // the source is declared in models/staging/schema.yml, so path: selects it too, as in dbt
    "path: a folder",
    { select: "path:models/staging" },
    ["model.stg_customers", "model.stg_events", "model.stg_orders", "model.stg_payments", "source.ingest"],
  ],
  ["path: one file", { select: "path:models/staging/stg_events.sql" }, ["model.stg_events"]],
  [
    "fqn: with a wildcard (sources are not fqn-selected)",
    { select: "fqn:jaffle_shop.staging.*" },
    ["model.stg_customers", "model.stg_events", "model.stg_orders", "model.stg_payments"],
  ],
  [
    "fqn:* selects every node",
    { select: "fqn:*,resource_type:seed" },
    ["seed.raw_customers", "seed.raw_orders", "seed.raw_payments"],
  ],
  ["source:s.t+", { select: "source:ingest.events+" }, ["model.stg_events", "source.ingest"]],
  ["source:s", { select: "source:ingest" }, ["source.ingest"]],
  ["config.materialized:", { select: "config.materialized:ephemeral" }, ["model.stg_payments"]],
  ["union by space", { select: "stg_orders stg_customers" }, ["model.stg_customers", "model.stg_orders"]],
  [
    "intersection by comma",
    { select: "tag:staging,config.materialized:view" },
    ["model.stg_customers", "model.stg_events", "model.stg_orders"],
  ],
  [
    "--exclude subtracts",
    { select: "+orders", exclude: "stg_payments" },
    ["model.orders", "model.stg_orders", "seed.raw_orders", "seed.raw_payments"],
  ],
  [
    "several --select values are a union",
    { select: ["stg_events", "raw_payments"] },
    ["model.stg_events", "seed.raw_payments"],
  ],
]

describe("Selection.select", () => {
  it.effect.each(cases)("%s", ([, options, expected]) =>
    Effect.gen(function* () {
      const { project, graph } = yield* loaded
      const { selected, diagnostics } = Selection.select(project, graph, options)
      expect(diagnostics).toEqual([])
      expect(nonTests(selected)).toEqual(expected)
    }),
  )

  it.effect("brings tests along eagerly: any selected parent selects the test", () =>
    Effect.gen(function* () {
      const { project, graph } = yield* loaded
      // the 6 generic tests written on orders, and the singular test that reads orders
      expect(tests(Selection.select(project, graph, { select: "orders" }).selected)).toEqual([
        "test.accepted_values_orders_status__placed__shipped__completed__return_pending__returned",
        "test.assert_positive_amount",
        "test.not_null_orders_amount",
        "test.not_null_orders_customer_id",
        "test.not_null_orders_order_id",
        "test.relationships_orders_customer_id__customer_id__ref_customers_",
        "test.unique_orders_order_id",
      ])
      // relationships has customers as a parent too, so it comes with customers (eager, not cautious)
      expect(tests(Selection.select(project, graph, { select: "customers" }).selected)).toEqual([
        "test.not_null_customers_customer_id",
        "test.relationships_orders_customer_id__customer_id__ref_customers_",
        "test.unique_customers_customer_id",
      ])
      // excluding a model excludes its tests
      const all = Selection.select(project, graph, { exclude: "orders" }).selected
      expect(all.some((id) => id.includes("orders_order_id"))).toBe(false)
      expect(all).toContain("model.jaffle_shop.customers")
    }),
  )

  it.effect("test_type: separates generic from singular tests", () =>
    Effect.gen(function* () {
      const { project, graph } = yield* loaded
      expect(Selection.select(project, graph, { select: "test_type:singular" }).selected).toEqual([
        "test.jaffle_shop.assert_positive_amount",
      ])
      // 15 generic tests: 2 on customers, 6 on orders, 2 on stg_customers, 1 each on stg_payments, stg_events and
      // the raw_customers seed, 2 on the source
      expect(Selection.select(project, graph, { select: "test_type:generic" }).selected.length).toBe(15)
    }),
  )

  it.effect("no selector selects every node and source; a bad method is E311 and selects nothing", () =>
    Effect.gen(function* () {
      const { project, graph } = yield* loaded
      expect(Selection.select(project, graph).selected.length).toBe(graph.nodes.size + project.sources.length)
      const bad = Selection.select(project, graph, { select: "colour:red" })
      expect(bad.selected).toEqual([])
      expect(bad.diagnostics.map((d) => d.code)).toEqual(["FLOE-E311"])
    }),
  )
})
