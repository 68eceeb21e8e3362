/**
 * Loading a dbt project from disk: `dbt_project.yml` (or an implicit project derived from `floe.yaml`), models in
 * nested folders, properties YAML, seeds, macros, generic and singular tests, and docs blocks. Loading reads files
 * and checks their shape; rendering and the DAG come later (Jinja.ts, Graph.ts).
 */
import { createHash } from "node:crypto"
import { type DataProduct, Diagnostic as Diag, Yaml } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"
import * as Result from "effect/Result"
import * as BlockYaml from "./internal/blockYaml.ts"
import { make } from "./internal/codes.ts"
import { extractDocs, lineAt } from "./internal/jinja/runtime.ts"

type Diagnostic = Diag.Diagnostic
type Location = Diag.Location

export const PROJECT_FILE = "dbt_project.yml"
/** Seeds larger than this get a path checksum instead of a content hash, as dbt does. */
export const SEED_HASH_LIMIT = 1024 * 1024
/** The largest SQL, YAML or Markdown file the loader reads. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024

export interface Checksum {
  readonly name: "sha256" | "path" | "none"
  readonly checksum: string
}

/** A test written in a properties file, before it is named and rendered. */
export interface TestEntry {
  /** The generic test's name as written; may be namespaced (`dbt_utils.unique_combination`). */
  readonly testName: string
  /** The custom name given with `name:` next to `test_name:`, if any. */
  readonly customName: string | undefined
  readonly kwargs: Readonly<Record<string, unknown>>
  readonly config: Readonly<Record<string, unknown>>
  readonly location: Location
}

export interface ColumnProperties {
  readonly name: string
  readonly description: string
  readonly meta: Readonly<Record<string, unknown>>
  readonly dataType: string | undefined
  readonly tags: ReadonlyArray<string>
  readonly quote: boolean | undefined
  readonly tests: ReadonlyArray<TestEntry>
}

/** What a properties file says about one model or seed (dbt calls it a patch). */
export interface NodeProperties {
  readonly name: string
  readonly description: string
  readonly meta: Readonly<Record<string, unknown>>
  readonly config: Readonly<Record<string, unknown>>
  readonly columns: ReadonlyArray<ColumnProperties>
  readonly tests: ReadonlyArray<TestEntry>
  /** The properties file, relative to the project root. */
  readonly file: string
  readonly location: Location
}

export interface SourceTable {
  readonly uniqueId: string
  readonly sourceName: string
  readonly name: string
  readonly identifier: string
  readonly database: string | undefined
  readonly schema: string
  readonly description: string
  readonly sourceDescription: string
  readonly loader: string
  readonly meta: Readonly<Record<string, unknown>>
  readonly sourceMeta: Readonly<Record<string, unknown>>
  readonly tags: ReadonlyArray<string>
  readonly config: Readonly<Record<string, unknown>>
  readonly loadedAtField: string | undefined
  readonly freshness: unknown
  readonly columns: ReadonlyArray<ColumnProperties>
  readonly tests: ReadonlyArray<TestEntry>
  readonly fqn: ReadonlyArray<string>
  /** The properties file, relative to the project root. */
  readonly file: string
  readonly location: Location
}

/** A SQL file: a model, a singular test or an analysis. */
export interface SqlFile {
  readonly name: string
  /** Relative to the resource path (`staging/stg_orders.sql`); dbt's `path`. */
  readonly path: string
  /** Relative to the project root (`models/staging/stg_orders.sql`); dbt's `original_file_path`. */
  readonly originalFilePath: string
  readonly fqn: ReadonlyArray<string>
  readonly rawCode: string
  readonly checksum: Checksum
}

export interface SeedFile {
  readonly name: string
  readonly path: string
  readonly originalFilePath: string
  readonly fqn: ReadonlyArray<string>
  readonly checksum: Checksum
}

export interface MacroDef {
  readonly name: string
  readonly uniqueId: string
  /** Relative to the project root (`macros/cents.sql`). */
  readonly path: string
  readonly macroSql: string
  readonly line: number
}

/** A macro file: parsed once, run once per render to define its macros. */
export interface MacroFile {
  readonly path: string
  readonly text: string
  readonly macros: ReadonlyArray<MacroDef>
}

export interface DocDef {
  readonly name: string
  readonly uniqueId: string
  readonly path: string
  readonly contents: string
}

