import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, it } from "@effect/vitest"
import { Orchestrator } from "@floe/spec"
import { OrchestratorConformance } from "@floe/spec/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/testing/TestClock"
import { LocalOrchestrator } from "../src/index.ts"

OrchestratorConformance.suite("local orchestrator", {
  layer: LocalOrchestrator.layer(),
  schedules: true,
  generates: false,
})

const { sampleArtifacts } = OrchestratorConformance

/**
 * Lets the scheduler finish what the last clock move started, including real file I/O of a file state store: it
 * yields to the event loop (setImmediate, not a timer) until the scheduler is asleep again waiting for a future
 * tick and no zero-length run is in flight.
 */
const settleWith = (events: Ref.Ref<ReadonlyArray<Orchestrator.ScheduleEvent>>, jobMillis: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < 10_000; i++) {
      yield* OrchestratorConformance.settle
      const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
      const es = yield* Ref.get(events)
      const last = [...es].reverse().find((e) => e._tag === "NextRun")
      const asleep = last?._tag === "NextRun" && last.at.getTime() > now
      const started = es.filter((e) => e._tag === "RunStarted").length
      const finished = es.filter((e) => e._tag === "RunFinished").length
      if (asleep && (jobMillis > 0 || started === finished)) return
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
    }
  })
const settle = OrchestratorConformance.settle
const HOUR = 3_600_000
const DAY = 24 * HOUR

const withSchedule = (cron: string, timezone: string) => ({ ...sampleArtifacts, schedule: { cron, timezone } })

/**
 * Runs the schedule from `from` for `hours` of test time, an hour at a time, and returns every event and the test
 * clock's time at each job start.
 */
const drive = (
  orchestrator: Orchestrator.OrchestratorShape,
  artifacts: Orchestrator.OrchestrationArtifacts,
  from: string,
  hours: number,
  jobMillis = 0,
) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Date.parse(from))
    const events = yield* Ref.make<ReadonlyArray<Orchestrator.ScheduleEvent>>([])
    const starts = yield* Ref.make<ReadonlyArray<{ readonly tick: Orchestrator.Tick; readonly at: number }>>([])
    const shutdown = yield* Orchestrator.makeShutdown
    const fiber = yield* Effect.forkChild(
      orchestrator.schedule(
        artifacts,
        (tick) =>
          Effect.gen(function* () {
            const at = yield* Effect.clockWith((c) => c.currentTimeMillis)
            yield* Ref.update(starts, (xs) => [...xs, { tick, at }])
            if (jobMillis > 0) yield* Effect.sleep(jobMillis)
          }),
        { shutdown, onEvent: (e) => Ref.update(events, (xs) => [...xs, e]) },
      ),
    )
    yield* settleWith(events, jobMillis)
    for (let i = 0; i < hours; i++) {
      yield* TestClock.adjust(HOUR)
      yield* settleWith(events, jobMillis)
    }
    yield* shutdown.request
    yield* shutdown.request
    const summary = yield* Fiber.join(fiber)
    const started = yield* Ref.get(starts)
    // a scheduled job starts exactly at its tick (a catch-up job starts at once)
    const onTime = started.filter((s) => s.tick.reason === "schedule")
    assert.deepStrictEqual(
      onTime.map((s) => s.at),
      onTime.map((s) => s.tick.scheduledAt.getTime()),
    )
    return {
      summary,
      events: yield* Ref.get(events),
      ticks: started.map((s) => s.tick.scheduledAt.toISOString()),
      reasons: started.map((s) => s.tick.reason),
    }
  })

