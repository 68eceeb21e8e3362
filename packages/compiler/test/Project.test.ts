import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Project } from "../src/index.ts"

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

describe("Project.load", () => {
  it.effect("reads dbt_project.yml, nested models, properties, seeds, macros, tests and docs", () =>
    Effect.gen(function* () {
      const { project, diagnostics } = yield* Project.load(fixture("jaffle"))
      expect(diagnostics).toEqual([])
      if (project === undefined) throw new Error("no project")
      expect(project.name).toBe("jaffle")
      expect(project.implicit).toBe(false)
      expect(project.models.map((m) => [m.name, m.originalFilePath, m.fqn.join(".")])).toEqual([
        ["customers", "models/marts/customers.sql", "jaffle.marts.customers"],
        ["stg_customers", "models/staging/stg_customers.sql", "jaffle.staging.stg_customers"],
        ["stg_orders", "models/staging/stg_orders.sql", "jaffle.staging.stg_orders"],
      ])
      expect(project.seeds.map((s) => s.fqn)).toEqual([["jaffle", "countries"]])
      expect(project.singularTests.map((t) => t.name)).toEqual(["assert_total_positive"])
      expect(project.macros.map((m) => m.uniqueId)).toEqual([
        "macro.jaffle.cents",
        "macro.jaffle.default__cents",
        "macro.jaffle.duckdb__cents",
        "macro.jaffle.test_is_positive",
      ])
      expect(project.docs).toEqual([
        { name: "orders", uniqueId: "doc.jaffle.orders", path: "models/docs.md", contents: "One row per order." },
      ])
      expect(project.sources.map((s) => [s.uniqueId, s.schema, s.identifier, s.fqn.join(".")])).toEqual([
        ["source.jaffle.raw.orders", "raw_data", "orders", "jaffle.staging.raw.orders"],
        ["source.jaffle.raw.customers", "raw_data", "raw_customers", "jaffle.staging.raw.customers"],
      ])
      const props = project.properties.get("stg_orders")
      expect(props?.config).toEqual({ materialized: "table" })
      expect(props?.columns.map((c) => [c.name, c.tests.map((t) => t.testName)])).toEqual([
        ["order_id", ["unique", "not_null"]],
        ["status", ["accepted_values"]],
        ["amount", ["is_positive"]],
        ["customer_id", ["relationships"]],
      ])
      const amount = props?.columns.find((c) => c.name === "amount")?.tests[0]
      expect(amount?.config).toEqual({ severity: "warn" })
      const rel = props?.columns.find((c) => c.name === "customer_id")?.tests[0]
      expect(rel?.kwargs).toEqual({ to: "ref('stg_customers')", field: "customer_id" })
      expect(project.models[0]?.checksum.checksum).toMatch(/^[0-9a-f]{64}$/)
    }).pipe(Effect.provide(NodeServices.layer)),
  )

  it.effect("derives an implicit project from floe.yaml when there is no dbt_project.yml", () =>
    Effect.gen(function* () {
      const product = {
        metadata: { name: "my-product" },
        transforms: [{ type: "dbt", path: "transforms/" }],
      } as unknown as Parameters<typeof Project.load>[1] extends infer O
        ? O extends { product?: infer P }
          ? P
          : never
        : never
      const { project, diagnostics } = yield* Project.load(fixture("implicit"), { product })
      expect(diagnostics).toEqual([])
      expect(project?.name).toBe("my_product")
      expect(project?.modelPaths).toEqual(["transforms"])
      expect(project?.models.map((m) => m.fqn)).toEqual([["my_product", "silver", "orders"]])
    }).pipe(Effect.provide(NodeServices.layer)),
  )

  it.effect("reports malformed properties, duplicate names and YAML errors with positions", () =>
    Effect.gen(function* () {
      const { project, diagnostics } = yield* Project.load(fixture("broken"))
      expect(project?.name).toBe("broken")
      const summary = diagnostics.map((d) => [d.code, d.file?.split("/fixtures/")[1], d.line])
      expect(summary).toEqual([
        ["FLOE-E304", "broken/models/b/dup.sql", 1],
        ["FLOE-E101", "broken/models/bad.yml", 3],
        ["FLOE-E307", "broken/models/schema.yml", 4],
        ["FLOE-E307", "broken/models/schema.yml", 7],
        ["FLOE-E307", "broken/models/schema.yml", 9],
        ["FLOE-W302", "broken/models/schema.yml", 5],
        ["FLOE-W302", "broken/models/schema.yml", 8],
        ["FLOE-W302", "broken/models/schema.yml", 10],
      ])
    }).pipe(Effect.provide(NodeServices.layer)),
  )

  it.effect("refuses a dbt_project.yml without a name", () =>
    Effect.gen(function* () {
      const { project, diagnostics } = yield* Project.load(fixture("noname"))
      expect(project).toBeUndefined()
      expect(diagnostics.map((d) => d.code)).toEqual(["FLOE-E300"])
    }).pipe(Effect.provide(NodeServices.layer)),
  )

  it.effect(
    "hands the sources (in file order) and the models to onSources once, and loads the same project as without it",
    () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "floe-project-"))
        const write = (rel: string, text: string) => {
          mkdirSync(join(dir, rel, ".."), { recursive: true })
          writeFileSync(join(dir, rel), text)
        }
        write("dbt_project.yml", "name: shop\nversion: '1'\n")
        write("models/orders.sql", "select * from {{ source('erp', 'orders') }}\n")
        write("models/customers.sql", "select * from {{ source('crm', 'people') }}\n")
        // a_: properties only (parsed after the hook); b_: sources; c_: model properties and more sources, one repeated
        write("models/a_props.yml", "models:\n  - name: orders\n    description: One row per order\n")
        write("models/b_erp.yml", "sources:\n  - name: erp\n    tables:\n      - name: orders\n      - name: lines\n")
        write(
          "models/c_crm.yml",
          "models:\n  - name: customers\n    description: People who bought\nsources:\n  - name: crm\n    tables:\n      - name: people\n  - name: erp\n    tables:\n      - name: orders\n",
        )
        const calls: Array<{ packageName: string; sources: Array<string>; models: Array<string> }> = []
        const { project, diagnostics } = yield* Project.load(dir, {
          onSources: (found) =>
            Effect.sync(() => {
              calls.push({
                packageName: found.packageName,
                sources: found.sources.map((s) => s.uniqueId),
                models: found.models.map((m) => m.name),
              })
            }),
        })
        expect(calls).toEqual([
          {
            packageName: "shop",
            sources: ["source.shop.erp.orders", "source.shop.erp.lines", "source.shop.crm.people"],
            models: ["customers", "orders"],
          },
        ])
        // The project is the same as without the hook: sources in file order, the repeated one reported once,
        // every properties file's models described.
        expect(project?.sources.map((s) => s.uniqueId)).toEqual(calls[0]?.sources)
        expect(diagnostics.map((d) => [d.code, d.file?.split("/models/")[1], d.line])).toEqual([
          ["FLOE-E307", "c_crm.yml", 10],
        ])
        expect(project?.properties.get("orders")?.description).toBe("One row per order")
        expect(project?.properties.get("customers")?.description).toBe("People who bought")
        const plain = yield* Project.load(dir)
        expect(plain.project?.sources).toEqual(project?.sources)
        expect(plain.diagnostics).toEqual(diagnostics)
      }).pipe(Effect.provide(NodeServices.layer)),
  )
})
