/**
 * Contract evolution: the changes between two versions of a contract, each classified MAJOR, MINOR or PATCH, and
 * the semver gate that checks the new version number bumps at least the level its changes require.
 *
 * MAJOR: a removed column or schema object, a changed type, a new required column, optional → required, a
 * narrowed enum or bound (also a new unique/primary key constraint, pattern or format), a removed or lowered
 * classification, a removed or loosened SLA, a removed or changed quality rule, a changed contract id.
 * MINOR: a new optional column or schema object, relaxed nullability (required → optional) or constraints, a
 * widened enum or bound, a new or stricter SLA, a new quality rule, a new or raised classification.
 * PATCH: descriptions, tags, examples and every other metadata change.
 */
import { Diagnostic, type Yaml } from "@floe/spec"
import { canonicalJson } from "./Canonical.ts"
import { classificationRank, compareSla, slaText } from "./internal/levels.ts"
import {
  type Contract,
  isRecord,
  type QualityRule,
  type SchemaObject,
  type SchemaProperty,
  type SlaProperty,
} from "./Odcs.ts"

export type Level = "major" | "minor" | "patch"

/** One classified change. `path` names the element: `customers.email`, `slaProperties.freshness`, `status`. */
export interface Change {
  readonly level: Level
  readonly kind: string
  readonly path: string
  readonly message: string
}

export interface DiffResult {
  readonly changes: ReadonlyArray<Change>
  /** The smallest version bump the changes allow; "none" when nothing changed. */
  readonly requiredBump: Level | "none"
}

const RANK: Readonly<Record<Level | "none", number>> = { none: 0, patch: 1, minor: 2, major: 3 }

const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null)

const show = (v: unknown): string => (v === undefined ? "(none)" : typeof v === "string" ? v : canonicalJson(v))

const byName = <T extends { readonly name: string }>(list: ReadonlyArray<T> | undefined): Map<string, T> =>
  new Map((list ?? []).map((x) => [x.name, x]))

const LOWER_BOUNDS = new Set(["minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties"])
const UPPER_BOUNDS = new Set(["maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties"])
const DESCRIPTIVE = new Set([
  "description",
  "tags",
  "examples",
  "businessName",
  "authoritativeDefinitions",
  "customProperties",
  "transformDescription",
  "transformLogic",
  "transformSourceObjects",
  "name",
  "id",
  "dimension",
  "severity",
  "businessImpact",
])

const compareBound = (a: unknown, b: unknown): number =>
  typeof a === "number" && typeof b === "number" ? b - a : String(b).localeCompare(String(a))

class Collector {
  readonly changes: Array<Change> = []
  add(level: Level, kind: string, path: string, message: string): void {
    this.changes.push({ level, kind, path, message })
  }
}

const qualityKey = (q: QualityRule, i: number): string => {
  if (typeof q.name === "string") return `name:${q.name}`
  if (q.metric === "invalidValues") return "metric:invalidValues"
  const { description: _d, tags: _t, ...rest } = q
  return `rule:${canonicalJson(rest)}#${i}`
}

const validValues = (q: QualityRule | undefined): ReadonlyArray<unknown> | undefined => {
  const args = q?.arguments
  return isRecord(args) && Array.isArray(args.validValues) ? args.validValues : undefined
}

