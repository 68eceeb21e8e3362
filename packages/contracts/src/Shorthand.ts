/**
 * The lifecycle guide's contract shorthand and its normalisation to ODCS v3.1.0.
 *
 * The guide writes `models: <table>: elements: <column>: {type, primaryKey, format, classification, …}` and
 * `slaProperties` as a mapping keyed by property with ISO-8601 durations (`freshness: {value: PT6H, element:
 * updated_at}`); it matches neither ODCS nor the Data Contract Specification. ODCS holds the same facts as
 * `schema: [{name, properties: [{name, logicalType, physicalType, primaryKey, primaryKeyPosition, …}]}]` and
 * `slaProperties: [{property, value, unit, element: table.column}]`.
 */
import { type DiagnosticCodes, Duration } from "@floe/spec"
import { toLogical } from "./EngineTypes.ts"
import { CANONICAL_API_VERSION, isRecord, LOGICAL_TYPES_V31 } from "./Odcs.ts"

export type PathSegment = string | number

/** A problem found while normalising, located in the shorthand source. */
export interface ShorthandProblem {
  readonly code: DiagnosticCodes.DiagnosticCode
  readonly message: string
  readonly path: ReadonlyArray<PathSegment>
  readonly hint?: string
}

export interface Normalised {
  /** The contract in ODCS v3.1.0 form (not yet linted). */
  readonly value: Record<string, unknown>
  /** For each ODCS path (JSON-encoded) the shorthand path it came from, so lint errors point at the source. */
  readonly origins: ReadonlyMap<string, ReadonlyArray<PathSegment>>
  readonly problems: ReadonlyArray<ShorthandProblem>
  /** The shorthand constructs that were rewritten: `models`, `slaProperties`, `owner` … */
  readonly rewritten: ReadonlyArray<string>
}

/** True when a contract value uses the guide's shorthand: a `models` mapping or a `slaProperties` mapping. */
export const isShorthand = (value: unknown): boolean =>
  isRecord(value) &&
  value.dataContractSpecification === undefined &&
  ((isRecord(value.models) && value.schema === undefined) || isRecord(value.slaProperties))

const DURATION_PROPERTIES = new Set([
  "freshness",
  "latency",
  "retention",
  "frequency",
  "timetodetect",
  "timetonotify",
  "timetorepair",
])

/** Seconds as the largest whole ODCS unit: 21600 → {value: 6, unit: "h"}. */
export const durationToValueUnit = (seconds: number): { readonly value: number; readonly unit: string } => {
  if (seconds % 86400 === 0) return { value: seconds / 86400, unit: "d" }
  if (seconds % 3600 === 0) return { value: seconds / 3600, unit: "h" }
  if (seconds % 60 === 0) return { value: seconds / 60, unit: "m" }
  return { value: seconds, unit: "s" }
}

const ELEMENT_OPTIONS = [
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
]

const ROOT_ORDER = [
  "apiVersion",
  "kind",
  "id",
  "name",
  "version",
  "status",
  "domain",
  "tenant",
  "tags",
  "description",
  "team",
]

/**
 * Rewrites a shorthand contract as ODCS v3.1.0. Keys it does not know are carried over unchanged, so linting the
 * result reports them (at their shorthand position). Reports E125 for durations it cannot read. Never throws.
 */
