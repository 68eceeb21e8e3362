/**
 * dbt's test semantics: a test's SQL selects failing rows; the runner wraps it to count them and decides pass,
 * warn or fail from severity, `warn_if`, `error_if`, `fail_calc`, `limit` and `--warn-error`.
 */

export interface TestConfig {
  readonly severity?: string | undefined
  readonly warn_if?: string | undefined
  readonly error_if?: string | undefined
  readonly fail_calc?: string | undefined
  readonly limit?: number | null | undefined
}

export type TestStatus = "pass" | "warn" | "fail"

const CONDITION = /^\s*(==|=|!=|<>|>=|<=|>|<)\s*-?\d+(\.\d+)?\s*$/

/** True when a `warn_if` / `error_if` value is a comparison dbt accepts (`!= 0`, `>10`, `>= 5` …). */
export const isCondition = (s: string): boolean => CONDITION.test(s)

/**
 * The statement that runs a test: `failures`, `should_warn` and `should_error` computed over the test's failing
 * rows (capped by `limit`), exactly as dbt's `get_test_sql` builds it. Conditions that are not comparisons fall
 * back to dbt's defaults (`!= 0`), so user text never reaches the SQL unchecked.
 */
export const wrap = (sql: string, config: TestConfig = {}): string => {
  const failCalc = config.fail_calc && /^[\w\s(),*.+\-/]+$/.test(config.fail_calc) ? config.fail_calc : "count(*)"
  const warnIf = config.warn_if && isCondition(config.warn_if) ? config.warn_if.trim() : "!= 0"
  const errorIf = config.error_if && isCondition(config.error_if) ? config.error_if.trim() : "!= 0"
  const limit =
    typeof config.limit === "number" && Number.isInteger(config.limit) && config.limit >= 0
      ? `\nlimit ${config.limit}`
      : ""
  return [
    "select",
    `  ${failCalc} as failures,`,
    `  ${failCalc} ${warnIf} as should_warn,`,
    `  ${failCalc} ${errorIf} as should_error`,
    "from (",
    `${sql.trim().replace(/;+\s*$/, "")}${limit}`,
    ") dbt_internal_test",
  ].join("\n")
}

const truthy = (v: unknown): boolean => v === true || v === 1 || v === "true" || v === "1" || v === "t"

/**
 * dbt's status rule: severity error and should_error → fail; otherwise should_warn → warn (fail under
 * `--warn-error`); otherwise pass. With severity warn, error_if is never consulted.
 */
export const status = (
  row: Readonly<Record<string, unknown>>,
  severity: string | undefined,
  warnError = false,
): TestStatus => {
  const isError = (severity ?? "error").toLowerCase() !== "warn"
  if (isError && truthy(row.should_error)) return "fail"
  if (truthy(row.should_warn)) return warnError ? "fail" : "warn"
  return "pass"
}

const COMPARISON = /^\s*(==|=|!=|<>|>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/

/**
 * Whether `failures <condition>` holds, computed in TypeScript the way SQL computes it in `wrap`: a condition that
 * is not a comparison is dbt's default `!= 0`. Exact for counts up to 2^53 and thresholds of at most 15 significant
 * digits (callers that need exactness beyond that run the SQL instead).
 */
export const holds = (failures: number, condition: string | undefined): boolean => {
  const m = COMPARISON.exec(condition !== undefined && isCondition(condition) ? condition : "!= 0")
  const threshold = Number(m?.[2] ?? 0)
  switch (m?.[1]) {
    case "==":
    case "=":
      return failures === threshold
    case ">=":
      return failures >= threshold
    case "<=":
      return failures <= threshold
    case ">":
      return failures > threshold
    case "<":
      return failures < threshold
    default:
      return failures !== threshold
  }
}

/**
 * A test's status from its failure count, as `status` decides it from the row `wrap` produces: the same
 * `should_warn` / `should_error` comparisons, evaluated without a round trip to the database.
 */
export const statusOf = (failures: number, config: TestConfig, warnError = false): TestStatus =>
  status(
    { should_warn: holds(failures, config.warn_if), should_error: holds(failures, config.error_if) },
    config.severity,
    warnError,
  )
