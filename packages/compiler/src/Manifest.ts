/**
 * dbt's `target/manifest.json` (schema v12, dbt-core 1.8–1.11) from a loaded project and its graph: nodes
 * (models, seeds, generic and singular tests), sources, macros, docs, parent_map and child_map. The official JSON
 * Schema (vendored in schemas/) forbids unknown keys everywhere but in `config`, so every object here is
 * built field by field.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"
import type { Graph, Node } from "./Graph.ts"
import { md5 } from "./internal/testNames.ts"
import { defaultTarget, renderRelation, type Target } from "./Jinja.ts"
import type { ColumnProperties, DbtProject, DocDef } from "./Project.ts"

export const SCHEMA_VERSION = "https://schemas.getdbt.com/dbt/manifest/v12.json"
/** The dbt-core version whose behaviour the engine mirrors (dbt-semantics.md). */
export const DBT_VERSION = "1.11.0"

type Json = Record<string, unknown>

/** A manifest as plain JSON data, ready for JSON.stringify. */
export interface Manifest {
  readonly metadata: Json
  readonly nodes: Record<string, Json>
  readonly sources: Record<string, Json>
  readonly macros: Record<string, Json>
  readonly docs: Record<string, Json>
  readonly exposures: Json
  readonly metrics: Json
  readonly groups: Json
  readonly selectors: Json
  readonly disabled: Json
  readonly parent_map: Record<string, ReadonlyArray<string>>
  readonly child_map: Record<string, ReadonlyArray<string>>
  readonly group_map: Json
  readonly saved_queries: Json
  readonly semantic_models: Json
  readonly unit_tests: Json
}

export interface ManifestOptions {
  readonly target?: Partial<Target> | undefined
  /** ISO-8601 time of generation; the caller reads it from its Clock. */
  readonly generatedAt: string
  readonly invocationId: string
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)
const strOrNull = (x: unknown): string | null => (typeof x === "string" ? x : null)
const stringList = (x: unknown): Array<string> =>
  typeof x === "string" ? [x] : Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : []

const DOC_CALL = /\{\{\s*doc\(\s*['"]([^'"]+)['"]\s*\)\s*\}\}/g

/** Descriptions may call doc('name'): dbt renders them with the docs block's contents. */
const renderDescription = (text: string, docs: ReadonlyMap<string, DocDef>): string =>
  text.replace(DOC_CALL, (whole, name: string) => docs.get(name)?.contents ?? whole)

const docBlocks = (text: string, pkg: string): Array<string> =>
  [...text.matchAll(DOC_CALL)].map((m) => `doc.${pkg}.${m[1] ?? ""}`)

/** dbt's hook shape: `{sql, transaction, index}`; a project writes plain strings. */
const hooks = (x: unknown): Array<Json> =>
  (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x]).map((h, index) =>
    isRecord(h) && typeof h["sql"] === "string"
      ? { sql: h["sql"], transaction: h["transaction"] !== false, index }
      : { sql: String(h), transaction: true, index },
  )

const time = (x: unknown): Json | null => {
  if (!isRecord(x)) return null
  const count = Number.isInteger(x["count"]) ? x["count"] : null
  const period = x["period"] === "minute" || x["period"] === "hour" || x["period"] === "day" ? x["period"] : null
  return { count, period }
}

const freshness = (x: unknown): Json | null =>
  isRecord(x)
    ? { warn_after: time(x["warn_after"]), error_after: time(x["error_after"]), filter: strOrNull(x["filter"]) }
    : null

const columnsOf = (
  columns: ReadonlyArray<ColumnProperties>,
  docs: ReadonlyMap<string, DocDef>,
  pkg: string,
): Record<string, Json> => {
  const out: Record<string, Json> = {}
  for (const c of columns) {
    out[c.name] = {
      name: c.name,
      description: renderDescription(c.description, docs),
      meta: c.meta,
      data_type: c.dataType ?? null,
      constraints: [],
      quote: c.quote ?? null,
      config: { meta: c.meta, tags: c.tags },
      tags: c.tags,
      granularity: null,
      doc_blocks: docBlocks(c.description, pkg),
    }
  }
  return out
}

/** The config as the schema types it: lists of hooks as Hook objects, tags as a list. */
const configOf = (config: Readonly<Record<string, unknown>>): Json => {
  const out: Json = { ...config }
  out["tags"] = stringList(config["tags"])
  out["meta"] = isRecord(config["meta"]) ? config["meta"] : {}
  if (config["pre-hook"] !== undefined || config["post-hook"] !== undefined || out["materialized"] !== "test") {
    out["pre-hook"] = hooks(config["pre-hook"])
    out["post-hook"] = hooks(config["post-hook"])
  }
  for (const k of ["enabled", "alias", "schema", "database"] as const) if (out[k] === undefined) out[k] = null
  out["enabled"] = config["enabled"] !== false
  return out
}

