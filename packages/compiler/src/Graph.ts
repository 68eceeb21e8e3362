/**
 * The DAG of a dbt project: every model, seed and singular test rendered twice as dbt does (a parse pass that
 * records ref/source/config, then a compile pass with resolved relations), dependencies from ref() and source(),
 * cycle detection, undefined refs and sources with "did you mean", and ephemeral models injected as CTEs.
 */
import type { Diagnostic as D } from "@floe/spec"
import { Effect } from "effect"
import { make } from "./internal/codes.ts"
import { fromProjectTree, mergeConfig } from "./internal/config.ts"
import { closest } from "./internal/suggest.ts"
import {
  defaultTarget,
  makeRenderer,
  type RelationInfo,
  type RenderOptions,
  renderRelation,
  type Target,
} from "./Jinja.ts"
import type { DbtProject, SqlFile } from "./Project.ts"

type Diagnostic = D.Diagnostic

export type ResourceType = "model" | "seed" | "test"

/** One compiled node of the DAG. */
export interface Node {
  readonly uniqueId: string
  readonly resourceType: ResourceType
  readonly name: string
  readonly fqn: ReadonlyArray<string>
  readonly originalFilePath: string
  readonly config: Readonly<Record<string, unknown>>
  readonly database: string
  readonly schema: string
  readonly alias: string
  /** `"db"."schema"."alias"`; undefined for ephemeral models and tests. */
  readonly relationName: string | undefined
  readonly rawCode: string
  /** The SQL with relations resolved and ephemeral CTEs injected; undefined when rendering failed. */
  readonly compiledCode: string | undefined
  readonly refs: ReadonlyArray<{
    readonly name: string
    readonly package: string | null
    readonly version: string | null
  }>
  readonly sources: ReadonlyArray<readonly [string, string]>
  /** unique_ids of the nodes and sources this node depends on, sorted. */
  readonly dependsOn: ReadonlyArray<string>
  readonly macros: ReadonlyArray<string>
  readonly extraCtes: ReadonlyArray<{ readonly id: string; readonly sql: string }>
}

export interface Graph {
  readonly nodes: ReadonlyMap<string, Node>
  /** unique_id → sorted parents (nodes and sources). */
  readonly parents: ReadonlyMap<string, ReadonlyArray<string>>
  /** unique_id → sorted children; every node and source has an entry. */
  readonly children: ReadonlyMap<string, ReadonlyArray<string>>
  /** Models, seeds and tests in an order where every node comes after its parents (cycles left out). */
  readonly order: ReadonlyArray<string>
}

export interface BuildResult {
  readonly graph: Graph
  readonly diagnostics: ReadonlyArray<Diagnostic>
}

const customSchema = (target: Target, custom: unknown): string =>
  typeof custom === "string" && custom !== "" ? `${target.schema}_${custom.trim()}` : target.schema

