import { cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Graph, Project } from "../src/index.ts"
import { pyRepr, synthesizeNames, testHash } from "../src/internal/testNames.ts"
import { BUILTIN_MACROS } from "../src/Jinja.ts"

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

const buildShop = Effect.gen(function* () {
  const { project, diagnostics } = yield* Project.load(fixture("shop"))
  if (project === undefined) throw new Error(`no project: ${JSON.stringify(diagnostics)}`)
  const built = yield* Graph.build(project, { target: { database: "dev", schema: "main" } })
  return { ...built, diagnostics: [...diagnostics, ...built.diagnostics] }
}).pipe(Effect.provide(NodeServices.layer))

describe("generic test names and hashes (dbt-core synthesize_generic_test_names / get_hashable_md)", () => {
  it("reproduces Python's repr quoting", () => {
    // repr('a') == "'a'"; a single quote inside switches to double quotes; both quotes → single, escaped
    expect(pyRepr("a")).toBe("'a'")
    expect(pyRepr("user's view")).toBe(`"user's view"`)
    expect(pyRepr(`it's "x"`)).toBe(`'it\\'s "x"'`)
    expect(pyRepr("a\\b\nc")).toBe("'a\\\\b\\nc'")
    expect(pyRepr({ b: ["x", "y"], a: {} })).toBe("{'b': ['x', 'y'], 'a': {}}")
  })

  it("names tests {test}_{target}_{args}, args sorted by kwarg name, runs of other characters as one _", () => {
    // kwargs sorted: column_name, field, to → customer_id, customer_id, ref('customers') → ref_customers_
    expect(
      synthesizeNames("relationships", "orders", {
        to: "ref('customers')",
        field: "customer_id",
        column_name: "customer_id",
        model: "{{ get_where_subquery(ref('orders')) }}",
      }),
    ).toEqual({
      short: "relationships_orders_customer_id__customer_id__ref_customers_",
      full: "relationships_orders_customer_id__customer_id__ref_customers_",
    })
    // 83 characters ≥ 64: identifier "accepted_values_orders" (22 < 30, kept whole) + "_" + md5(full name)
    // md5("accepted_values_orders_status__placed__shipped__completed__return_pending__returned")
    //   = 1ce6ab157c285f7cd2ac656013faf758 (Python hashlib; the alias in dbt-labs/jaffle_shop's manifest)
    expect(
      synthesizeNames("accepted_values", "orders", {
        values: ["placed", "shipped", "completed", "return_pending", "returned"],
        column_name: "status",
      }).short,
    ).toBe("accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758")
    // values are stringified the Python way: True, None, 3
    expect(synthesizeNames("t", "m", { a: true, b: null, c: [3] }).full).toBe("t_m_True__None__3")
  })

  it("hashes md5(full name + repr(sorted metadata))[-10:]", () => {
    // repr = {'kwargs': {'column_name': 'customer_id', 'model': "{{ get_where_subquery(ref('customers')) }}"},
    //         'name': 'unique', 'namespace': 'None'}   (None is stringified before repr)
    // md5("unique_customers_customer_id" + repr)[-10:] = c5af1ff4b1, the id in jaffle_shop's published manifest
    expect(
      testHash("unique_customers_customer_id", {
        name: "unique",
        namespace: null,
        kwargs: { column_name: "customer_id", model: "{{ get_where_subquery(ref('customers')) }}" },
      }),
    ).toBe("c5af1ff4b1")
  })
})

