/**
 * Turns Ajv's errors for the official ODCS schemas into one coded, human message per problem. Ajv reports every
 * failed branch of a oneOf/anyOf, every failed if/then, and an `unevaluatedProperties` error for each key whose
 * subschema failed; this module keeps the most specific error per location and drops the cascade.
 */

import type { DiagnosticCodes } from "@floe/spec"
import { closest } from "@floe/spec/Suggest"
import type { AnySchemaObject, ErrorObject } from "ajv"
import { isRecord } from "../Odcs.ts"

export type Segment = string | number

/** A schema problem located by its path in the contract value. */
export interface Problem {
  readonly code: DiagnosticCodes.DiagnosticCode
  readonly message: string
  readonly path: ReadonlyArray<Segment>
  /** Point at the key (unknown keys, missing fields) or at the value. */
  readonly at: "key" | "value"
  readonly hint?: string
}

/** Converts an Ajv instance path to segments, turning list indexes into numbers by looking at the data. */
export const toSegments = (pointer: string, data: unknown): Array<Segment> => {
  if (pointer === "") return []
  const out: Array<Segment> = []
  let cur: unknown = data
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~")
    if (Array.isArray(cur) && /^\d+$/.test(key)) {
      out.push(Number(key))
      cur = cur[Number(key)]
    } else {
      out.push(key)
      cur = isRecord(cur) ? cur[key] : undefined
    }
  }
  return out
}

const valueAt = (data: unknown, path: ReadonlyArray<Segment>): unknown => {
  let cur = data
  for (const s of path) {
    if (Array.isArray(cur) && typeof s === "number") cur = cur[s]
    else if (isRecord(cur)) cur = cur[String(s)]
    else return undefined
  }
  return cur
}

/** `schema[0].properties[2]` plus the names found on the way: `(customers.email)`. */
export const describePath = (data: unknown, path: ReadonlyArray<Segment>): string => {
  if (path.length === 0) return "the top level"
  let text = ""
  const names: Array<string> = []
  let cur: unknown = data
  for (const s of path) {
    text = typeof s === "number" ? `${text}[${s}]` : text === "" ? s : `${text}.${s}`
    cur = Array.isArray(cur) && typeof s === "number" ? cur[s] : isRecord(cur) ? cur[String(s)] : undefined
    if (typeof s === "number" && isRecord(cur) && typeof cur.name === "string") names.push(cur.name)
  }
  return names.length > 0 ? `\`${text}\` (${names.join(".")})` : `\`${text}\``
}

