import { describe, expect, it } from "@effect/vitest"
import { Compute } from "@floe/spec"
import * as Effect from "effect/Effect"
import { TestClock } from "effect/testing"
import { Check, Checks } from "../src/index.ts"
import { contract, createCustomers, duck, NOW, target } from "./support/fixture.ts"

const violations = (m: Checks.Measured) => m.findings.filter((f): f is Check.Violation => f._tag === "Violation")

describe("freshness", () => {
  it.effect("passes within the SLA and reports the age in hours", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      yield* createCustomers(0.1)
      const m = yield* Checks.freshness(target())
      expect(m.summary).toBe("freshness: 0.1h (SLA: 6h)")
      expect(violations(m)).toEqual([])
      expect(m.value).toBeCloseTo(360, 0)
    }).pipe(Effect.provide(duck)),
  )

  it.effect("is an ERROR past the SLA, naming the element, expected and actual", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      yield* createCustomers(8.2)
      const [v] = violations(yield* Checks.freshness(target()))
      expect(v).toMatchObject({
        type: "freshness",
        severity: "error",
        element: "customers.updated_at",
        expected: "<= 6h",
        actual: "8.2h",
        message: "Data is 8.2h old, exceeding the 6h freshness SLA",
      })
    }).pipe(Effect.provide(duck)),
  )

  it.effect("without a column, uses the table's last successful build", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      yield* createCustomers(1)
      const t = target({
        contract: contract({
          slaProperties: [{ property: "freshness", value: 2, unit: "hours", element: "customers" }],
        }),
        lastBuild: () => Effect.succeed(NOW - 3 * 3_600_000),
      })
      const m = yield* Checks.freshness(t)
      expect(m.summary).toBe("freshness: 3.0h (SLA: 2 hours)")
      expect(violations(m)[0]?.actual).toBe("3.0h")
    }).pipe(Effect.provide(duck)),
  )

  it("reads SLA units", () => {
    expect(Checks.slaSeconds({ property: "freshness", value: 6, unit: "h" })).toBe(21600)
    expect(Checks.slaSeconds({ property: "freshness", value: 2, unit: "days" })).toBe(172800)
    expect(Checks.slaSeconds({ property: "freshness", value: "30m" })).toBe(1800)
    expect(Checks.slaSeconds({ property: "freshness", value: 6, unit: "fortnights" })).toBeUndefined()
  })
})

describe("schema drift", () => {
  it.effect("no drift when the table matches the contract", () =>
    Effect.gen(function* () {
      yield* createCustomers(1)
      const m = yield* Checks.schema(target())
      expect(m.summary).toBe("schema: no drift")
      expect(violations(m)).toEqual([])
    }).pipe(Effect.provide(duck)),
  )

  it.effect("removed column CRITICAL, changed type ERROR, added column WARNING", () =>
    Effect.gen(function* () {
      const compute = yield* Compute.Compute
      yield* compute.execute(
        "CREATE OR REPLACE TABLE main.customers (customer_id VARCHAR, lifetime_value_gbp DECIMAL(38,2), updated_at TIMESTAMP, segment VARCHAR)",
      )
      const vs = violations(yield* Checks.schema(target()))
      expect(vs.map((v) => [v.severity, v.element, v.expected, v.actual])).toEqual([
        ["error", "customers.customer_id", "BIGINT", "VARCHAR"],
        ["critical", "customers.email", "VARCHAR", "missing"],
        ["warning", "customers.segment", "absent", "VARCHAR"],
      ])
    }).pipe(Effect.provide(duck)),
  )

  it.effect("a missing table is CRITICAL", () =>
    Effect.gen(function* () {
      const vs = violations(yield* Checks.schema(target()))
      expect(vs).toHaveLength(1)
      expect(vs[0]).toMatchObject({ severity: "critical", element: "customers", actual: "missing" })
    }).pipe(Effect.provide(duck)),
  )

  it("treats engine spellings of one type as equal", () => {
    expect(Checks.normaliseType("int8")).toBe(Checks.normaliseType("BIGINT"))
    expect(Checks.normaliseType("text")).toBe(Checks.normaliseType("VARCHAR"))
    expect(Checks.normaliseType("numeric(38, 2)")).toBe(Checks.normaliseType("DECIMAL(38,2)"))
    expect(Checks.normaliseType("DECIMAL(18,3)")).not.toBe(Checks.normaliseType("DECIMAL(38,2)"))
  })
})