const diffQuality = (
  c: Collector,
  path: string,
  before: ReadonlyArray<QualityRule> | undefined,
  after: ReadonlyArray<QualityRule> | undefined,
): void => {
  // Unnamed rules match on their content, so an unchanged rule matches itself whatever its position.
  const keyed = (list: ReadonlyArray<QualityRule> | undefined) => {
    const m = new Map<string, QualityRule>()
    ;(list ?? []).forEach((q, i) => {
      const k = qualityKey(q, i).replace(/#\d+$/, "")
      m.set(m.has(k) ? `${k}#${i}` : k, q)
    })
    return m
  }
  const a = keyed(before)
  const b = keyed(after)
  const label = (q: QualityRule) =>
    typeof q.name === "string" ? `"${q.name}"` : (q.metric ?? q.rule ?? q.type ?? "rule")
  for (const [k, q] of a) {
    const next = b.get(k)
    if (next === undefined) {
      c.add("major", "quality-removed", path, `quality rule ${label(q)} removed from ${path}`)
      continue
    }
    const va = validValues(q)
    const vb = validValues(next)
    if (va !== undefined && vb !== undefined && !same(va, vb)) {
      const removed = va.filter((x) => !vb.some((y) => same(x, y)))
      const added = vb.filter((y) => !va.some((x) => same(x, y)))
      if (removed.length > 0)
        c.add(
          "major",
          "enum-narrowed",
          path,
          `allowed values of ${path} narrowed: ${removed.map(show).join(", ")} removed`,
        )
      else
        c.add("minor", "enum-widened", path, `allowed values of ${path} widened: ${added.map(show).join(", ")} added`)
    }
    const strip = (r: QualityRule) => {
      const out: Record<string, unknown> = {}
      for (const [key, v] of Object.entries(r)) if (!DESCRIPTIVE.has(key) && key !== "arguments") out[key] = v
      if (isRecord(r.arguments)) {
        const { validValues: _v, ...args } = r.arguments
        out.arguments = args
      }
      return out
    }
    if (!same(strip(q), strip(next)))
      c.add("major", "quality-changed", path, `quality rule ${label(q)} of ${path} changed`)
    else if (va === undefined && !same(q, next))
      c.add("patch", "quality-described", path, `description of quality rule ${label(q)} of ${path} changed`)
  }
  for (const [k, q] of b)
    if (!a.has(k)) c.add("minor", "quality-added", path, `quality rule ${label(q)} added to ${path}`)
}

const isRequired = (p: SchemaProperty): boolean => p.required === true || p.primaryKey === true

const diffOptions = (c: Collector, path: string, before: SchemaProperty, after: SchemaProperty): void => {
  const a = before.logicalTypeOptions ?? {}
  const b = after.logicalTypeOptions ?? {}
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key]
    const y = b[key]
    if (same(x, y)) continue
    const where = `${key} of ${path}`
    if (LOWER_BOUNDS.has(key) || UPPER_BOUNDS.has(key)) {
      if (x === undefined) c.add("major", "bound-added", path, `${where} added: ${show(y)}`)
      else if (y === undefined) c.add("minor", "bound-removed", path, `${where} removed (was ${show(x)})`)
      else {
        const up = compareBound(x, y) > 0
        const narrows = LOWER_BOUNDS.has(key) ? up : !up
        c.add(
          narrows ? "major" : "minor",
          narrows ? "bound-narrowed" : "bound-widened",
          path,
          `${where} ${narrows ? "narrowed" : "widened"}: ${show(x)} → ${show(y)}`,
        )
      }
    } else if (y === undefined) c.add("minor", "constraint-removed", path, `${where} removed (was ${show(x)})`)
    else
      c.add(
        "major",
        "constraint-changed",
        path,
        `${where} ${x === undefined ? "added" : "changed"}: ${show(x)} → ${show(y)}`,
      )
  }
}

const diffProperty = (c: Collector, path: string, a: SchemaProperty, b: SchemaProperty): void => {
  if (a.logicalType !== b.logicalType)
    c.add("major", "type-changed", path, `type of ${path} changed: ${show(a.logicalType)} → ${show(b.logicalType)}`)
  if (a.physicalType !== b.physicalType)
    c.add(
      "major",
      "type-changed",
      path,
      `physicalType of ${path} changed: ${show(a.physicalType)} → ${show(b.physicalType)}`,
    )
  const ra = a.required === true
  const rb = b.required === true
  if (!ra && rb) c.add("major", "optional-to-required", path, `${path} changed from optional to required`)
  if (ra && !rb) c.add("minor", "nullability-relaxed", path, `${path} changed from required to optional`)
  for (const key of ["unique", "primaryKey"] as const) {
    const x = a[key] === true
    const y = b[key] === true
    if (!x && y)
      c.add("major", `${key}-added`, path, `${path} became ${key === "unique" ? "unique" : "part of the primary key"}`)
    if (x && !y)
      c.add(
        "minor",
        `${key}-removed`,
        path,
        `${path} is no longer ${key === "unique" ? "unique" : "part of the primary key"}`,
      )
  }
  if (a.classification !== b.classification) {
    const x = classificationRank(a.classification)
    const y = classificationRank(b.classification)
    const what = `classification of ${path}: ${show(a.classification)} → ${show(b.classification)}`
    if (b.classification === undefined) c.add("major", "classification-removed", path, `${what} (removed)`)
    else if (a.classification === undefined) c.add("minor", "classification-added", path, `${what} (added)`)
    else if (x !== undefined && y !== undefined && y > x)
      c.add("minor", "classification-raised", path, `${what} (raised)`)
    else if (x !== undefined && y !== undefined && y < x)
      c.add("major", "classification-lowered", path, `${what} (lowered)`)
    else c.add("major", "classification-changed", path, `${what} (levels outside the known scheme; treated as lowered)`)
  }
  diffOptions(c, path, a, b)
  diffQuality(c, path, a.quality, b.quality)
  diffProperties(c, path, a.properties, b.properties)
  if (a.items !== undefined || b.items !== undefined) {
    if (a.items === undefined || b.items === undefined)
      c.add("major", "type-changed", path, `element type of ${path} ${a.items === undefined ? "added" : "removed"}`)
    else diffProperty(c, `${path}[]`, { ...a.items, name: `${path}[]` }, { ...b.items, name: `${path}[]` })
  }
  const handled = new Set([
    "name",
    "logicalType",
    "physicalType",
    "required",
    "unique",
    "primaryKey",
    "classification",
    "logicalTypeOptions",
    "quality",
    "properties",
    "items",
  ])
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (handled.has(key) || same(a[key], b[key])) continue
    c.add("patch", `${key}-changed`, path, `${key} of ${path} changed`)
  }
}