const describeValue = (v: unknown): string => {
  if (v === null) return "null"
  if (v === undefined) return "nothing"
  if (Array.isArray(v)) return "a list"
  if (typeof v === "object") return "a mapping"
  if (typeof v === "string") return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`
  return String(v)
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  null: "null",
}

const joinOr = (items: ReadonlyArray<string>): string =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`

const resolveRef = (root: AnySchemaObject, ref: string): unknown => {
  if (!ref.startsWith("#/")) return undefined
  let cur: unknown = root
  for (const part of ref.slice(2).split("/")) cur = isRecord(cur) ? cur[part.replaceAll("~1", "/")] : undefined
  return cur
}

/** Every key a schema (with its $refs, allOf, oneOf/anyOf branches and then/else) defines. */
export const knownKeys = (root: AnySchemaObject, schema: unknown): Array<string> => {
  const keys = new Set<string>()
  const seen = new Set<unknown>()
  const go = (s: unknown): void => {
    if (!isRecord(s) || seen.has(s)) return
    seen.add(s)
    if (isRecord(s.properties)) for (const k of Object.keys(s.properties)) keys.add(k)
    if (typeof s.$ref === "string") go(resolveRef(root, s.$ref))
    for (const k of ["allOf", "anyOf", "oneOf"]) if (Array.isArray(s[k])) for (const b of s[k] as Array<unknown>) go(b)
    go(s.then)
    go(s.else)
  }
  go(schema)
  return [...keys]
}

const under = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`)

/** An error after the cascade is resolved; synthetic kinds summarise a whole oneOf/anyOf. */
type Resolved =
  | { readonly kind: "ajv"; readonly error: ErrorObject }
  | {
      readonly kind: "types"
      readonly instancePath: string
      readonly types: ReadonlyArray<string>
      readonly data: unknown
    }
  | { readonly kind: "oneOfRequired"; readonly instancePath: string; readonly missing: ReadonlyArray<string> }
  | { readonly kind: "tooMany"; readonly instancePath: string; readonly names: ReadonlyArray<string> }
  | { readonly kind: "noMatch"; readonly instancePath: string }

const branchName = (branch: unknown, i: number): string => {
  if (isRecord(branch) && Array.isArray(branch.required) && typeof branch.required[0] === "string")
    return branch.required[0]
  return `form ${i + 1}`
}

const resolveCascade = (root: AnySchemaObject, errors: ReadonlyArray<ErrorObject>): Array<Resolved> => {
  const list = errors.filter((e) => e.keyword !== "if")
  const consumed = new Set<number>()
  const replacement = new Map<number, Array<Resolved>>()
  list.forEach((c, k) => {
    if (c.keyword !== "oneOf" && c.keyword !== "anyOf") return
    const I = c.instancePath
    const passing = (c.params as { passingSchemas?: unknown }).passingSchemas
    const branches = Array.isArray(c.schema) ? (c.schema as Array<unknown>) : []
    // Ajv pushes the errors of a composite's branches just before the composite's own error. Errors from a branch
    // that follows a $ref may carry a schema path relative to the referenced schema, so membership is decided by
    // position: the contiguous run before it, inside its instance path, that is not a sibling keyword's error.
    const parent = c.schemaPath.slice(0, c.schemaPath.lastIndexOf("/"))
    const members: Array<number> = []
    for (let j = k - 1; j >= 0; j--) {
      const e = list[j]
      if (e === undefined || consumed.has(j)) continue
      if (!under(e.instancePath, I)) break
      const direct = e.schemaPath.startsWith(`${c.schemaPath}/`)
      if (!direct && e.schemaPath.startsWith(`${parent}/`)) break
      members.unshift(j)
    }
    for (const j of members) consumed.add(j)
    consumed.add(k)
    const branchErrors = members.map((j) => list[j]).filter((e): e is ErrorObject => e !== undefined)
    const isDirect = (e: ErrorObject) => e.schemaPath.startsWith(`${c.schemaPath}/`)
    const others = branchErrors.filter((e) => !isDirect(e)).map((error): Resolved => ({ kind: "ajv", error }))
    if (c.keyword === "oneOf" && Array.isArray(passing) && passing.length > 1) {
      replacement.set(k, [
        {
          kind: "tooMany",
          instancePath: I,
          names: (passing as Array<number>).map((i) => branchName(branches[i], i)),
        },
        ...others,
      ])
      return
    }
    const direct = branchErrors.filter(isDirect)
    if (
      branchErrors.length > 0 &&
      others.length === 0 &&
      direct.every((e) => e.instancePath === I && e.keyword === "type")
    ) {
      const types = [...new Set(direct.map((e) => String((e.params as { type?: unknown }).type)))]
      replacement.set(k, [{ kind: "types", instancePath: I, types, data: c.data }])
      return
    }
    if (direct.length > 1 && direct.every((e) => e.instancePath === I && e.keyword === "required")) {
      const missing = direct.map((e) => String((e.params as { missingProperty?: unknown }).missingProperty))
      replacement.set(k, [{ kind: "oneOfRequired", instancePath: I, missing }, ...others])
      return
    }
    // A branch that fails on the value's type was not the shape the author meant; the other branches' errors are
    // the specific ones.
    const specific = branchErrors.filter((e) => !(isDirect(e) && e.instancePath === I && e.keyword === "type"))
    const kept = specific.length > 0 ? specific : branchErrors
    replacement.set(
      k,
      kept.length > 0 ? kept.map((error) => ({ kind: "ajv", error })) : [{ kind: "noMatch", instancePath: I }],
    )
  })
  const out: Array<Resolved> = []
  list.forEach((e, i) => {
    const r = replacement.get(i)
    if (r) out.push(...r)
    else if (!consumed.has(i)) out.push({ kind: "ajv", error: e })
  })
  // Keys whose own subschema failed are reported again as "unevaluated"; the inner error is the real one.
  const paths = out.map((r) => (r.kind === "ajv" ? r.error.instancePath : r.instancePath))
  // A key the schema defines is reported "unevaluated" when a subschema that evaluates it failed (a oneOf with two
  // operators, an if/then); the failure is reported on its own.
  const filtered = out.filter((r, i) => {
    if (r.kind !== "ajv" || r.error.keyword !== "unevaluatedProperties") return true
    const prop = String((r.error.params as { unevaluatedProperty?: unknown }).unevaluatedProperty)
    const child = `${r.error.instancePath}/${prop.replaceAll("~", "~0").replaceAll("/", "~1")}`
    if (paths.some((p) => under(p, child))) return false
    const known = knownKeys(root, r.error.parentSchema).includes(prop)
    return !(known && paths.some((p, j) => j !== i && under(p, r.error.instancePath)))
  })
  const seen = new Set<string>()
  return filtered.filter((r) => {
    const key = JSON.stringify(r.kind === "ajv" ? [r.error.instancePath, r.error.keyword, r.error.params] : r)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Engine and shorthand type names people write as a logicalType, and the ODCS type they mean. */
const LOGICAL_ALIASES: Readonly<Record<string, string>> = {
  varchar: "string",
  text: "string",
  char: "string",
  uuid: "string",
  int: "integer",
  bigint: "integer",
  smallint: "integer",
  long: "integer",
  short: "integer",
  double: "number",
  float: "number",
  decimal: "number",
  numeric: "number",
  real: "number",
  bool: "boolean",
  datetime: "timestamp",
  timestamptz: "timestamp",
  timestamp: "timestamp",
  time: "time",
  list: "array",
  struct: "object",
  map: "object",
  record: "object",
  json: "object",
}

const logicalTypeProblem = (
  path: ReadonlyArray<Segment>,
  value: unknown,
  allowed: ReadonlyArray<string>,
  where: string,
): Problem => {
  const written = typeof value === "string" ? value : ""
  let guess = LOGICAL_ALIASES[written.toLowerCase()] ?? closest(written, allowed)
  let note = ""
  if (guess !== undefined && !allowed.includes(guess)) {
    // timestamp and time arrived in v3.1.0; a v3.0 contract writes them as date and string.
    note = ` (${guess} needs apiVersion v3.1.0)`
    guess = guess === "timestamp" ? "date" : "string"
  }
  const isEngineType = LOGICAL_ALIASES[written.toLowerCase()] !== undefined
  return {
    code: "FLOE-E504",
    message: `logicalType ${describeValue(value)} of ${where} is not an ODCS logical type; allowed: ${allowed.join(", ")}${guess ? ` — did you mean "${guess}"?${note}` : ""}`,
    path,
    at: "value",
    ...(guess !== undefined
      ? {
          hint: isEngineType
            ? `Write \`logicalType: ${guess}\` and keep the engine type as \`physicalType: ${written}\`.`
            : `Write \`logicalType: ${guess}\`.`,
        }
      : {}),
  }
}

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  date: "a date such as 2024-05-31",
  "date-time": "an RFC 3339 date-time such as 2024-05-31T09:30:00Z",
  uri: "a URI with a scheme such as https://example.com/…",
  email: "an email address",
}

