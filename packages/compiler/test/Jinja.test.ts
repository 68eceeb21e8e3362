import { describe, expect, it } from "vitest"
import { Jinja, type Project } from "../src/index.ts"

const project = (macros: string, vars: Record<string, unknown> = {}): Project.DbtProject => ({
  name: "pkg",
  root: "/p",
  implicit: false,
  modelPaths: ["models"],
  seedPaths: [],
  testPaths: [],
  macroPaths: ["macros"],
  vars,
  modelsConfig: {},
  seedsConfig: {},
  testsConfig: {},
  models: [],
  seeds: [],
  singularTests: [],
  macroFiles: [{ path: "macros/m.sql", text: macros, macros: [] }],
  macros: [],
  sources: [],
  properties: new Map(),
  docs: [],
})

const resolver: Jinja.Resolver = {
  ref: (name) =>
    name === "missing"
      ? undefined
      : { database: "db", schema: "main", identifier: name, rendered: `"db"."main"."${name}"` },
  source: (s, t) => ({ database: "db", schema: s, identifier: t, rendered: `"db"."${s}"."${t}"` }),
}

/** A generic test on `orders`, as Graph.build asks for one: `macro` called with the model and `kwargs`. */
const renderTest = (
  renderer: Jinja.Renderer,
  macro: string,
  kwargs: Record<string, unknown>,
  config: Record<string, unknown> = {},
) =>
  renderer.render({
    name: "t",
    resourceType: "test",
    file: "models/schema.yml",
    rawCode: "",
    this: undefined,
    config,
    execute: true,
    macroCall: { macro, kwargs: { model: "get_where_subquery(ref('orders'))", ...kwargs } },
  })

const render = (sql: string, macros = "", options: Jinja.RenderOptions = {}) => {
  const renderer = Jinja.makeRenderer(project(macros, { v: "project" }), resolver, options)
  expect(renderer.diagnostics).toEqual([])
  return renderer.render({
    name: "me",
    resourceType: "model",
    file: "models/me.sql",
    rawCode: sql,
    this: { database: "db", schema: "main", identifier: "me", rendered: '"db"."main"."me"' },
    config: { materialized: "view" },
    execute: true,
  })
}

