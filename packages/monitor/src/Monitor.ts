/**
 * The ContractMonitor: registered contracts, each check on its own schedule (Effect `Schedule`, so TestClock
 * drives it in tests), and what happens to results — Prometheus metrics, one OpenLineage FAIL event per violation
 * through the runtime's emitter, and alert routing as the enforcement mode allows.
 */
import type { Lineage } from "@floe/runtime"
import { type Compute, OpenLineage } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Alerts from "./Alerts.ts"
import {
  CHECK_TYPES,
  type CheckResult,
  type CheckType,
  type Config,
  type Overrides,
  resolveConfig,
  violations,
} from "./Check.ts"
import * as Checks from "./Checks.ts"
import * as Enforcement from "./Enforcement.ts"
import type * as Metrics from "./Metrics.ts"
import { contractId, relationOf, type Target, tables } from "./Target.ts"
import * as Violations from "./Violations.ts"

export interface Options {
  readonly metrics?: Metrics.Metrics | undefined
  readonly emitter?: Lineage.Emitter | undefined
  readonly router?: Alerts.Router | undefined
  readonly enforcement?: Enforcement.Mode | undefined
  /** Platform-wide interval and timeout overrides (a contract's customProperties override these). */
  readonly overrides?: Overrides | undefined
  readonly producer?: string | undefined
  /** The availability window (default 24 h). */
  readonly availabilityWindow?: Duration.Input | undefined
  /** Called with every result, e.g. to print it. */
  readonly onResult?: ((result: CheckResult) => Effect.Effect<void>) | undefined
}

export interface Monitor {
  readonly register: (target: Target) => void
  readonly targets: () => ReadonlyArray<Target>
  /** Runs one check on one contract, handling the result (metrics, lineage, alerts). */
  readonly check: (target: Target, type: CheckType) => Effect.Effect<CheckResult, never, Compute.Compute>
  /** Runs every check of every registered contract once (contracts `concurrency` at a time, default 8). */
  readonly cycle: (concurrency?: number) => Effect.Effect<ReadonlyArray<CheckResult>, never, Compute.Compute>
  /**
   * Runs every check of every registered contract on its interval — the first run at once — until the scope
   * closes. Returns as soon as the schedules are started.
   */
  readonly start: () => Effect.Effect<void, never, Compute.Compute | Scope.Scope>
  readonly config: (target: Target) => Config
}

const randomBytes = Effect.sync(() => crypto.getRandomValues(new Uint8Array(10)))

/** Creates a monitor. Nothing runs until `check`, `cycle` or `start`. */
export const make = (options: Options = {}): Monitor => {
  const registered: Array<Target> = []
  const windows = new Map<Target, Checks.AvailabilityWindow>()
  const windowMs = Duration.toMillis(options.availabilityWindow ?? "24 hours")
  const mode = options.enforcement ?? Enforcement.DEFAULT
  const configs = new Map<Target, Config>()
  const configOf = (t: Target): Config => {
    let c = configs.get(t)
    if (c === undefined) {
      c = resolveConfig({ ...options.overrides, ...t.overrides }, t.contract)
      configs.set(t, c)
    }
    return c
  }
  const windowOf = (t: Target) => {
    let w = windows.get(t)
    if (w === undefined) {
      w = Checks.makeWindow(windowMs)
      windows.set(t, w)
    }
    return w
  }

  const measure = (t: Target, type: CheckType): Effect.Effect<Checks.Measured, never, Compute.Compute> => {
    switch (type) {
      case "freshness":
        return Checks.freshness(t)
      case "schema":
        return Checks.schema(t)
      case "quality":
        return Checks.quality(t)
      case "availability":
        return Checks.availability(t, windowOf(t))
    }
  }

  const datasetOf = (t: Target, element: string | undefined) => {
    const object = element?.split(".")[0]
    const o = tables(t).find((x) => x.name === object) ?? (element === undefined ? undefined : tables(t)[0])
    if (o === undefined) return undefined
    const r = relationOf(t, o)
    return {
      namespace: t.datasetNamespace ?? "floe://warehouse",
      name: [r.database, r.schema, r.identifier].filter((p) => p !== undefined && p !== "").join("."),
    }
  }

  const handle = (t: Target, result: CheckResult) =>
    Effect.gen(function* () {
      options.metrics?.recordCheck(result)
      const decision = Enforcement.decide(mode, violations(result))
      for (const v of violations(result)) {
        if (options.emitter !== undefined) {
          yield* options.emitter.emit(
            Violations.event(v, {
              producer: options.producer ?? OpenLineage.DEFAULT_PRODUCER,
              namespace: t.namespace,
              at: result.checkedAt,
              random: yield* randomBytes,
              dataset: datasetOf(t, v.element),
            }),
          )
        }
        if (decision.alert && options.router !== undefined) yield* options.router.route(v, t.namespace)
      }
      if (options.onResult) yield* options.onResult(result)
    })

  const check = (t: Target, type: CheckType): Effect.Effect<CheckResult, never, Compute.Compute> =>
    Effect.gen(function* () {
      const { timeout } = configOf(t)[type]
      const t0 = yield* Clock.currentTimeMillis
      const measured = yield* measure(t, type).pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.succeed<Checks.Measured>({
              summary: `${type}: timed out`,
              value: undefined,
              findings: [
                {
                  _tag: "Violation",
                  contract: contractId(t),
                  version: t.contract.version,
                  type,
                  severity: "error",
                  message: `The ${type} check timed out after ${Duration.format(timeout)}`,
                  element: undefined,
                  expected: `done within ${Duration.format(timeout)}`,
                  actual: "timeout",
                },
              ],
            }),
        }),
      )
      const t1 = yield* Clock.currentTimeMillis
      const result: CheckResult = {
        contract: contractId(t),
        version: t.contract.version,
        type,
        checkedAt: t1,
        seconds: (t1 - t0) / 1000,
        ...measured,
      }
      yield* handle(t, result)
      return result
    })

  const cycle = (concurrency = 8) =>
    Effect.forEach(registered, (t) => Effect.forEach(CHECK_TYPES, (type) => check(t, type)), { concurrency }).pipe(
      Effect.map((rs) => rs.flat()),
    )

  const start = () =>
    Effect.gen(function* () {
      if (!Enforcement.decide(mode, []).check) return
      for (const t of registered) {
        const config = configOf(t)
        for (const type of CHECK_TYPES) {
          yield* Effect.forkScoped(
            check(t, type).pipe(Effect.repeat(Schedule.spaced(config[type].interval)), Effect.asVoid),
          )
        }
      }
    })

  return {
    register: (t) => {
      registered.push(t)
    },
    targets: () => registered,
    check,
    cycle,
    start,
    config: configOf,
  }
}
