/**
 * Run state under `<product>/.floe/runs/<run_id>/run.json`: each node's status, so `floe run --retry-failed` can
 * rerun exactly the failed, errored, skipped and interrupted nodes of the last run. Run ids are UUIDv7, so the
 * newest run is the greatest directory name.
 */
import { AtomicFile } from "@floe/compiler"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"

export interface State {
  readonly runId: string
  readonly status: "success" | "error" | "interrupted"
  readonly startedAt: string
  readonly completedAt: string
  readonly args: Readonly<Record<string, unknown>>
  readonly nodes: Readonly<Record<string, { readonly status: string; readonly message: string | null }>>
}

export const RUNS_DIR = ".floe/runs"

/** Writes JSON to `file` atomically (the compiler's `AtomicFile`): readers never see half. */
export const writeJsonAtomic: (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  file: string,
  value: unknown,
) => Effect.Effect<void, PlatformError> = AtomicFile.writeJson

/** Records a run's state. */
export const write = (fs: FileSystem.FileSystem, path: Path.Path, dir: string, state: State) =>
  writeJsonAtomic(fs, path, path.join(dir, RUNS_DIR, state.runId, "run.json"), state)

const isState = (v: unknown): v is State =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as State).runId === "string" &&
  typeof (v as State).nodes === "object"

/** The most recent run's state in `dir`, or undefined when there is none (or it cannot be read). */
export const latest = (fs: FileSystem.FileSystem, path: Path.Path, dir: string): Effect.Effect<State | undefined> =>
  Effect.gen(function* () {
    const root = path.join(dir, RUNS_DIR)
    const entries = yield* fs.readDirectory(root).pipe(Effect.orElseSucceed(() => [] as Array<string>))
    for (const runId of [...entries].sort().reverse()) {
      const text = yield* fs.readFileString(path.join(root, runId, "run.json")).pipe(Effect.option)
      if (text._tag === "None") continue
      const parsed = yield* Effect.try(() => JSON.parse(text.value) as unknown).pipe(Effect.option)
      if (parsed._tag === "Some" && isState(parsed.value)) return parsed.value
    }
    return undefined
  })

const RETRY = new Set(["error", "fail", "skipped", "runtime error"])

/** The nodes `--retry-failed` reruns: those that failed, errored or were skipped (including by an interruption). */
export const toRetry = (state: State): ReadonlySet<string> =>
  new Set(Object.entries(state.nodes).flatMap(([id, n]) => (RETRY.has(n.status) ? [id] : [])))
