/**
 * The four contract checks against the warehouse, through the `Compute` interface: freshness, schema drift,
 * quality and availability. Each returns typed findings and never fails: a table that cannot be read or a rule
 * that cannot run is itself a finding.
 */
import { EngineTypes, type Odcs } from "@floe/contracts"
import { Compute } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { CheckType, Finding, Severity } from "./Check.ts"
import { contractId, relationOf, type Target, tables } from "./Target.ts"

/** What a check produces before the runner stamps time and duration on it. */
export interface Measured {
  readonly summary: string
  readonly findings: ReadonlyArray<Finding>
  readonly value: number | undefined
}

const finding = (
  t: Target,
  type: CheckType,
  f:
    | { pass: true; message: string; element?: string | undefined }
    | {
        pass: false
        severity: Severity
        message: string
        element?: string | undefined
        expected?: string | undefined
        actual?: string | undefined
      },
): Finding =>
  f.pass
    ? {
        _tag: "Pass",
        contract: contractId(t),
        version: t.contract.version,
        type,
        severity: "info",
        message: f.message,
        element: f.element,
      }
    : {
        _tag: "Violation",
        contract: contractId(t),
        version: t.contract.version,
        type,
        severity: f.severity,
        message: f.message,
        element: f.element,
        expected: f.expected,
        actual: f.actual,
      }

const UNIT_SECONDS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(s|sec|secs|second|seconds)$/i, 1],
  [/^(m|min|mins|minute|minutes)$/i, 60],
  [/^(h|hr|hrs|hour|hours)$/i, 3600],
  [/^(d|day|days)$/i, 86400],
  [/^(w|week|weeks)$/i, 604800],
]

/** An SLA value with its unit in seconds: `{value: 6, unit: h}` → 21600; `{value: "6h"}` → 21600. */
export const slaSeconds = (sla: Odcs.SlaProperty): number | undefined => {
  const { value, unit } = sla
  if (typeof value === "number" && unit !== undefined) {
    const factor = UNIT_SECONDS.find(([re]) => re.test(unit.trim()))?.[1]
    return factor === undefined || value <= 0 ? undefined : value * factor
  }
  if (typeof value === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(`${value}${unit ?? ""}`)
    const factor = m === null ? undefined : UNIT_SECONDS.find(([re]) => re.test(m[2] ?? ""))?.[1]
    return m === null || factor === undefined ? undefined : Number(m[1]) * factor
  }
  return undefined
}

const slaText = (sla: Odcs.SlaProperty): string => {
  const unit = sla.unit?.trim() ?? ""
  return unit.length > 1 && unit !== "%" ? `${String(sla.value)} ${unit}` : `${String(sla.value)}${unit}`
}

const slas = (t: Target, property: string): ReadonlyArray<Odcs.SlaProperty> =>
  (t.contract.slaProperties ?? []).filter((s) => s.property.toLowerCase() === property)

/** `customers.updated_at` → the schema object and the property; `customers` → the object alone. */
const splitElement = (t: Target, element: string | undefined) => {
  const all = tables(t)
  if (element === undefined) return { object: all[0], column: undefined }
  const [first, ...rest] = element.split(".")
  const object = all.find((o) => o.name === first || o.physicalName === first)
  if (object !== undefined) return { object, column: rest.length > 0 ? rest.join(".") : undefined }
  // A bare property name: the first object that has it.
  const owner = all.find((o) => (o.properties ?? []).some((p) => p.name === element))
  return { object: owner ?? all[0], column: owner === undefined ? undefined : element }
}

