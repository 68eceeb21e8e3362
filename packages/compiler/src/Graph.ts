/**
 * The DAG of a dbt project: every model, seed and singular test rendered twice as dbt does (a parse pass that
 * records ref/source/config, then a compile pass with resolved relations), dependencies from ref() and source(),
 * cycle detection, undefined refs and sources with "did you mean", and ephemeral models injected as CTEs.
 */
import type { Diagnostic as D } from "@floe/spec"
import { closest } from "@floe/spec/Suggest"
import type * as Effect from "effect/Effect"
import { make } from "./internal/codes.ts"
import { fromProjectTree, mergeConfig } from "./internal/config.ts"
import { runSteps } from "./internal/cooperative.ts"
import { synthesizeNames, type TestMetadata, testHash } from "./internal/testNames.ts"
import {
  defaultTarget,
  makeRenderer,
  type RelationInfo,
  type RenderOptions,
  renderRelation,
  type Target,
} from "./Jinja.ts"
import type { ColumnProperties, DbtProject, TestEntry } from "./Project.ts"

type Diagnostic = D.Diagnostic

export type ResourceType = "model" | "seed" | "test"

export type { TestMetadata }

/** What a generic test node carries besides the common fields (dbt's GenericTest). */
export interface GenericTestInfo {
  readonly metadata: TestMetadata
  readonly columnName: string | null
  /** The model or seed the test is attached to; null for source tests, as in dbt. */
  readonly attachedNode: string | null
  /** `models.<name>`, `seeds.<name>` or `sources.<source name>`. */
  readonly fileKeyName: string
}

/** One compiled node of the DAG. */
export interface Node {
  readonly uniqueId: string
  readonly resourceType: ResourceType
  readonly name: string
  readonly fqn: ReadonlyArray<string>
  /** dbt's `path`: relative to the resource path; for generic tests `<short name>.sql`. */
  readonly path: string
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
  /** Set on generic tests only. */
  readonly test: GenericTestInfo | undefined
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
  readonly name: string
  readonly fqn: ReadonlyArray<string>
  readonly path: string
  readonly originalFilePath: string
  readonly rawCode: string
  readonly baseConfig: Record<string, unknown>
  /** Generic tests: the test macro to call, and where the test is written (for diagnostics). */
  readonly macroCall?: { readonly macro: string; readonly kwargs: Readonly<Record<string, unknown>> }
  readonly test?: GenericTestInfo
  readonly location?: D.Location
}

/** The defaults of dbt's TestConfig. */
export const TEST_CONFIG_DEFAULTS: Readonly<Record<string, unknown>> = {
  enabled: true,
  materialized: "test",
  severity: "ERROR",
  schema: "dbt_test__audit",
  fail_calc: "count(*)",
  warn_if: "!= 0",
  error_if: "!= 0",
  store_failures: null,
  where: null,
  limit: null,
}

/** The directories of `file` below the resource path that holds it (`models/staging/x.yml` → `["staging"]`). */
const resourceDirs = (project: DbtProject, file: string): Array<string> => {
  const roots = [...project.modelPaths, ...project.seedPaths, ...project.testPaths, ...project.macroPaths]
  const root = roots.filter((r) => file.startsWith(`${r}/`)).sort((a, b) => b.length - a.length)[0]
  const rel = root === undefined ? file : file.slice(root.length + 1)
  return rel.split("/").slice(0, -1)
}

interface TestTarget {
  /** For the name: the model or seed name, or `<source>_<table>`. */
  readonly nameTarget: string
  /** The expression the test's `model` argument is (without braces). */
  readonly modelExpr: string
  readonly isSource: boolean
  readonly attachedNode: string | null
  readonly fileKeyName: string
  /** The properties file, relative to the project root. */
  readonly file: string
}

/**
 * Turns the tests written in properties files into generic test nodes with dbt's names, hashes and configs.
 * Unknown test macros are E310; two tests with the same unique_id are E307. Pauses (yields) every few hundred
 * tests, as `build` does between renders.
 */
