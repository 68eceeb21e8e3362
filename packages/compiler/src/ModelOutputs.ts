/**
 * What the contracts package needs to know about the models that serve output ports, read off a compile: each
 * model's output columns as the engine typed them (from the compile-time binding), descriptions and
 * `meta.classification` from its properties YAML, and which columns not_null / unique tests cover.
 */
import type { Models } from "@floe/contracts"
import type { CompileResult } from "./Compiler.ts"
import type { Node } from "./Graph.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * The models of a compile in the shape `@floe/contracts` reads. Undefined when the compile produced no graph.
 * Each model's entry is built when it is first read (the contracts read the few models behind output ports, not
 * the thousands of a large project).
 */
export const fromCompile = (result: CompileResult): Models.Models | undefined => {
  const { project, graph } = result
  if (project === undefined || graph === undefined) return undefined
  let coveredOnce: Map<string, { not_null: boolean; unique: boolean }> | undefined
  const coverage = () => {
    if (coveredOnce !== undefined) return coveredOnce
    const covered = new Map<string, { not_null: boolean; unique: boolean }>()
    for (const n of graph.nodes.values()) {
      const t = n.test
      if (t === undefined || t.attachedNode === null || t.columnName === null) continue
      const key = `${t.attachedNode}\u0000${t.columnName.toLowerCase()}`
      const flags = covered.get(key) ?? { not_null: false, unique: false }
      if (t.metadata.name === "not_null") flags.not_null = true
      if (t.metadata.name === "unique") flags.unique = true
      covered.set(key, flags)
    }
    coveredOnce = covered
    return covered
  }
  const models: Record<string, Mutable<Models.ModelOutput>> = {}
  for (const n of graph.nodes.values()) {
    if (n.resourceType !== "model") continue
    let built: Mutable<Models.ModelOutput> | undefined
    Object.defineProperty(models, n.name, {
      enumerable: true,
      configurable: true,
      get: () => {
        built ??= outputOf(n)
        return built
      },
      set: (value: Mutable<Models.ModelOutput>) => {
        built = value
      },
    })
  }
  const outputOf = (n: Node): Mutable<Models.ModelOutput> => {
    const covered = coverage()
    const props = project.properties.get(n.name)
    const described = new Map((props?.columns ?? []).map((c) => [c.name.toLowerCase(), c]))
    const engine = result.columns.get(n.uniqueId)
    // Without a binding, the declared columns are all that is known.
    const names = engine ?? (props?.columns ?? []).map((c) => ({ name: c.name, type: c.dataType ?? "" }))
    return {
      ...(props?.description ? { description: props.description } : {}),
      columns: names.map((c) => {
        const p = described.get(c.name.toLowerCase())
        const flags = covered.get(`${n.uniqueId}\u0000${c.name.toLowerCase()}`)
        const classification = p?.meta["classification"]
        return {
          name: c.name,
          ...(c.type ? { type: c.type } : {}),
          ...(p?.description ? { description: p.description } : {}),
          ...(typeof classification === "string" ? { classification } : {}),
          ...(flags ? { tests: { not_null: flags.not_null, unique: flags.unique } } : {}),
        }
      }),
    }
  }
  return models
}
