// Synthetic projects for the compile benchmark: one seeded graph of N models in bronze/silver/gold layers, written
// twice — as a dbt project (what `floe compile` reads) and as the same graph in Dataform 3's SQLX form.
// Run alone: node bench/compile/generate.ts <N> <outDir> [seed]  → <outDir>/dbt and <outDir>/dataform
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** mulberry32: a small seeded PRNG, so the same N and seed always give the same project. */
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

type Layer = "bronze" | "silver" | "gold"

interface Column {
  readonly name: string
  readonly dataType: string
}

interface SourceTable {
  readonly source: string
  readonly name: string
  readonly columns: ReadonlyArray<Column>
}

interface Model {
  readonly name: string
  readonly layer: Layer
  /** Bronze only: the source table it reads. */
  readonly source: SourceTable | undefined
  /** Silver and gold: the 1–3 upstream models it joins, the first one driving. */
  readonly parents: ReadonlyArray<Model>
  /** Output columns; `id` first. */
  readonly columns: ReadonlyArray<string>
}

export interface Graph {
  readonly n: number
  readonly sources: ReadonlyArray<SourceTable>
  readonly models: ReadonlyArray<Model>
}

const SYSTEMS = ["crm", "erp", "billing", "web", "support", "hr", "ads", "inventory"] as const
const TYPES = ["bigint", "varchar", "varchar", "double", "date", "timestamp", "boolean", "decimal(18,2)"] as const
const WORDS = ["amount", "status", "region", "channel", "created_at", "score", "email", "plan", "country", "qty"]

/** The graph: 40% bronze (one source table each), 35% silver, 25% gold; every model keyed by `id`. */
export const makeGraph = (n: number, seed = 42): Graph => {
  const rand = prng(seed)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(rand() * xs.length)] as A
  const width = Math.max(5, String(n).length)
  const id = (i: number) => String(i).padStart(width, "0")
  const nBronze = Math.max(1, Math.round(n * 0.4))
  const nSilver = Math.max(1, Math.round(n * 0.35))
  const nGold = Math.max(0, n - nBronze - nSilver)

  const sources: Array<SourceTable> = []
  const bronze: Array<Model> = []
  for (let i = 1; i <= nBronze; i++) {
    const system = SYSTEMS[i % SYSTEMS.length] as string
    const extra = 2 + Math.floor(rand() * 5)
    const cols: Array<Column> = [{ name: "id", dataType: "bigint" }]
    for (let c = 0; c < extra; c++) cols.push({ name: `${pick(WORDS)}_${c}`, dataType: pick(TYPES) })
    const table: SourceTable = { source: `raw_${system}`, name: `${system}_${id(i)}`, columns: cols }
    sources.push(table)
    bronze.push({
      name: `bronze_${id(i)}`,
      layer: "bronze",
      source: table,
      parents: [],
      columns: cols.map((c) => c.name),
    })
  }
  const derive = (layer: Layer, i: number, pool: ReadonlyArray<Model>): Model => {
    const k = 1 + Math.floor(rand() * 3)
    const parents: Array<Model> = []
    while (parents.length < Math.min(k, pool.length)) {
      const p = pick(pool)
      if (!parents.includes(p)) parents.push(p)
    }
    const columns = ["id", ...parents.flatMap((p, j) => p.columns.slice(1, 3).map((c) => `${c}_p${j}`))]
    return { name: `${layer}_${id(i)}`, layer, source: undefined, parents, columns }
  }
  const silver: Array<Model> = []
  for (let i = 1; i <= nSilver; i++) silver.push(derive("silver", i, bronze))
  const gold: Array<Model> = []
  // gold reads silver, and now and then a bronze model directly ("the previous layer(s)")
  const goldPool = [...silver, ...silver, ...silver, ...bronze.slice(0, Math.ceil(nBronze / 10))]
  for (let i = 1; i <= nGold; i++) gold.push(derive("gold", i, goldPool))
  return { n, sources, models: [...bronze, ...silver, ...gold] }
}

/** The SELECT shared by both forms; `refOf` writes the reference in the target dialect. */
const selectSql = (m: Model, refOf: (m: Model) => string, sourceRef: (t: SourceTable) => string): string => {
  if (m.source !== undefined) {
    const cols = m.source.columns.map((c) => `    ${c.name}`).join(",\n")
    return `select\n${cols}\nfrom ${sourceRef(m.source)}\nwhere id is not null\n`
  }
  const alias = (j: number) => `p${j}`
  const cols = m.parents.flatMap((p, j) => p.columns.slice(1, 3).map((c) => `    ${alias(j)}.${c} as ${c}_p${j}`))
  const from = m.parents
    .map((p, j) =>
      j === 0 ? `from ${refOf(p)} as ${alias(j)}` : `left join ${refOf(p)} as ${alias(j)} on ${alias(j)}.id = p0.id`,
    )
    .join("\n")
  return `select\n    p0.id${cols.length > 0 ? `,\n${cols.join(",\n")}` : ""}\n${from}\n`
}

const write = (file: string, text: string) => {
  writeFileSync(file, text)
}

const MODELS_PER_YAML = 100