function* genericTests(
  project: DbtProject,
  macroNames: ReadonlySet<string>,
  byName: ReadonlyMap<string, string>,
  display: (rel: string) => string,
  diagnostics: Array<Diagnostic>,
): Generator<void, Array<Pending>> {
  const out: Array<Pending> = []
  const seen = new Set<string>()
  const dirsOf = new Map<string, ReadonlyArray<string>>()
  const add = (target: TestTarget, entry: TestEntry, column: ColumnProperties | undefined) => {
    const dot = entry.testName.indexOf(".")
    const namespace = dot === -1 ? null : entry.testName.slice(0, dot)
    const testName = dot === -1 ? entry.testName : entry.testName.slice(dot + 1)
    const location = { ...entry.location, file: display(target.file) }
    if (!macroNames.has(`test_${testName}`) || (namespace !== null && namespace !== "dbt")) {
      const suggestion = closest(
        testName,
        [...macroNames].filter((m) => m.startsWith("test_")).map((m) => m.slice(5)),
      )
      diagnostics.push(
        make(
          "FLOE-E310",
          `${target.file} uses the generic test ${entry.testName}, which is not defined${suggestion === undefined ? "" : `; did you mean ${suggestion}?`}`,
          location,
        ),
      )
      return
    }
    // The order dbt builds the arguments in: the written ones, then column_name, then model.
    const kwargs: Record<string, unknown> = { ...entry.kwargs }
    if (column !== undefined) kwargs["column_name"] = column.name
    kwargs["model"] = `{{ ${target.modelExpr} }}`
    const typeName = `${target.isSource ? "source_" : ""}${namespace === null ? "" : `${namespace}_`}${testName}`
    const names =
      entry.customName === undefined
        ? synthesizeNames(typeName, target.nameTarget, kwargs)
        : { short: entry.customName, full: entry.customName }
    const metadata: TestMetadata = { name: testName, kwargs, namespace }
    const uniqueId = `test.${project.name}.${names.full}.${testHash(names.full, metadata)}`
    if (seen.has(uniqueId)) {
      diagnostics.push(
        make("FLOE-E307", `${target.file} declares the test ${names.full} twice`, location, "Remove one of the two."),
      )
      return
    }
    seen.add(uniqueId)
    let dirs = dirsOf.get(target.file)
    if (dirs === undefined) {
      dirs = resourceDirs(project, target.file)
      dirsOf.set(target.file, dirs)
    }
    const fqn = [project.name, ...dirs, names.full]
    const entryConfig: Record<string, unknown> = { ...entry.config }
    if (names.short !== names.full && entryConfig["alias"] === undefined) entryConfig["alias"] = names.short
    const config = mergeConfig(
      mergeConfig(mergeConfig(TEST_CONFIG_DEFAULTS, fromProjectTree(project.testsConfig, fqn)), entryConfig),
      column === undefined || column.tags.length === 0 ? {} : { tags: column.tags },
    )
    if (config["enabled"] === false) return
    out.push({
      uniqueId,
      resourceType: "test",
      name: names.full,
      fqn,
      path: `${names.short}.sql`,
      originalFilePath: target.file,
      rawCode: `{{ test_${testName}(**_dbt_generic_test_kwargs) }}`,
      baseConfig: config,
      macroCall: { macro: `test_${testName}`, kwargs: { ...kwargs, model: target.modelExpr } },
      test: {
        metadata,
        columnName: column?.name ?? (typeof kwargs["column_name"] === "string" ? kwargs["column_name"] : null),
        attachedNode: target.attachedNode,
        fileKeyName: target.fileKeyName,
      },
      location,
    })
  }
  let named = 0
  function* testsOf(
    target: TestTarget,
    tests: ReadonlyArray<TestEntry>,
    columns: ReadonlyArray<ColumnProperties>,
  ): Generator<void> {
    for (const t of tests) add(target, t, undefined)
    for (const c of columns) for (const t of c.tests) add(target, t, c)
    named += tests.length + columns.length
    if (named >= RENDERS_PER_STEP) {
      named = 0
      yield
    }
  }
  for (const props of project.properties.values()) {
    const id = byName.get(props.name)
    if (id === undefined) continue
    const kind = id.startsWith("seed.") ? "seeds" : "models"
    yield* testsOf(
      {
        nameTarget: props.name,
        modelExpr: `get_where_subquery(ref('${props.name}'))`,
        isSource: false,
        attachedNode: id,
        fileKeyName: `${kind}.${props.name}`,
        file: props.file,
      },
      props.tests,
      props.columns,
    )
  }
  for (const src of project.sources) {
    yield* testsOf(
      {
        nameTarget: `${src.sourceName}_${src.name}`,
        modelExpr: `get_where_subquery(source('${src.sourceName}', '${src.name}'))`,
        isSource: true,
        attachedNode: null,
        fileKeyName: `sources.${src.sourceName}`,
        file: src.file,
      },
      src.tests,
      src.columns,
    )
  }
  return out
}