/** A loaded dbt project: everything rendering and the DAG need, with paths relative to `root`. */
export interface DbtProject {
  readonly name: string
  /** The directory as the caller gave it. */
  readonly root: string
  /** True when there is no dbt_project.yml and the project was derived from floe.yaml. */
  readonly implicit: boolean
  readonly modelPaths: ReadonlyArray<string>
  readonly seedPaths: ReadonlyArray<string>
  readonly testPaths: ReadonlyArray<string>
  readonly macroPaths: ReadonlyArray<string>
  readonly vars: Readonly<Record<string, unknown>>
  /** The `models:`, `seeds:` and `data_tests:` trees of dbt_project.yml. */
  readonly modelsConfig: Readonly<Record<string, unknown>>
  readonly seedsConfig: Readonly<Record<string, unknown>>
  readonly testsConfig: Readonly<Record<string, unknown>>
  readonly models: ReadonlyArray<SqlFile>
  readonly seeds: ReadonlyArray<SeedFile>
  readonly singularTests: ReadonlyArray<SqlFile>
  readonly macroFiles: ReadonlyArray<MacroFile>
  readonly macros: ReadonlyArray<MacroDef>
  readonly sources: ReadonlyArray<SourceTable>
  /** Properties of models and seeds by name. */
  readonly properties: ReadonlyMap<string, NodeProperties>
  readonly docs: ReadonlyArray<DocDef>
}

export interface LoadResult {
  readonly project: DbtProject | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic>
}

export interface LoadOptions {
  /** The product whose transforms make the implicit project when there is no dbt_project.yml. */
  readonly product?: DataProduct.DataProduct | undefined
  /**
   * Files the caller has just read (the compile pipeline, for its source hash), by absolute path: used instead of
   * reading them again, so the project compiled is exactly the one hashed.
   */
  readonly files?: ReadonlyMap<string, Uint8Array> | undefined
  /**
   * Called once the models are read and the sources declared (their YAML files are parsed before the other
   * properties files), before the rest of the project is loaded: a compile-time check starts creating the sources
   * meanwhile. Not called when the project cannot be loaded.
   */
  readonly onSources?:
    | ((found: {
        readonly packageName: string
        readonly sources: ReadonlyArray<SourceTable>
        readonly models: ReadonlyArray<SqlFile>
      }) => Effect.Effect<void>)
    | undefined
}

// ---------------------------------------------------------------------------------------------------------------
// small helpers

export const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex")

/** dbt's file checksum: sha256 of the contents with surrounding whitespace removed (Python's str.strip()). */
export const checksumOf = (text: string): Checksum => ({ name: "sha256", checksum: sha256(text.trim()) })

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)
const asRecord = (x: unknown): Record<string, unknown> => (isRecord(x) ? x : {})
const asString = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined)
const asStrings = (x: unknown): Array<string> =>
  typeof x === "string" ? [x] : Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : []
