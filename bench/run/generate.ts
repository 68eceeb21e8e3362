// Synthetic dbt projects for the run benchmark.
//   transforms(dir, n): n models in four layers over generated source tables — src_* tables (rows from range()),
//     stg_* views on them, int_* views and tables joining 1–3 staging models, mart_* tables aggregating 1–3
//     intermediate models — plus a few seeds. Deterministic for a given n and seed.
//   tested(dir, tables, rows, tests): `tables` wide tables of `rows` rows and `tests` generic tests over them in
//     the mix a real project has (mostly not_null, then unique, accepted_values, relationships), some failing,
//     some with severity warn or thresholds.
// Run alone: node bench/run/generate.ts transforms|tests <outDir>
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const prng = (seed: number) => {
  let a = seed >>> 0
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const write = (dir: string, rel: string, text: string) => {
  mkdirSync(join(dir, rel, ".."), { recursive: true })
  writeFileSync(join(dir, rel), text)
}

const project = (dir: string, name: string) => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  write(dir, "dbt_project.yml", `name: ${name}\nversion: '1.0.0'\nprofile: ${name}\n`)
}

export interface TransformsShape {
  readonly models: number
  readonly seeds: number
  readonly views: number
  readonly tables: number
}

/** A layered project of `n` models (views and tables) over generated source tables and seeds. */
export const transforms = (dir: string, n = 500, sourceRows = 20_000, seed = 7): TransformsShape => {
  const rnd = prng(seed)
  const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(rnd() * xs.length)] as T
  project(dir, "bench_run")
  const seeds = 5
  for (let s = 0; s < seeds; s++) {
    const rows = Array.from({ length: 200 }, (_, i) => `${i},region_${i % 10},${(i * 7) % 13}`)
    write(dir, `seeds/ref_${s}.csv`, `code,region,weight\n${rows.join("\n")}\n`)
  }
  const nSrc = Math.max(2, Math.round(n * 0.04))
  const nStg = Math.max(2, Math.round(n * 0.2))
  const nInt = Math.max(2, Math.round(n * 0.36))
  const nMart = n - nSrc - nStg - nInt
  let views = 0
  let tables = 0
  const model = (layer: string, name: string, sql: string, materialized: "view" | "table") => {
    if (materialized === "view") views++
    else tables++
    write(dir, `models/${layer}/${name}.sql`, `{{ config(materialized='${materialized}') }}\n${sql}\n`)
  }
  const src = Array.from({ length: nSrc }, (_, i) => `src_${i}`)
  for (const [i, name] of src.entries()) {
    model(
      "sources",
      name,
      [
        "select i as id, i % 997 as customer_id, i % 200 as code,",
        `  (i * ${i + 3}) % 1000 / 10.0 as amount, date '2024-01-01' + (i % 365)::int as day,`,
        "  case i % 4 when 0 then 'placed' when 1 then 'shipped' when 2 then 'returned' else 'open' end as status",
        `from range(${sourceRows}) t(i)`,
      ].join("\n"),
      "table",
    )
  }
  const stg = Array.from({ length: nStg }, (_, i) => `stg_${i}`)
  for (const [i, name] of stg.entries()) {
    model(
      "staging",
      name,
      [
        "select s.id, s.customer_id, s.amount, s.day, s.status, r.region, r.weight",
        `from {{ ref('${src[i % src.length]}') }} s`,
        `left join {{ ref('ref_${i % seeds}') }} r on r.code = s.code`,
        `where s.id % ${2 + (i % 5)} = 0`,
      ].join("\n"),
      "view",
    )
  }
  const int = Array.from({ length: nInt }, (_, i) => `int_${i}`)
  for (const name of int) {
    const parents = [pick(stg), pick(stg), pick(stg)].slice(0, 1 + Math.floor(rnd() * 3))
    const [first, ...rest] = [...new Set(parents)]
    const joins = rest.map((p, j) => `left join {{ ref('${p}') }} p${j} on p${j}.id = a.id`).join("\n")
    const extra = rest.map((_, j) => `, coalesce(p${j}.amount, 0) as amount_${j}`).join("")
    model(
      "intermediate",
      name,
      [`select a.id, a.customer_id, a.region, a.day, a.amount${extra}`, `from {{ ref('${first}') }} a`, joins].join(
        "\n",
      ),
      rnd() < 0.5 ? "view" : "table",
    )
  }
  for (let i = 0; i < nMart; i++) {
    const parents = [...new Set([pick(int), pick(int), pick(int)].slice(0, 1 + Math.floor(rnd() * 3)))]
    const union = parents.map((p) => `select customer_id, region, amount from {{ ref('${p}') }}`).join("\nunion all\n")
    model(
      "marts",
      `mart_${i}`,
      [
        "select customer_id, region, count(*) as orders, sum(amount) as revenue, avg(amount) as average",
        `from (\n${union}\n) u`,
        "group by 1, 2",
      ].join("\n"),
      rnd() < 0.8 ? "table" : "view",
    )
  }
  return { models: n, seeds, views, tables }
}

