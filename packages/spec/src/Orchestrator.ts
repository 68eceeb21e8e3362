/**
 * The orchestrator interface: what keeps a product on its schedule. An orchestrator either runs the schedule
 * itself (the embedded local scheduler) or generates the definitions an external one needs (Dagster), or both.
 * Adapters implement `Orchestrator` and run the conformance suite in `@floe/spec/testing`. Everything here is data
 * and types plus two tiny helpers built on `Deferred`: no I/O.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"

/** A test of a model, shown by external orchestrators as a check on the model's asset. */
export interface OrchestrationTest {
  /** dbt unique_id, e.g. `test.customer_360.not_null_silver_customers_customer_id.1a2b3c4d5e`. */
  readonly uniqueId: string
  /** The test node's name, e.g. `not_null_silver_customers_customer_id` (singular tests: the file stem). */
  readonly name: string
  /** `generic` (not_null, unique, accepted_values, relationships, custom) or `singular` (tests/*.sql). */
  readonly kind: "generic" | "singular"
  /** The generic test's macro name (`not_null` …); the file stem for singular tests. */
  readonly testName: string
  /** The tested column, for column tests. */
  readonly column?: string | undefined
  /** dbt severity: `error` fails the run, `warn` only warns. */
  readonly severity: "error" | "warn"
}

/** One buildable node of the product's DAG: a model or a seed. */
export interface OrchestrationModel {
  /** dbt unique_id, e.g. `model.customer_360.silver_customers`. */
  readonly uniqueId: string
  readonly resourceType: "model" | "seed"
  /** The node name: what `floe run --select <name>` selects. */
  readonly name: string
  /** dbt fqn: [project, ...directories under the model/seed path, name]. */
  readonly fqn: ReadonlyArray<string>
  /**
   * The layer the node belongs to: the first directory under the model path (`bronze`, `silver`, `gold` in a
   * medallion layout), else the name's prefix when it is a known layer, else `seeds` for seeds and `default`.
   */
  readonly layer: string
  /** The file, relative to the dbt project directory, e.g. `models/silver/silver_customers.sql`. */
  readonly path: string
  /** dbt materialization (`view`, `table`, `incremental`, `ephemeral`, `seed`). */
  readonly materialized: string
  readonly description?: string | undefined
  /** unique_ids of the models and seeds this node reads (sources are not nodes here), sorted. */
  readonly dependsOn: ReadonlyArray<string>
  /** Sources this node reads, as `source.table`. */
  readonly sources: ReadonlyArray<string>
  /** Tests attached to this node: generic tests by `attached_node`, singular tests that read only this node. */
  readonly tests: ReadonlyArray<OrchestrationTest>
}

/**
 * What an orchestrator needs to know about a compiled product: who it is, when it runs, and its DAG. Built from
 * the compiler's result by `@floe/compiler`'s `Orchestration.fromCompile`; it is plain data, so a third-party host
 * can build it from anything else (a manifest.json, say).
 */
export interface OrchestrationArtifacts {
  readonly product: {
    /** `floe.yaml` metadata.name, e.g. `customer-360`. */
    readonly name: string
    readonly version: string
    /** `{domain}.{name}` with `-` → `_`, e.g. `sales.customer_360`. */
    readonly id: string
    readonly domain: string
    readonly owner: string
    readonly description?: string | undefined
  }
  /** The product's schedule; undefined when `floe.yaml` has none. `cron` has macros (`@daily`) expanded. */
  readonly schedule?: { readonly cron: string; readonly timezone: string } | undefined
  /** The dbt project: its name and directory relative to the product directory (`.` for the implicit project). */
  readonly project: {
    readonly name: string
    readonly dir: string
    /** Where `floe compile` writes manifest.json, relative to the product directory. */
    readonly manifestPath: string
  }
  /** Models and seeds, every node after its parents. */
  readonly models: ReadonlyArray<OrchestrationModel>
}

/**
 * Generated files: path → content. Paths are POSIX and relative to the orchestrator's output directory,
 * `.floe/orchestration/<type>/` in the product directory (see `outputDirectory`), which is where the host writes
 * them, each atomically (compile stage 6, `floe orchestrate`).
 */
export type GeneratedFiles = Readonly<Record<string, string>>

/** Where an orchestrator's generated files go, relative to the product directory. */
export const outputDirectory = (type: string): string => `.floe/orchestration/${type}`

/** One firing of the schedule, handed to the job. */
export interface Tick {
  /** The instant the schedule fired for (a DST-gap time resolves to the first instant after the gap). */
  readonly scheduledAt: Date
  /** `schedule`: on time; `catch-up`: one run for the ticks missed while nothing was scheduling. */
  readonly reason: "schedule" | "catch-up"
  /** For catch-up ticks: how many ticks were missed (they run once). */
  readonly missed?: number | undefined
}

/** What a job reports when it finishes: `ok: false` is a failed run (logged, the schedule goes on). */
export interface JobResult {
  readonly ok: boolean
  readonly summary?: string | undefined
}

/**
 * The work a schedule runs on each tick: for Floe, what `floe run` runs. A `JobResult` it succeeds with is
 * reported (`ok: false` is a failed run); any other value counts as success. Failures are reported, never fatal.
 */
export type Job = (tick: Tick) => Effect.Effect<unknown, unknown>

/** The `JobResult` a job returned, if it returned one. */
export const jobResult = (value: unknown): JobResult | undefined =>
  typeof value === "object" && value !== null && "ok" in value && typeof value.ok === "boolean"
    ? { ok: value.ok, summary: "summary" in value && typeof value.summary === "string" ? value.summary : undefined }
    : undefined

