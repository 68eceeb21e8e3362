/**
 * Rendering one compiled node again at run time, when what it renders depends on the warehouse: dbt renders
 * `is_incremental()` as true only when the model's table already exists, so an incremental model's SQL is known
 * only just before it runs. Relations resolve exactly as the compile did, from the graph.
 */
import type { Diagnostic } from "@floe/spec"
import { type Graph, injectCtes, type Node } from "./Graph.ts"
import { defaultTarget, makeRenderer, type RelationInfo, type RenderOptions, renderRelation } from "./Jinja.ts"
import type { DbtProject } from "./Project.ts"

export interface Rerendered {
  /** The node's SQL with `is_incremental()` as given and ephemeral CTEs injected; undefined when rendering failed. */
  readonly sql: string | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

const relationOf = (n: Node): RelationInfo => ({
  database: n.database,
  schema: n.schema,
  identifier: n.alias,
  rendered:
    n.config["materialized"] === "ephemeral" ? `__dbt__cte__${n.name}` : renderRelation(n.database, n.schema, n.alias),
})

/**
 * Prepares a renderer for the nodes of `graph` (built from `project` with the same options). The returned function
 * renders one model with `is_incremental()` set as the caller decided. Never throws.
 */
export const make = (project: DbtProject, graph: Graph, options: RenderOptions = {}) => {
  const byName = new Map<string, Node>()
  for (const n of graph.nodes.values()) if (n.resourceType !== "test") byName.set(n.name, n)
  const sources = new Map(
    project.sources.map((s) => [
      `${s.sourceName}.${s.name}`,
      { database: s.database, schema: s.schema, identifier: s.identifier },
    ]),
  )
  const renderer = makeRenderer(
    project,
    {
      ref: (name, pkg) => {
        if (pkg !== undefined && pkg !== project.name) return undefined
        const n = byName.get(name)
        return n === undefined ? undefined : relationOf(n)
      },
      source: (s, t) => {
        const src = sources.get(`${s}.${t}`)
        if (src === undefined) return undefined
        const database = src.database ?? options.target?.database ?? defaultTarget.database
        return {
          database,
          schema: src.schema,
          identifier: src.identifier,
          rendered: renderRelation(database, src.schema, src.identifier),
        }
      },
    },
    options,
  )
  return (uniqueId: string, isIncremental: boolean): Rerendered => {
    const n = graph.nodes.get(uniqueId)
    if (n === undefined) return { sql: undefined, diagnostics: [] }
    const r = renderer.render({
      name: n.name,
      resourceType: n.resourceType === "test" ? "test" : "model",
      file: `${project.root}/${n.originalFilePath}`,
      rawCode: n.rawCode,
      this: relationOf(n),
      config: n.config,
      execute: true,
      isIncremental,
    })
    return { sql: r.sql === undefined ? undefined : injectCtes(r.sql, n.extraCtes), diagnostics: r.diagnostics }
  }
}