describe("generic tests as graph nodes", () => {
  it.effect("builds dbt's unique_ids, fqn, alias, config and metadata for model, seed and source tests", () =>
    Effect.gen(function* () {
      const { graph, diagnostics } = yield* buildShop
      expect(diagnostics).toEqual([])
      const tests = [...graph.nodes.values()].filter((n) => n.resourceType === "test")
      // 15 generic (customers 2, orders 6, stg_customers 2, stg_payments 1, stg_events 1, seed 1, source 2) + 1 singular
      expect(tests.length).toBe(16)

      // hashes computed with Python's md5(full + repr(...))[-10:]; c5af1ff4b1, c6ec7f58f2, be6b5b5ec3 and
      // 3c3820f278 are also the ids in dbt-labs/jaffle_shop's own manifest for the same tests
      for (const id of [
        "test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1",
        "test.jaffle_shop.relationships_orders_customer_id__customer_id__ref_customers_.c6ec7f58f2",
        "test.jaffle_shop.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3",
        "test.jaffle_shop.accepted_values_stg_payments_payment_method__credit_card__coupon__bank_transfer__gift_card.3c3820f278",
        // source test: prefix source_, target {source}_{table}; model = get_where_subquery(source('ingest', 'events'))
        "test.jaffle_shop.source_unique_ingest_events_event_id.3ed5365833",
        // values ["click", "user's view"]: repr prints "user's view" in double quotes
        "test.jaffle_shop.source_accepted_values_ingest_events_kind__click__user_s_view.bff8348878",
        // a custom name replaces the synthesized one, in the hash too
        "test.jaffle_shop.stg_events_has_kind.8534040c0b",
        "test.jaffle_shop.assert_positive_amount",
      ]) {
        expect(graph.nodes.has(id), id).toBe(true)
      }

      const rel = graph.nodes.get(
        "test.jaffle_shop.relationships_orders_customer_id__customer_id__ref_customers_.c6ec7f58f2",
      )
      expect(rel?.fqn).toEqual(["jaffle_shop", "relationships_orders_customer_id__customer_id__ref_customers_"])
      expect(rel?.path).toBe("relationships_orders_customer_id__customer_id__ref_customers_.sql")
      expect(rel?.originalFilePath).toBe("models/schema.yml")
      expect(rel?.schema).toBe("main_dbt_test__audit")
      expect(rel?.dependsOn).toEqual(["model.jaffle_shop.customers", "model.jaffle_shop.orders"])
      expect(rel?.test).toEqual({
        metadata: {
          name: "relationships",
          namespace: null,
          kwargs: {
            to: "ref('customers')",
            field: "customer_id",
            column_name: "customer_id",
            model: "{{ get_where_subquery(ref('orders')) }}",
          },
        },
        columnName: "customer_id",
        attachedNode: "model.jaffle_shop.orders",
        fileKeyName: "models.orders",
      })
      expect(rel?.relationName).toBeUndefined()
      expect(rel?.compiledCode).toContain('from "dev"."main"."customers"')

      const long = graph.nodes.get(
        "test.jaffle_shop.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3",
      )
      expect(long?.alias).toBe("accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758")
      expect(long?.config["alias"]).toBe("accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758")
      expect(long?.path).toBe("accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758.sql")

      // config: defaults, then the properties entry (where, severity)
      const amount = graph.nodes.get("test.jaffle_shop.not_null_orders_amount.106140f9fd")
      expect(amount?.config).toMatchObject({
        severity: "warn",
        where: "status != 'returned'",
        fail_calc: "count(*)",
        warn_if: "!= 0",
        error_if: "!= 0",
        materialized: "test",
        schema: "dbt_test__audit",
      })
      expect(amount?.compiledCode).toContain(
        `from (select * from "dev"."main"."orders" where status != 'returned') dbt_subquery`,
      )

      // data_tests: jaffle_shop: staging: +store_failures: true applies by the test's fqn; stored tests get a relation
      const staged = graph.nodes.get("test.jaffle_shop.unique_stg_customers_customer_id.c7614daada")
      expect(staged?.fqn).toEqual(["jaffle_shop", "staging", "unique_stg_customers_customer_id"])
      expect(staged?.config["store_failures"]).toBe(true)
      expect(staged?.relationName).toBe('"dev"."main_dbt_test__audit"."unique_stg_customers_customer_id"')

      const source = graph.nodes.get("test.jaffle_shop.source_unique_ingest_events_event_id.3ed5365833")
      expect(source?.test?.attachedNode).toBeNull()
      expect(source?.test?.fileKeyName).toBe("sources.ingest")
      expect(source?.dependsOn).toEqual(["source.jaffle_shop.ingest.events"])

      const seed = [...graph.nodes.values()].find((n) => n.name === "not_null_raw_customers_id")
      expect(seed?.test?.attachedNode).toBe("seed.jaffle_shop.raw_customers")
      expect(seed?.test?.fileKeyName).toBe("seeds.raw_customers")

      const custom = graph.nodes.get("test.jaffle_shop.stg_events_has_kind.8534040c0b")
      expect(custom?.test?.columnName).toBe("kind")

      // tests of an ephemeral model get its CTE; children lists carry the tests (dagster-dbt's asset checks)
      expect(graph.children.get("model.jaffle_shop.orders")).toContain(
        "test.jaffle_shop.not_null_orders_order_id.cf6c17daed",
      )
      expect(graph.nodes.get("test.jaffle_shop.assert_positive_amount")?.dependsOn).toEqual([
        "model.jaffle_shop.orders",
      ])
    }),
  )

  it.effect("reports an unknown generic test with a suggestion at its line", () =>
    Effect.gen(function* () {
      const { project } = yield* Project.load(fixture("jaffle"))
      if (project === undefined) throw new Error("no project")
      const props = project.properties.get("stg_orders")
      if (props === undefined) throw new Error("no properties")
      const broken = {
        ...project,
        properties: new Map([
          [
            "stg_orders",
            {
              ...props,
              tests: [
                {
                  testName: "uniqe",
                  customName: undefined,
                  kwargs: { column_name: "order_id" },
                  config: {},
                  location: { line: 40, column: 9 },
                },
              ],
            },
          ],
        ]),
      }
      const { diagnostics } = yield* Graph.build(broken)
      expect(diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
        [
          "FLOE-E310",
          40,
          "models/staging/schema.yml uses the generic test uniqe, which is not defined; did you mean unique?",
        ],
      ])
    }).pipe(Effect.provide(NodeServices.layer)),
  )
})

