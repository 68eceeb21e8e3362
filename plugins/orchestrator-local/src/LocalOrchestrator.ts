/**
 * The embedded default orchestrator: runs a product's job on its cron schedule in this process. Time-zone aware
 * (IANA zones, DST gaps and overlaps), never runs two jobs of a product at once, catches up once after downtime,
 * and shuts down in two levels (drain, then cancel). It generates no files.
 */
import { Orchestrator } from "@floe/spec"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Cron from "effect/Cron"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Ref from "effect/Ref"

type Artifacts = Orchestrator.OrchestrationArtifacts
type Tick = Orchestrator.Tick

const { OrchestratorError } = Orchestrator

/** Where `floe serve` keeps the schedule state, relative to the product directory. */
export const STATE_FILE = ".floe/schedule/state.json"

/** What the scheduler remembers about a product between processes. */
export interface ScheduleState {
  /** The tick the last run was started for (ISO-8601). Catch-up counts missed ticks after it. */
  readonly lastTick?: string | undefined
  readonly lastStartedAt?: string | undefined
  readonly lastFinishedAt?: string | undefined
  readonly lastStatus?: string | undefined
}

/** Loads and saves `ScheduleState` per product id. */
export interface StateStore {
  readonly load: (productId: string) => Effect.Effect<ScheduleState | undefined, Orchestrator.OrchestratorError>
  readonly save: (productId: string, state: ScheduleState) => Effect.Effect<void, Orchestrator.OrchestratorError>
}

/** A state store that lives as long as the process (tests, or hosts that pass the last run time in). */
export const memoryState = (initial: Readonly<Record<string, ScheduleState>> = {}): StateStore => {
  const states = new Map(Object.entries(initial))
  return {
    load: (id) => Effect.sync(() => states.get(id)),
    save: (id, state) => Effect.sync(() => void states.set(id, state)),
  }
}

const decodeStates = (text: string): Record<string, ScheduleState> | undefined => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof json !== "object" || json === null || !("products" in json)) return undefined
  const products = json.products
  if (typeof products !== "object" || products === null) return undefined
  const out: Record<string, ScheduleState> = {}
  const str = (v: unknown) => (typeof v === "string" ? v : undefined)
  for (const [id, raw] of Object.entries(products)) {
    if (typeof raw !== "object" || raw === null) return undefined
    const r = raw as Record<string, unknown>
    const lastTick = str(r.last_tick)
    if (lastTick !== undefined && Number.isNaN(Date.parse(lastTick))) return undefined
    out[id] = {
      lastTick,
      lastStartedAt: str(r.last_started_at),
      lastFinishedAt: str(r.last_finished_at),
      lastStatus: str(r.last_status),
    }
  }
  return out
}

const encodeStates = (states: Readonly<Record<string, ScheduleState>>): string =>
  `${JSON.stringify(
    {
      version: 1,
      products: Object.fromEntries(
        Object.entries(states).map(([id, s]) => [
          id,
          {
            last_tick: s.lastTick,
            last_started_at: s.lastStartedAt,
            last_finished_at: s.lastFinishedAt,
            last_status: s.lastStatus,
          },
        ]),
      ),
    },
    null,
    2,
  )}\n`

/**
 * A state store in a JSON file (`.floe/schedule/state.json` under the product directory for `floe serve`), written
 * atomically (temporary file, then rename). An unreadable or malformed file fails `load` with reason `State`,
 * naming the file: delete it to start without history.
 */
export const fileState = (file: string): Effect.Effect<StateStore, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const stateError = (message: string) => (cause: unknown) =>
      new OrchestratorError({ reason: "State", message: `${file}: ${message}`, cause })
    const readAll = Effect.gen(function* () {
      const exists = yield* fs.exists(file)
      if (!exists) return {}
      const text = yield* fs.readFileString(file)
      const states = decodeStates(text)
      if (states === undefined)
        return yield* new OrchestratorError({
          reason: "State",
          message: `${file} is not a schedule state file; delete it to start without run history`,
        })
      return states
    }).pipe(Effect.catchTag("PlatformError", (e) => Effect.fail(stateError("cannot be read")(e))))
    return {
      load: (id) => Effect.map(readAll, (states) => states[id]),
      save: (id, state) =>
        Effect.gen(function* () {
          const states = yield* readAll
          yield* fs.makeDirectory(path.dirname(file), { recursive: true })
          const tmp = `${file}.tmp-${process.pid}`
          yield* fs.writeFileString(tmp, encodeStates({ ...states, [id]: state }))
          yield* fs.rename(tmp, file)
        }).pipe(Effect.catchTag("PlatformError", (e) => Effect.fail(stateError("cannot be written")(e)))),
    }
  })