/** What the caller learns while the graph is being built. */
export interface BuildHooks {
  /**
   * Called with the seeds first, then with the compiled models one DAG level at a time (a model's parents are in
   * earlier calls), before the tests are rendered: a compile-time check can start on them meanwhile.
   */
  readonly onNodes?: ((nodes: ReadonlyArray<Node>) => void) | undefined
}

/** How many renders make one step of `build`; `runSteps` yields to other fibers every few milliseconds of steps. */
const RENDERS_PER_STEP = 50

/**
 * Builds the DAG of a loaded project. Never fails: template errors (E305/E306), undefined refs (E301) and sources
 * (E303) and cycles (E302) are diagnostics, and the nodes they concern have no compiled code. Models are rendered
 * before tests, and the build yields to other fibers every few milliseconds.
 */
export const build = (
  project: DbtProject,
  options: RenderOptions = {},
  hooks: BuildHooks = {},
): Effect.Effect<BuildResult> => runSteps(() => buildSteps(project, options, hooks))

function* buildSteps(project: DbtProject, options: RenderOptions, hooks: BuildHooks): Generator<void, BuildResult> {
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
    pending.push({ uniqueId, resourceType: "model", ...m, baseConfig })
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
      path: s.path,
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
      test: undefined,
    })
  }
  hooks.onNodes?.([...mutable.values()])

  // Models go through both passes before the tests: their pass 1 (every ref known), then their pass 2 level by
  // level; then the tests' two passes. A node's rendering does not depend on when a test is rendered, so this
  // gives what rendering everything in pass 1, then everything in pass 2, would.
  const modelCount = pending.length
  const state = new Map<string, "visiting" | "done">()
  const inCycle = new Set<string>()
  const visit = (id: string, stack: Array<string>, order: Array<string>, report: boolean): void => {
    const s = state.get(id)
    if (s === "done") return
    if (s === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(id)), id]
      for (const c of cycle) inCycle.add(c)
      if (!report) return
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
    for (const parent of mutable.get(id)?.dependsOn ?? []) {
      if (mutable.has(parent)) visit(parent, [...stack, id], order, report)
    }
    state.set(id, "done")
    if (!inCycle.has(id)) order.push(id)
  }
  const pendingById = new Map<string, Pending>()
  let reported = new Set<string>()
  const ownSql = new Map<string, string>()
  let renders = 0

  /** Pass 2 for the models (outside cycles), a DAG level at a time, each level handed to `onNodes`. */
  function* compileModels(): Generator<void> {
    const modelOrder: Array<string> = []
    for (const id of [...mutable.keys()].sort()) visit(id, [], modelOrder, false)
    state.clear()
    reported = new Set(diagnostics.map((d) => `${d.code}${d.message}`))
    const levelOf = new Map<string, number>()
    const levels: Array<Array<string>> = []
    for (const id of modelOrder) {
      if (mutable.get(id)?.resourceType !== "model") continue
      let level = 0
      for (const parent of mutable.get(id)?.dependsOn ?? []) {
        const l = levelOf.get(parent)
        if (l !== undefined) level = Math.max(level, l + 1)
      }
      levelOf.set(id, level)
      const list = levels[level]
      if (list === undefined) levels[level] = [id]
      else list.push(id)
    }
    for (const ids of levels) {
      for (const id of ids) {
        compileNode(id)
        if (++renders % RENDERS_PER_STEP === 0) yield
      }
      const compiled: Array<Node> = []
      for (const id of ids) {
        const n = mutable.get(id)
        if (n !== undefined) compiled.push(n)
      }
      hooks.onNodes?.(compiled)
      yield
    }
  }

  // Pass 1 (execute = false): config() calls, refs and sources.
  // The tests (singular, then generic: named here, once every model and seed is known) are added to `pending`
  // once the models are compiled; the loop below goes on through them.
  function* addTests(): Generator<void> {
    for (const t of project.singularTests) {
      pending.push({
        uniqueId: `test.${project.name}.${t.name}`,
        resourceType: "test",
        ...t,
        baseConfig: mergeConfig(TEST_CONFIG_DEFAULTS, fromProjectTree(project.testsConfig, t.fqn)),
      })
    }
    pending.push(...(yield* genericTests(project, renderer.macroNames, byName, display, diagnostics)))
  }
  if (modelCount === 0) {
    yield* compileModels()
    yield* addTests()
  }
  for (let index = 0; index < pending.length; index++) {
    const p = pending[index]
    if (p === undefined) continue
    pendingById.set(p.uniqueId, p)
    const r = renderer.render({
      name: p.name,
      resourceType: p.resourceType,
      file: display(p.originalFilePath),
      rawCode: p.rawCode,
      this: undefined,
      config: p.baseConfig,
      execute: false,
      macroCall: p.macroCall,
    })
    // A generic test's problems are reported where the test is written in the properties file.
    const at = (needle: RegExp) => p.location ?? { file: display(p.originalFilePath), ...find(p.rawCode, needle) }
    diagnostics.push(...r.diagnostics)
    const config = mergeConfig(p.baseConfig, r.config)
    const database = typeof config["database"] === "string" ? config["database"] : target.database
    const schema = customSchema(target, config["schema"])
    const alias = typeof config["alias"] === "string" ? config["alias"] : p.name
    const ephemeral = config["materialized"] === "ephemeral"
    const rendered = renderRelation(database, schema, alias)
    if (p.resourceType === "model") {
      relations.set(p.uniqueId, {
        database,
        schema,
        identifier: alias,
        rendered: ephemeral ? `__dbt__cte__${p.name}` : rendered,
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
      diagnostics.push(
        make(
          "FLOE-E301",
          `${p.name} refers to ${ref.package === null ? "" : `${ref.package}.`}${ref.name}, which is not a model or seed in this project${suggestion === undefined ? "" : `; did you mean ${suggestion}?`}`,
          at(new RegExp(`ref\\s*\\([^)]*['"]${escapeRe(ref.name)}['"]`)),
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
      diagnostics.push(
        make(
          "FLOE-E303",
          `${p.name} reads source ${s}.${t}, which no properties file declares${suggestion === undefined ? "" : `; did you mean ${suggestion}?`}`,
          at(new RegExp(`source\\s*\\([^)]*['"]${escapeRe(t)}['"]`)),
        ),
      )
    }
    mutable.set(p.uniqueId, {
      uniqueId: p.uniqueId,
      resourceType: p.resourceType,
      name: p.name,
      fqn: p.fqn,
      path: p.path,
      originalFilePath: p.originalFilePath,
      config,
      database,
      schema,
      alias,
      // dbt gives a test a relation only when it stores its failures.
      relationName:
        ephemeral || (p.resourceType === "test" && config["store_failures"] !== true) ? undefined : rendered,
      rawCode: p.rawCode,
      compiledCode: undefined,
      refs: r.refs,
      sources: r.sources,
      dependsOn: [...dependsOn].sort(),
      macros: r.macros,
      extraCtes: [],
      test: p.test,
    })
    if (++renders % RENDERS_PER_STEP === 0) yield
    if (index === modelCount - 1) {
      yield* compileModels()
      yield* addTests()
    }
  }

  // Cycles: depth-first search; each cycle is reported once, at the node where it closes.
  const order: Array<string> = []
  inCycle.clear()
  for (const id of [...mutable.keys()].sort()) visit(id, [], order, true)

  // Pass 2 (execute = true) for the tests, in the same order.
  reported = new Set(diagnostics.map((d) => `${d.code}${d.message}`))
  for (const id of order) {
    if (pendingById.get(id)?.resourceType !== "test") continue
    compileNode(id)
    if (++renders % RENDERS_PER_STEP === 0) yield
  }

  function compileNode(id: string): void {
    const n = mutable.get(id)
    const p = pendingById.get(id)
    if (n === undefined || p === undefined) return
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
      macroCall: p.macroCall,
    })
    // Errors that only appear with execute = true (code behind `{% if execute %}`) are new; the rest were
    // reported by the parse pass.
    for (const d of r.diagnostics) if (!reported.has(`${d.code}${d.message}`)) diagnostics.push(d)
    if (r.sql === undefined) return
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
