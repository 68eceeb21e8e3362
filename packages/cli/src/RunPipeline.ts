/**
 * The pipeline behind `floe run`: load and compile the product, select nodes, execute them on the compute the
 * platform chooses (the embedded DuckDB at .floe/warehouse.duckdb by default, or PostgreSQL; lineage to
 * .floe/lineage/events.ndjson) and render the guide's four
 * stages through `out` as work finishes. `floe run` calls it once; `floe serve` calls it on every scheduled tick,
 * so both run exactly the same code path. It decides nothing about exit codes or the final summary: callers do.
 */
import { join } from "node:path"
import { Compiler, Selection, Validate } from "@floe/compiler"
import { OciPlatformSource } from "@floe/platform-oci"
import { Lineage, Run, RunState } from "@floe/runtime"
import { Compute, DataProduct, Diagnostic, Loader } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import { VERSION } from "./Cli.ts"
import { contractStage } from "./commands/monitor.ts"
import { chooseCompute, LINEAGE_FILE, ociConfig, platform } from "./Embedded.ts"
import { style } from "./Io.ts"
import type { LiveStatus } from "./LiveStatus.ts"
import { publishStage } from "./Publishing.ts"
import { seconds } from "./Render.ts"

/** A compute engine that cannot be opened is the user's to fix (configuration, server, password), not a crash. */
const computeUnavailable = (e: Compute.ComputeError) => ({
  _tag: "Invalid" as const,
  diagnostics: [Diagnostic.make("FLOE-E801", `the compute engine cannot be opened: ${e.message}`)],
})

/** What `floe run` was asked to do, already parsed from its flags. */
export interface RunPipelineOptions {
  readonly dir: string
  readonly threads: number
  readonly vars: Readonly<Record<string, unknown>> | undefined
  readonly select: ReadonlyArray<string>
  readonly exclude: ReadonlyArray<string>
  readonly retryFailed: boolean
  readonly fullRefresh: boolean
  readonly warnError: boolean
  readonly quiet: boolean
  /** Whether `out` may receive ANSI colours. */
  readonly color: boolean
  /** Where the stage lines go (callers pass a no-op for `--json`). */
  readonly out: (text: string) => void
  /** The live status line, on a terminal: fed the run's progress and told when the contracts stage begins. */
  readonly live?: LiveStatus | undefined
}

/**
 * Runs the product once, as `floe run` does. Succeeds with `Invalid` (the product does not compile or the selection
 * is wrong: diagnostics), `Nothing` (`--retry-failed` with nothing to retry) or `Ran` (the run result, failed or
 * not); fails only with unexpected I/O or engine errors. Interrupting it cancels running statements and records
 * the run so `--retry-failed` resumes it.
 */