/** What a running schedule reports, in order. Hosts log them; tests assert on them. */
export type ScheduleEvent =
  | { readonly _tag: "Started"; readonly at: Date; readonly cron: string; readonly timezone: string }
  | { readonly _tag: "NextRun"; readonly at: Date }
  | { readonly _tag: "CatchUp"; readonly missed: number; readonly lastRun: Date; readonly at: Date }
  | { readonly _tag: "RunStarted"; readonly tick: Tick; readonly at: Date }
  | {
      readonly _tag: "RunFinished"
      readonly tick: Tick
      readonly at: Date
      readonly status: "success" | "failed" | "error" | "cancelled"
      readonly millis: number
      readonly summary?: string | undefined
    }
  | {
      readonly _tag: "TickSkipped"
      readonly scheduledAt: Date
      readonly reason: "overlap"
      /** The tick of the run still going. */
      readonly running: Tick
    }
  | { readonly _tag: "Draining"; readonly at: Date; readonly running: Tick | undefined }
  | { readonly _tag: "Cancelling"; readonly at: Date; readonly running: Tick | undefined }
  | { readonly _tag: "Stopped"; readonly at: Date; readonly runs: number; readonly skipped: number }

/**
 * The two shutdown levels a host can ask for. `drain` (first Ctrl-C): start no new run, let the current one
 * finish, then return. `cancel` (second Ctrl-C): interrupt the current run — its finalizers run, so statements are
 * cancelled cleanly — then return. Interrupting the `schedule` fiber itself behaves like `cancel`.
 */
export interface Shutdown {
  readonly drain: Effect.Effect<void>
  readonly cancel: Effect.Effect<void>
}

/** A shutdown handle hosts signal: each `request` escalates one level (drain, then cancel). */
export interface ShutdownHandle extends Shutdown {
  /** Asks for the next level and returns it; further requests stay at `cancel`. */
  readonly request: Effect.Effect<"drain" | "cancel">
  /** Same as `request`, callable from a signal handler outside Effect. */
  readonly requestUnsafe: () => "drain" | "cancel"
}

/** Makes a shutdown handle whose `drain` and `cancel` complete as the host requests them. */
export const makeShutdown: Effect.Effect<ShutdownHandle> = Effect.sync(() => {
  const drain = Deferred.makeUnsafe<void>()
  const cancel = Deferred.makeUnsafe<void>()
  const requestUnsafe = (): "drain" | "cancel" => {
    if (Deferred.doneUnsafe(drain, Effect.void)) return "drain"
    Deferred.doneUnsafe(cancel, Effect.void)
    return "cancel"
  }
  return {
    drain: Deferred.await(drain),
    cancel: Deferred.await(cancel),
    request: Effect.sync(requestUnsafe),
    requestUnsafe,
  }
})

/** A shutdown that never comes: the schedule runs until its fiber is interrupted. */
export const noShutdown: Shutdown = { drain: Effect.never, cancel: Effect.never }

export interface ScheduleOptions {
  /** Graceful and hard stop; default `noShutdown`. */
  readonly shutdown?: Shutdown | undefined
  /** Called with each event as it happens. */
  readonly onEvent?: ((event: ScheduleEvent) => Effect.Effect<void>) | undefined
}

/** What a schedule did before it returned. */
export interface ScheduleSummary {
  readonly runs: number
  readonly skipped: number
  /** How it ended: `drain` finished the current run, `cancel` interrupted it. */
  readonly stoppedBy: "drain" | "cancel"
}

export type OrchestratorErrorReason =
  /** The product has no schedule, or its cron or time zone is invalid. */
  | "InvalidSchedule"
  /** This orchestrator does not do this (e.g. Dagster runs its own schedules; the local one generates nothing). */
  | "Unsupported"
  /** Generated code would be wrong: e.g. two models map to the same asset or function name. */
  | "Generation"
  /** The schedule's state (last run time) cannot be read or written. */
  | "State"
  | "Unknown"

/** The one error of the orchestrator interface; `reason` says what went wrong, `message` says it in user words. */
export class OrchestratorError extends Data.TaggedError("OrchestratorError")<{
  readonly reason: OrchestratorErrorReason
  readonly message: string
  readonly cause?: unknown
}> {}

export interface OrchestratorShape {
  /** The plugin type as a platform manifest names it (`local`, `dagster`). */
  readonly type: string
  /**
   * The files an external orchestrator needs, path → content (see `GeneratedFiles`); pure and deterministic: the
   * same artifacts give byte-identical files. An orchestrator that needs no files returns `{}`.
   */
  readonly generate: (artifacts: OrchestrationArtifacts) => Effect.Effect<GeneratedFiles, OrchestratorError>
  /**
   * Runs `job` on the product's cron until shut down (see `Shutdown`), then returns what it did. Never runs two
   * jobs of the product at once. Fails with `InvalidSchedule` when the product has no usable schedule, and with
   * `Unsupported` when this orchestrator schedules elsewhere (Dagster).
   */
  readonly schedule: (
    artifacts: OrchestrationArtifacts,
    job: Job,
    options?: ScheduleOptions,
  ) => Effect.Effect<ScheduleSummary, OrchestratorError>
}

/** The orchestrator service key. Adapters provide it (and may also provide their own key). */
export class Orchestrator extends Context.Service<Orchestrator, OrchestratorShape>()("@floe/spec/Orchestrator") {}