/** Maps Ajv errors (for the given official schema root) on `data` to coded problems. */
export const toProblems = (
  root: AnySchemaObject,
  errors: ReadonlyArray<ErrorObject>,
  data: unknown,
): Array<Problem> => {
  const problems: Array<Problem> = []
  for (const r of resolveCascade(root, errors)) {
    if (r.kind !== "ajv") {
      const path = toSegments(r.instancePath, data)
      const where = describePath(data, path)
      if (r.kind === "types") {
        problems.push({
          code: "FLOE-E503",
          message: `${where} must be ${joinOr(r.types.map((t) => TYPE_NAMES[t] ?? t))}, not ${describeValue(r.data)}`,
          path,
          at: "value",
        })
      } else if (r.kind === "oneOfRequired") {
        problems.push({
          code: "FLOE-E502",
          message: `${where} needs one of ${r.missing.map((m) => `\`${m}\``).join(", ")}`,
          path,
          at: "value",
          hint: `Add exactly one of ${r.missing.map((m) => `\`${m}\``).join(", ")}.`,
        })
      } else if (r.kind === "tooMany") {
        problems.push({
          code: "FLOE-E507",
          message: `${where} has ${joinOr(r.names.map((n) => `\`${n}\``)).replace(" or ", " and ")}; exactly one is allowed`,
          path,
          at: "value",
          hint: `Keep one of ${r.names.map((n) => `\`${n}\``).join(", ")}.`,
        })
      } else {
        problems.push({
          code: "FLOE-E507",
          message: `${where} matches none of the forms ODCS allows`,
          path,
          at: "value",
        })
      }
      continue
    }
    const e = r.error
    const path = toSegments(e.instancePath, data)
    const where = describePath(data, path)
    const params = e.params as Record<string, unknown>
    switch (e.keyword) {
      case "required": {
        const key = String(params.missingProperty)
        problems.push({
          code: "FLOE-E502",
          message: `missing required field \`${key}\` ${path.length === 0 ? "at the top level" : `in ${where}`}`,
          path: [...path, key],
          at: "key",
          hint: `Add \`${key}:\`${path.length === 0 ? " at the top level" : ` to ${where}`}.`,
        })
        break
      }
      case "additionalProperties":
      case "unevaluatedProperties": {
        const key = String(params.additionalProperty ?? params.unevaluatedProperty)
        const known = knownKeys(root, e.parentSchema)
        const guess = closest(key, known)
        problems.push({
          code: "FLOE-E501",
          message: `unknown key \`${key}\` ${path.length === 0 ? "at the top level" : `in ${where}`}${guess ? ` — did you mean \`${guess}\`?` : ""}`,
          path: [...path, key],
          at: "key",
          hint: guess
            ? `Rename \`${key}\` to \`${guess}\`.`
            : `Remove \`${key}\` or move it under \`customProperties\`; the keys allowed here are ${known.map((k) => `\`${k}\``).join(", ")}.`,
        })
        break
      }
      case "enum":
      case "const": {
        const allowed = (Array.isArray(params.allowedValues) ? params.allowedValues : [params.allowedValue]).map((v) =>
          String(v),
        )
        if (path[path.length - 1] === "logicalType" && allowed.length > 1) {
          problems.push(logicalTypeProblem(path, e.data, allowed, describePath(data, path.slice(0, -1))))
          break
        }
        const guess = typeof e.data === "string" ? closest(e.data, allowed) : undefined
        problems.push({
          code: "FLOE-E505",
          message: `${where} is ${describeValue(e.data)}; allowed: ${allowed.join(", ")}${guess ? ` — did you mean "${guess}"?` : ""}`,
          path,
          at: "value",
          hint: guess ? `Use "${guess}".` : `Use one of: ${allowed.join(", ")}.`,
        })
        break
      }
      case "format": {
        const format = String(params.format)
        problems.push({
          code: "FLOE-E506",
          message: `${where} must be ${FORMAT_NAMES[format] ?? `in the ${format} format`}, not ${describeValue(e.data)}`,
          path,
          at: "value",
        })
        break
      }
      case "type": {
        const types = String(params.type).split(",")
        problems.push({
          code: "FLOE-E503",
          message: `${where} must be ${joinOr(types.map((t) => TYPE_NAMES[t] ?? t))}, not ${describeValue(e.data)}`,
          path,
          at: "value",
        })
        break
      }
      default: {
        const limit = params.limit ?? params.comparison
        const detail =
          e.keyword === "minItems"
            ? `must have at least ${String(params.limit)} items`
            : e.keyword === "maxItems"
              ? `must have at most ${String(params.limit)} items`
              : e.keyword === "minimum" || e.keyword === "exclusiveMinimum"
                ? `must be ${e.keyword === "minimum" ? "at least" : "more than"} ${String(params.limit)}`
                : e.keyword === "maximum" || e.keyword === "exclusiveMaximum"
                  ? `must be ${e.keyword === "maximum" ? "at most" : "less than"} ${String(params.limit)}`
                  : e.keyword === "pattern"
                    ? `must match the pattern ${String(params.pattern)}`
                    : e.keyword === "uniqueItems"
                      ? "must not repeat items"
                      : e.keyword === "minLength"
                        ? `must be at least ${String(params.limit)} characters long`
                        : `breaks the ODCS rule \`${e.keyword}\`${limit === undefined ? "" : ` (${String(limit)})`}`
        problems.push({
          code: "FLOE-E507",
          message: `${where} ${detail}, but is ${describeValue(e.data)}`,
          path,
          at: "value",
        })
      }
    }
  }
  return problems
}

export { valueAt }
