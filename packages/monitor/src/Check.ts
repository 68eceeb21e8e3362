/**
 * What a contract check is and what it reports: the four check types, severities, typed findings (a pass or a
 * violation) and the per-check configuration (interval and timeout) with its defaults and overrides.
 */
import type { Odcs } from "@floe/contracts"
import { Duration as SpecDuration } from "@floe/spec"
import * as Duration from "effect/Duration"

export const CHECK_TYPES = ["freshness", "schema", "quality", "availability"] as const
export type CheckType = (typeof CHECK_TYPES)[number]

export const SEVERITIES = ["info", "warning", "error", "critical"] as const
export type Severity = (typeof SEVERITIES)[number]

/** Orders severities: info < warning < error < critical. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s)

/** A broken promise: which contract, which check, how bad, and what was expected against what was found. */
export interface Violation {
  readonly _tag: "Violation"
  readonly contract: string
  readonly version: string
  readonly type: CheckType
  readonly severity: Severity
  readonly message: string
  /** The schema object or `object.property` the finding is about. */
  readonly element: string | undefined
  readonly expected: string | undefined
  readonly actual: string | undefined
}

/** A kept promise, with the line a host shows (`freshness: 0.1h (SLA: 6h)`). */
export interface Pass {
  readonly _tag: "Pass"
  readonly contract: string
  readonly version: string
  readonly type: CheckType
  readonly severity: "info"
  readonly message: string
  readonly element: string | undefined
}

export type Finding = Pass | Violation

/** The outcome of one run of one check on one contract. */
export interface CheckResult {
  readonly contract: string
  readonly version: string
  readonly type: CheckType
  /** Epoch milliseconds (from the Effect Clock) when the check finished. */
  readonly checkedAt: number
  readonly seconds: number
  /** One line for humans: `freshness: 0.1h (SLA: 6h)`, `schema: no drift`, `availability: 100%`. */
  readonly summary: string
  readonly findings: ReadonlyArray<Finding>
  /** The measurement behind the gauges: age in seconds, availability ratio 0–1, quality score 0–1. */
  readonly value: number | undefined
}

export const violations = (r: CheckResult): ReadonlyArray<Violation> =>
  r.findings.filter((f): f is Violation => f._tag === "Violation")

export const passed = (r: CheckResult): boolean => violations(r).length === 0

export interface CheckConfig {
  readonly interval: Duration.Duration
  readonly timeout: Duration.Duration
}

export type Config = Readonly<Record<CheckType, CheckConfig>>

/** The defaults: freshness every 15 minutes, schema drift hourly, quality every 6 hours, availability every 5 minutes. */
export const DEFAULTS: Config = {
  freshness: { interval: Duration.minutes(15), timeout: Duration.seconds(30) },
  schema: { interval: Duration.hours(1), timeout: Duration.seconds(30) },
  quality: { interval: Duration.hours(6), timeout: Duration.minutes(5) },
  availability: { interval: Duration.minutes(5), timeout: Duration.seconds(10) },
}

/** Overrides as users write them: `{freshness: {interval: "5m", timeout: "10s"}}` (short or ISO-8601 durations). */
export type Overrides = Partial<
  Record<CheckType, { readonly interval?: string | undefined; readonly timeout?: string | undefined } | undefined>
>

const parse = (s: string | undefined): Duration.Duration | undefined => {
  const seconds = s === undefined ? undefined : SpecDuration.parseDuration(s)
  return seconds === undefined ? undefined : Duration.millis(Math.round(seconds * 1000))
}

const apply = (base: Config, overrides: Overrides | undefined): Config => {
  if (overrides === undefined) return base
  const out: Record<CheckType, CheckConfig> = { ...base }
  for (const type of CHECK_TYPES) {
    const o = overrides[type]
    out[type] = {
      interval: parse(o?.interval) ?? base[type].interval,
      timeout: parse(o?.timeout) ?? base[type].timeout,
    }
  }
  return out
}

/**
 * Reads a contract's own overrides from its `customProperties`: `floe.monitor.<check>.interval` and
 * `floe.monitor.<check>.timeout` (e.g. `{property: floe.monitor.freshness.interval, value: 5m}`).
 */
export const contractOverrides = (contract: Odcs.Contract): Overrides => {
  const props = Array.isArray(contract["customProperties"]) ? (contract["customProperties"] as Array<unknown>) : []
  const out: Record<string, { interval?: string; timeout?: string }> = {}
  for (const p of props) {
    if (typeof p !== "object" || p === null) continue
    const { property, value } = p as { property?: unknown; value?: unknown }
    const m = typeof property === "string" ? /^floe\.monitor\.(\w+)\.(interval|timeout)$/.exec(property) : null
    if (m === null || typeof value !== "string") continue
    const [, type = "", key = ""] = m
    if (!(CHECK_TYPES as ReadonlyArray<string>).includes(type)) continue
    out[type] = { ...out[type], [key]: value }
  }
  return out
}

/**
 * The effective configuration of a contract's checks: the defaults, then the platform's overrides, then the
 * contract's own (the most specific wins). Unparseable durations are ignored, leaving the value below them.
 */
export const resolveConfig = (platform?: Overrides, contract?: Odcs.Contract): Config =>
  apply(apply(DEFAULTS, platform), contract === undefined ? undefined : contractOverrides(contract))