/**
 * Parses a product schedule into a `Cron` in its time zone. A repeated local time (the hour clocks go back) runs
 * once, at its first occurrence — except for schedules that fire every hour, which keep their real-time interval
 * and so also fire in the repeated hour. Fails with `InvalidSchedule`.
 */
export const parseSchedule = (
  schedule: Artifacts["schedule"],
): Effect.Effect<Cron.Cron, Orchestrator.OrchestratorError> =>
  Effect.gen(function* () {
    if (schedule === undefined)
      return yield* new OrchestratorError({
        reason: "InvalidSchedule",
        message: "the product has no schedule; add schedule: {cron, timezone} to floe.yaml",
      })
    const zone = DateTime.zoneMakeNamed(schedule.timezone)
    if (Option.isNone(zone))
      return yield* new OrchestratorError({
        reason: "InvalidSchedule",
        message: `"${schedule.timezone}" is not an IANA time zone`,
      })
    const probe = Cron.parse(schedule.cron, zone.value)
    if (probe._tag === "Failure")
      return yield* new OrchestratorError({
        reason: "InvalidSchedule",
        message: `"${schedule.cron}" is not a valid cron expression: ${probe.failure.message}`,
        cause: probe.failure,
      })
    if (probe.success.hours.size !== 0) return probe.success
    const both = Cron.parse(schedule.cron, zone.value, { onDstOverlap: "both" })
    return both._tag === "Success" ? both.success : probe.success
  })

const offsetAt = (cron: Cron.Cron, millis: number): number =>
  Option.match(cron.tz, {
    onNone: () => 0,
    onSome: (tz) => DateTime.zonedOffset(DateTime.makeZonedUnsafe(millis, { timeZone: tz })),
  })

const MINUTE = 60_000

/**
 * The first firing strictly after `after`. A local time that does not exist (the hour clocks skip) fires at the
 * first instant after the gap — once: if that instant is not after `after`, the next firing is the one after it.
 */
export const nextRun = (cron: Cron.Cron, after: Date): Date => {
  const candidate = Cron.next(cron, after)
  if (Cron.match(cron, candidate)) return candidate
  // Cron.next moved a time inside a DST gap forward by the gap's length; find where the gap ended instead.
  const end = candidate.getTime()
  const offset = offsetAt(cron, end)
  let lo = end - 6 * 60 * MINUTE
  if (offsetAt(cron, lo) === offset) return candidate
  let hi = end
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE
    if (offsetAt(cron, mid) === offset) hi = mid
    else lo = mid
  }
  return hi > after.getTime() ? new Date(hi) : nextRun(cron, candidate)
}

/** How a scheduler treats ticks missed while it was not running. */
export type CatchUp = "once" | "skip"

export interface Options {
  /** Where the last run time is kept; default: in memory (no catch-up across processes). */
  readonly state?: StateStore | undefined
  /** `once` (default): after downtime, run once for all missed ticks, at start. `skip`: report them only. */
  readonly catchUp?: CatchUp | undefined
}

const MAX_MISSED = 100_000