export const runPipeline = (options: RunPipelineOptions) => {
  const { dir, threads, vars, select, exclude, retryFailed, fullRefresh, warnError, quiet, out, live } = options
  const c = options.color
  return Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    out(`${style.bold(c, "[1/4] Starting runtime")}\n`)
    const loaded = yield* Loader.loadProduct(dir)
    if (loaded.value === undefined) return { _tag: "Invalid" as const, diagnostics: loaded.diagnostics }
    const product = loaded.value
    // The platform decides where the product runs: DuckDB (embedded) or PostgreSQL; the dbt target follows it.
    const oci = yield* OciPlatformSource.make(ociConfig(process.env, false))
    const resolved = yield* Validate.resolveProductPlatform(loaded, dir, { platformSources: [oci] })
    const chosen = yield* Effect.result(chooseCompute(resolved.platform, dir, threads, process.env))
    if (chosen._tag === "Failure") return computeUnavailable(chosen.failure)
    const choice = chosen.success
    const target = choice.target
    const compiled = yield* Compiler.compile(dir, { product, vars, env: process.env, target })
    if (compiled.project === undefined || compiled.graph === undefined || Diagnostic.hasErrors(compiled.diagnostics)) {
      return {
        _tag: "Invalid" as const,
        diagnostics: Diagnostic.sort([...loaded.diagnostics, ...compiled.diagnostics]),
      }
    }
    let selected: ReadonlySet<string> | undefined
    if (retryFailed) {
      const last = yield* RunState.latest(fs, path, dir)
      if (last === undefined) return { _tag: "Nothing" as const, message: "There is no earlier run to retry." }
      selected = RunState.toRetry(last)
      if (selected.size === 0)
        return { _tag: "Nothing" as const, message: `The last run (${last.runId}) had no failures.` }
    } else if (select.length > 0 || exclude.length > 0) {
      const s = Selection.select(compiled.project, compiled.graph, { select, exclude })
      if (Diagnostic.hasErrors(s.diagnostics)) return { _tag: "Invalid" as const, diagnostics: s.diagnostics }
      selected = new Set(s.selected)
    }
    const opened = yield* Effect.result(choice.make)
    if (opened._tag === "Failure") return computeUnavailable(opened.failure)
    const compute = opened.success
    out(
      [
        `  Product: ${product.metadata.name} ${product.metadata.version} (${DataProduct.productId(product)})`,
        `  Compute: ${choice.type} (${choice.where}), ${threads} thread${threads === 1 ? "" : "s"}`,
        `  Lineage: file (${path.join(dir, LINEAGE_FILE)})`,
        `${style.bold(c, "[2/4] Executing transforms")}\n`,
      ].join("\n"),
    )
    const emitter = yield* Lineage.makeEmitter()
    const result = yield* Run.run({
      project: compiled.project,
      graph: compiled.graph,
      selected,
      threads,
      fullRefresh,
      warnError,
      renderOptions: { vars, env: process.env, target },
      dir,
      namespace: DataProduct.productId(product),
      productName: product.metadata.name,
      floeVersion: VERSION,
      args: { select, exclude, full_refresh: fullRefresh, retry_failed: retryFailed },
      emitter,
      onProgress: (e) =>
        Effect.sync(() => {
          if (e._tag === "NodeFinished") {
            const o = e.outcome
            const ok = o.status === "success"
            const lines = [
              `  ${ok ? style.green(c, "▶") : style.red(c, "✗")} ${o.name} ${style.dim(c, `(${seconds(o.seconds)})`)}`,
            ]
            if (ok && o.rows !== undefined && !quiet) lines.push(`    Rows: ${o.rows}`)
            if (ok && !quiet) lines.push(`    OpenLineage: COMPLETE`)
            if (!ok) lines.push(`    ${style.red(c, o.message ?? "failed")}`)
            out(`${lines.join("\n")}\n`)
          } else if (e._tag === "TestsStarted") {
            out(`${style.bold(c, "[3/4] Running quality checks")}\n`)
            if (e.count === 0) out(`  ${style.dim(c, "- no tests")}\n`)
          } else if (e._tag === "TestFinished") {
            const t = e.outcome
            const mark =
              t.status === "pass"
                ? style.green(c, "✓")
                : t.status === "warn"
                  ? style.yellow(c, "⚠")
                  : t.status === "skipped"
                    ? style.dim(c, "-")
                    : style.red(c, "✗")
            if (quiet && (t.status === "pass" || t.status === "skipped")) return
            const model = t.attachedNode?.split(".").pop()
            const what = `${t.testName}${t.column ? `: ${t.column}` : ""}${model && t.testName !== t.name ? ` [${model}]` : ""}`
            const detail = t.failures !== undefined && t.failures > 0 ? `${t.status}, ${t.failures} failing` : t.status
            out(
              `  ${mark} ${what} (${detail})${t.status === "error" || t.status === "skipped" ? ` ${style.dim(c, t.message ?? "")}` : ""}\n`,
            )
          }
        }).pipe(Effect.andThen(live?.onRun(e) ?? Effect.void)),
    }).pipe(Effect.provideService(Compute.Compute, compute))
    if (live !== undefined) yield* live.stage("Validating contracts")
    out(`${style.bold(c, "[4/4] Validating contracts")}\n`)
    const contracts = yield* contractStage({ dir, product, compiled, result, emitter, color: c }).pipe(
      Effect.provideService(Compute.Compute, compute),
    )
    out(contracts.text)
    const publishing = yield* publishStage({
      dir,
      product,
      platform: resolved.platform,
      compiled,
      result,
      fullRefresh,
      contractVersion: contracts.contractVersion,
      blocked: contracts.blocked,
      color: c,
      emitter,
    }).pipe(Effect.provideService(Compute.Compute, compute))
    out(publishing.text)
    // The run flushed its own events; the contract checks' and the publish jobs' came after.
    yield* emitter.flush()
    return { _tag: "Ran" as const, result, dropped: emitter.dropped(), contracts, publishing }
  }).pipe(
    Effect.scoped,
    Effect.provide(Layer.mergeAll(Lineage.layerFile(join(dir, LINEAGE_FILE)).pipe(Layer.provide(platform)), platform)),
  )
}

/** What one pipeline run ended with. */
export type PipelineOutcome = Effect.Success<ReturnType<typeof runPipeline>>
