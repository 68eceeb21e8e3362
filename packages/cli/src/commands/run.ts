/**
 * `floe run [dir]`: compiles the product and runs it on the embedded defaults (DuckDB at .floe/warehouse.duckdb,
 * lineage to .floe/lineage/events.ndjson), rendering the guide's four stages as work finishes. Ctrl-C cancels
 * running statements and records the run so `--retry-failed` resumes it; a second Ctrl-C exits at once.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { intFlag, parseVars } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import * as LiveStatus from "../LiveStatus.ts"
import { renderInvalid, seconds } from "../Render.ts"
import { runPipeline } from "../RunPipeline.ts"

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

  // The live line, while there is one: Ctrl-C erases it before saying what it does.
  let liveNow: LiveStatus.LiveStatus | undefined
  const program = Effect.scoped(
    Effect.gen(function* () {
      // On a terminal, a live line shows the stage, what is running and for how long, once a stage takes over 1 s.
      const live = LiveStatus.wanted(io.terminal, { json, quiet }, process.env)
        ? yield* LiveStatus.make({ terminal: io.terminal, color: c, title: "Starting runtime" })
        : undefined
      liveNow = live
      return yield* runPipeline({
        dir,
        threads,
        vars,
        select,
        exclude,
        retryFailed,
        fullRefresh,
        warnError,
        quiet,
        color: c,
        out: live?.print ?? out,
        live,
      })
    }),
  )

  const fiber = Effect.runFork(program)
  let interrupts = 0
  const onSigint = () => {
    interrupts++
    if (interrupts > 1) process.exit(ExitCode.interrupted)
    liveNow?.print("")
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
    else io.stdout(renderInvalid(value.diagnostics, io, "Pipeline FAILED"))
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
        contracts: {
          enforcement: value.contracts.mode ?? null,
          blocked: value.contracts.blocked,
          checks: value.contracts.results.map((x) => ({ type: x.type, summary: x.summary })),
          violations: value.contracts.violations.map(({ _tag, ...v }) => v),
        },
        output_ports: value.publishing.publications.map((p) => ({
          port: p.port,
          table: p.table,
          status: p.status,
          snapshot_id: p.snapshotId ?? null,
          metadata_location: p.metadataLocation ?? null,
          added_records: p.addedRecords ?? null,
          total_records: p.totalRecords ?? null,
          message: p.message ?? null,
          diagnostics: p.diagnostics,
        })),
        ...(value.publishing.diagnostics.length > 0 ? { diagnostics: value.publishing.diagnostics } : {}),
      })}\n`,
    )
    return r.status === "success" && !value.contracts.blocked && !value.publishing.failed
      ? ExitCode.ok
      : ExitCode.failed
  }
  if (value.dropped > 0)
    io.stderr(`${style.yellow(c, `warning: ${value.dropped} OpenLineage events could not be delivered`)}\n`)
  if (r.status === "success" && value.contracts.blocked) {
    const n = value.contracts.violations.length
    io.stdout(
      `\n${style.red(c, "Pipeline FAILED")} ${style.dim(c, `(${seconds(elapsed)})`)}: ${n} contract violation${n === 1 ? "" : "s"} (block mode)\n`,
    )
    return ExitCode.failed
  }
  if (r.status === "success" && value.publishing.failed) {
    const n = value.publishing.publications.filter((p) => p.status === "failed").length
    io.stdout(
      `\n${style.red(c, "Pipeline FAILED")} ${style.dim(c, `(${seconds(elapsed)})`)}: ${n === 0 ? "output ports" : `${n} output port${n === 1 ? "" : "s"}`} not published (see above); the tables keep their previous snapshot\n`,
    )
    return ExitCode.failed
  }
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
