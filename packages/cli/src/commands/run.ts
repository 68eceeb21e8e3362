/**
 * `floe run [dir]`: compiles the product and runs it on the embedded defaults (DuckDB at .floe/warehouse.duckdb,
 * lineage to .floe/lineage/events.ndjson), rendering the guide's four stages as work finishes. Ctrl-C cancels
 * running statements and records the run so `--retry-failed` resumes it; a second Ctrl-C exits at once.
 */
import { join } from "node:path"
import { Compiler, Selection } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Lineage, Run, RunState } from "@floe/runtime"
import { DataProduct, Diagnostic, Loader } from "@floe/spec"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import { UsageError } from "../Args.ts"
import { ExitCode, VERSION } from "../Cli.ts"
import { intFlag, LINEAGE_FILE, parseVars, platform, WAREHOUSE } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import { renderDiagnostics, seconds } from "../Render.ts"

const list = (v: string | true | undefined): Array<string> => (typeof v === "string" ? [v] : [])

export const run = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  if (args.positionals.length > 1) throw new UsageError(`run takes one directory, got ${args.positionals.length}`)
  const dir = args.positionals[0] ?? "."
  const json = args.flags.has("json")
  const quiet = args.flags.has("quiet")
  const threads = intFlag(args.flags.get("threads"), "threads", 4)
  const vars = parseVars(args.flags.get("vars"))
  const select = list(args.flags.get("select"))
  const exclude = list(args.flags.get("exclude"))
  const retryFailed = args.flags.has("retry-failed")
  const fullRefresh = args.flags.has("full-refresh")
  const warnError = args.flags.has("warn-error")
  if (retryFailed && (select.length > 0 || exclude.length > 0)) {
    throw new UsageError(
      "--retry-failed reruns the last run's failed and skipped nodes; it takes no --select or --exclude",
    )
  }
  const c = io.color
  const out = (s: string) => {
    if (!json) io.stdout(s)
  }
  const started = performance.now()

  const program = Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    out(`${style.bold(c, "[1/4] Starting runtime")}\n`)
    const loaded = yield* Loader.loadProduct(dir)
    if (loaded.value === undefined) return { _tag: "Invalid" as const, diagnostics: loaded.diagnostics }
    const product = loaded.value
    const compiled = yield* Compiler.compile(dir, { product, vars, env: process.env })
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
    const warehouse = path.join(dir, WAREHOUSE)
    yield* fs.makeDirectory(path.dirname(warehouse), { recursive: true })
    out(
      [
        `  Product: ${product.metadata.name} ${product.metadata.version} (${DataProduct.productId(product)})`,
        `  Compute: duckdb (${warehouse}), ${threads} thread${threads === 1 ? "" : "s"}`,
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
      renderOptions: { vars, env: process.env },
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
        }),
    })
    out(
      `${style.bold(c, "[4/4] Validating contracts")}\n  ${style.dim(c, "- skipped: contract checks after a run are not available in this version")}\n`,
    )
    return { _tag: "Ran" as const, result, dropped: emitter.dropped() }
  }).pipe(
    Effect.scoped,
    Effect.provide(
      Layer.mergeAll(
        DuckDBCompute.layer({ path: join(dir, WAREHOUSE), threads }),
        Lineage.layerFile(join(dir, LINEAGE_FILE)).pipe(Layer.provide(platform)),
        platform,
      ),
    ),
  )

  const fiber = Effect.runFork(program)
  let interrupts = 0
  const onSigint = () => {
    interrupts++
    if (interrupts > 1) process.exit(ExitCode.interrupted)
    if (!json)
      io.stderr(`\n${style.yellow(c, "Interrupted: cancelling running statements (Ctrl-C again to exit now)…")}\n`)
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.on("SIGINT", onSigint)
  const exit = await Effect.runPromise(Fiber.await(fiber))
  process.off("SIGINT", onSigint)
  const elapsed = (performance.now() - started) / 1000

  if (Exit.isFailure(exit)) {
    if (Cause.hasInterruptsOnly(exit.cause)) {
      if (json) io.stdout(`${JSON.stringify({ status: "interrupted" })}\n`)
      else io.stdout(`\n${style.yellow(c, "Pipeline INTERRUPTED")} — resume with: floe run --retry-failed\n`)
      return ExitCode.interrupted
    }
    throw Cause.squash(exit.cause)
  }
  const value = exit.value
  if (value._tag === "Invalid") {
    if (json) io.stdout(`${JSON.stringify({ status: "invalid", diagnostics: value.diagnostics })}\n`)
    else
      io.stdout(
        `${renderDiagnostics(value.diagnostics, io)}\n\n${style.red(c, "Pipeline FAILED")}: the product does not compile; run floe validate for details\n`,
      )
    return ExitCode.failed
  }
  if (value._tag === "Nothing") {
    if (json) io.stdout(`${JSON.stringify({ status: "nothing", message: value.message })}\n`)
    else io.stdout(`  ${value.message}\n`)
    return ExitCode.ok
  }
  const r = value.result
  if (json) {
    io.stdout(
      `${JSON.stringify({
        status: r.status,
        run_id: r.runId,
        seconds: r.seconds,
        nodes: r.nodes.map((n) => ({
          unique_id: n.uniqueId,
          status: n.status,
          rows: n.rows ?? null,
          seconds: n.seconds,
          message: n.message ?? null,
        })),
        tests: r.tests.map((t) => ({ unique_id: t.uniqueId, status: t.status, failures: t.failures ?? null })),
      })}\n`,
    )
    return r.status === "success" ? ExitCode.ok : ExitCode.failed
  }
  if (value.dropped > 0)
    io.stderr(`${style.yellow(c, `warning: ${value.dropped} OpenLineage events could not be delivered`)}\n`)
  if (r.status === "success") {
    io.stdout(`\n${style.green(c, "Pipeline COMPLETE")} ${style.dim(c, `(${seconds(elapsed)})`)}\n`)
    return ExitCode.ok
  }
  const failedModels = r.nodes.filter((n) => n.status === "error").length
  const skipped = r.nodes.filter((n) => n.status === "skipped").length
  const failedTests = r.tests.filter((t) => t.status === "fail" || t.status === "error").length
  io.stdout(
    [
      "",
      `${style.red(c, "Pipeline FAILED")} ${style.dim(c, `(${seconds(elapsed)})`)}: ${failedModels} model${failedModels === 1 ? "" : "s"} failed, ${skipped} skipped, ${failedTests} test${failedTests === 1 ? "" : "s"} failed`,
      `  Fix the errors above, then rerun only what failed: floe run --retry-failed`,
      "",
    ].join("\n"),
  )
  return ExitCode.failed
}
