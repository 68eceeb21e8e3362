/**
 * dbt node selection (`--select` / `--exclude`) over a compiled graph: methods `fqn:` (the default for bare
 * names), `path:`, `tag:`, `source:`, `resource_type:`, `config.<key>:`, `test_type:`; graph operators `+m`,
 * `N+m`, `m+`, `m+N`, `@m`; a space is a union, a comma an intersection. Tests come along with their parents
 * (dbt's eager indirect selection): a test is selected when any of its parents is.
 */
import type { Diagnostic as D } from "@floe/spec"
import type { Graph, Node } from "./Graph.ts"
import { make } from "./internal/codes.ts"
import type { DbtProject } from "./Project.ts"

type Diagnostic = D.Diagnostic

export interface SelectOptions {
  /** Selection specs; each may hold several space-separated selectors. Empty or absent: every node and source. */
  readonly select?: ReadonlyArray<string> | string | undefined
  readonly exclude?: ReadonlyArray<string> | string | undefined
}

export interface SelectResult {
  /** Selected unique_ids (nodes and sources), sorted. */
  readonly selected: ReadonlyArray<string>
  /** E311 for a selector that cannot be parsed or names an unknown method. */
  readonly diagnostics: ReadonlyArray<Diagnostic>
}

/** What selection needs to know about a node or a source. */
interface Member {
  readonly uniqueId: string
  readonly resourceType: string
  readonly name: string
  readonly fqn: ReadonlyArray<string>
  readonly originalFilePath: string
  readonly tags: ReadonlyArray<string>
  readonly config: Readonly<Record<string, unknown>>
  /** For sources: [package, source, table]. */
  readonly source?: readonly [string, string, string]
  readonly node?: Node
}

/** Shell-style wildcard match (`*`, `?`, `[abc]`), as Python's fnmatch. */
const fnmatch = (text: string, pattern: string): boolean => {
  if (!/[*?[]/.test(pattern)) return text === pattern
  let re = "^"
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i)
    if (c === "*") re += ".*"
    else if (c === "?") re += "."
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1)
      if (end === -1) re += "\\["
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, "\\\\")
        re += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`
        i = end
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&")
  }
  return new RegExp(`${re}$`).test(text)
}

/** dbt's is_selected_node: the leaf name, or the selector's dotted parts matching a prefix of the fqn. */
const fqnMatches = (fqn: ReadonlyArray<string>, selector: string): boolean => {
  if (fqn[fqn.length - 1] === selector) return true
  const flat = fqn.flatMap((s) => s.split("."))
  const parts = selector.split(".")
  if (flat.length < parts.length) return false
  for (const [i, part] of parts.entries()) {
    if (part === "*" && i === parts.length - 1) return true
    if (!fnmatch(flat[i] ?? "", part)) return false
  }
  return true
}

const pathMatches = (file: string, selector: string): boolean => {
  const sel = selector.replace(/^\.\//, "").replace(/\/+$/, "")
  if (/[*?[]/.test(sel)) return fnmatch(file, sel) || fnmatch(file, `${sel}/*`)
  return file === sel || file.startsWith(`${sel}/`)
}

const configValue = (config: Readonly<Record<string, unknown>>, path: ReadonlyArray<string>): unknown => {
  let v: unknown = config
  for (const p of path) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined
    v = (v as Record<string, unknown>)[p]
  }
  return v
}

const METHODS = new Set(["fqn", "path", "file", "tag", "source", "resource_type", "test_type", "package"])

type Matcher = (m: Member) => boolean

const matcherOf = (method: string, value: string): Matcher | undefined => {
  if (method.startsWith("config.")) {
    const path = method.slice("config.".length).split(".")
    return (m) => {
      const v = configValue(m.config, path)
      if (Array.isArray(v)) return v.some((x) => fnmatch(String(x), value))
      return v !== undefined && v !== null && fnmatch(String(v), value)
    }
  }
  switch (method) {
    case "fqn":
      return (m) => m.source === undefined && fqnMatches(m.fqn, value)
    case "path":
      return (m) => pathMatches(m.originalFilePath, value)
    case "file":
      return (m) => fnmatch(m.originalFilePath.split("/").pop() ?? "", value) || fnmatch(m.name, value)
    case "tag":
      return (m) => m.tags.some((t) => fnmatch(t, value))
    case "package":
      return (m) => fnmatch(m.fqn[0] ?? "", value)
    case "resource_type":
      return (m) => m.resourceType === value
    case "test_type":
      return (m) =>
        m.resourceType === "test" &&
        (value === "generic" || value === "schema"
          ? m.node?.test !== undefined
          : value === "singular" || value === "data"
            ? m.node?.test === undefined
            : false)
    case "source":
      return (m) => {
        if (m.source === undefined) return false
        const parts = value.split(".")
        // source:s, source:s.t, source:pkg.s.t
        const candidates = parts.length === 3 ? [m.source] : parts.length === 2 ? [m.source.slice(1)] : [[m.source[1]]]
        return candidates.some((c) => c.length === parts.length && c.every((x, i) => fnmatch(x, parts[i] ?? "")))
      }
    default:
      return undefined
  }
}

const SELECTOR = /^(@)?(?:(\d*)\+)?(.+?)(?:\+(\d*))?$/

interface Context {
  readonly members: ReadonlyArray<Member>
  readonly parents: (id: string) => ReadonlyArray<string>
  readonly children: (id: string) => ReadonlyArray<string>
  readonly diagnostics: Array<Diagnostic>
}

const walk = (start: Iterable<string>, next: (id: string) => ReadonlyArray<string>, depth: number): Set<string> => {
  const out = new Set<string>()
  let frontier = [...start]
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const nextFrontier: Array<string> = []
    for (const id of frontier)
      for (const n of next(id))
        if (!out.has(n)) {
          out.add(n)
          nextFrontier.push(n)
        }
    frontier = nextFrontier
  }
  return out
}

const evalAtom = (ctx: Context, atom: string): Set<string> => {
  const m = SELECTOR.exec(atom)
  const body = m?.[3]
  if (m === null || body === undefined) {
    ctx.diagnostics.push(make("FLOE-E311", `cannot read the selector "${atom}"`))
    return new Set()
  }
  const at = m[1] === "@"
  const colon = body.indexOf(":")
  let method = colon === -1 ? "" : body.slice(0, colon)
  const value = colon === -1 ? body : body.slice(colon + 1)
  if (method === "") method = value.includes("/") || value.endsWith(".sql") ? "path" : "fqn"
  if (!METHODS.has(method) && !method.startsWith("config.")) {
    ctx.diagnostics.push(
      make(
        "FLOE-E311",
        `unknown selection method "${method}" in "${atom}"`,
        {},
        "Use one of fqn:, path:, file:, tag:, source:, resource_type:, config.<key>:, test_type:, package:.",
      ),
    )
    return new Set()
  }
  const match = matcherOf(method, value)
  if (match === undefined) return new Set()
  const direct = new Set(ctx.members.filter(match).map((x) => x.uniqueId))
  const out = new Set(direct)
  const infinite = Number.POSITIVE_INFINITY
  if (m[2] !== undefined) for (const id of walk(direct, ctx.parents, m[2] === "" ? infinite : Number(m[2]))) out.add(id)
  if (m[4] !== undefined || at) {
    const descendants = walk(direct, ctx.children, m[4] === undefined || m[4] === "" ? infinite : Number(m[4]))
    for (const id of descendants) out.add(id)
    if (at) for (const id of walk([...direct, ...descendants], ctx.parents, infinite)) out.add(id)
  }
  return out
}

const evalSpecs = (ctx: Context, specs: ReadonlyArray<string>): Set<string> => {
  const union = new Set<string>()
  for (const selector of specs.flatMap((s) => s.split(/\s+/)).filter((s) => s !== "")) {
    let acc: Set<string> | undefined
    for (const atom of selector.split(",").filter((s) => s !== "")) {
      const got = evalAtom(ctx, atom)
      acc = acc === undefined ? got : new Set([...acc].filter((id) => got.has(id)))
    }
    for (const id of acc ?? []) union.add(id)
  }
  return union
}

/** dbt's eager indirect selection: every test with at least one parent in the set joins it. */
const withTests = (ctx: Context, ids: Set<string>): Set<string> => {
  const out = new Set(ids)
  for (const m of ctx.members)
    if (m.resourceType === "test" && ctx.parents(m.uniqueId).some((p) => ids.has(p))) out.add(m.uniqueId)
  return out
}