export interface TestedShape {
  readonly tables: number
  readonly rows: number
  readonly tests: number
  readonly byKind: Readonly<Record<string, number>>
}

/**
 * `tables` tables of `rows` rows and 40 columns each, and `tests` generic tests spread over them: per table, a
 * not_null on most columns, unique on the key columns, accepted_values on the categorical ones, relationships to a
 * dimension. Roughly one test in ten fails; some have severity warn or warn_if / error_if thresholds.
 */
export const tested = (dir: string, tables = 25, rows = 100_000, tests = 1000): TestedShape => {
  project(dir, "bench_tests")
  const perTable = Math.ceil(tests / tables)
  const byKind: Record<string, number> = {}
  let total = 0
  write(
    dir,
    "models/dim_customers.sql",
    `{{ config(materialized='table') }}\nselect i as customer_id, 'c' || i as name from range(${Math.floor(rows / 10)}) t(i)`,
  )
  const yml: Array<string> = ["version: 2", "models:"]
  for (let t = 0; t < tables && total < tests; t++) {
    const name = `fact_${t}`
    const cols: Array<{ name: string; sql: string; tests: Array<string> }> = []
    const add = (col: string, sql: string, ts: Array<string>) => cols.push({ name: col, sql, tests: ts })
    add("id", "i", ["unique", "not_null"])
    add("order_key", `i * 7 + ${t}`, ["unique", "not_null"])
    add("dup_key", `i % ${rows - 10}`, ["{unique: {config: {severity: warn}}}"])
    add("customer_id", `(i * 13) % ${Math.floor(rows / 10) + (t % 3 === 0 ? 5 : 0)}`, [
      "not_null",
      "{relationships: {to: \"ref('dim_customers')\", field: customer_id}}",
    ])
    for (let k = 0; k < 6; k++) {
      add(
        `status_${k}`,
        `case (i + ${k}) % ${4 + (k % 3)} when 0 then 'placed' when 1 then 'shipped' when 2 then 'returned' when 3 then 'open' else 'lost' end`,
        [
          `{accepted_values: {values: [placed, shipped, returned, open${k % 3 === 0 || k === 5 ? "" : ", lost"}]}}`,
          "not_null",
        ],
      )
    }
    for (let k = 0; k < 28; k++) {
      const nulls = k % 7 === 0 ? `case when i % ${1000 + k} = 0 then null else i * ${k + 1} end` : `i * ${k + 1}`
      const config = k % 9 === 0 ? "{not_null: {config: {warn_if: '>10', error_if: '>1000'}}}" : "not_null"
      add(`m_${k}`, nulls, [config])
    }
    const kept: Array<{ name: string; sql: string; tests: Array<string> }> = []
    for (const c of cols) {
      const room = Math.min(perTable, tests - total) - kept.reduce((a, k) => a + k.tests.length, 0)
      if (room <= 0) {
        kept.push({ ...c, tests: [] })
        continue
      }
      kept.push({ ...c, tests: c.tests.slice(0, room) })
    }
    for (const c of kept)
      for (const x of c.tests) {
        const kind = /not_null|unique|accepted_values|relationships/.exec(x)?.[0] ?? "other"
        byKind[kind] = (byKind[kind] ?? 0) + 1
        total++
      }
    write(
      dir,
      `models/${name}.sql`,
      `{{ config(materialized='table') }}\nselect\n${kept.map((c) => `  ${c.sql} as ${c.name}`).join(",\n")}\nfrom range(${rows}) t(i)`,
    )
    yml.push(`  - name: ${name}`, "    columns:")
    for (const c of kept) {
      if (c.tests.length === 0) continue
      yml.push(`      - name: ${c.name}`, "        tests:", ...c.tests.map((x) => `          - ${x}`))
    }
  }
  write(dir, "models/schema.yml", `${yml.join("\n")}\n`)
  return { tables, rows, tests: total, byKind }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [what, out] = process.argv.slice(2)
  if (out === undefined) throw new Error("usage: node bench/run/generate.ts transforms|tests <outDir>")
  console.log(what === "tests" ? tested(out) : transforms(out))
}
