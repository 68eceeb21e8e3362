import { describe, expect, it } from "@effect/vitest"
import { DuckDBCompute } from "@floe/compute-duckdb"
import * as Effect from "effect/Effect"
import { TestResult } from "../src/index.ts"

describe("test status (dbt's rule)", () => {
  it.each([
    [{ should_warn: true, should_error: true }, "error", false, "fail"],
    [{ should_warn: true, should_error: false }, "error", false, "warn"],
    [{ should_warn: true, should_error: true }, "warn", false, "warn"],
    [{ should_warn: true, should_error: true }, "warn", true, "fail"],
    [{ should_warn: false, should_error: false }, "error", false, "pass"],
    [{ should_warn: false, should_error: true }, "warn", false, "pass"],
    [{ should_warn: 1, should_error: 0 }, "ERROR", false, "warn"],
  ] as const)("%o with severity %s (warn-error %s) is %s", (row, severity, warnError, expected) => {
    expect(TestResult.status(row, severity, warnError)).toBe(expected)
  })
})

describe("test wrapping, run on DuckDB", () => {
  const failing = "select id from (values (1), (2), (3), (4), (5)) t(id) where id > 1" // 4 failing rows

  const outcome = (config: TestResult.TestConfig) =>
    Effect.scoped(
      Effect.gen(function* () {
        const compute = yield* DuckDBCompute.make()
        const [row] = yield* compute.query(TestResult.wrap(failing, config))
        return {
          failures: row?.failures,
          status: TestResult.status(row ?? {}, config.severity),
        }
      }),
    )

  it.effect("counts failing rows; defaults fail on any", () =>
    Effect.gen(function* () {
      expect(yield* outcome({})).toEqual({ failures: 4, status: "fail" })
    }),
  )

  it.effect("applies warn_if and error_if thresholds", () =>
    Effect.gen(function* () {
      expect(yield* outcome({ warn_if: ">2", error_if: ">10" })).toEqual({ failures: 4, status: "warn" })
      expect(yield* outcome({ warn_if: ">10", error_if: ">10" })).toEqual({ failures: 4, status: "pass" })
      expect(yield* outcome({ error_if: ">= 4" })).toEqual({ failures: 4, status: "fail" })
    }),
  )

  it.effect("caps the rows counted with limit, and uses fail_calc", () =>
    Effect.gen(function* () {
      expect((yield* outcome({ limit: 2 })).failures).toBe(2)
      expect((yield* outcome({ fail_calc: "sum(id)" })).failures).toBe(14)
    }),
  )

  it("never splices a condition that is not a comparison into SQL", () => {
    const sql = TestResult.wrap("select 1", {
      warn_if: "!= 0; drop table x",
      error_if: "> 1 or 1=1",
      fail_calc: "count(*); drop",
    })
    expect(sql).not.toMatch(/drop|or 1=1/)
    expect(sql).toMatch(/count\(\*\) != 0 as should_warn/)
  })
})