const asList = (x: ReadonlyArray<string> | string | undefined): ReadonlyArray<string> =>
  x === undefined ? [] : typeof x === "string" ? [x] : x

/**
 * Selects nodes and sources the way `dbt ls --select … --exclude …` does. Never fails: an unreadable selector or
 * an unknown method is an E311 diagnostic and selects nothing.
 */
export const select = (project: DbtProject, graph: Graph, options: SelectOptions = {}): SelectResult => {
  const members: Array<Member> = []
  for (const n of graph.nodes.values()) {
    const tags = n.config["tags"]
    members.push({
      uniqueId: n.uniqueId,
      resourceType: n.resourceType,
      name: n.name,
      fqn: n.fqn,
      originalFilePath: n.originalFilePath,
      tags: Array.isArray(tags) ? tags.map(String) : typeof tags === "string" ? [tags] : [],
      config: n.config,
      node: n,
    })
  }
  for (const s of project.sources) {
    members.push({
      uniqueId: s.uniqueId,
      resourceType: "source",
      name: s.name,
      fqn: s.fqn,
      originalFilePath: s.file,
      tags: s.tags,
      config: s.config,
      source: [project.name, s.sourceName, s.name],
    })
  }
  const diagnostics: Array<Diagnostic> = []
  const ctx: Context = {
    members,
    parents: (id) => graph.parents.get(id) ?? [],
    children: (id) => graph.children.get(id) ?? [],
    diagnostics,
  }
  const specs = asList(options.select)
  const chosen = specs.length === 0 ? new Set(members.map((m) => m.uniqueId)) : withTests(ctx, evalSpecs(ctx, specs))
  const excludeSpecs = asList(options.exclude)
  const excluded = excludeSpecs.length === 0 ? new Set<string>() : withTests(ctx, evalSpecs(ctx, excludeSpecs))
  return { selected: [...chosen].filter((id) => !excluded.has(id)).sort(), diagnostics }
}