const stem = (file: string): string => (file.split("/").pop() ?? file).replace(/\.[^.]+$/, "")
const dirsOf = (relPath: string): Array<string> => relPath.split("/").slice(0, -1)
const trimSlashes = (p: string): string => p.replace(/^\.\//, "").replace(/\/+$/, "")

/** Config keys of a test entry that may be written next to its arguments. */
const TEST_CONFIG_KEYS = new Set([
  "severity",
  "tags",
  "where",
  "limit",
  "warn_if",
  "error_if",
  "fail_calc",
  "store_failures",
  "store_failures_as",
  "enabled",
  "meta",
  "alias",
  "schema",
  "database",
])

// ---------------------------------------------------------------------------------------------------------------
// properties YAML

interface PropertiesSink {
  readonly diagnostics: Array<Diagnostic>
  readonly properties: Map<string, NodeProperties>
  readonly sources: Array<SourceTable>
  /** The unique_ids in `sources`. */
  readonly sourceIds: Set<string>
}

const parseTests = (
  source: YamlFile,
  raw: unknown,
  path: ReadonlyArray<Yaml.PathSegment>,
  diagnostics: Array<Diagnostic>,
): Array<TestEntry> => {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) {
    diagnostics.push(make("FLOE-E307", "tests must be a list", source.locate(path)))
    return []
  }
  const out: Array<TestEntry> = []
  raw.forEach((entry: unknown, i) => {
    const location = source.locate([...path, i])
    if (typeof entry === "string") {
      out.push({ testName: entry, customName: undefined, kwargs: {}, config: {}, location })
      return
    }
    if (!isRecord(entry)) {
      diagnostics.push(make("FLOE-E307", "a test must be a name or a mapping", location))
      return
    }
    let testName: string | undefined
    let customName: string | undefined
    let body: Record<string, unknown>
    if (typeof entry["test_name"] === "string") {
      testName = entry["test_name"]
      customName = asString(entry["name"])
      const { test_name: _t, name: _n, ...rest } = entry
      body = rest
    } else {
      const keys = Object.keys(entry)
      const [only] = keys
      if (keys.length !== 1 || only === undefined) {
        diagnostics.push(
          make(
            "FLOE-E307",
            `a test mapping must have exactly one key, the test name (found ${keys.length === 0 ? "none" : keys.join(", ")})`,
            location,
          ),
        )
        return
      }
      testName = only
      const inner = entry[only]
      if (inner !== null && inner !== undefined && !isRecord(inner)) {
        diagnostics.push(make("FLOE-E307", `the arguments of test ${only} must be a mapping`, location))
        return
      }
      body = { ...asRecord(inner) }
      customName = asString(body["name"])
      delete body["name"]
    }
    const config: Record<string, unknown> = { ...asRecord(body["config"]) }
    const kwargs: Record<string, unknown> = { ...asRecord(body["arguments"]) }
    for (const [k, v] of Object.entries(body)) {
      if (k === "config" || k === "arguments") continue
      if (TEST_CONFIG_KEYS.has(k)) config[k] = v
      else kwargs[k] = v
    }
    out.push({ testName, customName, kwargs, config, location })
  })
  return out
}

const testsOf = (
  source: YamlFile,
  entry: Record<string, unknown>,
  path: ReadonlyArray<Yaml.PathSegment>,
  diagnostics: Array<Diagnostic>,
): Array<TestEntry> => [
  ...parseTests(source, entry["data_tests"], [...path, "data_tests"], diagnostics),
  ...parseTests(source, entry["tests"], [...path, "tests"], diagnostics),
]

const parseColumns = (
  source: YamlFile,
  raw: unknown,
  path: ReadonlyArray<Yaml.PathSegment>,
  diagnostics: Array<Diagnostic>,
): Array<ColumnProperties> => {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) {
    diagnostics.push(make("FLOE-E307", "columns must be a list", source.locate(path)))
    return []
  }
  const out: Array<ColumnProperties> = []
  raw.forEach((c: unknown, i) => {
    const at = [...path, i]
    if (!isRecord(c) || typeof c["name"] !== "string") {
      diagnostics.push(make("FLOE-E307", "a column needs a `name`", source.locate(at)))
      return
    }
    const config = asRecord(c["config"])
    out.push({
      name: c["name"],
      description: asString(c["description"]) ?? "",
      meta: { ...asRecord(c["meta"]), ...asRecord(config["meta"]) },
      dataType: asString(c["data_type"]),
      tags: [...asStrings(c["tags"]), ...asStrings(config["tags"])],
      quote: typeof c["quote"] === "boolean" ? c["quote"] : undefined,
      tests: testsOf(source, c, at, diagnostics),
    })
  })
  return out
}

const parseNodeList = (source: YamlFile, file: string, key: "models" | "seeds", sink: PropertiesSink): void => {
  const raw = asRecord(source.value)[key]
  if (raw === undefined || raw === null) return
  if (!Array.isArray(raw)) {
    sink.diagnostics.push(make("FLOE-E307", `${key} must be a list`, source.locate([key])))
    return
  }
  raw.forEach((m: unknown, i) => {
    const at = [key, i]
    if (!isRecord(m) || typeof m["name"] !== "string") {
      sink.diagnostics.push(make("FLOE-E307", `an entry of ${key} needs a \`name\``, source.locate(at)))
      return
    }
    const location = source.locate([...at, "name"])
    const existing = sink.properties.get(m["name"])
    if (existing !== undefined) {
      sink.diagnostics.push(
        make(
          "FLOE-E307",
          `${m["name"]} is described twice: here and in ${existing.file}:${existing.location.line ?? 1}`,
          location,
          "Keep one properties entry per model or seed.",
        ),
      )
      return
    }
    const config = asRecord(m["config"])
    sink.properties.set(m["name"], {
      name: m["name"],
      description: asString(m["description"]) ?? "",
      meta: { ...asRecord(m["meta"]), ...asRecord(config["meta"]) },
      config,
      columns: parseColumns(source, m["columns"], [...at, "columns"], sink.diagnostics),
      tests: testsOf(source, m, at, sink.diagnostics),
      file,
      location,
    })
  })
}

