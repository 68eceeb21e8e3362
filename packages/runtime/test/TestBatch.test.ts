import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { describe, expect, it } from "@effect/vitest"
import { Graph, Project } from "@floe/compiler"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { TestBatch, TestResult } from "../src/index.ts"
import { harness, runProject, writeProject } from "./support/project.ts"

// A project built to disagree with any fusion that is not exact: nulls at many rates, duplicates, unexpected
// values (quoted and unquoted, a NOCASE column where GROUP BY and DISTINCT part ways), orphans, thresholds on
// both sides of the counts, severity warn, configs that must not be fused (where, limit, fail_calc), a column
// that does not exist (the fused statement fails and its tests must report the unfused error), and a model that
// fails to build (its tests are skipped).
const ROWS = 3000
const MODS = [2, 3, 7, 11, 1500, 2999, 3000, 5000]
const VARIANTS: ReadonlyArray<Record<string, unknown>> = [
  {},
  { severity: "warn" },
  { warn_if: ">100", error_if: ">1000" },
  { warn_if: ">= 273", error_if: "> 273" },
  { error_if: "= 0" },
  { warn_if: "<>0", error_if: "==1000" },
  { severity: "warn", error_if: ">0", warn_if: "<1" },
  { warn_if: "> 0.5", error_if: "< 2.5" },
  { error_if: "not a comparison", warn_if: "!= 0; drop table x" },
]

const column = (k: number) => `n_${k}`
const wideSql = [
  "{{ config(materialized='table') }}",
  "select i as id,",
  ...MODS.map((k) => `  case when i % ${k} = 0 then null else i end as n_${k},`),
  ...MODS.map((k) => `  i % ${k} as d_${k},`),
  ...MODS.map(
    (k) => `  case i % ${k} when 0 then 'placed' when 1 then 'shipped' else 'other_' || (i % 4) end as s_${k},`,
  ),
  "  case when i % 2 = 0 then 'A' else 'a' end collate nocase as letter,",
  // unique over the scan order: a duplicate either side of a NULL, and keys ascending byte-wise but not under NOCASE
  "  case when i = 1500 then null when i = 1501 then 1499 else i end as gap,",
  "  case when i < 1500 then 'K' || lpad(i::varchar, 4, '0') else 'k' || lpad((i - 1500)::varchar, 4, '0') end collate nocase as ci,",
  "  i % 5 as small",
  `from range(${ROWS}) t(i)`,
].join("\n")

const test = (name: string, args: Record<string, unknown>, config: Record<string, unknown>) =>
  JSON.stringify({ [name]: { ...args, config } })

const columns = [
  { name: "id", tests: [test("not_null", {}, {}), test("unique", {}, {})] },
  ...MODS.map((k, i) => ({
    name: column(k),
    tests: [test("not_null", {}, VARIANTS[i % VARIANTS.length] ?? {})],
  })),
  ...MODS.map((k, i) => ({
    name: `d_${k}`,
    tests: [test("unique", {}, VARIANTS[(i + 3) % VARIANTS.length] ?? {}), test("not_null", {}, {})],
  })),
  ...MODS.map((k, i) => ({
    name: `s_${k}`,
    tests: [
      test("accepted_values", { values: ["placed", "shipped", "other_1", "it's"].slice(0, 2 + (i % 3)) }, {}),
      test("not_null", {}, { where: `id > ${k}` }),
      test("unique", {}, { limit: 1, severity: VARIANTS[i % 2] === undefined ? "error" : "warn" }),
    ],
  })),
  { name: "gap", tests: [test("unique", {}, {})] },
  { name: "ci", tests: [test("unique", {}, {})] },
  { name: column(7), tests: [test("unique", {}, {})] },
  {
    name: "letter",
    tests: [
      test("accepted_values", { values: ["B"] }, {}),
      // a second list on the same column shares its grouping set
      test("accepted_values", { values: ["a", "B"] }, { severity: "warn" }),
      test("unique", {}, { fail_calc: "sum(n_records)" }),
    ],
  },
  {
    name: "small",
    tests: [
      test("accepted_values", { values: [0, 1, 2], quote: false }, { warn_if: ">1", error_if: ">2" }),
      test("accepted_values", { values: [1, 3], quote: false }, {}),
      test("relationships", { to: "ref('wide')", field: "id" }, {}),
    ],
  },
  // the same column spelled otherwise: dbt's SQL as a branch of its own, so no group is counted twice
  { name: "SMALL", tests: [test("accepted_values", { values: [4], quote: false }, {})] },
]