export const normalise = (input: Readonly<Record<string, unknown>>): Normalised => {
  const origins = new Map<string, ReadonlyArray<PathSegment>>()
  const problems: Array<ShorthandProblem> = []
  const rewritten: Array<string> = []
  const origin = (to: ReadonlyArray<PathSegment>, from: ReadonlyArray<PathSegment>) =>
    origins.set(JSON.stringify(to), from)
  const out: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  const description: Record<string, unknown> = {}
  const customProperties: Array<unknown> = Array.isArray(input.customProperties) ? [...input.customProperties] : []

  for (const [key, v] of Object.entries(input)) {
    switch (key) {
      case "models":
      case "slaProperties":
      case "owner":
      case "terms":
      case "links":
      case "deprecation":
      case "customProperties":
        break
      case "description":
        if (typeof v === "string") {
          description.purpose = v
          origin(["description", "purpose"], ["description"])
          rewritten.push("description")
        } else if (isRecord(v)) Object.assign(description, v)
        else rest[key] = v
        break
      case "team":
        if (typeof v === "string") {
          out.team = { name: v }
          origin(["team"], ["team"])
          rewritten.push("team")
        } else rest[key] = v
        break
      default:
        rest[key] = v
    }
  }
  out.apiVersion = CANONICAL_API_VERSION
  if (input.apiVersion !== undefined && input.apiVersion !== CANONICAL_API_VERSION) rewritten.push("apiVersion")
  out.kind = input.kind ?? "DataContract"
  if (input.id === undefined && typeof input.name === "string") {
    out.id = input.name
    origin(["id"], ["name"])
  }
  if (input.status === undefined) out.status = "active"

  if (typeof input.owner === "string") {
    const team = isRecord(out.team) ? { ...out.team } : {}
    team.members = [{ username: input.owner, role: "owner" }]
    out.team = team
    origin(["team", "members", 0, "username"], ["owner"])
    rewritten.push("owner")
  } else if (input.owner !== undefined) rest.owner = input.owner

  if (isRecord(input.terms)) {
    rewritten.push("terms")
    const termsCustom: Array<unknown> = []
    for (const [k, v] of Object.entries(input.terms)) {
      if ((k === "usage" || k === "limitations") && typeof v === "string") {
        description[k] = v
        origin(["description", k], ["terms", k])
      } else {
        origin(["description", "customProperties", termsCustom.length], ["terms", k])
        termsCustom.push({ property: k, value: v })
      }
    }
    if (termsCustom.length > 0) description.customProperties = termsCustom
  } else if (input.terms !== undefined) rest.terms = input.terms
  if (input.deprecation !== undefined) {
    rewritten.push("deprecation")
    origin(["customProperties", customProperties.length], ["deprecation"])
    customProperties.push({ property: "deprecation", value: input.deprecation })
  }
  if (isRecord(input.links)) {
    rewritten.push("links")
    const defs: Array<unknown> = Array.isArray(input.authoritativeDefinitions)
      ? [...input.authoritativeDefinitions]
      : []
    for (const [k, url] of Object.entries(input.links)) {
      origin(["authoritativeDefinitions", defs.length], ["links", k])
      defs.push({ type: k, url })
    }
    rest.authoritativeDefinitions = defs
  } else if (input.links !== undefined) rest.links = input.links
  if (Object.keys(description).length > 0) out.description = description
  if (customProperties.length > 0) rest.customProperties = customProperties
  else if (input.customProperties !== undefined) rest.customProperties = input.customProperties

  // models → schema
  const elementTable = new Map<string, string>()
  if (isRecord(input.models)) {
    rewritten.push("models")
    const schema: Array<unknown> = []
    for (const [table, model] of Object.entries(input.models)) {
      const i = schema.length
      origin(["schema", i], ["models", table])
      origin(["schema", i, "name"], ["models", table])
      const obj: Record<string, unknown> = { name: table, physicalType: "table" }
      const m = isRecord(model) ? model : {}
      const pkList = Array.isArray(m.primaryKey) ? m.primaryKey.map(String) : []
      for (const [k, v] of Object.entries(m)) {
        if (k === "elements" || k === "fields") continue
        if (k === "type" && typeof v === "string") {
          obj.physicalType = v
          origin(["schema", i, "physicalType"], ["models", table, k])
        } else if (k === "title") {
          obj.businessName = v
          origin(["schema", i, "businessName"], ["models", table, k])
        } else if (k === "primaryKey" && Array.isArray(v)) {
          // handled on the elements below
        } else {
          obj[k] = v
          origin(["schema", i, k], ["models", table, k])
        }
      }
      const elementsKey = isRecord(m.elements) ? "elements" : isRecord(m.fields) ? "fields" : undefined
      const elements = elementsKey ? (m[elementsKey] as Record<string, unknown>) : {}
      const properties: Array<Record<string, unknown>> = []
      let pkPosition = 0
      for (const [column, element] of Object.entries(elements)) {
        const j = properties.length
        const from: ReadonlyArray<PathSegment> = ["models", table, elementsKey ?? "elements", column]
        const to: ReadonlyArray<PathSegment> = ["schema", i, "properties", j]
        origin(to, from)
        origin([...to, "name"], from)
        if (!elementTable.has(column)) elementTable.set(column, table)
        const el = isRecord(element) ? element : typeof element === "string" ? { type: element } : {}
        const prop: Record<string, unknown> = { name: column }
        const options: Record<string, unknown> = isRecord(el.logicalTypeOptions) ? { ...el.logicalTypeOptions } : {}
        const quality: Array<unknown> = Array.isArray(el.quality) ? [...el.quality] : []
        for (const [k, v] of Object.entries(el)) {
          if (k === "type" || k === "logicalType") {
            const written = String(v)
            const known = LOGICAL_TYPES_V31.includes(written) ? written : toLogical(written)?.logicalType
            prop.logicalType = known ?? written
            if (known !== undefined && known !== written && el.physicalType === undefined) prop.physicalType = written
            origin([...to, "logicalType"], [...from, k])
          } else if (ELEMENT_OPTIONS.includes(k)) {
            options[k] = v
            origin([...to, "logicalTypeOptions", k], [...from, k])
          } else if (k === "enum" && Array.isArray(v)) {
            origin([...to, "quality", quality.length], [...from, k])
            quality.push({
              type: "library",
              metric: "invalidValues",
              arguments: { validValues: v },
              mustBe: 0,
              description: `values must be one of ${v.map(String).join(", ")}`,
            })
          } else if (k === "pii" && typeof v === "boolean") {
            if (v && el.classification === undefined) prop.classification = "pii"
          } else if (k !== "logicalTypeOptions" && k !== "quality") {
            origin([...to, k], [...from, k])
            prop[k] = v
          }
        }
        if (pkList.includes(column) && prop.primaryKey === undefined) prop.primaryKey = true
        if (prop.primaryKey === true) {
          pkPosition++
          if (prop.primaryKeyPosition === undefined) prop.primaryKeyPosition = pkPosition
          // A primary key cannot hold nulls; ODCS says so with required.
          if (prop.required === undefined) prop.required = true
        }
        if (Object.keys(options).length > 0) prop.logicalTypeOptions = options
        if (quality.length > 0) prop.quality = quality
        properties.push(prop)
      }
      obj.properties = properties
      schema.push(obj)
    }
    out.schema = schema
  } else if (input.models !== undefined) rest.models = input.models

  // slaProperties mapping → list
  if (isRecord(input.slaProperties)) {
    rewritten.push("slaProperties")
    const tables = [...new Set(elementTable.values())]
    const qualify = (element: string): string => {
      if (element.includes(".")) return element
      const table = elementTable.get(element) ?? (tables.length === 1 ? tables[0] : undefined)
      return table === undefined ? element : `${table}.${element}`
    }
    const list: Array<Record<string, unknown>> = []
    const push = (
      entry: Record<string, unknown>,
      from: ReadonlyArray<PathSegment>,
      valueFrom: ReadonlyArray<PathSegment>,
    ) => {
      origin(["slaProperties", list.length], from)
      origin(["slaProperties", list.length, "value"], valueFrom)
      list.push(entry)
    }
    for (const [property, raw] of Object.entries(input.slaProperties)) {
      if (property === "quality" && isRecord(raw)) {
        for (const [dimension, v] of Object.entries(raw)) {
          const pct = typeof v === "string" ? Duration.parsePercentage(v) : undefined
          push(
            pct === undefined
              ? { property: dimension, value: v as never }
              : { property: dimension, value: pct, unit: "%" },
            ["slaProperties", "quality", dimension],
            ["slaProperties", "quality", dimension],
          )
        }
        continue
      }
      const isMap = isRecord(raw)
      const body: Record<string, unknown> = isMap ? { ...raw } : { value: raw }
      const valuePath: ReadonlyArray<PathSegment> = isMap
        ? ["slaProperties", property, "value"]
        : ["slaProperties", property]
      const entry: Record<string, unknown> = { property, ...body }
      const v = body.value
      if (typeof v === "string" && body.unit === undefined) {
        const lower = property.toLowerCase()
        const seconds = Duration.parseDuration(v)
        const pct = Duration.parsePercentage(v)
        if (lower === "availability" && pct !== undefined) {
          entry.value = pct
          entry.unit = "%"
        } else if (lower === "availability") {
          problems.push({
            code: "FLOE-E126",
            message: `slaProperties.${property} is "${v}", not a percentage between 0% and 100%`,
            path: valuePath,
          })
        } else if (seconds !== undefined) {
          const vu = durationToValueUnit(seconds)
          entry.value = vu.value
          entry.unit = vu.unit
        } else if (DURATION_PROPERTIES.has(lower)) {
          problems.push({
            code: "FLOE-E125",
            message: `slaProperties.${property} is "${v}", not a duration like PT6H or 6h`,
            path: valuePath,
          })
        }
      }
      if (typeof entry.element === "string") {
        entry.element = qualify(entry.element)
        origin(["slaProperties", list.length, "element"], ["slaProperties", property, "element"])
      }
      push(orderKeys(entry, ["property", "value", "unit", "element"]), ["slaProperties", property], valuePath)
    }
    out.slaProperties = list
  } else if (input.slaProperties !== undefined) rest.slaProperties = input.slaProperties

  for (const [k, v] of Object.entries(rest)) if (out[k] === undefined) out[k] = v
  return { value: orderKeys(out, ROOT_ORDER), origins, problems, rewritten }
}

/** Puts `first` keys first (in that order), the others after them in their existing order. */
export const orderKeys = (
  o: Readonly<Record<string, unknown>>,
  first: ReadonlyArray<string>,
): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const k of first) if (o[k] !== undefined) out[k] = o[k]
  for (const [k, v] of Object.entries(o)) if (!(k in out) && v !== undefined) out[k] = v
  return out
}
