import { describe, expect, it } from "@effect/vitest"
import { Lineage } from "@floe/runtime"
import { Compute, OpenLineage } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { TestClock } from "effect/testing"
import { Alerts, type Check, Metrics, Monitor } from "../src/index.ts"
import { NOW, target } from "./support/fixture.ts"
import { validateEvent } from "./support/openlineage.ts"

/**
 * A compute that answers at once from memory: the customers table with the contract's columns, its newest
 * `updated_at` `ageHours` before the clock, and `hang` to make every query wait forever (for timeouts).
 */
const stubCompute = (state: { ageHours: number; hang?: boolean; queries?: number }) =>
  Layer.succeed(Compute.Compute, {
    dialect: "duckdb",
    quote: Compute.quoteAnsi,
    render: (r) => Compute.renderWith(Compute.quoteAnsi, r),
    execute: () => Effect.void,
    describeQuery: () => Effect.succeed([]),
    ensureSchema: () => Effect.void,
    dropRelation: () => Effect.void,
    materialize: () => Effect.succeed({ rows: 0, action: "created" as const }),
    loadCsv: () => Effect.succeed({ rows: 0 }),
    describeRelation: () =>
      Effect.succeed({
        kind: "table" as const,
        columns: [
          { name: "customer_id", type: "BIGINT" },
          { name: "email", type: "VARCHAR" },
          { name: "lifetime_value_gbp", type: "DECIMAL(38,2)" },
          { name: "updated_at", type: "TIMESTAMP" },
        ],
      }),
    query: (sql: string) =>
      state.hang
        ? Effect.never
        : Effect.sync(() => {
            state.queries = (state.queries ?? 0) + 1
            if (sql.includes("MAX(")) return [{ newest: new Date(NOW - state.ageHours * 3_600_000) }]
            if (sql.includes("lifetime_value_gbp < 0")) return [{ n: 0 }]
            return [{ n: 2 }]
          }),
  })

const count = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1
}

const recordingTransport = () => {
  const events: Array<OpenLineage.RunEvent> = []
  const layer = Layer.succeed(OpenLineage.LineageTransport, { emit: (e) => Effect.sync(() => void events.push(e)) })
  return { events, layer }
}

describe("schedule", () => {
  it.effect("each check runs at once and then on its interval: 15 min, 1 h, 6 h, 5 min (TestClock)", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      const counts: Record<string, number> = {}
      const monitor = Monitor.make({
        onResult: (r) => Effect.sync(() => count(counts, r.type)),
      })
      monitor.register(target())
      yield* monitor.start()
      // Step through 6 hours a minute at a time, letting each due check finish before the next step.
      for (let i = 0; i < 360; i++) yield* TestClock.adjust("1 minute")
      expect(counts).toEqual({ freshness: 1 + 24, schema: 1 + 6, quality: 1 + 1, availability: 1 + 72 })
    }).pipe(Effect.scoped, Effect.provide(stubCompute({ ageHours: 0.1 }))),
  )

  it.effect("a contract's customProperties override the interval; enforcement off runs nothing", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      const counts: Record<string, number> = {}
      const onResult = (r: Check.CheckResult) => Effect.sync(() => count(counts, r.type))
      const t = target()
      const fast = {
        ...t,
        contract: { ...t.contract, customProperties: [{ property: "floe.monitor.quality.interval", value: "1h" }] },
      }
      const monitor = Monitor.make({ onResult, overrides: { schema: { interval: "30m" } } })
      monitor.register(fast)
      const off = Monitor.make({ onResult: () => Effect.die("must not run"), enforcement: "off" })
      off.register(t)
      yield* monitor.start()
      yield* off.start()
      for (let i = 0; i < 120; i++) yield* TestClock.adjust("1 minute")
      expect(counts["quality"]).toBe(3)
      expect(counts["schema"]).toBe(5)
    }).pipe(Effect.scoped, Effect.provide(stubCompute({ ageHours: 0.1 }))),
  )

  it.effect("a check that exceeds its timeout is an ERROR violation", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      const monitor = Monitor.make()
      const t = target()
      const fiber = yield* Effect.forkChild(monitor.check(t, "freshness"))
      yield* TestClock.adjust("30 seconds")
      const result = yield* Fiber.join(fiber)
      expect(result?.summary).toBe("freshness: timed out")
      expect(result?.findings[0]).toMatchObject({ _tag: "Violation", severity: "error", actual: "timeout" })
      expect(result?.seconds).toBe(30)
    }).pipe(Effect.provide(stubCompute({ ageHours: 0, hang: true }))),
  )
})