/** A node's JSON, built as one object with its keys in dbt's order (no intermediate copies: 30,000 nodes). */
const nodeJson = (
  project: DbtProject,
  n: Node,
  createdAt: number,
  docs: ReadonlyMap<string, DocDef>,
  checksums: ReadonlyMap<string, { name: string; checksum: string }>,
): Json => {
  const props = n.resourceType === "test" ? undefined : project.properties.get(n.name)
  const description = props === undefined ? "" : renderDescription(props.description, docs)
  const config = configOf(n.config)
  const out: Json = {
    database: n.database,
    schema: n.schema,
    name: n.name,
    resource_type: n.resourceType,
    package_name: project.name,
    path: n.path,
    original_file_path: n.originalFilePath,
    unique_id: n.uniqueId,
    fqn: n.fqn,
    alias: n.alias,
    created_at: createdAt,
    checksum: checksums.get(n.uniqueId) ?? { name: "none", checksum: "" },
    config: n.resourceType === "seed" ? { delimiter: ",", column_types: {}, ...config } : config,
    tags: config["tags"],
    description,
    columns: props === undefined ? {} : columnsOf(props.columns, docs, project.name),
    meta: isRecord(n.config["meta"]) ? n.config["meta"] : {},
    group: null,
    docs: { show: true, node_color: null },
    patch_path: props === undefined ? null : `${project.name}://${props.file}`,
    build_path: null,
    unrendered_config: {},
    config_call_dict: {},
    unrendered_config_call_dict: {},
    relation_name: n.relationName ?? null,
    raw_code: n.rawCode,
    doc_blocks: props === undefined ? [] : docBlocks(props.description, project.name),
  }
  if (n.resourceType === "seed") {
    out["root_path"] = project.root
    out["depends_on"] = { macros: [] }
    return out
  }
  out["language"] = "sql"
  out["refs"] = n.refs.map((r) => ({ name: r.name, package: r.package, version: r.version }))
  out["sources"] = n.sources.map(([s, t]) => [s, t])
  out["metrics"] = []
  out["functions"] = []
  out["depends_on"] = { macros: n.macros, nodes: n.dependsOn }
  out["compiled_path"] =
    n.compiledCode === undefined
      ? null
      : `target/compiled/${project.name}/${n.test === undefined ? n.originalFilePath : `${n.originalFilePath}/${n.path}`}`
  out["compiled"] = n.compiledCode !== undefined
  out["compiled_code"] = n.compiledCode ?? null
  out["extra_ctes_injected"] = n.compiledCode !== undefined
  out["extra_ctes"] = n.extraCtes.map((c) => ({ id: c.id, sql: c.sql }))
  out["contract"] = { enforced: false, alias_types: true, checksum: null }
  if (n.resourceType === "model") {
    out["access"] = "protected"
    out["constraints"] = []
    out["version"] = null
    out["latest_version"] = null
    out["deprecation_date"] = null
    out["primary_key"] = []
    out["time_spine"] = null
  } else if (n.test !== undefined) {
    out["column_name"] = n.test.columnName
    out["file_key_name"] = n.test.fileKeyName
    out["attached_node"] = n.test.attachedNode
    out["test_metadata"] = {
      name: n.test.metadata.name,
      kwargs: n.test.metadata.kwargs,
      namespace: n.test.metadata.namespace,
    }
  }
  return out
}

/**
 * Builds the manifest of a project from its graph. Pure: the generation time and invocation id come from the
 * caller. Never fails.
 */
export const make = (project: DbtProject, graph: Graph, options: ManifestOptions): Manifest => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of members(project, graph, options)) {
    if (typeof value !== "function") out[key] = value
    else {
      const record: Record<string, unknown> = {}
      for (const [k, v] of (value as Entries)()) record[k] = v
      out[key] = record
    }
  }
  return out as unknown as Manifest
}

/**
 * The manifest's JSON text (exactly `JSON.stringify(make(…))`) in pieces of about 256 KiB, each node built when its
 * turn comes and turned into text at once: the 30,000 node objects of a large project are never all alive (less
 * to hold, less for the garbage collector to copy), and the writer can pause between pieces.
 */