const schema = `version: 2
models:
  - name: wide
    columns:
${columns.map((c) => `      - name: ${c.name}\n        tests:\n${c.tests.map((t) => `          - ${t}`).join("\n")}`).join("\n")}
  - name: orders
    columns:
      - name: customer_id
        tests:
          - not_null
          - relationships: {to: "ref('wide')", field: id}
          - relationships: {to: "ref('wide')", field: n_7, config: {severity: warn}}
      - name: amount
        tests: [not_null, {accepted_values: {values: [1, 2, 3], quote: false}}]
  - name: broken_view
    columns:
      - name: x
        tests: [not_null, unique]
  - name: gone
    columns:
      - name: customer_id
        tests: [not_null, unique]
      - name: no_such_column
        tests: [not_null]
`

const FILES = {
  "models/wide.sql": wideSql,
  "models/orders.sql":
    "select i as order_id, case when i % 13 = 0 then null else i * 3 end as customer_id, i % 4 as amount from range(2000) t(i)",
  "models/gone.sql": "{{ config(materialized='table') }}\nselect i as customer_id from range(10) t(i)",
  "models/broken_view.sql": "select no_such_thing as x from {{ ref('orders') }}",
  "models/schema.yml": schema,
}

type Seen = Record<string, { status: string; failures: number | undefined; message: string | undefined }>

const outcomes = (warnError: boolean, fuseTests: boolean) =>
  Effect.gen(function* () {
    const h = harness(FILES)
    const statements: Array<string> = []
    const result = yield* runProject(h, { warnError, fuseTests }, (sql) => statements.push(sql))
    const seen: Seen = {}
    for (const t of result.tests) seen[t.uniqueId] = { status: t.status, failures: t.failures, message: t.message }
    return { seen, statements, status: result.status, events: h.progress.filter((p) => p._tag === "TestFinished") }
  })

