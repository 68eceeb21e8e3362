/**
 * The live status line of `floe run`, `floe compile` and `floe validate` on a terminal. When the current stage has
 * lasted longer than `showAfter`, one line at the bottom shows a spinner, the stage, how long it has taken and what
 * is running, redrawn in place every `interval`:
 *
 *   ⠹ Executing transforms 4.2s · 2 running: silver_customers, silver_orders · 3 done
 *
 * Lines the command prints go above it — the line is erased, the text written, the line drawn again — and it is
 * erased for good when the work ends, so the transcript holds exactly what a pipe would have received. It is fed
 * the typed progress the pipelines already emit (`Run.Progress` from `@floe/runtime`, the `StageReport`s of the
 * compile and validate pipelines) and keeps time with Effect's `Clock`, so tests drive it with `TestClock`.
 */
import type { Run } from "@floe/runtime"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type Io, style, type Terminal } from "./Io.ts"
import { renderStage, type StageView, seconds } from "./Render.ts"

/** The spinner's frames, one per `interval`. */
export const SPINNER: ReadonlyArray<string> = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/** Carriage return, then erase the whole line: the cursor ends at the start of an empty line. */
export const ERASE = "\r\u001b[2K"

/**
 * Whether a command may draw the live line: only on a terminal (never into a pipe or file), never with `--json` or
 * `--quiet`, and not on a terminal that cannot erase a line (`TERM=dumb`). `NO_COLOR` leaves the line on but
 * uncoloured (the command's `color` decides).
 */
export const wanted = (
  terminal: Terminal | undefined,
  flags: { readonly json: boolean; readonly quiet: boolean },
  env: Readonly<Record<string, string | undefined>>,
): terminal is Terminal => terminal?.isTTY === true && !flags.json && !flags.quiet && env["TERM"] !== "dumb"

export interface Options {
  readonly terminal: Terminal
  readonly color: boolean
  /** What the first stage is called, shown until an event names the next one. */
  readonly title: string
  /** How long a stage runs before the line appears; shorter stages print nothing extra. Default 1 second. */
  readonly showAfter?: Duration.Input | undefined
  /** How often the line is redrawn (and the spinner turns). Default 100 milliseconds. */
  readonly interval?: Duration.Input | undefined
}

/**
 * How `validate` and `compile` report their stages: each finished stage printed (above the live line, which a
 * terminal gets once a stage takes over a second), nothing with `--json`.
 */
export const stageReporter = (
  io: Io,
  options: { readonly json: boolean; readonly quiet: boolean; readonly title: string },
  env: Readonly<Record<string, string | undefined>>,
): Effect.Effect<(stage: FinishedStage & StageView) => Effect.Effect<void>, never, Scope.Scope> =>
  Effect.gen(function* () {
    if (options.json) return () => Effect.void
    const live = wanted(io.terminal, options, env)
      ? yield* make({ terminal: io.terminal, color: io.color, title: options.title })
      : undefined
    const print = live?.print ?? io.stdout
    return (stage) =>
      Effect.andThen(
        Effect.sync(() => print(renderStage(stage, io, options.quiet))),
        live?.onStage(stage) ?? Effect.void,
      )
  })

/** What the line calls the stages of a run, as `floe run` prints their headings. */
export const EXECUTING = "Executing transforms"
export const TESTING = "Running quality checks"

/** A compile or validate stage as its pipeline reports it when it has finished. */
export interface FinishedStage {
  readonly index: number
  readonly total: number
  readonly title: string
}

export interface LiveStatus {
  /** Writes `text` above the status line. Use it for everything the command prints while the line is live. */
  readonly print: (text: string) => void
  /** A new stage begins: the clock of the line restarts (and the line hides until `showAfter` has passed again). */
  readonly stage: (title: string) => Effect.Effect<void>
  /** Feeds one event of `Run.run`'s progress: models and seeds running and done, tests done. */
  readonly onRun: (event: Run.Progress) => Effect.Effect<void>
  /** Feeds a finished stage of a staged pipeline (`compile`, `validate`): the next one is now running. */
  readonly onStage: (stage: FinishedStage) => Effect.Effect<void>
}

interface State {
  label: string
  startedAt: number
  running: Array<string>
  done: number
  failed: number
  /** How many models and seeds the run will build, once `RunStarted` has said. */
  nodes: number | undefined
  tests: { total: number; done: number } | undefined
}