export const chunks = (project: DbtProject, graph: Graph, options: ManifestOptions): Iterable<string> =>
  chunksOf(members(project, graph, options))

/** A member that grows with the project: its entries in key order, built as they are iterated. */
type Entries = () => Iterable<readonly [string, unknown]>

/** The manifest's top-level members in dbt's order; the large ones as `Entries`. */
const members = (
  project: DbtProject,
  graph: Graph,
  options: ManifestOptions,
): ReadonlyArray<readonly [string, unknown]> => {
  const target: Target = { ...defaultTarget, ...options.target }
  const createdAt = Date.parse(options.generatedAt) / 1000
  const docs = new Map(project.docs.map((d) => [d.name, d]))
  const checksums = new Map<string, { name: string; checksum: string }>()
  for (const m of project.models) checksums.set(`model.${project.name}.${m.name}`, m.checksum)
  for (const s of project.seeds) checksums.set(`seed.${project.name}.${s.name}`, s.checksum)
  for (const t of project.singularTests) checksums.set(`test.${project.name}.${t.name}`, t.checksum)

  const nodeIds = [...graph.nodes.keys()].sort()
  const nodes: Entries = function* () {
    for (const id of nodeIds) {
      const n = graph.nodes.get(id)
      if (n !== undefined) yield [id, nodeJson(project, n, createdAt, docs, checksums)]
    }
  }

  const sortedSources = [...project.sources].sort((a, b) => a.uniqueId.localeCompare(b.uniqueId))
  const sources: Entries = function* () {
    for (const s of sortedSources) yield [s.uniqueId, sourceJson(s)]
  }
  const sourceJson = (s: DbtProject["sources"][number]): Json => {
    const database = s.database ?? target.database
    return {
      database,
      schema: s.schema,
      name: s.name,
      resource_type: "source",
      package_name: project.name,
      path: s.file,
      original_file_path: s.file,
      unique_id: s.uniqueId,
      fqn: s.fqn,
      source_name: s.sourceName,
      source_description: renderDescription(s.sourceDescription, docs),
      loader: s.loader,
      identifier: s.identifier,
      quoting: { database: null, schema: null, identifier: null, column: null },
      loaded_at_field: s.loadedAtField ?? null,
      loaded_at_query: null,
      freshness: freshness(s.freshness),
      external: null,
      description: renderDescription(s.description, docs),
      columns: columnsOf(s.columns, docs, project.name),
      meta: s.meta,
      source_meta: s.sourceMeta,
      tags: [...s.tags],
      config: { ...s.config, enabled: s.config["enabled"] !== false, event_time: null },
      patch_path: null,
      unrendered_config: {},
      relation_name: renderRelation(database, s.schema, s.identifier),
      created_at: createdAt,
      unrendered_database: null,
      unrendered_schema: null,
      doc_blocks: docBlocks(s.description, project.name),
    }
  }

  const macros: Record<string, Json> = {}
  for (const m of [...project.macros].sort((a, b) => a.uniqueId.localeCompare(b.uniqueId))) {
    macros[m.uniqueId] = {
      name: m.name,
      resource_type: "macro",
      package_name: project.name,
      path: m.path,
      original_file_path: m.path,
      unique_id: m.uniqueId,
      macro_sql: m.macroSql,
      depends_on: { macros: [] },
      description: "",
      meta: {},
      docs: { show: true, node_color: null },
      patch_path: null,
      arguments: [],
      created_at: createdAt,
      supported_languages: null,
    }
  }

  const docsJson: Record<string, Json> = {}
  for (const d of [...project.docs].sort((a, b) => a.uniqueId.localeCompare(b.uniqueId))) {
    docsJson[d.uniqueId] = {
      name: d.name,
      resource_type: "doc",
      package_name: project.name,
      path: d.path.split("/").slice(1).join("/") || d.path,
      original_file_path: d.path,
      unique_id: d.uniqueId,
      block_contents: d.contents,
    }
  }

  // Every node and source is a member of both maps, with sorted lists, as dbt writes them.
  const mapped = [...new Set([...nodeIds, ...sortedSources.map((s) => s.uniqueId)])].sort()
  const edges = (of: ReadonlyMap<string, ReadonlySet<string> | ReadonlyArray<string>>): Entries =>
    function* () {
      for (const id of mapped) yield [id, [...(of.get(id) ?? [])].sort()]
    }

  return Object.entries({
    metadata: {
      dbt_schema_version: SCHEMA_VERSION,
      dbt_version: DBT_VERSION,
      generated_at: options.generatedAt,
      invocation_id: options.invocationId,
      invocation_started_at: options.generatedAt,
      env: {},
      project_name: project.name,
      project_id: md5(project.name),
      user_id: null,
      send_anonymous_usage_stats: false,
      adapter_type: target.type,
      quoting: { database: true, schema: true, identifier: true, column: null },
      run_started_at: options.generatedAt,
    },
    nodes,
    sources,
    macros,
    docs: docsJson,
    exposures: {},
    metrics: {},
    groups: {},
    selectors: {},
    disabled: {},
    parent_map: edges(graph.parents),
    child_map: edges(graph.children),
    group_map: {},
    saved_queries: {},
    semantic_models: {},
    unit_tests: {},
  })
}