const toMillis = (v: unknown): number | undefined => {
  if (v instanceof Date) return v.getTime()
  if (typeof v === "number") return v
  if (typeof v === "bigint") return Number(v)
  if (typeof v === "string") {
    const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d/.test(v) ? `${v.replace(" ", "T")}${/[zZ+]/.test(v) ? "" : "Z"}` : v)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

/** Hours with one decimal, as the CLI prints ages: 360 s → `0.1h`. */
export const hours = (seconds: number): string => `${(seconds / 3600).toFixed(1)}h`

const errorText = (e: Compute.ComputeError) => e.message.split("\n")[0] ?? e.message

/**
 * Freshness: for each `freshness` SLA, the age of the newest value of its element (`object.column`), or — when
 * the element names no column — the age of the table's last successful build from the run state. Older than the
 * SLA is an ERROR; an empty table or an unreadable column is an ERROR too.
 */
export const freshness = (t: Target): Effect.Effect<Measured, never, Compute.Compute> =>
  Effect.gen(function* () {
    const compute = yield* Compute.Compute
    const now = yield* Clock.currentTimeMillis
    const findings: Array<Finding> = []
    let worst: number | undefined
    let summary: string | undefined
    for (const sla of slas(t, "freshness")) {
      const limit = slaSeconds(sla)
      const { object, column } = splitElement(t, sla.element)
      const element = sla.element ?? object?.name
      if (limit === undefined || object === undefined) {
        findings.push(
          finding(t, "freshness", {
            pass: false,
            severity: "warning",
            message: `the freshness SLA ${slaText(sla)}${element ? ` on ${element}` : ""} cannot be checked: ${limit === undefined ? "unknown unit" : "no such table in the contract"}`,
            element,
          }),
        )
        continue
      }
      let newest: number | undefined
      let problem: string | undefined
      if (column !== undefined) {
        const rel = compute.render(relationOf(t, object))
        const rows = yield* Effect.result(compute.query(`SELECT MAX(${compute.quote(column)}) AS newest FROM ${rel}`))
        if (rows._tag === "Failure") problem = `cannot read ${element}: ${errorText(rows.failure)}`
        else {
          newest = toMillis(rows.success[0]?.["newest"])
          if (newest === undefined) problem = `${element} has no values`
        }
      } else {
        newest = t.lastBuild === undefined ? undefined : yield* t.lastBuild(object.name)
        if (newest === undefined) problem = `${object.name} has no successful build in the run state`
      }
      const expected = `<= ${slaText(sla)}`
      if (newest === undefined) {
        findings.push(
          finding(t, "freshness", {
            pass: false,
            severity: "error",
            message: problem ?? "no data",
            element,
            expected,
            actual: "unknown",
          }),
        )
        summary ??= `freshness: unknown (SLA: ${slaText(sla)})`
        continue
      }
      const age = Math.max(0, (now - newest) / 1000)
      worst = Math.max(worst ?? 0, age)
      const line = `freshness: ${hours(age)} (SLA: ${slaText(sla)})`
      summary = summary === undefined || age >= (worst ?? 0) ? line : summary
      findings.push(
        age <= limit
          ? finding(t, "freshness", { pass: true, message: line, element })
          : finding(t, "freshness", {
              pass: false,
              severity: "error",
              message: `Data is ${hours(age)} old, exceeding the ${slaText(sla)} freshness SLA`,
              element,
              expected,
              actual: hours(age),
            }),
      )
    }
    return { summary: summary ?? "freshness: no SLA", findings, value: worst }
  })

const TYPE_ALIASES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^INT4?$|^INTEGER$|^SIGNED$/, "INTEGER"],
  [/^INT8$|^LONG$|^BIGINT$/, "BIGINT"],
  [/^INT2$|^SHORT$|^SMALLINT$/, "SMALLINT"],
  [/^BOOL(EAN)?$|^LOGICAL$/, "BOOLEAN"],
  [/^(TEXT|STRING|CHARACTER VARYING|BPCHAR|CHAR|VARCHAR)(\s*\(\d+\))?$/, "VARCHAR"],
  [/^(FLOAT8|DOUBLE|DOUBLE PRECISION)$/, "DOUBLE"],
  [/^(FLOAT4|REAL|FLOAT)$/, "FLOAT"],
  [/^NUMERIC/, "DECIMAL"],
  [/^TIMESTAMPTZ$|^TIMESTAMP WITH TIME ZONE$/, "TIMESTAMP WITH TIME ZONE"],
  [/^DATETIME$|^TIMESTAMP WITHOUT TIME ZONE$/, "TIMESTAMP"],
]

