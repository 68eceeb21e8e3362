/**
 * `floe serve [dir]`: keeps the product on its `schedule` with the local orchestrator. Each tick runs exactly what
 * `floe run` runs (`RunPipeline.runPipeline`); each run is logged with its start, result, duration and the next run.
 * The last run is remembered in .floe/schedule/state.json, so a restart after downtime catches up once. Ctrl-C once
 * finishes the current run and exits; Ctrl-C twice cancels it. `--once-now` fires one tick now and exits (smoke tests,
 * cron-less hosts).
 */
import { join } from "node:path"
import { Compiler, Orchestration } from "@floe/compiler"
import { LocalOrchestrator } from "@floe/orchestrator-local"
import { Diagnostic, Loader, Orchestrator } from "@floe/spec"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { intFlag, parseVars, platform } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import { renderInvalid, seconds } from "../Render.ts"
import { type PipelineOutcome, runPipeline } from "../RunPipeline.ts"

/** `2026-03-29 06:00 Europe/London (05:00Z)`: local wall time in the product's zone, with the UTC instant. */
const when = (at: Date, timezone: string): string => {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ""
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} ${timezone} (${at.toISOString().slice(11, 16)}Z)`
}

const outcomeOf = (outcome: PipelineOutcome): Orchestrator.JobResult => {
  if (outcome._tag === "Invalid") return { ok: false, summary: "the product does not compile; run floe validate" }
  if (outcome._tag === "Nothing") return { ok: true, summary: outcome.message }
  const r = outcome.result
  const failedModels = r.nodes.filter((n) => n.status === "error").length
  const failedTests = r.tests.filter((t) => t.status === "fail" || t.status === "error").length
  return r.status === "success"
    ? { ok: true, summary: `${r.nodes.length} nodes, ${r.tests.length} tests (run ${r.runId})` }
    : { ok: false, summary: `${failedModels} models failed, ${failedTests} tests failed (run ${r.runId})` }
}

export const serve = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  if (args.positionals.length > 1) throw new UsageError(`serve takes one directory, got ${args.positionals.length}`)
  const dir = args.positionals[0] ?? "."
  const json = args.flags.has("json")
  const quiet = args.flags.has("quiet")
  const threads = intFlag(args.flags.get("threads"), "threads", 4)
  const vars = parseVars(args.flags.get("vars"))
  const onceNow = args.flags.has("once-now")
  const catchUpFlag = args.flags.get("catch-up") ?? "once"
  if (catchUpFlag !== "once" && catchUpFlag !== "skip")
    throw new UsageError(`--catch-up takes once or skip, got ${String(catchUpFlag)}`)
  const c = io.color
  const log = (text: string, event: Record<string, unknown>) => {
    if (json) io.stdout(`${JSON.stringify(event)}\n`)
    else io.stdout(`${text}\n`)
  }

  // Compile once up front: the schedule and the product id come from it, and a broken product fails fast.
  const prepare = Effect.gen(function* () {
    const loaded = yield* Loader.loadProduct(dir)
    if (loaded.value === undefined) return { _tag: "Invalid" as const, diagnostics: loaded.diagnostics }
    const product = loaded.value
    const compiled = yield* Compiler.compile(dir, { product, vars, env: process.env, write: false })
    const artifacts = Orchestration.fromCompile({ dir, product, compiled })
    if (artifacts === undefined || Diagnostic.hasErrors(compiled.diagnostics))
      return {
        _tag: "Invalid" as const,
        diagnostics: Diagnostic.sort([...loaded.diagnostics, ...compiled.diagnostics]),
      }
    return { _tag: "Ready" as const, artifacts }
  })

  const job: Orchestrator.Job = () =>
    Effect.map(
      runPipeline({
        dir,
        threads,
        vars,
        select: [],
        exclude: [],
        retryFailed: false,
        fullRefresh: false,
        warnError: false,
        quiet,
        color: c,
        out: (s) => {
          if (!json && !quiet) io.stdout(s.replace(/^(?=.)/gm, "    "))
        },
      }),
      outcomeOf,
    )

  const onEvent =
    (timezone: string) =>
    (e: Orchestrator.ScheduleEvent): Effect.Effect<void> =>
      Effect.sync(() => {
        switch (e._tag) {
          case "Started":
            return log(`${style.bold(c, "Serving")} ${dir} on ${e.cron} (${e.timezone}); Ctrl-C to stop`, {
              event: "started",
              cron: e.cron,
              timezone: e.timezone,
            })
          case "NextRun":
            return log(`  Next run: ${when(e.at, timezone)}`, { event: "next_run", at: e.at.toISOString() })
          case "CatchUp":
            return log(
              `  ${style.yellow(c, "Catch-up:")} ${e.missed} scheduled run${e.missed === 1 ? "" : "s"} missed since ${when(e.lastRun, timezone)}; running once`,
              { event: "catch_up", missed: e.missed, last_run: e.lastRun.toISOString() },
            )
          case "RunStarted":
            return log(
              `${style.bold(c, "▶ Run started")} ${style.dim(c, `(${e.tick.reason === "catch-up" ? "catch-up for" : "scheduled"} ${when(e.tick.scheduledAt, timezone)})`)}`,
              {
                event: "run_started",
                scheduled_at: e.tick.scheduledAt.toISOString(),
                reason: e.tick.reason,
                at: e.at.toISOString(),
              },
            )
          case "RunFinished": {
            const mark =
              e.status === "success"
                ? style.green(c, "✓ Run succeeded")
                : e.status === "cancelled"
                  ? style.yellow(c, "✗ Run cancelled")
                  : style.red(c, "✗ Run failed")
            return log(`${mark} in ${seconds(e.millis / 1000)}${e.summary ? `: ${e.summary}` : ""}`, {
              event: "run_finished",
              status: e.status,
              seconds: e.millis / 1000,
              summary: e.summary ?? null,
              scheduled_at: e.tick.scheduledAt.toISOString(),
            })
          }
          case "TickSkipped":
            return log(
              `  ${style.yellow(c, "Skipped")} the run for ${when(e.scheduledAt, timezone)}: the run for ${when(e.running.scheduledAt, timezone)} is still going`,
              {
                event: "tick_skipped",
                scheduled_at: e.scheduledAt.toISOString(),
                running: e.running.scheduledAt.toISOString(),
              },
            )
          case "Draining":
            return log(
              e.running ? "  Waiting for the current run to finish (Ctrl-C again to cancel it)…" : "  Stopping…",
              { event: "draining" },
            )
          case "Cancelling":
            return log(`  ${style.yellow(c, "Cancelling the current run…")}`, { event: "cancelling" })
          case "Stopped":
            return log(`Stopped after ${e.runs} run${e.runs === 1 ? "" : "s"} (${e.skipped} skipped)`, {
              event: "stopped",
              runs: e.runs,
              skipped: e.skipped,
            })
        }
      })

  const shutdown = Effect.runSync(Orchestrator.makeShutdown)
  const program = Effect.gen(function* () {
    const ready = yield* prepare
    if (ready._tag === "Invalid") return ready
    const { artifacts } = ready
    const timezone = artifacts.schedule?.timezone ?? "UTC"
    const emit = onEvent(timezone)
    if (onceNow) {
      // One tick now, through the same job and the same log lines, then the next scheduled run.
      const cron = yield* LocalOrchestrator.parseSchedule(artifacts.schedule)
      const at = new Date(yield* Clock.currentTimeMillis)
      const tick: Orchestrator.Tick = { scheduledAt: at, reason: "schedule" }
      yield* emit({ _tag: "RunStarted", tick, at })
      const exit = yield* Effect.exit(job(tick))
      const end = new Date(yield* Clock.currentTimeMillis)
      const millis = end.getTime() - at.getTime()
      const result = Exit.isSuccess(exit) ? Orchestrator.jobResult(exit.value) : undefined
      const status = Exit.isSuccess(exit) ? (result?.ok === false ? "failed" : "success") : "error"
      const summary = Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : result?.summary
      yield* emit({ _tag: "RunFinished", tick, at: end, status, millis, summary })
      yield* emit({ _tag: "NextRun", at: LocalOrchestrator.nextRun(cron, end) })
      return { _tag: "Once" as const, ok: status === "success" }
    }
    const orchestrator = yield* Orchestrator.Orchestrator
    const summary = yield* orchestrator.schedule(artifacts, job, { shutdown, onEvent: emit })
    return { _tag: "Served" as const, summary }
  }).pipe(
    Effect.provide(
      Layer.mergeAll(
        LocalOrchestrator.layerFile(join(dir, LocalOrchestrator.STATE_FILE), { catchUp: catchUpFlag }).pipe(
          Layer.provide(platform),
        ),
        platform,
      ),
    ),
  )

  const fiber = Effect.runFork(program)
  let interrupts = 0
  const onSigint = () => {
    interrupts++
    if (interrupts > 2) process.exit(ExitCode.interrupted)
    const level = shutdown.requestUnsafe()
    if (!json)
      io.stderr(
        level === "drain"
          ? `\n${style.yellow(c, "Interrupted: finishing the current run, then exiting (Ctrl-C again to cancel it)…")}\n`
          : `\n${style.yellow(c, "Interrupted again: cancelling the current run…")}\n`,
      )
    // --once-now has no schedule loop to drain: a first Ctrl-C lets the run finish, a second interrupts it.
    if (onceNow && level === "cancel") Effect.runFork(Fiber.interrupt(fiber))
  }
  process.on("SIGINT", onSigint)
  const exit = await Effect.runPromise(Fiber.await(fiber))
  process.off("SIGINT", onSigint)

  if (Exit.isFailure(exit)) {
    if (Cause.hasInterruptsOnly(exit.cause)) return ExitCode.interrupted
    const error = Cause.squash(exit.cause)
    if (error instanceof Orchestrator.OrchestratorError) {
      if (json) io.stdout(`${JSON.stringify({ event: "error", reason: error.reason, message: error.message })}\n`)
      else io.stderr(`${style.red(c, "error:")} ${error.message}\n`)
      return ExitCode.failed
    }
    throw error
  }
  const value = exit.value
  if (value._tag === "Invalid") {
    if (json) io.stdout(`${JSON.stringify({ event: "invalid", diagnostics: value.diagnostics })}\n`)
    else io.stdout(renderInvalid(value.diagnostics, io, "Serve FAILED"))
    return ExitCode.failed
  }
  if (value._tag === "Once") return value.ok ? ExitCode.ok : ExitCode.failed
  return value.summary.stoppedBy === "cancel" ? ExitCode.interrupted : ExitCode.ok
}