const diffProperties = (
  c: Collector,
  parent: string,
  before: ReadonlyArray<SchemaProperty> | undefined,
  after: ReadonlyArray<SchemaProperty> | undefined,
): void => {
  const a = byName(before)
  const b = byName(after)
  for (const [name, p] of a) {
    const path = `${parent}.${name}`
    const next = b.get(name)
    if (next === undefined) c.add("major", "column-removed", path, `column ${path} removed`)
    else diffProperty(c, path, p, next)
  }
  for (const [name, p] of b) {
    if (a.has(name)) continue
    const path = `${parent}.${name}`
    if (isRequired(p)) c.add("major", "required-column-added", path, `required column ${path} added`)
    else c.add("minor", "optional-column-added", path, `optional column ${path} added`)
  }
}

const diffObject = (c: Collector, a: SchemaObject, b: SchemaObject): void => {
  const path = a.name
  if (a.physicalName !== b.physicalName)
    c.add(
      "major",
      "physical-name-changed",
      path,
      `physicalName of ${path} changed: ${show(a.physicalName)} → ${show(b.physicalName)}`,
    )
  diffProperties(c, path, a.properties, b.properties)
  diffQuality(c, path, a.quality, b.quality)
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (["name", "physicalName", "properties", "quality"].includes(key) || same(a[key], b[key])) continue
    c.add("patch", `${key}-changed`, path, `${key} of ${path} changed`)
  }
}

const slaKey = (s: SlaProperty, all: ReadonlyArray<SlaProperty>): string => {
  const p = s.property.toLowerCase()
  return all.filter((x) => x.property.toLowerCase() === p).length > 1 ? `${p}@${s.element ?? ""}` : p
}

const diffSla = (c: Collector, before: ReadonlyArray<SlaProperty>, after: ReadonlyArray<SlaProperty>): void => {
  const a = new Map(before.map((s) => [slaKey(s, before), s]))
  const b = new Map(after.map((s) => [slaKey(s, after), s]))
  for (const [k, s] of a) {
    const path = `slaProperties.${s.property}`
    const next = b.get(k)
    if (next === undefined) {
      c.add("major", "sla-removed", path, `SLA ${s.property} (${slaText(s)}) removed`)
      continue
    }
    const verdict = compareSla(s, next)
    const what = `SLA ${s.property}: ${slaText(s)} → ${slaText(next)}`
    if (verdict === "looser") c.add("major", "sla-loosened", path, `${what} (looser)`)
    else if (verdict === "stricter") c.add("minor", "sla-tightened", path, `${what} (stricter)`)
    else if (verdict === "unknown") c.add("major", "sla-changed", path, `${what} (cannot tell whether it is looser)`)
    else if (s.element !== next.element)
      c.add(
        "major",
        "sla-changed",
        path,
        `SLA ${s.property} now measured on ${show(next.element)} instead of ${show(s.element)}`,
      )
    else if (!same(s, next)) c.add("patch", "sla-described", path, `description of SLA ${s.property} changed`)
  }
  for (const [k, s] of b)
    if (!a.has(k)) c.add("minor", "sla-added", `slaProperties.${s.property}`, `SLA ${s.property} (${slaText(s)}) added`)
}