/** Makes the local orchestrator. */
export const make = (options: Options = {}): Orchestrator.OrchestratorShape => {
  const store = options.state ?? memoryState()
  const catchUp = options.catchUp ?? "once"

  const schedule = Effect.fn("LocalOrchestrator.schedule")(function* (
    artifacts: Artifacts,
    job: Orchestrator.Job,
    scheduleOptions?: Orchestrator.ScheduleOptions,
  ) {
    const cron = yield* parseSchedule(artifacts.schedule)
    const shutdown = scheduleOptions?.shutdown ?? Orchestrator.noShutdown
    const onEvent = scheduleOptions?.onEvent ?? (() => Effect.void)
    const productId = artifacts.product.id
    const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))
    const initial = (yield* store.load(productId)) ?? {}
    const state = yield* Ref.make<ScheduleState>(initial)
    const save = (patch: ScheduleState) =>
      Ref.updateAndGet(state, (s) => ({ ...s, ...patch })).pipe(
        Effect.flatMap((s) => store.save(productId, s)),
        Effect.catch((e) => Effect.logWarning(`schedule state not saved: ${e.message}`)),
      )
    const runs = yield* Ref.make(0)
    const skipped = yield* Ref.make(0)
    const current = yield* Ref.make<{ readonly fiber: Fiber.Fiber<unknown>; readonly tick: Tick } | undefined>(
      undefined,
    )
    const runningTick = Effect.map(Ref.get(current), (c) =>
      c !== undefined && c.fiber.pollUnsafe() === undefined ? c.tick : undefined,
    )

    return yield* Effect.scoped(
      Effect.gen(function* () {
        const scope = yield* Effect.scope

        const finish = (tick: Tick, started: number) => (exit: Exit.Exit<unknown, unknown>) =>
          Effect.gen(function* () {
            const at = yield* now
            let status: "success" | "failed" | "error" | "cancelled"
            let summary: string | undefined
            if (Exit.isSuccess(exit)) {
              const result = Orchestrator.jobResult(exit.value)
              status = result === undefined || result.ok ? "success" : "failed"
              summary = result?.summary
            } else if (Cause.hasInterruptsOnly(exit.cause)) status = "cancelled"
            else {
              status = "error"
              const error = Cause.squash(exit.cause)
              summary = error instanceof Error ? error.message : String(error)
            }
            yield* save({ lastFinishedAt: at.toISOString(), lastStatus: status })
            yield* onEvent({ _tag: "RunFinished", tick, at, status, millis: at.getTime() - started, summary })
          })

        const start = (tick: Tick) =>
          Effect.gen(function* () {
            const at = yield* now
            yield* Ref.update(runs, (n) => n + 1)
            yield* save({ lastTick: tick.scheduledAt.toISOString(), lastStartedAt: at.toISOString() })
            yield* onEvent({ _tag: "RunStarted", tick, at })
            const fiber = yield* Effect.suspend(() => job(tick)).pipe(
              Effect.onExit(finish(tick, at.getTime())),
              Effect.exit,
              Effect.forkIn(scope),
            )
            yield* Ref.set(current, { fiber, tick })
          })

        const loop = Effect.gen(function* () {
          const started = yield* now
          yield* onEvent({
            _tag: "Started",
            at: started,
            cron: artifacts.schedule?.cron ?? "",
            timezone: artifacts.schedule?.timezone ?? "",
          })
          if (initial.lastTick !== undefined) {
            const lastRun = new Date(initial.lastTick)
            let missed = 0
            let latest: Date | undefined
            for (let t = nextRun(cron, lastRun); t <= started && missed < MAX_MISSED; t = nextRun(cron, t)) {
              missed++
              latest = t
            }
            if (latest !== undefined) {
              yield* onEvent({ _tag: "CatchUp", missed, lastRun, at: started })
              if (catchUp === "once") yield* start({ scheduledAt: latest, reason: "catch-up", missed })
            }
          }
          while (true) {
            const at = yield* now
            const next = nextRun(cron, at)
            yield* onEvent({ _tag: "NextRun", at: next })
            const woke = yield* Effect.raceFirst(
              Effect.as(Effect.sleep(next.getTime() - at.getTime()), "tick" as const),
              Effect.as(shutdown.drain, "drain" as const),
            )
            if (woke === "drain") return
            const running = yield* runningTick
            if (running !== undefined) {
              yield* Ref.update(skipped, (n) => n + 1)
              yield* onEvent({ _tag: "TickSkipped", scheduledAt: next, reason: "overlap", running })
            } else yield* start({ scheduledAt: next, reason: "schedule" })
          }
        })

        const drained = Effect.gen(function* () {
          yield* loop
          const running = yield* runningTick
          yield* onEvent({ _tag: "Draining", at: yield* now, running })
          const c = yield* Ref.get(current)
          if (c !== undefined) yield* Fiber.await(c.fiber)
          return "drain" as const
        })

        const stoppedBy = yield* Effect.raceFirst(drained, Effect.as(shutdown.cancel, "cancel" as const))
        if (stoppedBy === "cancel") {
          yield* onEvent({ _tag: "Cancelling", at: yield* now, running: yield* runningTick })
          const c = yield* Ref.get(current)
          if (c !== undefined) yield* Fiber.interrupt(c.fiber)
        }
        const summary: Orchestrator.ScheduleSummary = {
          runs: yield* Ref.get(runs),
          skipped: yield* Ref.get(skipped),
          stoppedBy,
        }
        yield* onEvent({ _tag: "Stopped", at: yield* now, runs: summary.runs, skipped: summary.skipped })
        return summary
      }),
    )
  })

  return {
    type: "local",
    generate: () => Effect.succeed({}),
    schedule,
  }
}

/** The local orchestrator as the generic `Orchestrator` service. */
export const layer = (options: Options = {}): Layer.Layer<Orchestrator.Orchestrator> =>
  Layer.succeed(Orchestrator.Orchestrator, make(options))

/** The local orchestrator keeping its state in `file` (for `floe serve`: `<product>/.floe/schedule/state.json`). */
export const layerFile = (
  file: string,
  options: Omit<Options, "state"> = {},
): Layer.Layer<Orchestrator.Orchestrator, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    Orchestrator.Orchestrator,
    Effect.map(fileState(file), (state) => make({ ...options, state })),
  )