/** dbt form: dbt_project.yml, floe.yaml, models/<layer>/<name>.sql, one properties YAML per 100 models, sources YAML. */
export const writeDbt = (g: Graph, dir: string): void => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  write(
    join(dir, "dbt_project.yml"),
    `name: bench
version: "1.0.0"
config-version: 2
profile: bench

model-paths: ["models"]

models:
  bench:
    bronze:
      +materialized: view
      +schema: bronze
    silver:
      +materialized: table
      +schema: silver
    gold:
      +materialized: table
      +schema: gold
`,
  )
  // `floe compile` reads the product first; its dbt transform points at the project above.
  const last = g.models[g.models.length - 1]?.name
  write(
    join(dir, "floe.yaml"),
    `apiVersion: floe.dev/v1
kind: DataProduct
metadata: {name: bench, version: "1.0.0", owner: data-team@example.com, domain: bench, repository: github.com/acme/bench}
transforms: [{type: dbt, path: models/}]
schedule: {cron: "0 6 * * *", timezone: UTC}
output_ports: [{name: gold, model: ${last}, table: gold.bench.${last}, sla: {freshness: "6h", availability: "99.9%"}}]
`,
  )
  for (const layer of ["bronze", "silver", "gold"] as const) mkdirSync(join(dir, "models", layer), { recursive: true })
  const bySystem = new Map<string, Array<SourceTable>>()
  for (const t of g.sources) {
    const list = bySystem.get(t.source) ?? []
    list.push(t)
    bySystem.set(t.source, list)
  }
  let sources = "version: 2\n\nsources:\n"
  for (const [source, tables] of bySystem) {
    sources += `  - name: ${source}\n    schema: ${source}\n    tables:\n`
    for (const t of tables) {
      sources += `      - name: ${t.name}\n        columns:\n`
      for (const c of t.columns) sources += `          - name: ${c.name}\n            data_type: ${c.dataType}\n`
    }
  }
  write(join(dir, "models", "bronze", "_sources.yml"), sources)
  const refOf = (m: Model) => `{{ ref('${m.name}') }}`
  const sourceRef = (t: SourceTable) => `{{ source('${t.source}', '${t.name}') }}`
  const chunks = new Map<string, Array<Model>>()
  for (const m of g.models) {
    write(join(dir, "models", m.layer, `${m.name}.sql`), selectSql(m, refOf, sourceRef))
    const list = chunks.get(m.layer) ?? []
    list.push(m)
    chunks.set(m.layer, list)
  }
  for (const [layer, models] of chunks) {
    for (let i = 0; i < models.length; i += MODELS_PER_YAML) {
      let yaml = "version: 2\n\nmodels:\n"
      for (const m of models.slice(i, i + MODELS_PER_YAML)) {
        yaml += `  - name: ${m.name}\n    columns:\n      - name: id\n        data_tests:\n          - not_null\n          - unique\n`
      }
      const file = `_${layer}__models_${String(i / MODELS_PER_YAML).padStart(3, "0")}.yml`
      write(join(dir, "models", layer, file), yaml)
    }
  }
}

/**
 * Dataform 3 form: workflow_settings.yaml, definitions/<layer>/<name>.sqlx with the two tests as built-in
 * assertions (`nonNull` + `uniqueKey` on id), and one `type: "declaration"` SQLX per source table.
 */
export const writeDataform = (g: Graph, dir: string, coreVersion = "3.0.69"): void => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  write(
    join(dir, "workflow_settings.yaml"),
    `dataformCoreVersion: ${coreVersion}
defaultProject: bench
defaultLocation: US
defaultDataset: dataform
defaultAssertionDataset: dataform_assertions
`,
  )
  for (const d of ["sources", "bronze", "silver", "gold"]) mkdirSync(join(dir, "definitions", d), { recursive: true })
  for (const t of g.sources) {
    write(
      join(dir, "definitions", "sources", `${t.name}.sqlx`),
      `config {\n  type: "declaration",\n  schema: "${t.source}",\n  name: "${t.name}"\n}\n`,
    )
  }
  const refOf = (m: Model) => `\${ref("${m.name}")}`
  const sourceRef = (t: SourceTable) => `\${ref("${t.source}", "${t.name}")}`
  for (const m of g.models) {
    const type = m.layer === "bronze" ? "view" : "table"
    const config = `config {
  type: "${type}",
  schema: "${m.layer}",
  assertions: {
    nonNull: ["id"],
    uniqueKey: ["id"]
  }
}
`
    write(join(dir, "definitions", m.layer, `${m.name}.sqlx`), `${config}\n${selectSql(m, refOf, sourceRef)}`)
  }
}

/** Writes both forms under `dir` (`dir/dbt`, `dir/dataform`) and returns the graph. */
export const generate = (n: number, dir: string, seed = 42): Graph => {
  const g = makeGraph(n, seed)
  writeDbt(g, join(dir, "dbt"))
  writeDataform(g, join(dir, "dataform"))
  return g
}

if (import.meta.main) {
  const n = Number(process.argv[2] ?? 2000)
  const out = process.argv[3]
  if (!Number.isInteger(n) || n < 3 || out === undefined) {
    console.error("usage: node bench/compile/generate.ts <N >= 3> <outDir> [seed]")
    process.exit(2)
  }
  const g = generate(n, out, Number(process.argv[4] ?? 42))
  console.log(`wrote ${g.models.length} models, ${g.sources.length} source tables to ${out}/{dbt,dataform}`)
}