describe("violations", () => {
  it.effect("become one OpenLineage FAIL event each, metrics, and alerts under alert_only", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      const { events, layer } = recordingTransport()
      const alerts: Array<Alerts.Alert> = []
      const router = Alerts.makeRouter({
        channels: [{ name: "test", send: (a) => Effect.sync(() => void alerts.push(a)) }],
      })
      const metrics = Metrics.make()
      yield* Effect.gen(function* () {
        const emitter = yield* Lineage.makeEmitter()
        const monitor = Monitor.make({ emitter, metrics, router })
        monitor.register(target())
        const results = yield* monitor.cycle()
        expect(results.map((r) => [r.type, r.summary])).toEqual([
          ["freshness", "freshness: 8.2h (SLA: 6h)"],
          ["schema", "schema: no drift"],
          ["quality", "quality: 2/2 passed (score 1.00)"],
          ["availability", "availability: 100%"],
        ])
        yield* emitter.flush()
      }).pipe(Effect.scoped, Effect.provide(layer))
      expect(events).toHaveLength(1)
      expect(events[0]?.eventType).toBe("FAIL")
      expect(events[0]?.job.name).toBe("sales.customer_360.freshness")
      expect(events[0]?.inputs).toEqual([{ namespace: "duckdb://memory", name: "main.customers" }])
      for (const e of events) expect(validateEvent(e)).toEqual([])
      expect(alerts.map((a) => a.violation.type)).toEqual(["freshness"])
      const text = yield* metrics.exposition()
      expect(text).toContain(
        'floe_contract_violations_total{contract="sales.customer_360",type="freshness",severity="error"} 1',
      )
      expect(text).toContain('floe_contract_freshness_seconds{contract="sales.customer_360"} 29520')
      expect(text).toContain('floe_contract_availability_ratio{contract="sales.customer_360"} 1')
      expect(text).toContain('floe_contract_quality_score{contract="sales.customer_360"} 1')
      expect(text).toContain(
        `floe_contract_last_check_timestamp_seconds{contract="sales.customer_360",type="schema"} ${NOW / 1000}`,
      )
      expect(text).toContain(
        'floe_contract_check_duration_seconds_count{contract="sales.customer_360",type="quality"} 1',
      )
    }).pipe(Effect.provide(stubCompute({ ageHours: 8.2 }))),
  )

  it.effect("warn mode reports without alerting", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      const alerts: Array<Alerts.Alert> = []
      const router = Alerts.makeRouter({
        channels: [{ name: "test", send: (a) => Effect.sync(() => void alerts.push(a)) }],
      })
      const monitor = Monitor.make({ router, enforcement: "warn" })
      monitor.register(target())
      const r = yield* monitor.check(target(), "freshness")
      expect(r.findings[0]?._tag).toBe("Violation")
      expect(alerts).toEqual([])
    }).pipe(Effect.provide(stubCompute({ ageHours: 8.2 }))),
  )
})

describe("run metrics", () => {
  it.effect("models, rows, durations and failures from a runtime Run.Result", () =>
    Effect.gen(function* () {
      const metrics = Metrics.make()
      const node = (name: string, status: "success" | "error" | "skipped", rows: number | undefined) => ({
        uniqueId: `model.p.${name}`,
        name,
        resourceType: "model" as const,
        materialized: "table",
        status,
        rows,
        seconds: 0.2,
        message: undefined,
        relation: undefined,
      })
      metrics.recordRun(
        "sales.customer_360",
        {
          runId: "r",
          status: "error",
          seconds: 1.5,
          nodes: [node("a", "success", 100), node("b", "success", 50), node("c", "error", undefined)],
          tests: [
            {
              uniqueId: "test.p.t",
              name: "t",
              status: "fail",
              failures: 2,
              seconds: 0.1,
              message: undefined,
              attachedNode: undefined,
              column: undefined,
              testName: "t",
              severity: "error",
            },
          ],
        },
        NOW,
      )
      const text = yield* metrics.exposition()
      expect(text).toContain('floe_run_models_total{product="sales.customer_360",status="success"} 2')
      expect(text).toContain('floe_run_models_total{product="sales.customer_360",status="error"} 1')
      expect(text).toContain('floe_run_rows_total{product="sales.customer_360"} 150')
      expect(text).toContain('floe_run_failures_total{product="sales.customer_360",kind="model"} 1')
      expect(text).toContain('floe_run_failures_total{product="sales.customer_360",kind="test"} 1')
      expect(text).toContain('floe_run_duration_seconds{product="sales.customer_360"} 1.5')
      expect(text).toContain('floe_run_model_duration_seconds_count{product="sales.customer_360"} 3')
    }),
  )

  it("parses listen addresses", () => {
    expect(Metrics.parseAddress("127.0.0.1:9464")).toEqual({ host: "127.0.0.1", port: 9464 })
    expect(Metrics.parseAddress("[::1]:9464")).toEqual({ host: "::1", port: 9464 })
    expect(Metrics.parseAddress(":9464")).toEqual({ host: "0.0.0.0", port: 9464 })
    expect(Metrics.parseAddress("localhost")).toBeUndefined()
    expect(Metrics.parseAddress("h:99999")).toBeUndefined()
  })
})