/** Classifies every change from `before` to `after` (both linted ODCS contracts). Never fails. */
export const diff = (before: Contract, after: Contract): DiffResult => {
  const c = new Collector()
  if (before.id !== after.id) c.add("major", "id-changed", "id", `contract id changed: ${before.id} → ${after.id}`)
  const a = byName(before.schema)
  const b = byName(after.schema)
  for (const [name, obj] of a) {
    const next = b.get(name)
    if (next === undefined) c.add("major", "table-removed", name, `schema object ${name} removed`)
    else diffObject(c, obj, next)
  }
  for (const name of b.keys()) if (!a.has(name)) c.add("minor", "table-added", name, `schema object ${name} added`)
  diffSla(c, before.slaProperties ?? [], after.slaProperties ?? [])
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (["id", "version", "schema", "slaProperties"].includes(key) || same(before[key], after[key])) continue
    c.add("patch", `${key}-changed`, key, `${key} changed`)
  }
  const requiredBump = c.changes.reduce<Level | "none">((m, x) => (RANK[x.level] > RANK[m] ? x.level : m), "none")
  return { changes: c.changes, requiredBump }
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/

/** MAJOR.MINOR.PATCH of a semantic version, or undefined. Pre-release and build suffixes are ignored. */
export const parseVersion = (v: string): readonly [number, number, number] | undefined => {
  const m = SEMVER.exec(v.trim())
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

/** The bump from one version to the next: "major", "minor", "patch", or "none" when it did not increase. */
export const bumpOf = (before: string, after: string): Level | "none" | undefined => {
  const a = parseVersion(before)
  const b = parseVersion(after)
  if (a === undefined || b === undefined) return undefined
  if (b[0] !== a[0]) return b[0] > a[0] ? "major" : "none"
  if (b[1] !== a[1]) return b[1] > a[1] ? "minor" : "none"
  return b[2] > a[2] ? "patch" : "none"
}

export interface GateResult extends DiffResult {
  readonly actualBump: Level | "none" | undefined
  readonly passed: boolean
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

export interface GateOptions {
  /** The file of the new version, for diagnostics. */
  readonly file?: string
  /** Locates a path in the new version's file (Lint's `locate`), so diagnostics point at its `version`. */
  readonly locate?: (path: ReadonlyArray<string | number>, at?: "key" | "value") => Diagnostic.Location
  readonly source?: Yaml.YamlSource
}

/**
 * Diffs two versions and checks the semver gate: the new version must bump at least the level the changes
 * require. Reports E520 (major bump needed), E521 (minor needed) or E522 (patch needed), each listing the changes
 * that require it, and E523 when either version is not a semantic version. Never fails.
 */
export const gate = (before: Contract, after: Contract, options: GateOptions = {}): GateResult => {
  const result = diff(before, after)
  const location: Diagnostic.Location = options.locate?.(["version"]) ?? (options.file ? { file: options.file } : {})
  const actualBump = bumpOf(before.version, after.version)
  const diagnostics: Array<Diagnostic.Diagnostic> = []
  if (actualBump === undefined) {
    const bad = parseVersion(before.version) === undefined ? before.version : after.version
    diagnostics.push(Diagnostic.make("FLOE-E523", `contract version "${bad}" is not a semantic version`, location))
  } else if (RANK[actualBump] < RANK[result.requiredBump]) {
    const level = result.requiredBump as Level
    const list = result.changes.filter((x) => x.level === level)
    const code = level === "major" ? "FLOE-E520" : level === "minor" ? "FLOE-E521" : "FLOE-E522"
    const bumped = actualBump === "none" ? "does not increase the version" : `is only a ${actualBump} bump`
    diagnostics.push(
      Diagnostic.make(
        code,
        `version ${before.version} → ${after.version} ${bumped}, but ${list.length} ${list.length === 1 ? "change needs" : "changes need"} a ${level} bump:\n${list.map((x) => `  - ${x.message}`).join("\n")}`,
        location,
      ),
    )
  }
  return { ...result, actualBump, passed: diagnostics.length === 0, diagnostics }
}