/** A physical type in one spelling per engine type, so `INT8` and `BIGINT` or `TEXT` and `VARCHAR` are equal. */
export const normaliseType = (t: string): string => {
  const s = t
    .trim()
    .toUpperCase()
    .replace(/\s+/g, " ")
    .replace(/\s*,\s*/g, ",")
  const alias = TYPE_ALIASES.find(([re]) => re.test(s))
  if (alias === undefined) return s
  // Keep DECIMAL's precision and scale.
  return alias[1] === "DECIMAL" ? s.replace(/^NUMERIC/, "DECIMAL") : alias[1]
}

const typeDrift = (p: Odcs.SchemaProperty, actual: string): string | undefined => {
  if (p.physicalType !== undefined) {
    return normaliseType(p.physicalType) === normaliseType(actual) ? undefined : p.physicalType
  }
  if (p.logicalType !== undefined) {
    const logical = EngineTypes.toLogical(actual)?.logicalType
    return logical === undefined || EngineTypes.compatible(p.logicalType, logical) ? undefined : p.logicalType
  }
  return undefined
}

/**
 * Schema drift: each table's actual columns (`Compute.describeRelation`) against the contract. A removed column
 * (or a missing table) is CRITICAL, a changed type ERROR, an added column WARNING; each names the column and what
 * was expected and found.
 */
export const schema = (t: Target): Effect.Effect<Measured, never, Compute.Compute> =>
  Effect.gen(function* () {
    const compute = yield* Compute.Compute
    const findings: Array<Finding> = []
    for (const object of tables(t)) {
      const info = yield* Effect.result(compute.describeRelation(relationOf(t, object)))
      if (info._tag === "Failure" || info.success === undefined) {
        findings.push(
          finding(t, "schema", {
            pass: false,
            severity: "critical",
            message:
              info._tag === "Failure"
                ? `cannot describe ${object.name}: ${errorText(info.failure)}`
                : `${object.name} does not exist (${compute.render(relationOf(t, object))})`,
            element: object.name,
            expected: object.physicalType ?? "table",
            actual: "missing",
          }),
        )
        continue
      }
      const actual = new Map(info.success.columns.map((c) => [c.name.toLowerCase(), c]))
      const promised = new Set<string>()
      for (const p of object.properties ?? []) {
        promised.add(p.name.toLowerCase())
        const col = actual.get(p.name.toLowerCase())
        const element = `${object.name}.${p.name}`
        if (col === undefined) {
          findings.push(
            finding(t, "schema", {
              pass: false,
              severity: "critical",
              message: `Column ${p.name} was removed from ${object.name}`,
              element,
              expected: p.physicalType ?? p.logicalType ?? "present",
              actual: "missing",
            }),
          )
          continue
        }
        const expected = typeDrift(p, col.type)
        if (expected !== undefined) {
          findings.push(
            finding(t, "schema", {
              pass: false,
              severity: "error",
              message: `Column ${object.name}.${p.name} changed type from ${expected} to ${col.type}`,
              element,
              expected,
              actual: col.type,
            }),
          )
        }
      }
      for (const col of info.success.columns) {
        if (promised.has(col.name.toLowerCase())) continue
        findings.push(
          finding(t, "schema", {
            pass: false,
            severity: "warning",
            message: `Column ${col.name} was added to ${object.name} but is not in the contract`,
            element: `${object.name}.${col.name}`,
            expected: "absent",
            actual: col.type,
          }),
        )
      }
    }
    const drift = findings.length
    if (drift === 0) findings.push(finding(t, "schema", { pass: true, message: "schema: no drift" }))
    return {
      summary: drift === 0 ? "schema: no drift" : `schema: ${drift} change${drift === 1 ? "" : "s"}`,
      findings,
      value: drift,
    }
  })

type Threshold = { readonly op: string; readonly text: string; readonly test: (n: number) => boolean }

const num = (v: unknown): number | undefined =>
  typeof v === "number"
    ? v
    : typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))
      ? Number(v)
      : undefined

const pair = (v: unknown): readonly [number, number] | undefined => {
  if (!Array.isArray(v) || v.length !== 2) return undefined
  const a = num(v[0])
  const b = num(v[1])
  return a === undefined || b === undefined ? undefined : [a, b]
}