const parseSources = (
  source: YamlFile,
  file: string,
  packageName: string,
  fqnDirs: ReadonlyArray<string>,
  sink: PropertiesSink,
): void => {
  const raw = asRecord(source.value)["sources"]
  if (raw === undefined || raw === null) return
  if (!Array.isArray(raw)) {
    sink.diagnostics.push(make("FLOE-E307", "sources must be a list", source.locate(["sources"])))
    return
  }
  raw.forEach((s: unknown, i) => {
    const at = ["sources", i]
    if (!isRecord(s) || typeof s["name"] !== "string") {
      sink.diagnostics.push(make("FLOE-E307", "a source needs a `name`", source.locate(at)))
      return
    }
    const sourceName = s["name"]
    const tables = s["tables"] ?? []
    if (!Array.isArray(tables)) {
      sink.diagnostics.push(make("FLOE-E307", "tables must be a list", source.locate([...at, "tables"])))
      return
    }
    const sourceConfig = asRecord(s["config"])
    tables.forEach((t: unknown, j) => {
      const tat = [...at, "tables", j]
      if (!isRecord(t) || typeof t["name"] !== "string") {
        sink.diagnostics.push(make("FLOE-E307", "a source table needs a `name`", source.locate(tat)))
        return
      }
      const name = t["name"]
      const location = source.locate([...tat, "name"])
      const uniqueId = `source.${packageName}.${sourceName}.${name}`
      if (sink.sourceIds.has(uniqueId)) {
        sink.diagnostics.push(make("FLOE-E307", `source table ${sourceName}.${name} is declared twice`, location))
        return
      }
      const tableConfig = asRecord(t["config"])
      sink.sourceIds.add(uniqueId)
      sink.sources.push({
        uniqueId,
        sourceName,
        name,
        identifier: asString(t["identifier"]) ?? name,
        database: asString(s["database"]) ?? asString(s["catalog"]),
        schema: asString(s["schema"]) ?? sourceName,
        description: asString(t["description"]) ?? "",
        sourceDescription: asString(s["description"]) ?? "",
        loader: asString(s["loader"]) ?? "",
        meta: { ...asRecord(t["meta"]), ...asRecord(tableConfig["meta"]) },
        sourceMeta: { ...asRecord(s["meta"]), ...asRecord(sourceConfig["meta"]) },
        tags: [...new Set([...asStrings(s["tags"]), ...asStrings(t["tags"])])],
        config: { ...sourceConfig, ...tableConfig },
        loadedAtField: asString(t["loaded_at_field"]) ?? asString(s["loaded_at_field"]),
        freshness: t["freshness"] ?? s["freshness"] ?? null,
        columns: parseColumns(source, t["columns"], [...tat, "columns"], sink.diagnostics),
        tests: testsOf(source, t, tat, sink.diagnostics),
        fqn: [packageName, ...fqnDirs, sourceName, name],
        file,
        location,
      })
    })
  })
}