/** Where `needle` first occurs in a file, as a 1-based line and column (line 1 when it is not found). */
const find = (text: string, needle: RegExp): { line: number; column: number } => {
  const m = needle.exec(text)
  if (m === null) return { line: 1, column: 1 }
  const before = text.slice(0, m.index)
  return { line: before.split("\n").length, column: m.index - before.lastIndexOf("\n") }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Injects CTEs the way dbt does: at the front of the first WITH, or in a new WITH before the query. */
export const injectCtes = (sql: string, ctes: ReadonlyArray<{ readonly id: string; readonly sql: string }>): string => {
  if (ctes.length === 0) return sql
  const names = (id: string) => `__dbt__cte__${id.split(".").pop() ?? id}`
  const block = ctes.map((c) => `${names(c.id)} as (\n${c.sql}\n)`).join(", ")
  const m = /^(\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*)with\b/i.exec(sql)
  if (m !== null) {
    const at = m[0].length
    return `${sql.slice(0, at)} ${block},${sql.slice(at)}`
  }
  const lead = /^(\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*)/.exec(sql)?.[0] ?? ""
  return `${lead}with ${block}\n${sql.slice(lead.length)}`
}

interface Pending {
  readonly uniqueId: string
  readonly resourceType: "model" | "test"
  readonly file: SqlFile
  readonly baseConfig: Record<string, unknown>
}

/**
 * Builds the DAG of a loaded project. Never fails: template errors (E305/E306), undefined refs (E301) and sources
 * (E303) and cycles (E302) are diagnostics, and the nodes they concern have no compiled code.
 */
export const build = (project: DbtProject, options: RenderOptions = {}): Effect.Effect<BuildResult> =>
  Effect.sync(() => buildSync(project, options))

const buildSync = (project: DbtProject, options: RenderOptions): BuildResult => {
  const diagnostics: Array<Diagnostic> = []
  const target: Target = { ...defaultTarget, ...options.target }
  const display = (rel: string) => `${project.root}/${rel}`

  // Relations are known only after the parse pass, so the resolver reads this table, filled in between passes.
  const relations = new Map<string, RelationInfo>()
  const byName = new Map<string, string>()
  const renderer = makeRenderer(
    project,
    {
      ref: (name, pkg) => {
        if (pkg !== undefined && pkg !== project.name) return undefined
        const id = byName.get(name)
        return id === undefined ? undefined : relations.get(id)
      },
      source: (s, t) => relations.get(`source.${project.name}.${s}.${t}`),
    },
    options,
  )
  diagnostics.push(...renderer.diagnostics)

  for (const src of project.sources) {
    const database = src.database ?? target.database
    relations.set(src.uniqueId, {
      database,
      schema: src.schema,
      identifier: src.identifier,
      rendered: renderRelation(database, src.schema, src.identifier),
    })
  }

  const pending: Array<Pending> = []
  for (const m of project.models) {
    const props = project.properties.get(m.name)
    const baseConfig = mergeConfig(
      mergeConfig({ materialized: "view" }, fromProjectTree(project.modelsConfig, m.fqn)),
      props?.config ?? {},
    )
    const uniqueId = `model.${project.name}.${m.name}`
    byName.set(m.name, uniqueId)
    pending.push({ uniqueId, resourceType: "model", file: m, baseConfig })
  }
  for (const t of project.singularTests) {
    pending.push({
      uniqueId: `test.${project.name}.${t.name}`,
      resourceType: "test",
      file: t,
      baseConfig: mergeConfig(
        { materialized: "test", severity: "ERROR", schema: "dbt_test__audit" },
        fromProjectTree(project.testsConfig, t.fqn),
      ),
    })
  }

  const nodes = new Map<string, Node>()
  const mutable = new Map<string, { -readonly [K in keyof Node]: Node[K] }>()

  for (const s of project.seeds) {
    const props = project.properties.get(s.name)
    const config = mergeConfig(
      mergeConfig({ materialized: "seed", quote_columns: true }, fromProjectTree(project.seedsConfig, s.fqn)),
      props?.config ?? {},
    )
    const uniqueId = `seed.${project.name}.${s.name}`
    byName.set(s.name, uniqueId)
    const database = typeof config["database"] === "string" ? config["database"] : target.database
    const schema = customSchema(target, config["schema"])
    const alias = typeof config["alias"] === "string" ? config["alias"] : s.name
    const rendered = renderRelation(database, schema, alias)
    relations.set(uniqueId, { database, schema, identifier: alias, rendered })
    mutable.set(uniqueId, {
      uniqueId,
      resourceType: "seed",
      name: s.name,
      fqn: s.fqn,
      originalFilePath: s.originalFilePath,
      config,
      database,
      schema,
      alias,
      relationName: rendered,
      rawCode: "",
      compiledCode: undefined,
      refs: [],
      sources: [],
      dependsOn: [],
      macros: [],
      extraCtes: [],
    })
  }

  // Pass 1 (execute = false): config() calls, refs and sources.
  for (const p of pending) {
    const r = renderer.render({
      name: p.file.name,
      resourceType: p.resourceType,
      file: display(p.file.originalFilePath),
      rawCode: p.file.rawCode,
      this: undefined,
      config: p.baseConfig,
      execute: false,
    })
    diagnostics.push(...r.diagnostics)
    const config = mergeConfig(p.baseConfig, r.config)
    const database = typeof config["database"] === "string" ? config["database"] : target.database
    const schema =
      p.resourceType === "test"
        ? `${target.schema}_${String(config["schema"])}`
        : customSchema(target, config["schema"])
    const alias = typeof config["alias"] === "string" ? config["alias"] : p.file.name
    const ephemeral = config["materialized"] === "ephemeral"
    const rendered = renderRelation(database, schema, alias)
    if (p.resourceType === "model") {
      relations.set(p.uniqueId, {
        database,
        schema,
        identifier: alias,
        rendered: ephemeral ? `__dbt__cte__${p.file.name}` : rendered,
      })
    }
    const dependsOn = new Set<string>()
    for (const ref of r.refs) {
      const id = ref.package !== null && ref.package !== project.name ? undefined : byName.get(ref.name)
      if (id !== undefined) {
        dependsOn.add(id)
        continue
      }
      const suggestion = closest(ref.name, byName.keys())
      const at = find(p.file.rawCode, new RegExp(`ref\\s*\\([^)]*['"]${escapeRe(ref.name)}['"]`))
      diagnostics.push(
        make(
          "FLOE-E301",
          `${p.file.name} refers to ${ref.package === null ? "" : `${ref.package}.`}${ref.name}, which is not a model or seed in this project${suggestion === undefined ? "" : `; did you mean ${suggestion}?`}`,
          { file: display(p.file.originalFilePath), ...at },
          suggestion === undefined ? undefined : `Change ref('${ref.name}') to ref('${suggestion}').`,
        ),
      )
    }
    for (const [s, t] of r.sources) {
      const id = `source.${project.name}.${s}.${t}`
      if (relations.has(id)) {
        dependsOn.add(id)
        continue
      }
      const known = project.sources.map((x) => `${x.sourceName}.${x.name}`)
      const suggestion = closest(`${s}.${t}`, known)
      const at = find(p.file.rawCode, new RegExp(`source\\s*\\([^)]*['"]${escapeRe(t)}['"]`))
      diagnostics.push(
        make(
          "FLOE-E303",
          `${p.file.name} reads source ${s}.${t}, which no properties file declares${suggestion === undefined ? "" : `; did you mean ${suggestion}?`}`,
          { file: display(p.file.originalFilePath), ...at },
        ),
      )
    }
    mutable.set(p.uniqueId, {
      uniqueId: p.uniqueId,
      resourceType: p.resourceType,
      name: p.file.name,
      fqn: p.file.fqn,
      originalFilePath: p.file.originalFilePath,
      config,
      database,
      schema,
      alias,
      relationName: p.resourceType === "test" || ephemeral ? undefined : rendered,
      rawCode: p.file.rawCode,
      compiledCode: undefined,
      refs: r.refs,
      sources: r.sources,
      dependsOn: [...dependsOn].sort(),
      macros: r.macros,
      extraCtes: [],
    })
  }

  // Cycles: depth-first search; each cycle is reported once, at the node where it closes.
  const state = new Map<string, "visiting" | "done">()
  const inCycle = new Set<string>()
  const order: Array<string> = []
  const visit = (id: string, stack: Array<string>): void => {
    const s = state.get(id)
    if (s === "done") return
    if (s === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(id)), id]
      for (const c of cycle) inCycle.add(c)
      const first = mutable.get(id)
      const names = cycle.map((c) => mutable.get(c)?.name ?? c)
      diagnostics.push(
        make("FLOE-E302", `models form a cycle: ${names.join(" → ")}`, {
          file: first === undefined ? undefined : display(first.originalFilePath),
          line: 1,
          column: 1,
        }),
      )
      return
    }
    state.set(id, "visiting")
    for (const parent of mutable.get(id)?.dependsOn ?? []) if (mutable.has(parent)) visit(parent, [...stack, id])
    state.set(id, "done")
    if (!inCycle.has(id)) order.push(id)
  }
  for (const id of [...mutable.keys()].sort()) visit(id, [])

  const ownSql = new Map<string, string>()
  // Pass 2 (execute = true), parents first so ephemeral CTEs are compiled before their users.
  for (const id of order) {
    const n = mutable.get(id)
    const p = pending.find((x) => x.uniqueId === id)
    if (n === undefined || p === undefined) continue
    const r = renderer.render({
      name: n.name,
      resourceType: p.resourceType,
      file: display(n.originalFilePath),
      rawCode: n.rawCode,
      this:
        n.relationName === undefined
          ? undefined
          : { database: n.database, schema: n.schema, identifier: n.alias, rendered: n.relationName },
      config: n.config,
      execute: true,
    })
    if (r.sql === undefined) continue
    const ctes: Array<{ id: string; sql: string }> = []
    const seen = new Set<string>()
    const collect = (parentIds: ReadonlyArray<string>) => {
      for (const parentId of parentIds) {
        const parent = mutable.get(parentId)
        if (parent === undefined || parent.config["materialized"] !== "ephemeral" || seen.has(parentId)) continue
        seen.add(parentId)
        collect(parent.dependsOn)
        // Each ephemeral model is injected once, with its own SQL: its ephemeral parents are injected beside it.
        const sql = ownSql.get(parentId)
        if (sql !== undefined) ctes.push({ id: parentId, sql })
      }
    }
    collect(n.dependsOn)
    n.extraCtes = ctes
    n.compiledCode = injectCtes(r.sql, ctes)
    ownSql.set(id, r.sql)
  }

  for (const [id, n] of mutable) nodes.set(id, n)
  const parents = new Map<string, ReadonlyArray<string>>()
  const children = new Map<string, Array<string>>()
  for (const src of project.sources) {
    parents.set(src.uniqueId, [])
    children.set(src.uniqueId, [])
  }
  for (const [id, n] of nodes) {
    parents.set(id, n.dependsOn)
    if (!children.has(id)) children.set(id, [])
  }
  for (const [id, n] of nodes) for (const parent of n.dependsOn) children.get(parent)?.push(id)
  for (const list of children.values()) list.sort()

  return { graph: { nodes, parents, children, order }, diagnostics }
}
