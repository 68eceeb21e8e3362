/**
 * The dbt half of `floe compile` and of `floe validate` stage 2: load the project, build the graph, and write
 * `target/manifest.json`. Returns the diagnostics and the counts the CLI prints (`✓ Tests discovered: N`).
 */
import { randomUUID } from "node:crypto"
import { type Compute, type DataProduct, Diagnostic as Diag } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"
import * as Queue from "effect/Queue"
import * as Binder from "./Binder.ts"
import * as Graph from "./Graph.ts"
import { defaultTarget, type Target } from "./Jinja.ts"
import * as Manifest from "./Manifest.ts"
import * as Project from "./Project.ts"

export interface CompileOptions {
  /** The product whose transforms make the implicit project when there is no dbt_project.yml. */
  readonly product?: DataProduct.DataProduct | undefined
  readonly target?: Partial<Target> | undefined
  /** `--vars`. */
  readonly vars?: Readonly<Record<string, unknown>> | undefined
  /** What `env_var()` reads; the host passes process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Where manifest.json goes, relative to the project directory; default `target`. */
  readonly targetPath?: string | undefined
  /** False: build everything but write nothing (`floe validate`). Default true. */
  readonly write?: boolean | undefined
  /**
   * A scratch compute engine for the compile-time SQL check (a throwaway in-memory DuckDB named like the
   * warehouse): every model is bound without producing rows, so "Models compile" means the engine accepted it,
   * and `columns` holds each model's output columns. Without it, SQL is rendered but not checked.
   */
  readonly compute?: Compute.ComputeShape | undefined
  /** Files already read, by absolute path (see Project.LoadOptions.files). */
  readonly files?: ReadonlyMap<string, Uint8Array> | undefined
}

export interface CompileCounts {
  readonly models: number
  /** Models whose SQL rendered (ephemeral models included). */
  readonly modelsCompiled: number
  readonly seeds: number
  /** Generic plus singular tests. */
  readonly tests: number
  readonly genericTests: number
  readonly singularTests: number
  readonly sources: number
  readonly macros: number
  /** Models the compute engine accepted at compile time (0 without a compute). */
  readonly modelsBound: number
}

export interface CompileResult {
  readonly diagnostics: ReadonlyArray<Diag.Diagnostic>
  readonly counts: CompileCounts
  /** Absolute path of the written manifest; undefined when nothing was written (errors, or `write: false`). */
  readonly manifestPath: string | undefined
  readonly project: Project.DbtProject | undefined
  readonly graph: Graph.Graph | undefined
  /** The manifest as data (the one written, when it was): built on first read. */
  readonly manifest: Manifest.Manifest | undefined
  /** Output columns of models and seeds, from the compile-time binding (empty without a compute). */
  readonly columns: ReadonlyMap<string, ReadonlyArray<Compute.Column>>
}

const noCounts: CompileCounts = {
  models: 0,
  modelsCompiled: 0,
  seeds: 0,
  tests: 0,
  genericTests: 0,
  singularTests: 0,
  sources: 0,
  macros: 0,
  modelsBound: 0,
}

/**
 * Compiles the dbt project in `dir`: loads it, renders and links every node, and writes `target/manifest.json`
 * (atomically) unless there are errors or `write` is false. Problems in the project are diagnostics, sorted by
 * file and line; the Effect fails only when the manifest cannot be written (a file-system error).
 */
export const compile = (
  dir: string,
  options: CompileOptions = {},
): Effect.Effect<CompileResult, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const compute = options.compute
    const target = { ...defaultTarget, ...options.target }
    // The compile-time check runs beside everything else: the engine creates the sources while the rest of the
    // project loads and the models render, binds each level of models as soon as it is rendered (while the tests
    // render), and the rest while the manifest is built and written to its temporary file, which is put in place
    // only when nothing failed. The sources' schemas are made as soon as the sources are known (a few round trips);
    // the tables of the sources the models name are created by a script already running when `setup` returns (any
    // other source is created when a model reads it).
    let setup: Binder.Setup | undefined
    const loaded = yield* Project.load(dir, {
      product: options.product,
      files: options.files,
      onSources:
        compute === undefined
          ? undefined
          : (found) =>
              Effect.map(
                Binder.setup(
                  found.sources,
                  compute,
                  target.database,
                  Binder.sourcesNamed(found.packageName, found.models),
                ),
                (started) => {
                  setup = started
                },
              ),
    })
    const project = loaded.project
    if (project === undefined) {
      return {
        diagnostics: Diag.sort(loaded.diagnostics),
        counts: noCounts,
        manifestPath: undefined,
        project: undefined,
        graph: undefined,
        manifest: undefined,
        columns: new Map(),
      } satisfies CompileResult
    }
    const batches = yield* Queue.unbounded<ReadonlyArray<Graph.Node> | undefined>()
    const binding =
      compute === undefined || setup === undefined
        ? undefined
        : yield* Effect.forkChild(Binder.bindBatches(project, compute, setup, Queue.take(batches)), {
            startImmediately: true,
          })
    const built = yield* Graph.build(
      project,
      { target: options.target, vars: options.vars, env: options.env },
      { onNodes: compute === undefined ? undefined : (nodes) => Queue.offerUnsafe(batches, nodes) },
    )
    Queue.offerUnsafe(batches, undefined)
    const buildErrors = Diag.hasErrors(loaded.diagnostics) || Diag.hasErrors(built.diagnostics)
    const nodes = [...built.graph.nodes.values()]
    const models = nodes.filter((n) => n.resourceType === "model")
    const genericTests = nodes.filter((n) => n.resourceType === "test" && n.test !== undefined).length
    const singularTests = nodes.filter((n) => n.resourceType === "test" && n.test === undefined).length
    const counts: CompileCounts = {
      models: models.length,
      modelsCompiled: models.filter((n) => n.compiledCode !== undefined).length,
      seeds: nodes.filter((n) => n.resourceType === "seed").length,
      tests: genericTests + singularTests,
      genericTests,
      singularTests,
      sources: project.sources.length,
      macros: project.macros.length,
      modelsBound: 0,
    }
    const now = yield* Clock.currentTimeMillis
    const manifestOptions: Manifest.ManifestOptions = {
      target: options.target,
      generatedAt: new Date(now).toISOString(),
      invocationId: randomUUID(),
    }
    // The file is written from the manifest's text built node by node; the object is built only if asked for.
    const file = path.resolve(dir, options.targetPath ?? "target", "manifest.json")
    const staged =
      options.write !== false && !buildErrors
        ? yield* Manifest.stageText(
            file,
            Manifest.chunks(project, built.graph, manifestOptions),
            manifestOptions.invocationId,
          )
        : undefined
    const bound = binding === undefined ? undefined : yield* Fiber.join(binding)
    const diagnostics = Diag.sort([...loaded.diagnostics, ...built.diagnostics, ...(bound?.diagnostics ?? [])])
    let manifestPath: string | undefined
    if (staged !== undefined) {
      if (Diag.hasErrors(diagnostics)) yield* staged.discard
      else {
        yield* staged.commit
        manifestPath = file
      }
    }
    let manifest: Manifest.Manifest | undefined
    return {
      diagnostics,
      counts: { ...counts, modelsBound: bound?.bound ?? 0 },
      manifestPath,
      project,
      graph: built.graph,
      get manifest() {
        manifest ??= Manifest.make(project, built.graph, manifestOptions)
        return manifest
      },
      columns: bound?.columns ?? new Map(),
    } satisfies CompileResult
  })