/** A YAML file with nothing but comments and blank lines. dbt accepts those; Yaml.parse calls them empty. */
const isBlankYaml = (text: string): boolean => text.split("\n").every((l) => /^\s*(#.*)?$/.test(l))

// ---------------------------------------------------------------------------------------------------------------
// file access

/** Files read ahead of their turn: the bytes, or why they could not be read. */
type Prefetched = ReadonlyMap<string, Result.Result<Uint8Array, PlatformError>>

/** How many files are read at once when a folder's files are read ahead. */
const READ_CONCURRENCY = 32

interface Reader {
  readonly list: (dir: string) => Effect.Effect<Array<string>>
  /** Reads the bytes of many files concurrently; `read` then decodes them in order (and reports problems). */
  readonly prefetch: (rels: ReadonlyArray<string>) => Effect.Effect<Prefetched>
  readonly read: (rel: string, prefetched?: Prefetched) => Effect.Effect<string | undefined>
  readonly exists: (rel: string) => Effect.Effect<boolean>
  readonly display: (rel: string) => string
}

const makeReader = (root: string, diagnostics: Array<Diagnostic>, known: ReadonlyMap<string, Uint8Array> = new Map()) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const abs = (rel: string) => path.join(root, rel)
    const readBytes = (rel: string): Effect.Effect<Result.Result<Uint8Array, PlatformError>> => {
      const bytes = known.get(abs(rel))
      return bytes === undefined ? Effect.result(fs.readFile(abs(rel))) : Effect.succeed(Result.succeed(bytes))
    }
    const reader: Reader = {
      display: abs,
      exists: (rel) => fs.exists(abs(rel)).pipe(Effect.orElseSucceed(() => false)),
      list: (dir) =>
        fs.readDirectory(abs(dir), { recursive: true }).pipe(
          Effect.map((entries) => entries.map((e) => e.split(path.sep).join("/")).sort()),
          Effect.orElseSucceed(() => []),
        ),
      prefetch: (rels) =>
        Effect.forEach(rels, (rel) => readBytes(rel), { concurrency: READ_CONCURRENCY }).pipe(
          Effect.map(
            (results) => new Map(rels.map((rel, i) => [rel, results[i] as Result.Result<Uint8Array, PlatformError>])),
          ),
        ),
      read: (rel, prefetched) =>
        Effect.gen(function* () {
          const bytes = prefetched?.get(rel) ?? (yield* readBytes(rel))
          if (bytes._tag === "Failure") {
            diagnostics.push(
              Diag.make("FLOE-E100", `${rel} cannot be read: ${bytes.failure.message}`, { file: abs(rel) }),
            )
            return undefined
          }
          const decoded = Yaml.decodeText(bytes.success, abs(rel), MAX_FILE_BYTES)
          diagnostics.push(...decoded.diagnostics)
          return decoded.text
        }),
    }
    return reader
  })

/** A parsed YAML file: its plain value, and where the value at a path is written. */
type YamlFile = BlockYaml.Located

const fullyParsed = (source: Yaml.YamlSource): YamlFile => ({
  value: source.value,
  locate: (path) => Yaml.locate(source, path),
})

/**
 * Parses a YAML file: the plain subset most properties files are written in by the fast reader (locations it is
 * unsure of come from the full parser, run then), anything else by `Yaml.parse`, which reports the problems.
 */
const parseYamlFile = (
  reader: Reader,
  rel: string,
  diagnostics: Array<Diagnostic>,
): Effect.Effect<YamlFile | undefined> =>
  Effect.map(reader.read(rel), (text) => parseYamlText(reader, rel, text, diagnostics))

/** `parseYamlFile` for a text already read. */
const parseYamlText = (
  reader: Reader,
  rel: string,
  text: string | undefined,
  diagnostics: Array<Diagnostic>,
): YamlFile | undefined => {
  if (text === undefined || isBlankYaml(text)) return undefined
  const file = reader.display(rel)
  let full: YamlFile | undefined
  const fallback = (path: ReadonlyArray<Yaml.PathSegment>) => {
    if (full === undefined) {
      const source = Yaml.parse(text, file, MAX_FILE_BYTES).source
      full = source === undefined ? noSource(file) : fullyParsed(source)
    }
    return full.locate(path)
  }
  const fast = Buffer.byteLength(text, "utf8") > MAX_FILE_BYTES ? undefined : BlockYaml.parse(text, file, fallback)
  if (fast !== undefined) return fast
  const parsed = Yaml.parse(text, file, MAX_FILE_BYTES)
  diagnostics.push(...parsed.diagnostics)
  return parsed.source === undefined ? undefined : fullyParsed(parsed.source)
}

/** Never reached (the fast reader accepts only what the full parser accepts); locations then point at line 1. */
const noSource = (file: string): YamlFile => ({ value: undefined, locate: () => ({ file, line: 1, column: 1 }) })

// ---------------------------------------------------------------------------------------------------------------
// dbt_project.yml

interface ProjectSettings {
  readonly name: string
  readonly implicit: boolean
  readonly modelPaths: Array<string>
  readonly seedPaths: Array<string>
  readonly testPaths: Array<string>
  readonly macroPaths: Array<string>
  readonly docsPaths: Array<string> | undefined
  readonly vars: Record<string, unknown>
  readonly modelsConfig: Record<string, unknown>
  readonly seedsConfig: Record<string, unknown>
  readonly testsConfig: Record<string, unknown>
}