describe("test fusion", () => {
  it.effect(
    "gives every test the same status, failure count and message as one query per test (differential)",
    () =>
      Effect.gen(function* () {
        for (const warnError of [false, true]) {
          const fused = yield* outcomes(warnError, true)
          const plain = yield* outcomes(warnError, false)
          expect(Object.keys(fused.seen).length).toBeGreaterThan(45)
          expect(fused.seen).toEqual(plain.seen)
          expect(fused.status).toBe(plain.status)
          // one progress event per test either way
          expect(fused.events.length).toBe(Object.keys(fused.seen).length)
          // fusion really happened: fewer statements, shared scans ran
          expect(fused.statements.length).toBeLessThan(plain.statements.length * 0.6)
          expect(fused.statements.filter((s) => s.includes("floe_counts")).length).toBeGreaterThan(2)
          // not_null columns whose statistics prove no NULL leave the scan (their count is 0); the others stay
          expect(fused.statements.filter((s) => s.includes("floe_stats")).length).toBeGreaterThan(0)
          const wideScan =
            fused.statements.find((s) => /\] as floe_counts\nfrom "warehouse"\."main"\."wide"/.test(s)) ?? ""
          expect(wideScan).toMatch(/count\(\*\) - count\(n_2\)/)
          expect(wideScan).not.toMatch(/count\(\*\) - count\((id|d_\d+)\)/)
          // unique runs first as a zero test over the scan order (over the non-null rows where NULLs may be)
          expect(wideScan).toMatch(/lag\(id\) over \(\)/)
          expect(wideScan).toMatch(
            /lag\(gap\) over \(\) as floe_p0\nfrom "warehouse"\."main"\."wide" where gap is not null/,
          )
          const statuses = new Set(Object.values(plain.seen).map((s) => s.status))
          expect([...statuses].sort()).toEqual(
            warnError ? ["error", "fail", "pass", "skipped"] : ["error", "fail", "pass", "skipped", "warn"],
          )
        }
      }),
    60_000,
  )

  it.effect("fuses only tests whose SQL is exactly a built-in macro's and whose config keeps count(*)", () =>
    Effect.gen(function* () {
      const dir = writeProject({ "dbt_project.yml": "name: shop\nversion: '1.0.0'\nprofile: shop\n", ...FILES })
      const loaded = yield* Project.load(dir)
      if (loaded.project === undefined) return yield* Effect.die(new Error("no project"))
      const { graph } = yield* Graph.build(loaded.project)
      const tests = [...graph.nodes.values()].filter((n) => n.resourceType === "test")
      const kinds = (pred: (n: Graph.Node) => boolean) =>
        tests
          .filter(pred)
          .map((n) => TestBatch.member(n)?.kind ?? "alone")
          .sort()
      expect(new Set(kinds((n) => n.config["where"] != null && n.config["where"] !== "count(*)"))).toEqual(
        new Set(["alone"]),
      )
      expect(new Set(kinds((n) => n.config["limit"] != null && n.config["limit"] !== "count(*)"))).toEqual(
        new Set(["alone"]),
      )
      expect(new Set(kinds((n) => n.config["fail_calc"] != null && n.config["fail_calc"] !== "count(*)"))).toEqual(
        new Set(["alone"]),
      )
      // accepted_values with a value holding a quote renders broken SQL; it is left to fail on its own
      expect(kinds((n) => (n.compiledCode ?? "").includes("'it's'"))).toEqual(["alone", "alone"])
      const planned = TestBatch.plan(tests)
      const fusedKinds = new Set(planned.batches.flatMap((b) => b.members.map((m) => m.kind)))
      expect(fusedKinds).toEqual(new Set(["not_null", "unique", "accepted_values", "relationships"]))
      const wide = planned.batches.find((b) => b.relation.endsWith('"wide"'))
      expect(wide?.sql).toMatch(/count\(\*\) - count\(n_2\)/)
      // accepted_values groups every tested column in one branch (dbt's groups, exact), not a filter over the scan
      expect(wide?.sql).toMatch(/group by grouping sets \(\(s_2\), \(s_3\)/)
      expect(wide?.sql).toMatch(/floe_g\d+ = 0 and floe_v\d+ not in \('placed','shipped','other_1'\)/)
      expect(wide?.sql.split("union all")[0]).not.toMatch(/filter \(where/)
      expect(wide?.sql).toMatch(/\(letter\)\)\n/)
      expect(wide?.sql).toMatch(
        /floe_g(\d+) = 0 and floe_v\1 not in \('B'\)\),\n\s*count\(\*\) filter \(where floe_g\1 = 0 and floe_v\1 not in \('a','B'\)\)/,
      )
      expect(wide?.sql).not.toMatch(/\(small\)|\(SMALL\)/)
      expect(wide?.sql).toMatch(
        /group by SMALL\s*\)\s*select \*\s+from all_values\s+where value_field not in \(\s*4\s*\)/,
      )
      // a project override that renders different SQL is not fused
      const custom = tests.find((n) => n.test?.metadata.name === "not_null")
      if (custom === undefined) return yield* Effect.die(new Error("no not_null test"))
      const overridden = { ...custom, compiledCode: `${custom.compiledCode} and 1 = 1` }
      expect(TestBatch.member(overridden)).toBeUndefined()
      expect(TestBatch.member({ ...custom, config: { ...custom.config, store_failures: true } })).toBeUndefined()
      expect(TestBatch.member({ ...custom, config: { ...custom.config, warn_if: "> 1234567890123456" } })).toBe(
        undefined,
      )
    }).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))),
  )
})

describe("DuckDB statistics", () => {
  it.each([
    ["[Min: 0, Max: 9][Has Null: false, Has No Null: true][Approx Unique: 10]", true],
    ["[Min: 1, Max: 9][Has Null: true, Has No Null: true][Approx Unique: 6]", false],
    ["[Min: x0, Max: x9, Has Unicode: false, Max String Length: 5][Has Null: false, Has No Null: true]", true],
    ["[Has Null: maybe]", false],
    ["", false],
    [null, false],
    [0, false],
  ] as const)("%s proves no NULL: %s", (statistics, expected) => {
    expect(TestBatch.provesNoNull(statistics)).toBe(expected)
  })
})

describe("thresholds in TypeScript", () => {
  it.each([
    [0, undefined, false],
    [3, undefined, true],
    [3, "> 2", true],
    [2, "> 2", false],
    [2, ">=2", true],
    [2, "= 2", true],
    [2, "==2", true],
    [2, "<> 2", false],
    [1, "< 1.5", true],
    [0, "drop table x", false],
    [4, "drop table x", true],
    [-0, "!= -0", false],
  ] as const)("%d %s is %s", (failures, condition, expected) => {
    expect(TestResult.holds(failures, condition)).toBe(expected)
  })
})