describe("LocalOrchestrator: daily schedules across DST transitions (exact UTC instants)", () => {
  // A fresh orchestrator per run: each has its own in-memory state, so no test catches up on another's ticks.
  const local = {
    ...LocalOrchestrator.make(),
    schedule: (...args: Parameters<Orchestrator.OrchestratorShape["schedule"]>) =>
      LocalOrchestrator.make().schedule(...args),
  }

  it.effect("Europe/London, spring forward: 01:30 does not exist on 29 March, so it runs once at 02:00 BST", () =>
    Effect.gen(function* () {
      const r = yield* drive(local, withSchedule("30 1 * * *", "Europe/London"), "2026-03-27T12:00:00Z", 3 * 24)
      assert.deepStrictEqual(r.ticks, [
        "2026-03-28T01:30:00.000Z", // 01:30 GMT
        "2026-03-29T01:00:00.000Z", // the gap 01:00–02:00 local: first valid instant, 02:00 BST
        "2026-03-30T00:30:00.000Z", // 01:30 BST
      ])
    }),
  )

  it.effect("Europe/London, fall back: 01:30 happens twice on 25 October and runs once, at the first", () =>
    Effect.gen(function* () {
      const r = yield* drive(local, withSchedule("30 1 * * *", "Europe/London"), "2026-10-23T12:00:00Z", 3 * 24)
      assert.deepStrictEqual(r.ticks, [
        "2026-10-24T00:30:00.000Z", // 01:30 BST
        "2026-10-25T00:30:00.000Z", // 01:30 BST, first occurrence; 01:30 GMT (01:30Z) does not run again
        "2026-10-26T01:30:00.000Z", // 01:30 GMT
      ])
    }),
  )

  it.effect("Europe/London, customer-360's 06:00 keeps local time: 06:00Z in winter, 05:00Z in summer", () =>
    Effect.gen(function* () {
      const spring = yield* drive(local, withSchedule("0 6 * * *", "Europe/London"), "2026-03-28T00:00:00Z", 48)
      assert.deepStrictEqual(spring.ticks, ["2026-03-28T06:00:00.000Z", "2026-03-29T05:00:00.000Z"])
      const autumn = yield* drive(local, withSchedule("0 6 * * *", "Europe/London"), "2026-10-24T00:00:00Z", 48)
      assert.deepStrictEqual(autumn.ticks, ["2026-10-24T05:00:00.000Z", "2026-10-25T06:00:00.000Z"])
    }),
  )

  it.effect("America/New_York, spring forward: 02:30 does not exist on 8 March, so it runs once at 03:00 EDT", () =>
    Effect.gen(function* () {
      const r = yield* drive(local, withSchedule("30 2 * * *", "America/New_York"), "2026-03-06T12:00:00Z", 3 * 24)
      assert.deepStrictEqual(r.ticks, [
        "2026-03-07T07:30:00.000Z", // 02:30 EST
        "2026-03-08T07:00:00.000Z", // the gap 02:00–03:00 local: 03:00 EDT
        "2026-03-09T06:30:00.000Z", // 02:30 EDT
      ])
    }),
  )

  it.effect("America/New_York, fall back: 01:30 happens twice on 1 November and runs once, at the first", () =>
    Effect.gen(function* () {
      const r = yield* drive(local, withSchedule("30 1 * * *", "America/New_York"), "2026-10-30T12:00:00Z", 3 * 24)
      assert.deepStrictEqual(r.ticks, [
        "2026-10-31T05:30:00.000Z", // 01:30 EDT
        "2026-11-01T05:30:00.000Z", // 01:30 EDT, first occurrence; 01:30 EST (06:30Z) does not run again
        "2026-11-02T06:30:00.000Z", // 01:30 EST
      ])
    }),
  )

  it.effect("an hourly schedule keeps firing every real hour through both transitions", () =>
    Effect.gen(function* () {
      const autumn = yield* drive(local, withSchedule("0 * * * *", "Europe/London"), "2026-10-24T23:30:00Z", 4)
      assert.deepStrictEqual(autumn.ticks, [
        "2026-10-25T00:00:00.000Z", // 01:00 BST
        "2026-10-25T01:00:00.000Z", // 01:00 GMT, the repeated hour
        "2026-10-25T02:00:00.000Z",
        "2026-10-25T03:00:00.000Z",
      ])
      const spring = yield* drive(local, withSchedule("0 * * * *", "Europe/London"), "2026-03-28T23:30:00Z", 3)
      assert.deepStrictEqual(spring.ticks, [
        "2026-03-29T00:00:00.000Z",
        "2026-03-29T01:00:00.000Z", // 02:00 BST: 01:00 local never happens
        "2026-03-29T02:00:00.000Z",
      ])
    }),
  )
})