describe("Jinja rendering", () => {
  it("renders SQL whose only tags are ref() and source() exactly as the interpreter does", () => {
    for (const sql of [
      "select * from {{ ref('a') }}\n",
      "select 1\n\n",
      "select *\nfrom {{ref(\"a\")}} join {{ ref( 'pkg' , 'b' ) }} using (id)\nleft join {{ source('s', 't') }} s on true",
      "{{ ref('missing') }} {{ source('s', 'x') }} }} { x",
      "select '{' as a, '}}' as b from {{ source('s','t') }}\n",
      "  \n",
    ]) {
      // a leading comment sends the same text through the interpreter
      const interpreted = render(`{# interpreter #}${sql}`)
      const plain = render(sql)
      expect(plain).toEqual(interpreted)
      expect(plain.sql).toBeDefined()
    }
    // source() with one argument fails the same way on both paths
    expect(render("{{ source('s') }}")).toEqual(render("{# interpreter #}{{ source('s') }}"))
    expect(render("{{ source('s') }}").diagnostics[0]?.code).toBe("FLOE-E306")
  })

  it("evaluates a generic test's model argument without the interpreter exactly as with it", () => {
    const renderer = Jinja.makeRenderer(project(""), resolver)
    const test = (model: string, config: Record<string, unknown>) =>
      renderer.render({
        name: "t",
        resourceType: "test",
        file: "models/x.yml",
        rawCode: "",
        this: undefined,
        config,
        execute: true,
        macroCall: { macro: "test_not_null", kwargs: { column_name: "id", model } },
      })
    for (const [direct, interpreted] of [
      ["get_where_subquery(ref('a'))", "get_where_subquery(ref('a' ~ ''))"],
      ["get_where_subquery(ref('missing'))", "get_where_subquery(ref('missing' ~ ''))"],
      ["get_where_subquery(source('s', 't'))", "get_where_subquery(source('s', 't' ~ ''))"],
      ["ref('pkg', 'a')", "ref('pkg', 'a' ~ '')"],
    ] as const) {
      for (const config of [{ where: null }, { where: "id > 1" }, {}]) {
        const a = test(direct, config)
        expect(a).toEqual(test(interpreted, config))
        expect(a.diagnostics).toEqual([])
      }
    }
    expect(test("get_where_subquery(ref('a'))", { where: "id > 1" }).sql).toContain("where id > 1) dbt_subquery")
  })

  it("lets a project macro named ref replace the context's, also in plain SQL", () => {
    const r = render("select * from {{ ref('a') }}", "{% macro ref(name) %}mine_{{ name }}{% endmacro %}")
    expect(r.sql).toBe("select * from mine_a")
  })

  it("resolves ref (one or two args, version=/v=) and source, recording them", () => {
    const r = render(
      "{{ ref('a') }} {{ ref('pkg', 'b') }} {{ ref('c', v=2) }} {{ ref('d', version=1) }} {{ source('s', 't') }}",
    )
    expect(r.sql).toBe('"db"."main"."a" "db"."main"."b" "db"."main"."c" "db"."main"."d" "db"."s"."t"')
    expect(r.refs).toEqual([
      { name: "a", package: null, version: null },
      { name: "b", package: "pkg", version: null },
      { name: "c", package: null, version: "2" },
      { name: "d", package: null, version: "1" },
    ])
    expect(r.sources).toEqual([["s", "t"]])
  })

  it("collects config() kwargs with a trailing comma; config.get sees them and the node config", () => {
    const r = render(
      "{{ config(materialized='table', tags=['a', 'b'],) }}{{ config.get('materialized') }}-{{ config.get('schema', 'dflt') }}",
    )
    expect(r.config).toEqual({ materialized: "table", tags: ["a", "b"] })
    expect(r.sql).toBe("table-dflt")
  })

  it("renders this, target, is_incremental, var (defaults, CLI override) and env_var", () => {
    const r = render(
      "{{ this }}|{{ this.schema }}|{{ target.schema }}|{{ is_incremental() }}|{{ var('v') }}|{{ var('w', 'dw') }}|{{ env_var('HOME_X', 'none') }}|{{ env_var('SET') }}",
      "",
      { vars: { w: "cli" }, env: { SET: "yes" } },
    )
    expect(r.sql).toBe('"db"."main"."me"|main|main|false|project|cli|none|yes')
  })

  it("calls macros from macro files, with adapter.dispatch (duckdb__ before default__) and return()", () => {
    const macros = `
{% macro cents(c) %}{{ return(adapter.dispatch('cents')(c)) }}{% endmacro %}
{% macro default__cents(c) %}({{ c }} / 100){% endmacro %}
{% macro duckdb__cents(c) %}({{ c }} / 100.0){% endmacro %}
{% macro only_default(c) %}{{ return(adapter.dispatch('x')(c)) }}{% endmacro %}
{% macro default__x(c) %}x{{ c }}{% endmacro %}
{% macro cols() %}{% set l = [] %}{% do l.append('a') %}{% do l.append('b') %}{{ return(l) }}{% endmacro %}`
    const r = render("{{ cents('amt') }} {{ only_default(1) }} {{ cols() | join(',') }}", macros)
    expect(r.diagnostics).toEqual([])
    expect(r.sql).toBe("(amt / 100.0) x1 a,b")
    expect(r.macros).toEqual([
      "macro.pkg.cents",
      "macro.pkg.cols",
      "macro.pkg.default__x",
      "macro.pkg.duckdb__cents",
      "macro.pkg.only_default",
    ])
  })

  it("dispatches on the target's engine: postgres__ before default__ on PostgreSQL, default__ when DuckDB has none", () => {
    const macros = `
{% macro ts(c) %}{{ return(adapter.dispatch('ts')(c)) }}{% endmacro %}
{% macro default__ts(c) %}cast({{ c }} as timestamp){% endmacro %}
{% macro postgres__ts(c) %}{{ c }}::timestamptz{% endmacro %}`
    expect(render("{{ ts('x') }}", macros, { target: { type: "postgres" } }).sql).toBe("x::timestamptz")
    expect(render("{{ ts('x') }}", macros, { target: { type: "duckdb" } }).sql).toBe("cast(x as timestamp)")
  })

  it("supports Python methods, namespace(), dict.update and log()", () => {
    const r = render(
      "{% set ns = namespace(n=0) %}{% for k, v in {'a': 1}.items() %}{% set ns.n = ns.n + v %}{% endfor %}{{ ns.n }} {{ 'A,B'.lower().split(',') | join('+') }}{% set d = {} %}{% do d.update({'k': 'v'}) %} {{ d.k }}{{ log('hi') }}",
    )
    expect(r.sql).toBe("1 a+b v")
    expect(r.logs).toEqual(["hi"])
  })

  it("turns raise_compiler_error, a missing var or env_var, and unknown functions into E306", () => {
    for (const [sql, text] of [
      ["{{ exceptions.raise_compiler_error('boom') }}", "boom"],
      ["{{ var('nope') }}", "Required var 'nope'"],
      ["{{ env_var('NOPE') }}", "Env var required but not provided: 'NOPE'"],
      ["{{ no_such_macro() }}", "'no_such_macro' is undefined"],
    ] as const) {
      const r = render(sql)
      expect(r.sql).toBeUndefined()
      expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-E306"])
      expect(r.diagnostics[0]?.message).toContain(text)
    }
  })

  it("reports template syntax errors as E305 with the line of the broken tag", () => {
    const r = render("select 1\nfrom {{ ref('a' }}\n")
    expect(r.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([["FLOE-E305", "models/me.sql", 2, 6]])
  })

  it("defines {% test %} blocks as test_<name> macros and renders the built-in generic tests", () => {
    const renderer = Jinja.makeRenderer(
      project(
        "{% test is_positive(model, column_name) %}select * from {{ model }} where {{ column_name }} < 0{% endtest %}",
      ),
      resolver,
    )
    const test = (macro: string, kwargs: Record<string, unknown>, config: Record<string, unknown> = {}) =>
      renderTest(renderer, macro, kwargs, config)
    expect(test("test_is_positive", { column_name: "amount" }).sql).toBe(
      'select * from "db"."main"."orders" where amount < 0',
    )
    const nn = test("test_not_null", { column_name: "id" }, { where: "id > 5" })
    expect(nn.sql?.replace(/\s+/g, " ").trim()).toBe(
      'select id from (select * from "db"."main"."orders" where id > 5) dbt_subquery where id is null',
    )
    expect(nn.refs).toEqual([{ name: "orders", package: null, version: null }])
    const av = test("test_accepted_values", { column_name: "s", values: ["a", "b"] })
    expect(av.sql).toContain("not in (\n    'a','b'\n)")
    const rel = test("test_relationships", { column_name: "c", to: "ref('customers')", field: "id" })
    expect(rel.sql).toContain('from "db"."main"."customers"')
    expect(rel.refs.map((r) => r.name)).toEqual(["orders", "customers"])
  })

  it("uses a project's own get_where_subquery and test macros instead of the built-in ones", () => {
    const renderer = Jinja.makeRenderer(
      project(
        "{% macro get_where_subquery(relation) %}(select * from {{ relation }} where not deleted) live{% endmacro %}\n" +
          "{% macro test_unique(model, column_name) %}select {{ column_name }} from {{ model }} -- own{% endmacro %}",
      ),
      resolver,
    )
    const test = (macro: string) => renderTest(renderer, macro, { column_name: "id" })
    expect(test("test_not_null").sql?.replace(/\s+/g, " ").trim()).toBe(
      'select id from (select * from "db"."main"."orders" where not deleted) live where id is null',
    )
    expect(test("test_unique").sql).toBe(
      'select id from (select * from "db"."main"."orders" where not deleted) live -- own',
    )
  })
})