describe("quality", () => {
  it.effect("scores sql rules, library metrics and the model's tests against their thresholds", () =>
    Effect.gen(function* () {
      const compute = yield* Compute.Compute
      yield* createCustomers(1)
      yield* compute.execute("INSERT INTO main.customers VALUES (2, NULL, -5, TIMESTAMP '2026-11-01 00:00:00')")
      const c = contract()
      const [customers] = c.schema ?? []
      const t = target({
        contract: contract({
          schema: [
            {
              ...customers,
              name: "customers",
              properties: [
                {
                  name: "customer_id",
                  quality: [{ type: "library", metric: "duplicateValues", mustBe: 0, severity: "critical" }],
                },
                {
                  name: "email",
                  quality: [
                    { type: "library", metric: "nullValues", mustBeLessOrEqualTo: 1 },
                    { type: "library", metric: "invalidValues", arguments: { pattern: "^[a-z]+@example\\.com$" } },
                  ],
                },
                {
                  name: "lifetime_value_gbp",
                  quality: [
                    { type: "sql", query: "SELECT COUNT(*) FROM customers WHERE lifetime_value_gbp < 0", mustBe: 0 },
                  ],
                },
              ],
              quality: [{ type: "library", metric: "rowCount", mustBeBetween: [1, 10] }],
            },
          ],
        }),
        tests: () =>
          Effect.succeed([
            { name: "not_null_customers_customer_id", status: "pass" as const },
            { name: "unique_customers_customer_id", status: "fail" as const },
          ]),
      })
      const m = yield* Checks.quality(t)
      const vs = violations(m)
      expect(vs.map((v) => [v.severity, v.element, v.expected, v.actual])).toEqual([
        ["critical", "customers.customer_id", "= 0", "1"],
        ["error", "customers.lifetime_value_gbp", "= 0", "1"],
        ["error", "customers", "pass", "fail"],
      ])
      // rowCount, nullValues, invalidValues and one test pass: 4 of 7.
      expect(m.value).toBeCloseTo(4 / 7)
      expect(m.summary).toBe("quality: 4/7 passed (score 0.57)")
    }).pipe(Effect.provide(duck)),
  )

  it("reads every ODCS threshold operator", () => {
    const t = (r: Record<string, unknown>, v: number) => Checks.thresholdOf(r)?.test(v)
    expect(t({ mustBe: 0 }, 0)).toBe(true)
    expect(t({ mustNotBe: 0 }, 0)).toBe(false)
    expect(t({ mustBeGreaterThan: 0 }, 1)).toBe(true)
    expect(t({ mustBeGreaterOrEqualTo: 2 }, 1)).toBe(false)
    expect(t({ mustBeLessThan: 5 }, 5)).toBe(false)
    expect(t({ mustBeLessOrEqualTo: 5 }, 5)).toBe(true)
    expect(t({ mustBeBetween: [1, 3] }, 3)).toBe(true)
    expect(t({ mustNotBeBetween: [1, 3] }, 2)).toBe(false)
  })
})

describe("availability", () => {
  it.effect("100% when readable; the ratio over the window falls below the SLA after a failed probe", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      yield* createCustomers(1)
      const window = Checks.makeWindow(3_600_000)
      const t = target()
      const first = yield* Checks.availability(t, window)
      expect(first.summary).toBe("availability: 100%")
      expect(violations(first)).toEqual([])
      const compute = yield* Compute.Compute
      yield* compute.execute("DROP TABLE main.customers")
      yield* TestClock.adjust("5 minutes")
      const second = yield* Checks.availability(t, window)
      expect(second.value).toBe(0.5)
      expect(violations(second).map((v) => [v.severity, v.actual])).toEqual([
        ["critical", "unreachable"],
        ["error", "50%"],
      ])
      // Older probes leave the window.
      yield* createCustomers(1)
      yield* TestClock.adjust("2 hours")
      expect((yield* Checks.availability(t, window)).value).toBe(1)
    }).pipe(Effect.provide(duck)),
  )
})

describe("configuration", () => {
  it("defaults, platform overrides, then the contract's customProperties", () => {
    const d = Check.resolveConfig()
    expect(Object.fromEntries(Check.CHECK_TYPES.map((k) => [k, d[k].interval]))).toEqual({
      freshness: Check.DEFAULTS.freshness.interval,
      schema: Check.DEFAULTS.schema.interval,
      quality: Check.DEFAULTS.quality.interval,
      availability: Check.DEFAULTS.availability.interval,
    })
    const c = Check.resolveConfig(
      { freshness: { interval: "5m", timeout: "PT10S" }, schema: { interval: "2h" } },
      contract({ customProperties: [{ property: "floe.monitor.schema.interval", value: "30m" }] }),
    )
    expect(c.freshness.interval).toEqual(Check.resolveConfig({ freshness: { interval: "300s" } }).freshness.interval)
    expect(c.freshness.timeout).toEqual(Check.resolveConfig({ freshness: { timeout: "10s" } }).freshness.timeout)
    expect(c.schema.interval).toEqual(Check.resolveConfig({ schema: { interval: "30m" } }).schema.interval)
    expect(c.quality).toEqual(Check.DEFAULTS.quality)
  })
})