describe("LocalOrchestrator: overlap, catch-up, state", () => {
  it.effect("a tick while the last run is still going is skipped, and the event says which run is going", () =>
    Effect.gen(function* () {
      const local = LocalOrchestrator.make()
      const r = yield* drive(local, withSchedule("0 6 * * *", "UTC"), "2026-01-05T00:00:00Z", 3 * 24, 30 * HOUR)
      // 06:00 on the 5th runs until 12:00 on the 6th: the 6th's tick is skipped
      assert.deepStrictEqual(r.ticks, ["2026-01-05T06:00:00.000Z", "2026-01-07T06:00:00.000Z"])
      const skips = r.events.filter((e) => e._tag === "TickSkipped")
      assert.strictEqual(skips.length, 1)
      const skip = skips[0]
      assert.isTrue(skip?._tag === "TickSkipped" && skip.scheduledAt.toISOString() === "2026-01-06T06:00:00.000Z")
      assert.strictEqual(r.summary.skipped, 1)
    }),
  )

  it.effect("after downtime it runs once for all missed ticks, then keeps the schedule", () =>
    Effect.gen(function* () {
      const state = LocalOrchestrator.memoryState({ "sales.sample_product": { lastTick: "2026-01-01T06:00:00.000Z" } })
      const local = LocalOrchestrator.make({ state })
      const r = yield* drive(local, withSchedule("0 6 * * *", "UTC"), "2026-01-05T12:00:00Z", 24)
      assert.deepStrictEqual(r.ticks, ["2026-01-05T06:00:00.000Z", "2026-01-06T06:00:00.000Z"])
      assert.deepStrictEqual(r.reasons, ["catch-up", "schedule"])
      const catchUp = r.events.find((e) => e._tag === "CatchUp")
      assert.isTrue(catchUp?._tag === "CatchUp" && catchUp.missed === 4)
      assert.strictEqual((yield* state.load("sales.sample_product"))?.lastTick, "2026-01-06T06:00:00.000Z")
    }),
  )

  it.effect("catchUp: skip reports missed ticks without running them; no history means no catch-up", () =>
    Effect.gen(function* () {
      const state = LocalOrchestrator.memoryState({ "sales.sample_product": { lastTick: "2026-01-01T06:00:00.000Z" } })
      const skip = yield* drive(
        LocalOrchestrator.make({ state, catchUp: "skip" }),
        withSchedule("0 6 * * *", "UTC"),
        "2026-01-05T12:00:00Z",
        1,
      )
      assert.deepStrictEqual(skip.ticks, [])
      assert.isTrue(skip.events.some((e) => e._tag === "CatchUp"))
      const fresh = yield* drive(LocalOrchestrator.make(), withSchedule("0 6 * * *", "UTC"), "2026-01-05T12:00:00Z", 1)
      assert.deepStrictEqual(fresh.ticks, [])
      assert.isFalse(fresh.events.some((e) => e._tag === "CatchUp"))
    }),
  )

  it.effect("keeps the last run in a state file and catches up from it in the next process", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "floe-schedule-"))
      try {
        const file = join(dir, LocalOrchestrator.STATE_FILE)
        const first = LocalOrchestrator.make({ state: yield* LocalOrchestrator.fileState(file) })
        yield* drive(first, withSchedule("0 6 * * *", "UTC"), "2026-01-05T00:00:00Z", 12)
        const saved = JSON.parse(readFileSync(file, "utf8"))
        assert.strictEqual(saved.products["sales.sample_product"].last_tick, "2026-01-05T06:00:00.000Z")
        assert.strictEqual(saved.products["sales.sample_product"].last_status, "success")
        // three days later, a new process
        const second = LocalOrchestrator.make({ state: yield* LocalOrchestrator.fileState(file) })
        const r = yield* drive(second, withSchedule("0 6 * * *", "UTC"), "2026-01-08T07:00:00Z", 1)
        assert.deepStrictEqual(r.ticks, ["2026-01-08T06:00:00.000Z"])
        assert.deepStrictEqual(r.reasons, ["catch-up"])

        writeFileSync(file, "not json")
        const broken = LocalOrchestrator.make({ state: yield* LocalOrchestrator.fileState(file) })
        const error = yield* OrchestratorConformance.expectReason(
          broken.schedule(withSchedule("0 6 * * *", "UTC"), () => Effect.void),
          "State",
        )
        assert.include(error.message, "delete it")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(NodeServices.layer)),
  )

  it.effect("a failing job is reported and the schedule goes on", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-01-05T00:00:00Z"))
      const events = yield* Ref.make<ReadonlyArray<Orchestrator.ScheduleEvent>>([])
      const shutdown = yield* Orchestrator.makeShutdown
      let n = 0
      const fiber = yield* Effect.forkChild(
        LocalOrchestrator.make().schedule(
          withSchedule("0 6 * * *", "UTC"),
          () => (n++ === 0 ? Effect.fail(new Error("boom")) : Effect.succeed({ ok: false, summary: "2 tests failed" })),
          { shutdown, onEvent: (e) => Ref.update(events, (xs) => [...xs, e]) },
        ),
      )
      yield* settle
      yield* TestClock.adjust(2 * DAY)
      yield* settle
      yield* shutdown.request
      yield* Fiber.join(fiber)
      const finished = (yield* Ref.get(events)).flatMap((e) =>
        e._tag === "RunFinished" ? [[e.status, e.summary ?? null]] : [],
      )
      assert.deepStrictEqual(finished, [
        ["error", "boom"],
        ["failed", "2 tests failed"],
      ])
    }),
  )
})

describe("LocalOrchestrator.nextRun", () => {
  it("resolves a DST-gap time to the end of the gap, and only once", () => {
    const cron = Effect.runSync(LocalOrchestrator.parseSchedule({ cron: "30 1 * * *", timezone: "Europe/London" }))
    const gap = LocalOrchestrator.nextRun(cron, new Date("2026-03-28T12:00:00Z"))
    assert.strictEqual(gap.toISOString(), "2026-03-29T01:00:00.000Z")
    assert.strictEqual(LocalOrchestrator.nextRun(cron, gap).toISOString(), "2026-03-30T00:30:00.000Z")
    // starting inside the gap's shifted window does not fire the gap twice
    assert.strictEqual(
      LocalOrchestrator.nextRun(cron, new Date("2026-03-29T01:10:00Z")).toISOString(),
      "2026-03-30T00:30:00.000Z",
    )
  })
})