/** What the line says after its spinner, before truncation: `label elapsed · detail`. */
const describe = (state: State, now: number): { head: string; detail: string } => {
  const head = `${state.label} ${seconds(Math.max(0, now - state.startedAt) / 1000)}`
  const parts: Array<string> = []
  if (state.running.length > 0) {
    const shown = state.running.slice(0, 3).join(", ")
    const more = state.running.length > 3 ? ` +${state.running.length - 3}` : ""
    parts.push(`${state.running.length} running: ${shown}${more}`)
  }
  if (state.done > 0 || state.nodes !== undefined) {
    const of = state.nodes === undefined ? "" : `/${state.nodes}`
    parts.push(`${state.done}${of} done${state.failed > 0 ? `, ${state.failed} failed` : ""}`)
  }
  if (state.tests !== undefined) parts.push(`${state.tests.done}/${state.tests.total} tests`)
  return { head, detail: parts.join(" · ") }
}

/** Cuts `text` to `width` characters (code points), ending in `…` when cut. */
const fit = (text: string, width: number): string => {
  const chars = Array.from(text)
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join("")}…`
}

/**
 * Starts the live line on `options.terminal` for the life of the scope: a fiber redraws it every `interval`, and
 * closing the scope erases it. Never fails.
 */
export const make = (options: Options): Effect.Effect<LiveStatus, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { terminal, color } = options
    const showAfter = Duration.toMillis(options.showAfter ?? "1 second")
    const interval = Duration.toMillis(options.interval ?? "100 millis")
    const state: State = {
      label: options.title,
      startedAt: yield* Clock.currentTimeMillis,
      running: [],
      done: 0,
      failed: 0,
      nodes: undefined,
      tests: undefined,
    }
    let drawn = false
    let now = state.startedAt

    const frame = (): string => {
      const spin = SPINNER[Math.floor(now / interval) % SPINNER.length] ?? "-"
      // One column short of the width: writing into the last column makes some terminals wrap.
      // A terminal that does not know its size (0, e.g. under `script`) is taken as 80 wide.
      const columns = terminal.columns !== undefined && terminal.columns > 0 ? terminal.columns : 80
      const width = Math.max(10, columns - 1)
      const { head, detail } = describe(state, now)
      const rest = fit(detail === "" ? head : `${head} · ${detail}`, width - 2)
      if (!color) return `${spin} ${rest}`
      // The label as it is, what follows it (time, detail) dim; a label cut short is all plain.
      const label = rest.startsWith(state.label) ? state.label : rest
      return `${style.cyan(true, spin)} ${label}${style.dim(true, rest.slice(label.length))}`
    }

    const draw = (): void => {
      if (now - state.startedAt < showAfter) {
        if (drawn) terminal.write(ERASE)
        drawn = false
        return
      }
      terminal.write(`${ERASE}${frame()}`)
      drawn = true
    }

    const tick = Effect.flatMap(Clock.currentTimeMillis, (millis) =>
      Effect.sync(() => {
        now = millis
        draw()
      }),
    )
    yield* Effect.forkScoped(Effect.repeat(tick, Schedule.spaced(interval)))
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (drawn) terminal.write(ERASE)
        drawn = false
      }),
    )

    const restart = (label: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (millis) =>
        Effect.sync(() => {
          now = millis
          state.label = label
          state.startedAt = millis
          state.running = []
          state.done = 0
          state.failed = 0
          state.nodes = undefined
          state.tests = undefined
          draw()
        }),
      )

    const update = (f: () => void) =>
      Effect.sync(() => {
        f()
        if (drawn) draw()
      })

    return {
      print: (text) => {
        if (drawn) terminal.write(ERASE)
        terminal.write(text)
        // Only a finished line leaves the cursor where the status line belongs.
        if (drawn && text.endsWith("\n")) terminal.write(frame())
        else drawn = false
      },
      stage: restart,
      onRun: (event) => {
        switch (event._tag) {
          case "RunStarted":
            return Effect.andThen(
              restart(EXECUTING),
              update(() => {
                state.nodes = event.models
              }),
            )
          case "NodeStarted":
            return state.label === EXECUTING
              ? update(() => state.running.push(event.name))
              : Effect.andThen(
                  restart(EXECUTING),
                  update(() => state.running.push(event.name)),
                )
          case "NodeFinished":
            return update(() => {
              state.running = state.running.filter((name) => name !== event.outcome.name)
              state.done += 1
              if (event.outcome.status !== "success") state.failed += 1
            })
          case "TestsStarted":
            return Effect.andThen(
              restart(TESTING),
              update(() => {
                state.tests = { total: event.count, done: 0 }
              }),
            )
          case "TestFinished":
            return update(() => {
              if (state.tests !== undefined) state.tests.done += 1
            })
        }
      },
      onStage: (stage) =>
        restart(
          stage.index < stage.total
            ? `${options.title}: stage ${stage.index + 1} of ${stage.total}`
            : `${options.title}: finishing`,
        ),
    } satisfies LiveStatus
  })