/** Top-level members written entry by entry: the ones that grow with the project. */
const LARGE_MEMBERS = new Set(["nodes", "sources", "macros", "docs", "parent_map", "child_map"])
/** About how many characters a piece of the JSON text holds. */
const CHUNK_CHARS = 1 << 18

/**
 * A built manifest's JSON text, exactly `JSON.stringify(manifest)`, in pieces of about 256 KiB (the large members are
 * stringified one entry at a time), so a 70 MiB manifest is never one string and the writer can pause between
 * pieces.
 */
export const jsonChunks = (manifest: Manifest): Iterable<string> =>
  chunksOf(
    Object.entries(manifest).map(([key, value]) =>
      LARGE_MEMBERS.has(key) && isRecord(value) ? [key, () => Object.entries(value)] : [key, value],
    ),
  )

/** The JSON text of members given as values or `Entries`, in pieces of about CHUNK_CHARS. */
function* chunksOf(members: Iterable<readonly [string, unknown]>): Generator<string> {
  let buffer = "{"
  let firstMember = true
  for (const [key, value] of members) {
    if (value === undefined) continue
    buffer += `${firstMember ? "" : ","}${JSON.stringify(key)}:`
    firstMember = false
    if (typeof value !== "function") {
      buffer += JSON.stringify(value)
      continue
    }
    buffer += "{"
    let firstEntry = true
    for (const [k, v] of (value as Entries)()) {
      const text = JSON.stringify(v)
      if (text === undefined) continue
      buffer += `${firstEntry ? "" : ","}${JSON.stringify(k)}:${text}`
      firstEntry = false
      if (buffer.length >= CHUNK_CHARS) {
        yield buffer
        buffer = ""
      }
    }
    buffer += "}"
  }
  yield `${buffer}}`
}

/** A manifest written to its temporary file: `commit` renames it into place, `discard` removes it. */
export interface Staged {
  readonly commit: Effect.Effect<void, PlatformError>
  readonly discard: Effect.Effect<void>
}

/**
 * Writes `manifest` to a temporary file beside `file`, a piece at a time (yielding to other fibers between
 * pieces), and returns how to put it in place. Fails with the file system's error (the temporary file removed).
 */
export const stage = (
  file: string,
  manifest: Manifest,
): Effect.Effect<Staged, PlatformError, FileSystem.FileSystem | Path.Path> =>
  stageText(file, jsonChunks(manifest), String(manifest.metadata["invocation_id"]))

/**
 * `stage` for a manifest's text in pieces (see `chunks`); `invocationId` tells this compile's temporary file from
 * a concurrent one's.
 */
export const stageText = (
  file: string,
  pieces: Iterable<string>,
  invocationId: string,
): Effect.Effect<Staged, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = path.dirname(file)
    yield* fs.makeDirectory(dir, { recursive: true })
    const tmp = path.join(dir, `.${path.basename(file)}.${md5(`${file}${invocationId}`).slice(0, 8)}.tmp`)
    const discard = fs.remove(tmp).pipe(Effect.ignore)
    yield* Effect.scoped(
      Effect.gen(function* () {
        const handle = yield* fs.open(tmp, { flag: "w" })
        const encoder = new TextEncoder()
        for (const piece of pieces) {
          yield* handle.writeAll(encoder.encode(piece))
          yield* Effect.yieldNow
        }
      }),
    ).pipe(Effect.tapError(() => discard))
    return { commit: fs.rename(tmp, file).pipe(Effect.tapError(() => discard)), discard }
  })

/**
 * Writes `manifest` to `file` atomically: to a temporary file beside it, then renamed over it, so a reader
 * (dagster-dbt, a concurrent compile) never sees half a manifest. Fails with the file system's error.
 */
export const write = (
  file: string,
  manifest: Manifest,
): Effect.Effect<void, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.flatMap(stage(file, manifest), (staged) => staged.commit)