const pathList = (
  source: YamlFile,
  key: string,
  fallback: Array<string>,
  diagnostics: Array<Diagnostic>,
): Array<string> => {
  const v = asRecord(source.value)[key]
  if (v === undefined || v === null) return fallback
  if (!Array.isArray(v) || v.some((p) => typeof p !== "string")) {
    diagnostics.push(make("FLOE-E300", `${key} must be a list of folder names`, source.locate([key])))
    return fallback
  }
  const paths = (v as Array<string>).map(trimSlashes)
  for (const [i, p] of paths.entries()) {
    if (p.startsWith("/") || p.split("/").includes("..")) {
      diagnostics.push(
        Diag.make("FLOE-E133", `${key} entry "${p}" leaves the project directory`, source.locate([key, i])),
      )
      return fallback
    }
  }
  return paths
}

const settingsFromFile = (source: YamlFile, diagnostics: Array<Diagnostic>): ProjectSettings | undefined => {
  const v = asRecord(source.value)
  const name = v["name"]
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    diagnostics.push(
      make(
        "FLOE-E300",
        typeof name === "string"
          ? `project name "${name}" must be letters, digits and underscores, starting with a letter`
          : "dbt_project.yml needs a `name`",
        source.locate(["name"]),
        "Set `name:` to the project's name in snake_case, for example `name: my_product`.",
      ),
    )
    return undefined
  }
  const treeOf = (key: string): Record<string, unknown> => {
    const t = v[key]
    if (t === undefined || t === null) return {}
    if (!isRecord(t)) {
      diagnostics.push(make("FLOE-E300", `${key} must be a mapping`, source.locate([key])))
      return {}
    }
    return t
  }
  return {
    name,
    implicit: false,
    modelPaths: pathList(source, "model-paths", ["models"], diagnostics),
    seedPaths: pathList(source, "seed-paths", ["seeds"], diagnostics),
    testPaths: pathList(source, "test-paths", ["tests"], diagnostics),
    macroPaths: pathList(source, "macro-paths", ["macros"], diagnostics),
    docsPaths: v["docs-paths"] === undefined ? undefined : pathList(source, "docs-paths", [], diagnostics),
    vars: treeOf("vars"),
    modelsConfig: treeOf("models"),
    seedsConfig: treeOf("seeds"),
    testsConfig: { ...treeOf("tests"), ...treeOf("data_tests") },
  }
}

const implicitSettings = (root: string, product: DataProduct.DataProduct | undefined): ProjectSettings => {
  const fromDir = (
    root
      .split(/[\\/]/)
      .filter((s) => s !== "" && s !== ".")
      .pop() ?? "project"
  ).replace(/[^A-Za-z0-9_]/g, "_")
  const name = product?.metadata.name.replaceAll("-", "_") ?? fromDir
  const modelPaths = product?.transforms.filter((t) => t.type === "dbt").map((t) => trimSlashes(t.path)) ?? []
  return {
    name,
    implicit: true,
    modelPaths: modelPaths.length > 0 ? modelPaths : ["models"],
    seedPaths: ["seeds"],
    testPaths: ["tests"],
    macroPaths: ["macros"],
    docsPaths: undefined,
    vars: {},
    modelsConfig: {},
    seedsConfig: {},
    testsConfig: {},
  }
}

// ---------------------------------------------------------------------------------------------------------------
// macros