/** The threshold a quality rule states (`mustBe: 0`, `mustBeGreaterThan: 0`, `mustBeBetween: [1, 9]` …). */
export const thresholdOf = (rule: Odcs.QualityRule): Threshold | undefined => {
  const ops: ReadonlyArray<readonly [string, string, (v: number, x: number) => boolean]> = [
    ["mustBe", "=", (v, x) => v === x],
    ["mustNotBe", "!=", (v, x) => v !== x],
    ["mustBeGreaterThan", ">", (v, x) => v > x],
    ["mustBeGreaterOrEqualTo", ">=", (v, x) => v >= x],
    ["mustBeGreaterThanOrEqualTo", ">=", (v, x) => v >= x],
    ["mustBeLessThan", "<", (v, x) => v < x],
    ["mustBeLessOrEqualTo", "<=", (v, x) => v <= x],
    ["mustBeLessThanOrEqualTo", "<=", (v, x) => v <= x],
  ]
  for (const [key, op, f] of ops) {
    const x = num(rule[key])
    if (x !== undefined) return { op, text: `${op} ${x}`, test: (v) => f(v, x) }
  }
  const between = pair(rule["mustBeBetween"])
  if (between) {
    const [lo, hi] = between
    return { op: "between", text: `between ${lo} and ${hi}`, test: (v) => v >= lo && v <= hi }
  }
  const outside = pair(rule["mustNotBeBetween"])
  if (outside) {
    const [lo, hi] = outside
    return { op: "not between", text: `not between ${lo} and ${hi}`, test: (v) => v < lo || v > hi }
  }
  return undefined
}