describe("built-in generic tests filled in without the interpreter", () => {
  it.effect("give the SQL and macros the interpreter gives when the same macros are the project's own", () =>
    Effect.gen(function* () {
      const build = (dir: string) =>
        Effect.gen(function* () {
          const { project } = yield* Project.load(dir)
          if (project === undefined) throw new Error("no project")
          const built = yield* Graph.build(project, { target: { database: "dev", schema: "main" } })
          return [...built.graph.nodes.values()].filter((n) => n.resourceType === "test" && n.test !== undefined)
        })
      // The same shop, once as it is (built-in tests filled in), once with the built-in test macros copied into
      // the project (they are then the project's, so each call goes through the interpreter).
      const copy = mkdtempSync(join(tmpdir(), "floe-tests-"))
      cpSync(fixture("shop"), copy, { recursive: true })
      const own = [
        ...BUILTIN_MACROS.matchAll(/\{% macro (test_(?:not_null|unique|relationships))\([\s\S]*?\{% endmacro %\}/g),
      ]
      expect(own.map((m) => m[1])).toEqual(["test_not_null", "test_unique", "test_relationships"])
      writeFileSync(join(copy, "macros", "own_tests.sql"), own.map((m) => m[0]).join("\n"))
      const filled = yield* build(fixture("shop"))
      const interpreted = yield* build(copy)
      expect(filled.length).toBeGreaterThan(10)
      expect(interpreted.map((n) => n.uniqueId)).toEqual(filled.map((n) => n.uniqueId))
      for (const [i, n] of filled.entries()) {
        const other = interpreted[i]
        expect(n.compiledCode, n.uniqueId).toBe(other?.compiledCode)
        expect(n.macros, n.uniqueId).toEqual(other?.macros.map((m) => m.replace("macro.jaffle_shop.", "macro.dbt.")))
      }
      // Both ways were taken: plain not_null/unique/relationships calls filled in, the rest interpreted.
      const kinds = (nodes: typeof filled) =>
        nodes.filter((n) => n.macros.some((m) => /^macro\.dbt\.test_(not_null|unique|relationships)$/.test(m))).length
      expect(kinds(filled)).toBeGreaterThan(5)
      expect(kinds(interpreted)).toBe(0)
    }).pipe(Effect.provide(NodeServices.layer)),
  )
})
