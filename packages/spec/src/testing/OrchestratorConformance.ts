/**
 * The conformance suite every `Orchestrator` adapter runs: call `OrchestratorConformance.suite(name, options)` from
 * the adapter's test file. Generation is checked for every adapter (relative paths under the adapter's output
 * directory, deterministic output); scheduling is checked for adapters that schedule in-process, with time driven
 * by `TestClock` — nothing here waits on the real clock.
 */
import { assert, describe, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/testing/TestClock"
import {
  type Job,
  makeShutdown,
  type OrchestrationArtifacts,
  Orchestrator,
  type OrchestratorError,
  type OrchestratorErrorReason,
  outputDirectory,
  type ScheduleEvent,
  type Tick,
} from "../Orchestrator.ts"

export interface Options<E> {
  /** Provides the orchestrator under test. */
  readonly layer: Layer.Layer<Orchestrator, E>
  /** True when the adapter runs schedules in-process; false when it must fail `schedule` with `Unsupported`. */
  readonly schedules: boolean
  /** True when `generate` must produce at least one file for the sample product. */
  readonly generates: boolean
}

/**
 * A small product in the medallion layout: a seed, bronze → silver → gold models, a generic and a singular test,
 * scheduled daily at 06:00 UTC. Adapters' own tests may reuse it.
 */
export const sampleArtifacts: OrchestrationArtifacts = {
  product: {
    name: "sample-product",
    version: "1.0.0",
    id: "sales.sample_product",
    domain: "sales",
    owner: "data@example.com",
    description: "A conformance sample.",
  },
  schedule: { cron: "0 6 * * *", timezone: "UTC" },
  project: { name: "sample_product", dir: ".", manifestPath: "target/manifest.json" },
  models: [
    {
      uniqueId: "seed.sample_product.raw_orders",
      resourceType: "seed",
      name: "raw_orders",
      fqn: ["sample_product", "raw_orders"],
      layer: "seeds",
      path: "seeds/raw_orders.csv",
      materialized: "seed",
      dependsOn: [],
      sources: [],
      tests: [],
    },
    {
      uniqueId: "model.sample_product.bronze_orders",
      resourceType: "model",
      name: "bronze_orders",
      fqn: ["sample_product", "bronze", "bronze_orders"],
      layer: "bronze",
      path: "models/bronze/bronze_orders.sql",
      materialized: "view",
      dependsOn: ["seed.sample_product.raw_orders"],
      sources: [],
      tests: [],
    },
    {
      uniqueId: "model.sample_product.silver_orders",
      resourceType: "model",
      name: "silver_orders",
      fqn: ["sample_product", "silver", "silver_orders"],
      layer: "silver",
      path: "models/silver/silver_orders.sql",
      materialized: "table",
      description: "Cleaned orders.",
      dependsOn: ["model.sample_product.bronze_orders"],
      sources: [],
      tests: [
        {
          uniqueId: "test.sample_product.not_null_silver_orders_order_id.0123456789",
          name: "not_null_silver_orders_order_id",
          kind: "generic",
          testName: "not_null",
          column: "order_id",
          severity: "error",
        },
      ],
    },
    {
      uniqueId: "model.sample_product.gold_revenue",
      resourceType: "model",
      name: "gold_revenue",
      fqn: ["sample_product", "gold", "gold_revenue"],
      layer: "gold",
      path: "models/gold/gold_revenue.sql",
      materialized: "table",
      dependsOn: ["model.sample_product.silver_orders"],
      sources: [],
      tests: [
        {
          uniqueId: "test.sample_product.assert_revenue_positive",
          name: "assert_revenue_positive",
          kind: "singular",
          testName: "assert_revenue_positive",
          severity: "warn",
        },
      ],
    },
  ],
}

/** Fails the test unless `self` fails with an `OrchestratorError` of `reason`; returns the error. */
export const expectReason = <A, R>(
  self: Effect.Effect<A, OrchestratorError, R>,
  reason: OrchestratorErrorReason,
): Effect.Effect<OrchestratorError, never, R> =>
  Effect.flatMap(Effect.result(self), (result) => {
    if (result._tag === "Success")
      return Effect.die(new Error(`expected an OrchestratorError (${reason}), got a success`))
    assert.strictEqual(result.failure._tag, "OrchestratorError")
    assert.strictEqual(result.failure.reason, reason, result.failure.message)
    assert.isString(result.failure.message)
    return Effect.succeed(result.failure)
  })

const HOUR = 3_600_000
const DAY = 24 * HOUR
const iso = (d: Date) => d.toISOString()

/** Lets forked fibers reach their next sleep before the clock moves. */
export const settle: Effect.Effect<void> = Effect.gen(function* () {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow
})

/** A job that records the test clock's time at each start and takes `millis` of (test) time. */
const recordingJob = (millis: number) =>
  Effect.gen(function* () {
    const started = yield* Ref.make<ReadonlyArray<{ readonly tick: Tick; readonly at: number }>>([])
    const finished = yield* Ref.make(0)
    const job: Job = (tick) =>
      Effect.gen(function* () {
        const at = yield* Effect.clockWith((c) => c.currentTimeMillis)
        yield* Ref.update(started, (xs) => [...xs, { tick, at }])
        if (millis > 0) yield* Effect.sleep(millis)
        yield* Ref.update(finished, (n) => n + 1)
        return { ok: true, summary: "done" }
      })
    return { job, started, finished }
  })

/**
 * Registers the conformance tests under `describe(name)`. Fails (as test failures) wherever the adapter deviates
 * from the `Orchestrator` contract.
 */
export const suite = <E>(name: string, options: Options<E>): void => {
  describe(name, () => {
    layer(options.layer, { timeout: "60 seconds" })((it) => {
      it.effect("generates plain relative paths (under its output directory), the same every time", () =>
        Effect.gen(function* () {
          const orchestrator = yield* Orchestrator
          assert.match(orchestrator.type, /^[a-z][a-z0-9_-]*$/)
          assert.strictEqual(outputDirectory(orchestrator.type), `.floe/orchestration/${orchestrator.type}`)
          const first = yield* orchestrator.generate(sampleArtifacts)
          const second = yield* orchestrator.generate(sampleArtifacts)
          assert.deepStrictEqual(second, first)
          const paths = Object.keys(first)
          if (options.generates) assert.isAbove(paths.length, 0)
          for (const path of paths) {
            assert.match(path, /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, `${path} must be a plain relative POSIX path`)
            assert.notMatch(path, /(^|\/)\.\.?(\/|$)/, `${path} must not contain . or .. segments`)
            assert.isString(first[path])
          }
        }),
      )

      if (!options.schedules) {
        it.effect("refuses to schedule in-process with Unsupported", () =>
          Effect.gen(function* () {
            const orchestrator = yield* Orchestrator
            yield* expectReason(
              orchestrator.schedule(sampleArtifacts, () => Effect.void),
              "Unsupported",
            )
          }),
        )
        return
      }

      it.effect("fails with InvalidSchedule without a schedule or with a bad cron or time zone", () =>
        Effect.gen(function* () {
          const orchestrator = yield* Orchestrator
          const job: Job = () => Effect.void
          yield* expectReason(
            orchestrator.schedule({ ...sampleArtifacts, schedule: undefined }, job),
            "InvalidSchedule",
          )
          yield* expectReason(
            orchestrator.schedule({ ...sampleArtifacts, schedule: { cron: "61 * * * *", timezone: "UTC" } }, job),
            "InvalidSchedule",
          )
          yield* expectReason(
            orchestrator.schedule(
              { ...sampleArtifacts, schedule: { cron: "0 6 * * *", timezone: "Mars/Olympus" } },
              job,
            ),
            "InvalidSchedule",
          )
        }),
      )

      it.effect("runs the job at each cron instant and stops on drain", () =>
        Effect.gen(function* () {
          const orchestrator = yield* Orchestrator
          yield* TestClock.setTime(Date.parse("2026-01-05T12:00:00Z"))
          const { job, started } = yield* recordingJob(0)
          const shutdown = yield* makeShutdown
          const fiber = yield* Effect.forkChild(orchestrator.schedule(sampleArtifacts, job, { shutdown }))
          yield* settle
          for (let day = 0; day < 3; day++) {
            yield* TestClock.adjust(DAY)
            yield* settle
          }
          const runs = yield* Ref.get(started)
          assert.deepStrictEqual(
            runs.map((r) => iso(r.tick.scheduledAt)),
            ["2026-01-06T06:00:00.000Z", "2026-01-07T06:00:00.000Z", "2026-01-08T06:00:00.000Z"],
          )
          assert.deepStrictEqual(
            runs.map((r) => r.at),
            runs.map((r) => r.tick.scheduledAt.getTime()),
          )
          assert.isTrue(runs.every((r) => r.tick.reason === "schedule"))
          yield* shutdown.request
          const summary = yield* Fiber.join(fiber)
          assert.strictEqual(summary.runs, 3)
          assert.strictEqual(summary.stoppedBy, "drain")
        }),
      )

      it.effect("never overlaps runs: a tick while a run is going is skipped and reported", () =>
        Effect.gen(function* () {
          const orchestrator = yield* Orchestrator
          yield* TestClock.setTime(Date.parse("2026-01-05T00:30:00Z"))
          const hourly = { ...sampleArtifacts, schedule: { cron: "0 * * * *", timezone: "UTC" } }
          const { job, started } = yield* recordingJob(90 * 60_000)
          const events = yield* Ref.make<ReadonlyArray<ScheduleEvent>>([])
          const shutdown = yield* makeShutdown
          const fiber = yield* Effect.forkChild(
            orchestrator.schedule(hourly, job, {
              shutdown,
              onEvent: (e) => Ref.update(events, (xs) => [...xs, e]),
            }),
          )
          yield* settle
          for (let i = 0; i < 4; i++) {
            yield* TestClock.adjust(HOUR)
            yield* settle
          }
          // Ticks at 01:00, 02:00 (skipped: the 01:00 run lasts until 02:30), 03:00, 04:00 (skipped).
          const runs = yield* Ref.get(started)
          assert.deepStrictEqual(
            runs.map((r) => iso(r.tick.scheduledAt)),
            ["2026-01-05T01:00:00.000Z", "2026-01-05T03:00:00.000Z"],
          )
          const skipped = (yield* Ref.get(events)).filter((e) => e._tag === "TickSkipped")
          assert.deepStrictEqual(
            skipped.map((e) => (e._tag === "TickSkipped" ? [iso(e.scheduledAt), iso(e.running.scheduledAt)] : [])),
            [
              ["2026-01-05T02:00:00.000Z", "2026-01-05T01:00:00.000Z"],
              ["2026-01-05T04:00:00.000Z", "2026-01-05T03:00:00.000Z"],
            ],
          )
          yield* shutdown.request
          yield* settle
          yield* TestClock.adjust(HOUR)
          const summary = yield* Fiber.join(fiber)
          assert.strictEqual(summary.skipped, 2)
        }),
      )

      it.effect("drain lets the current run finish; cancel interrupts it cleanly", () =>
        Effect.gen(function* () {
          const orchestrator = yield* Orchestrator
          yield* TestClock.setTime(Date.parse("2026-01-05T05:59:00Z"))
          const { job, finished } = yield* recordingJob(30 * 60_000)
          const drained = yield* makeShutdown
          const a = yield* Effect.forkChild(orchestrator.schedule(sampleArtifacts, job, { shutdown: drained }))
          yield* settle
          yield* TestClock.adjust(2 * 60_000)
          yield* settle
          yield* drained.request
          yield* settle
          assert.isUndefined(a.pollUnsafe(), "drain must wait for the running job")
          yield* TestClock.adjust(30 * 60_000)
          const first = yield* Fiber.join(a)
          assert.strictEqual(yield* Ref.get(finished), 1)
          assert.deepStrictEqual([first.runs, first.stoppedBy], [1, "drain"])

          yield* TestClock.setTime(Date.parse("2026-01-06T05:59:00Z"))
          const cancelled = yield* makeShutdown
          const interrupted = yield* Ref.make(false)
          const slow: Job = () => Effect.sleep(30 * 60_000).pipe(Effect.onInterrupt(() => Ref.set(interrupted, true)))
          const b = yield* Effect.forkChild(orchestrator.schedule(sampleArtifacts, slow, { shutdown: cancelled }))
          yield* settle
          yield* TestClock.adjust(2 * 60_000)
          yield* settle
          yield* cancelled.request
          yield* cancelled.request
          const second = yield* Fiber.join(b)
          assert.isTrue(yield* Ref.get(interrupted), "cancel must interrupt the running job")
          assert.deepStrictEqual([second.runs, second.stoppedBy], [1, "cancel"])
        }),
      )

      it.effect("interrupting the schedule interrupts the running job", () =>
        Effect.gen(function* () {
          const orchestrator = yield* Orchestrator
          yield* TestClock.setTime(Date.parse("2026-01-05T05:59:00Z"))
          const interrupted = yield* Ref.make(false)
          const slow: Job = () => Effect.sleep(30 * 60_000).pipe(Effect.onInterrupt(() => Ref.set(interrupted, true)))
          const fiber = yield* Effect.forkChild(orchestrator.schedule(sampleArtifacts, slow))
          yield* settle
          yield* TestClock.adjust(2 * 60_000)
          yield* settle
          yield* Fiber.interrupt(fiber)
          assert.isTrue(yield* Ref.get(interrupted))
        }),
      )
    })
  })
}