const METRIC_ALIASES: Readonly<Record<string, string>> = {
  rowcount: "rowCount",
  countcheck: "rowCount",
  nullvalues: "nullValues",
  nullcheck: "nullValues",
  duplicatevalues: "duplicateValues",
  duplicatecount: "duplicateValues",
  uniquecheck: "duplicateValues",
  invalidvalues: "invalidValues",
  validvalues: "invalidValues",
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`

/**
 * The SQL that measures a rule on a relation, and the threshold when the rule states none: library metrics count
 * offending rows (so they must be 0), except `rowCount` (must be > 0). Undefined for rules Floe cannot execute.
 */
const measure = (
  compute: Compute.ComputeShape,
  rel: string,
  object: Odcs.SchemaObject,
  column: string | undefined,
  rule: Odcs.QualityRule,
): { sql: string; fallback: Threshold; label: string } | undefined => {
  const zero: Threshold = { op: "=", text: "= 0", test: (v) => v === 0 }
  const type = (rule.type ?? (rule["query"] !== undefined ? "sql" : "library")).toLowerCase()
  if (type === "sql") {
    const query = rule["query"]
    if (typeof query !== "string") return undefined
    const names = [object.name, object.physicalName].filter((n): n is string => n !== undefined)
    let sql = query.replaceAll(/\{(model|table|object)\}|\$\{(model|table|object)\}/g, rel)
    for (const n of names) {
      const escaped = n.replaceAll(/[.*+?^${}()|[\]\\]/g, "\\$&")
      sql = sql.replaceAll(new RegExp(`\\b(FROM|JOIN)\\s+${escaped}\\b(?!\\.)`, "gi"), `$1 ${rel}`)
    }
    return { sql, fallback: zero, label: rule.name ?? rule.description ?? "sql rule" }
  }
  if (type !== "library") return undefined
  const metric = METRIC_ALIASES[String(rule.metric ?? rule.rule ?? "").toLowerCase()]
  const col = column === undefined ? undefined : compute.quote(column)
  const label = rule.name ?? `${metric ?? "rule"}${column ? `(${column})` : ""}`
  const args = (rule["arguments"] ?? {}) as Record<string, unknown>
  const percent = rule["unit"] === "percent"
  const scaled = (count: string) =>
    percent ? `SELECT CASE WHEN COUNT(*) = 0 THEN 0 ELSE 100.0 * (${count}) / COUNT(*) END FROM ${rel}` : undefined
  switch (metric) {
    case "rowCount":
      return { sql: `SELECT COUNT(*) FROM ${rel}`, fallback: { op: ">", text: "> 0", test: (v) => v > 0 }, label }
    case "nullValues":
      if (col === undefined) return undefined
      return {
        sql: scaled(`COUNT(*) - COUNT(${col})`) ?? `SELECT COUNT(*) FROM ${rel} WHERE ${col} IS NULL`,
        fallback: zero,
        label,
      }
    case "duplicateValues":
      if (col === undefined) return undefined
      return {
        sql:
          scaled(`COUNT(${col}) - COUNT(DISTINCT ${col})`) ??
          `SELECT COUNT(${col}) - COUNT(DISTINCT ${col}) FROM ${rel}`,
        fallback: zero,
        label,
      }
    case "invalidValues": {
      if (col === undefined) return undefined
      const valid = Array.isArray(args["validValues"]) ? (args["validValues"] as Array<unknown>) : undefined
      const pattern = typeof args["pattern"] === "string" ? args["pattern"] : undefined
      const cond =
        valid !== undefined
          ? `${col} NOT IN (${valid.map((v) => (typeof v === "number" ? String(v) : sqlString(String(v)))).join(", ")})`
          : pattern !== undefined
            ? compute.dialect === "postgres"
              ? `CAST(${col} AS TEXT) !~ ${sqlString(pattern)}`
              : `NOT regexp_matches(CAST(${col} AS VARCHAR), ${sqlString(pattern)})`
            : undefined
      if (cond === undefined) return undefined
      return {
        sql:
          scaled(`COUNT(CASE WHEN ${col} IS NOT NULL AND ${cond} THEN 1 END)`) ??
          `SELECT COUNT(*) FROM ${rel} WHERE ${col} IS NOT NULL AND ${cond}`,
        fallback: zero,
        label,
      }
    }
    default:
      return undefined
  }
}

const ruleSeverity = (rule: Odcs.QualityRule): Severity => {
  const s = String(rule["severity"] ?? "error").toLowerCase()
  return s === "info" || s === "warning" || s === "critical" ? s : s === "warn" ? "warning" : "error"
}

/**
 * Quality: every executable rule of the contract (`sql` rules and the library metrics rowCount, nullValues,
 * duplicateValues, invalidValues, at table and column level) scored against its threshold, plus the tests of
 * each table's model from the last run. The value is the score: passed / scored (1 when nothing is scored).
 */
export const quality = (t: Target): Effect.Effect<Measured, never, Compute.Compute> =>
  Effect.gen(function* () {
    const compute = yield* Compute.Compute
    const findings: Array<Finding> = []
    let scored = 0
    let ok = 0
    for (const object of tables(t)) {
      const rel = compute.render(relationOf(t, object))
      const rules: Array<{ rule: Odcs.QualityRule; column: string | undefined }> = [
        ...(object.quality ?? []).map((rule) => ({ rule, column: undefined })),
        ...(object.properties ?? []).flatMap((p) => (p.quality ?? []).map((rule) => ({ rule, column: p.name }))),
      ]
      for (const { rule, column } of rules) {
        const m = measure(compute, rel, object, column, rule)
        if (m === undefined) continue
        scored++
        const threshold = thresholdOf(rule) ?? m.fallback
        const element = column === undefined ? object.name : `${object.name}.${column}`
        const rows = yield* Effect.result(compute.query(m.sql))
        if (rows._tag === "Failure") {
          findings.push(
            finding(t, "quality", {
              pass: false,
              severity: "error",
              message: `Quality rule "${m.label}" could not run: ${errorText(rows.failure)}`,
              element,
              expected: threshold.text,
              actual: "error",
            }),
          )
          continue
        }
        const first = rows.success[0]
        const value = num(first === undefined ? undefined : Object.values(first)[0])
        if (value !== undefined && threshold.test(value)) {
          ok++
          findings.push(finding(t, "quality", { pass: true, message: `${m.label}: ${value}`, element }))
        } else {
          findings.push(
            finding(t, "quality", {
              pass: false,
              severity: ruleSeverity(rule),
              message: `Quality rule "${m.label}" failed: got ${value ?? "no value"}, expected ${threshold.text}`,
              element,
              expected: threshold.text,
              actual: String(value ?? "null"),
            }),
          )
        }
      }
      const tests = t.tests === undefined ? [] : yield* t.tests(object.name)
      for (const test of tests) {
        if (test.status === "skipped") continue
        scored++
        if (test.status === "pass") {
          ok++
          continue
        }
        findings.push(
          finding(t, "quality", {
            pass: false,
            severity: test.status === "warn" ? "warning" : "error",
            message: `Test ${test.name} ${test.status === "warn" ? "warned" : test.status === "fail" ? "failed" : "errored"} in the last run`,
            element: object.name,
            expected: "pass",
            actual: test.status,
          }),
        )
      }
    }
    const score = scored === 0 ? 1 : ok / scored
    return {
      summary: scored === 0 ? "quality: no rules" : `quality: ${ok}/${scored} passed (score ${score.toFixed(2)})`,
      findings,
      value: score,
    }
  })

/** Probes over time for one contract: the availability ratio is the share of successful probes in the window. */
export interface AvailabilityWindow {
  readonly record: (at: number, ok: boolean) => void
  readonly ratio: (now: number) => number
}

/** A window of `windowMillis` (default 24 h) that forgets older probes. */
export const makeWindow = (windowMillis = 86_400_000): AvailabilityWindow => {
  const probes: Array<{ at: number; ok: boolean }> = []
  return {
    record: (at, ok) => {
      probes.push({ at, ok })
    },
    ratio: (now) => {
      while (probes.length > 0 && (probes[0]?.at ?? now) < now - windowMillis) probes.shift()
      return probes.length === 0 ? 1 : probes.filter((p) => p.ok).length / probes.length
    },
  }
}

const percent = (ratio: number) => `${Number((ratio * 100).toFixed(2))}%`

/**
 * Availability: each table is reachable (it exists) and readable (one row can be selected). The probe is
 * recorded in `window`; the ratio over the window is checked against the `availability` SLA. An unreachable
 * table is CRITICAL; a ratio below the SLA is an ERROR.
 */
export const availability = (t: Target, window: AvailabilityWindow): Effect.Effect<Measured, never, Compute.Compute> =>
  Effect.gen(function* () {
    const compute = yield* Compute.Compute
    const findings: Array<Finding> = []
    const failures: Array<{ object: string; message: string }> = []
    for (const object of tables(t)) {
      const rel = relationOf(t, object)
      const probe = yield* Effect.result(
        compute
          .describeRelation(rel)
          .pipe(
            Effect.flatMap((info) =>
              info === undefined
                ? Effect.fail(
                    new Compute.ComputeError({ reason: "NotFound", message: `${compute.render(rel)} does not exist` }),
                  )
                : compute.query(`SELECT 1 AS ok FROM ${compute.render(rel)} LIMIT 1`),
            ),
          ),
      )
      if (probe._tag === "Failure") failures.push({ object: object.name, message: errorText(probe.failure) })
    }
    const now = yield* Clock.currentTimeMillis
    window.record(now, failures.length === 0)
    const ratio = window.ratio(now)
    for (const f of failures) {
      findings.push(
        finding(t, "availability", {
          pass: false,
          severity: "critical",
          message: `${f.object} is not readable: ${f.message}`,
          element: f.object,
          expected: "readable",
          actual: "unreachable",
        }),
      )
    }
    for (const sla of slas(t, "availability")) {
      const target = typeof sla.value === "number" ? sla.value : Number.parseFloat(String(sla.value))
      if (!Number.isFinite(target)) continue
      const wanted = target > 1 ? target / 100 : target
      if (ratio < wanted) {
        findings.push(
          finding(t, "availability", {
            pass: false,
            severity: "error",
            message: `Availability is ${percent(ratio)}, below the ${percent(wanted)} SLA`,
            element: sla.element,
            expected: `>= ${percent(wanted)}`,
            actual: percent(ratio),
          }),
        )
      }
    }
    if (findings.length === 0)
      findings.push(finding(t, "availability", { pass: true, message: `availability: ${percent(ratio)}` }))
    return { summary: `availability: ${percent(ratio)}`, findings, value: ratio }
  })
