/**
 * The bridge from the compiler to orchestrators: builds the `Orchestrator.OrchestrationArtifacts` (product, schedule,
 * the DAG of models and seeds with their tests) from what `Compiler.compile` returns, and writes the files an
 * orchestrator generates. `floe orchestrate` calls `fromCompile`, the chosen orchestrator's `generate`, then
 * `writeFiles`; compile stage 6 (`CompilePipeline`'s `orchestrators` option) does the same through a generator
 * built from these three.
 */
import { posix, relative, sep } from "node:path"
import { DataProduct, Fields, type Orchestrator } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"
import * as AtomicFile from "./AtomicFile.ts"
import type { CompileResult } from "./Compiler.ts"
import type { Node } from "./Graph.ts"

/** Directory names (and model-name prefixes) read as layers when a model sits directly in the model path. */
const KNOWN_LAYERS: ReadonlyArray<string> = ["bronze", "silver", "gold", "staging", "intermediate", "marts", "raw"]

const toPosix = (p: string): string => p.split(sep).join("/")

const layerOf = (node: Node): string => {
  if (node.resourceType === "seed") return "seeds"
  // fqn = [project, ...directories under the model path, name]
  const dir = node.fqn.length > 2 ? node.fqn[1] : undefined
  if (dir !== undefined) return dir
  const prefix = node.name.split("_")[0] ?? ""
  return KNOWN_LAYERS.includes(prefix) ? prefix : "default"
}

const severityOf = (node: Node): "error" | "warn" =>
  String(node.config.severity ?? "error").toLowerCase() === "warn" ? "warn" : "error"

/**
 * Builds the orchestration input from a compile result. `dir` is the product directory (what `floe` commands take);
 * `product` is its decoded `floe.yaml`. Returns undefined when the compile produced no graph (errors: the caller
 * reports the compile's diagnostics instead).
 *
 * Ephemeral models are not nodes here (they are inlined into their children), so a child of an ephemeral model
 * depends on the ephemeral model's parents. Generic tests attach to their `attached_node`; a singular test attaches
 * to the node it reads, or — when it reads several — to the one built last.
 */
export const fromCompile = (options: {
  readonly dir: string
  readonly product: DataProduct.DataProduct
  readonly compiled: Pick<CompileResult, "project" | "graph" | "manifestPath">
}): Orchestrator.OrchestrationArtifacts | undefined => {
  const { product, compiled } = options
  const { project, graph } = compiled
  if (project === undefined || graph === undefined) return undefined

  // A plain boolean (not a type guard), so a false result does not narrow a node away.
  const isBuildable = (n: Node | undefined): boolean =>
    n !== undefined &&
    (n.resourceType === "seed" || (n.resourceType === "model" && n.config.materialized !== "ephemeral"))
  const position = new Map(graph.order.map((id, i) => [id, i]))

  // Upstream buildable nodes, looking through ephemeral models.
  const upstream = (id: string, seen = new Set<string>()): ReadonlyArray<string> => {
    const out: Array<string> = []
    for (const parent of graph.parents.get(id) ?? []) {
      if (seen.has(parent)) continue
      seen.add(parent)
      const node = graph.nodes.get(parent)
      if (isBuildable(node)) out.push(parent)
      else if (node?.resourceType === "model") out.push(...upstream(parent, seen))
    }
    return out
  }
  const sourcesOf = (id: string, seen = new Set<string>()): ReadonlyArray<string> => {
    const out: Array<string> = []
    for (const parent of graph.parents.get(id) ?? []) {
      if (seen.has(parent)) continue
      seen.add(parent)
      if (parent.startsWith("source.")) out.push(parent.split(".").slice(2).join("."))
      const node = graph.nodes.get(parent)
      if (node?.resourceType === "model" && !isBuildable(node)) out.push(...sourcesOf(parent, seen))
    }
    return out
  }

  const tests = new Map<string, Array<Orchestrator.OrchestrationTest>>()
  for (const id of graph.order) {
    const node = graph.nodes.get(id)
    if (node?.resourceType !== "test") continue
    let target: string | undefined
    if (node.test !== undefined) target = node.test.attachedNode ?? undefined
    else {
      const parents = upstream(id)
      target = [...parents].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0)).at(-1)
    }
    if (target === undefined || !isBuildable(graph.nodes.get(target))) continue
    const list = tests.get(target) ?? []
    list.push({
      uniqueId: node.uniqueId,
      name: node.name,
      kind: node.test === undefined ? "singular" : "generic",
      testName: node.test?.metadata.name ?? node.name,
      column: node.test?.columnName ?? undefined,
      severity: severityOf(node),
    })
    tests.set(target, list)
  }

  const models: Array<Orchestrator.OrchestrationModel> = []
  for (const id of graph.order) {
    const node = graph.nodes.get(id)
    if (node === undefined || !isBuildable(node)) continue
    const description = project.properties.get(node.name)?.description
    models.push({
      uniqueId: node.uniqueId,
      resourceType: node.resourceType === "seed" ? "seed" : "model",
      name: node.name,
      fqn: node.fqn,
      layer: layerOf(node),
      path: toPosix(node.originalFilePath),
      materialized: node.resourceType === "seed" ? "seed" : String(node.config.materialized ?? "view"),
      description: description === undefined || description === "" ? undefined : description,
      dependsOn: [...new Set(upstream(id))].sort(),
      sources: [...new Set(sourcesOf(id))].sort(),
      tests: [...(tests.get(id) ?? [])].sort((a, b) => a.uniqueId.localeCompare(b.uniqueId)),
    })
  }

  const projectDir = toPosix(relative(options.dir, project.root)) || "."
  const manifestPath =
    compiled.manifestPath === undefined
      ? posix.join(projectDir, "target", "manifest.json")
      : toPosix(relative(options.dir, compiled.manifestPath))
  return {
    product: {
      name: product.metadata.name,
      version: product.metadata.version,
      id: DataProduct.productId(product),
      domain: product.metadata.domain,
      owner: product.metadata.owner,
      description: product.metadata.description,
    },
    schedule:
      product.schedule === undefined
        ? undefined
        : { cron: Fields.expandCron(product.schedule.cron), timezone: product.schedule.timezone },
    project: { name: project.name, dir: projectDir, manifestPath },
    models,
  }
}

/**
 * Writes generated files (paths relative to `dir`, as `Orchestrator.generate` returns them; `dir` is the product's
 * `Orchestrator.outputDirectory(type)`), each atomically: the content goes to a temporary file beside the target,
 * then is renamed over it, so a reader never sees half a file. Returns the absolute paths written. Fails with the
 * file system's error.
 */
export const writeFiles = (
  dir: string,
  files: Orchestrator.GeneratedFiles,
): Effect.Effect<ReadonlyArray<string>, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const written: Array<string> = []
    for (const [file, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
      // A generator bug, not user input: the conformance suite keeps adapters from doing this.
      if (!Fields.isContainedPath(file)) return yield* Effect.die(new Error(`generated path escapes ${dir}: ${file}`))
      const target = path.join(dir, ...file.split("/"))
      yield* AtomicFile.write(fs, path, target, content)
      written.push(target)
    }
    return written
  })