const MACRO_BLOCK = /\{%-?\s*(macro|test)\s+([A-Za-z_][\w]*)[\s\S]*?\{%-?\s*end(?:macro|test)\s*-?%\}/g

const macrosIn = (packageName: string, path: string, text: string): Array<MacroDef> =>
  [...text.matchAll(MACRO_BLOCK)].map((m) => {
    const name = m[1] === "test" ? `test_${m[2] ?? ""}` : (m[2] ?? "")
    return {
      name,
      uniqueId: `macro.${packageName}.${name}`,
      path,
      macroSql: m[0],
      line: lineAt(text, m.index),
    }
  })

// ---------------------------------------------------------------------------------------------------------------

/**
 * Loads the dbt project in `dir`: dbt_project.yml when present, otherwise an implicit project named after the
 * product (`metadata.name` with `-` → `_`) whose model paths are the product's dbt transforms. Never fails:
 * unreadable files, YAML errors, malformed properties and duplicate names are diagnostics; the project is
 * undefined only when dbt_project.yml itself is unusable.
 */
export const load = Effect.fn("Project.load")(function* (dir: string, options: LoadOptions = {}) {
  const diagnostics: Array<Diagnostic> = []
  const reader = yield* makeReader(dir, diagnostics, options.files)

  let settings: ProjectSettings
  if (yield* reader.exists(PROJECT_FILE)) {
    const source = yield* parseYamlFile(reader, PROJECT_FILE, diagnostics)
    const fromFile = source === undefined ? undefined : settingsFromFile(source, diagnostics)
    if (fromFile === undefined) {
      if (source === undefined && diagnostics.length === 0) {
        diagnostics.push(make("FLOE-E300", "dbt_project.yml is empty", { file: reader.display(PROJECT_FILE) }))
      }
      return { project: undefined, diagnostics } satisfies LoadResult
    }
    settings = fromFile
  } else {
    settings = implicitSettings(dir, options.product)
  }
  const pkg = settings.name

  const models: Array<SqlFile> = []
  const seeds: Array<SeedFile> = []
  const singularTests: Array<SqlFile> = []
  const macroFiles: Array<MacroFile> = []
  const docs: Array<DocDef> = []
  const sink: PropertiesSink = { diagnostics, properties: new Map(), sources: [], sourceIds: new Set() }
  const yamlFiles: Array<{ rel: string; resourceRel: string }> = []
  const mdFiles = new Set<string>()
  const seenNames = new Map<string, string>()

  const claimName = (kind: string, name: string, rel: string): boolean => {
    const other = seenNames.get(name)
    if (other !== undefined) {
      diagnostics.push(
        make("FLOE-E304", `${kind} name "${name}" is used by both ${other} and ${rel}`, {
          file: reader.display(rel),
          line: 1,
          column: 1,
        }),
      )
      return false
    }
    seenNames.set(name, rel)
    return true
  }

  for (const modelPath of settings.modelPaths) {
    const entries = yield* reader.list(modelPath)
    // Model files are read ahead concurrently (one at a time, 10,000 reads cost a second); decoded in order below.
    const sqlBytes = yield* reader.prefetch(entries.filter((e) => e.endsWith(".sql")).map((e) => `${modelPath}/${e}`))
    for (const entry of entries) {
      const rel = `${modelPath}/${entry}`
      if (entry.endsWith(".sql")) {
        const text = yield* reader.read(rel, sqlBytes)
        if (text === undefined) continue
        const name = stem(entry)
        if (!claimName("model", name, rel)) continue
        models.push({
          name,
          path: entry,
          originalFilePath: rel,
          fqn: [pkg, ...dirsOf(entry), name],
          rawCode: text,
          checksum: checksumOf(text),
        })
      } else if (entry.endsWith(".yml") || entry.endsWith(".yaml")) {
        yamlFiles.push({ rel, resourceRel: entry })
      } else if (entry.endsWith(".md")) {
        mdFiles.add(rel)
      } else if (entry.endsWith(".py")) {
        diagnostics.push(
          make("FLOE-W301", `Python model ${rel} is not supported by the native engine`, {
            file: reader.display(rel),
          }),
        )
      }
    }
  }

  for (const seedPath of settings.seedPaths) {
    for (const entry of yield* reader.list(seedPath)) {
      const rel = `${seedPath}/${entry}`
      if (entry.endsWith(".csv")) {
        const text = yield* reader.read(rel)
        if (text === undefined) continue
        const name = stem(entry)
        if (!claimName("seed", name, rel)) continue
        seeds.push({
          name,
          path: entry,
          originalFilePath: rel,
          fqn: [pkg, ...dirsOf(entry), name],
          checksum:
            Buffer.byteLength(text, "utf8") > SEED_HASH_LIMIT ? { name: "path", checksum: rel } : checksumOf(text),
        })
      } else if (entry.endsWith(".yml") || entry.endsWith(".yaml")) {
        yamlFiles.push({ rel, resourceRel: entry })
      }
    }
  }

  const readMacroFile = (rel: string) =>
    Effect.gen(function* () {
      const text = yield* reader.read(rel)
      if (text === undefined) return
      const { text: withoutDocs } = extractDocs(text)
      macroFiles.push({ path: rel, text: withoutDocs, macros: macrosIn(pkg, rel, withoutDocs) })
    })

  for (const macroPath of settings.macroPaths) {
    for (const entry of yield* reader.list(macroPath)) {
      const rel = `${macroPath}/${entry}`
      if (entry.endsWith(".sql")) yield* readMacroFile(rel)
      else if (entry.endsWith(".md")) mdFiles.add(rel)
    }
  }

  for (const testPath of settings.testPaths) {
    for (const entry of yield* reader.list(testPath)) {
      const rel = `${testPath}/${entry}`
      if (!entry.endsWith(".sql")) {
        if (entry.endsWith(".yml") || entry.endsWith(".yaml")) yamlFiles.push({ rel, resourceRel: entry })
        continue
      }
      if (entry.startsWith("generic/")) {
        yield* readMacroFile(rel)
        continue
      }
      const text = yield* reader.read(rel)
      if (text === undefined) continue
      const name = stem(entry)
      singularTests.push({
        name,
        path: entry,
        originalFilePath: rel,
        fqn: [pkg, ...dirsOf(entry), name],
        rawCode: text,
        checksum: checksumOf(text),
      })
    }
  }

  for (const docsPath of settings.docsPaths ?? []) {
    for (const entry of yield* reader.list(docsPath)) if (entry.endsWith(".md")) mdFiles.add(`${docsPath}/${entry}`)
  }
  for (const rel of [...mdFiles].sort()) {
    const text = yield* reader.read(rel)
    if (text === undefined) continue
    for (const block of extractDocs(text).docs) {
      docs.push({ name: block.name, uniqueId: `doc.${pkg}.${block.name}`, path: rel, contents: block.contents })
    }
  }

  // The properties files that declare sources are parsed first (in order, so duplicates are found as before), and
  // the sources handed to `onSources`; then the others, and the models and seeds of all of them, in order.
  const yamlTexts: Array<string | undefined> = []
  const parsedEarly = new Map<number, YamlFile | undefined>()
  for (const [i, { rel, resourceRel }] of yamlFiles.entries()) {
    const text = yield* reader.read(rel)
    yamlTexts.push(text)
    if (text === undefined || !text.includes("sources")) continue
    const source = parseYamlText(reader, rel, text, diagnostics)
    parsedEarly.set(i, source)
    if (source !== undefined) parseSources(source, rel, pkg, dirsOf(resourceRel), sink)
  }
  if (options.onSources !== undefined) yield* options.onSources({ packageName: pkg, sources: sink.sources, models })
  for (const [i, { rel, resourceRel }] of yamlFiles.entries()) {
    const early = parsedEarly.has(i)
    const source = early ? parsedEarly.get(i) : parseYamlText(reader, rel, yamlTexts[i], diagnostics)
    if (source === undefined) continue
    parseNodeList(source, rel, "models", sink)
    parseNodeList(source, rel, "seeds", sink)
    if (!early) parseSources(source, rel, pkg, dirsOf(resourceRel), sink)
  }

  const macros: Array<MacroDef> = []
  const macroAt = new Map<string, MacroDef>()
  for (const file of macroFiles) {
    for (const m of file.macros) {
      const other = macroAt.get(m.name)
      if (other !== undefined) {
        diagnostics.push(
          make("FLOE-E309", `macro ${m.name} is defined in both ${other.path}:${other.line} and ${m.path}`, {
            file: reader.display(m.path),
            line: m.line,
            column: 1,
          }),
        )
        continue
      }
      macroAt.set(m.name, m)
      macros.push(m)
    }
  }

  for (const props of sink.properties.values()) {
    if (!seenNames.has(props.name)) {
      diagnostics.push(
        make("FLOE-W302", `${props.file} describes ${props.name}, but there is no model or seed file of that name`, {
          ...props.location,
          file: reader.display(props.file),
        }),
      )
    }
  }

  const project: DbtProject = {
    name: pkg,
    root: dir,
    implicit: settings.implicit,
    modelPaths: settings.modelPaths,
    seedPaths: settings.seedPaths,
    testPaths: settings.testPaths,
    macroPaths: settings.macroPaths,
    vars: settings.vars,
    modelsConfig: settings.modelsConfig,
    seedsConfig: settings.seedsConfig,
    testsConfig: settings.testsConfig,
    models,
    seeds,
    singularTests,
    macroFiles,
    macros,
    sources: sink.sources,
    properties: sink.properties,
    docs,
  }
  return { project, diagnostics } satisfies LoadResult
})
