import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { describe, expect, it } from "@effect/vitest"
import { DuckDBCompute } from "@floe/compute-duckdb"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Binder, Compiler, Graph, Project } from "../src/index.ts"

const project = (files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-bind-"))
  for (const [rel, text] of Object.entries({ "dbt_project.yml": "name: shop\nversion: '1.0.0'\n", ...files })) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true })
    writeFileSync(join(dir, rel), text)
  }
  return dir
}

const compileBound = (dir: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const compute = yield* DuckDBCompute.make({ database: "warehouse" })
      return yield* Compiler.compile(dir, { compute, write: false })
    }),
  ).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))

describe("compile-time binding", () => {
  it.effect("binds every model on the engine and learns its output columns and types", () =>
    Effect.gen(function* () {
      const dir = project({
        "seeds/raw_orders.csv": "id,amount,placed_on\n1,10.5,2024-01-01\n",
        "models/sources.yml":
          "version: 2\nsources:\n  - name: crm\n    tables:\n      - name: accounts\n        columns:\n          - {name: account_id, data_type: integer}\n          - {name: owner, data_type: varchar}\n",
        "models/stg_orders.sql": "select id, amount * 2 as doubled, placed_on from {{ ref('raw_orders') }}",
        "models/eph.sql":
          "{{ config(materialized='ephemeral') }}\nselect account_id, upper(owner) as owner_upper from {{ source('crm', 'accounts') }}",
        "models/accounts.sql": "select * from {{ ref('eph') }}",
      })
      const r = yield* compileBound(dir)
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([])
      expect(r.counts.modelsBound).toBe(3)
      const cols = (id: string) => r.columns.get(id)?.map((c) => `${c.name} ${c.type}`)
      expect(cols("model.shop.stg_orders")).toEqual(["id BIGINT", "doubled DOUBLE", "placed_on DATE"])
      expect(cols("model.shop.accounts")).toEqual(["account_id INTEGER", "owner_upper VARCHAR"])
      expect(cols("seed.shop.raw_orders")).toEqual(["id BIGINT", "amount DOUBLE", "placed_on DATE"])
    }),
  )

  it.effect("reports SQL the engine refuses as E312 with the engine's message, and does not check its children", () =>
    Effect.gen(function* () {
      const dir = project({
        "seeds/raw_orders.csv": "id,amount\n1,10.5\n",
        "models/bad.sql": "select id, no_such_column from {{ ref('raw_orders') }}",
        "models/child.sql": "select * from {{ ref('bad') }}",
        "models/good.sql": "select id from {{ ref('raw_orders') }}",
      })
      const r = yield* compileBound(dir)
      const errors = r.diagnostics.filter((d) => d.severity === "error")
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ code: "FLOE-E312", file: `${dir}/models/bad.sql`, line: 1 })
      expect(errors[0]?.message).toMatch(/bad does not compile: Binder Error: .*no_such_column/)
      expect(r.counts.modelsBound).toBe(1)
      expect(r.columns.has("model.shop.child")).toBe(false)
    }),
  )

  it.effect("binds a wide level in one script and still names the one model refused", () =>
    Effect.gen(function* () {
      const files: Record<string, string> = { "seeds/raw.csv": "id,amount\n1,10.5\n" }
      for (let i = 0; i < 150; i++) {
        files[`models/m_${String(i).padStart(3, "0")}.sql`] =
          i === 120
            ? "select id, missing_column from {{ ref('raw') }}"
            : `select id, amount * ${i} as a from {{ ref('raw') }}`
      }
      files["models/top.sql"] = "select m.id from {{ ref('m_007') }} m join {{ ref('m_140') }} n using (id)"
      const r = yield* compileBound(project(files))
      const errors = r.diagnostics.filter((d) => d.severity === "error")
      expect(errors.map((d) => d.message)).toEqual([
        expect.stringMatching(/^model m_120 does not compile: Binder Error: .*missing_column/),
      ])
      expect(r.counts.modelsBound).toBe(150)
      expect(r.columns.get("model.shop.m_149")?.map((c) => c.name)).toEqual(["id", "a"])
      expect(r.columns.get("model.shop.top")?.map((c) => `${c.name} ${c.type}`)).toEqual(["id BIGINT"])
    }),
  )

  it.effect("names every model refused in a level bound as two scripts at once, in order", () =>
    Effect.gen(function* () {
      const files: Record<string, string> = { "seeds/raw.csv": "id,amount\n1,10.5\n" }
      for (let i = 0; i < 20; i++) {
        files[`models/m_${String(i).padStart(2, "0")}.sql`] = [5, 6, 13].includes(i)
          ? `select id, missing_${i} from {{ ref('raw') }}`
          : `select id, amount * ${i} as a from {{ ref('raw') }}`
      }
      const r = yield* compileBound(project(files))
      expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([
        expect.stringMatching(/^model m_05 does not compile: .*missing_5/),
        expect.stringMatching(/^model m_06 does not compile: .*missing_6/),
        expect.stringMatching(/^model m_13 does not compile: .*missing_13/),
      ])
      expect(r.counts.modelsBound).toBe(17)
      expect([...r.columns.keys()].filter((k) => k.startsWith("model."))).toHaveLength(17)
    }),
  )

  it.effect("creates a source named only through a macro when a model reads it, and binds that model", () =>
    Effect.gen(function* () {
      const dir = project({
        "models/sources.yml":
          "version: 2\nsources:\n  - name: crm\n    tables:\n      - name: accounts\n        columns:\n          - {name: account_id, data_type: integer}\n      - name: unused\n        columns:\n          - {name: x, data_type: varchar}\n",
        "macros/crm.sql": "{% macro crm(t) %}{{ source('crm', t) }}{% endmacro %}",
        "models/direct.sql": "select account_id from {{ source('crm', 'accounts') }}",
        "models/via_macro.sql": "select account_id * 2 as doubled from {{ crm('accounts') }}",
      })
      const r = yield* compileBound(dir)
      expect(r.diagnostics.filter((d) => d.severity !== "info")).toEqual([])
      expect(r.counts.modelsBound).toBe(2)
      expect(r.columns.get("model.shop.via_macro")?.map((c) => `${c.name} ${c.type}`)).toEqual(["doubled INTEGER"])
      const macroOnly = project({
        "models/sources.yml":
          "version: 2\nsources:\n  - name: crm\n    tables:\n      - name: accounts\n        columns:\n          - {name: account_id, data_type: integer}\n",
        "macros/crm.sql": "{% macro crm(t) %}{{ source('crm', t) }}{% endmacro %}",
        "models/via_macro.sql": "select account_id from {{ crm('accounts') }}",
      })
      const m = yield* compileBound(macroOnly)
      expect(m.diagnostics).toEqual([])
      expect(m.counts.modelsBound).toBe(1)
    }),
  )

  it.effect("binds a built graph directly the same way as during the compile", () =>
    Effect.gen(function* () {
      const dir = project({
        "seeds/raw_orders.csv": "id,amount\n1,10.5\n",
        "models/bad.sql": "select id, no_such_column from {{ ref('raw_orders') }}",
        "models/child.sql": "select * from {{ ref('bad') }}",
        "models/good.sql": "select id, amount from {{ ref('raw_orders') }}",
        "models/gold.sql": "select g.id from {{ ref('good') }} g",
      })
      const viaCompile = yield* compileBound(dir)
      const loaded = yield* Project.load(dir).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
      if (loaded.project === undefined) throw new Error("no project")
      const { graph } = yield* Graph.build(loaded.project)
      const direct = yield* Effect.scoped(
        Effect.gen(function* () {
          const compute = yield* DuckDBCompute.make({ database: "warehouse" })
          return yield* Binder.bind(loaded.project as Project.DbtProject, graph, compute)
        }),
      )
      expect(direct.bound).toBe(2)
      // a graph with a cycle (E302) binds what it can without recursing forever
      const cyclic = project({
        "models/a.sql": "select * from {{ ref('b') }}",
        "models/b.sql": "select * from {{ ref('a') }}",
        "models/c.sql": "select * from {{ ref('a') }}",
        "models/d.sql": "select 1 as id",
      })
      const cyclicLoaded = yield* Project.load(cyclic).pipe(
        Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)),
      )
      if (cyclicLoaded.project === undefined) throw new Error("no project")
      const cyclicGraph = yield* Graph.build(cyclicLoaded.project)
      const cyclicBound = yield* Effect.scoped(
        Effect.gen(function* () {
          const compute = yield* DuckDBCompute.make({ database: "warehouse" })
          return yield* Binder.bind(cyclicLoaded.project as Project.DbtProject, cyclicGraph.graph, compute)
        }),
      )
      expect(cyclicBound.bound).toBe(1)
      expect(direct.bound).toBe(viaCompile.counts.modelsBound)
      expect(direct.diagnostics.map((d) => d.code)).toEqual(["FLOE-E312"])
      expect([...direct.columns.entries()].sort()).toEqual([...viaCompile.columns.entries()].sort())
    }),
  )

  it.effect("learns a column whose name holds the separators of the aggregated column list", () =>
    Effect.gen(function* () {
      const r = yield* compileBound(project({ "models/odd.sql": 'select 1 as "a\u0001b", 2 as "c\u0002d", 3 as e' }))
      expect(r.diagnostics).toEqual([])
      expect(r.columns.get("model.shop.odd")?.map((c) => c.name)).toEqual(["a\u0001b", "c\u0002d", "e"])
    }),
  )

  it.effect("warns once per source without column types; its readers are checked at run time", () =>
    Effect.gen(function* () {
      const dir = project({
        "models/sources.yml": "version: 2\nsources:\n  - name: raw\n    tables: [{name: events}]\n",
        "models/a.sql": "select * from {{ source('raw', 'events') }}",
        "models/b.sql": "select count(*) as n from {{ source('raw', 'events') }}",
      })
      const r = yield* compileBound(dir)
      expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-W303"])
      expect(r.counts.modelsBound).toBe(0)
    }),
  )
})
