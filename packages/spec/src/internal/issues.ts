/** Turns zod issues into Floe diagnostics positioned in the YAML source. */
import type { z } from "zod"
import { type Diagnostic, make } from "../Diagnostic.ts"
import type { DiagnosticCode } from "../DiagnosticCodes.ts"
import { codeForPattern } from "../Fields.ts"
import { closest } from "../Suggest.ts"
import { has, locate, type PathSegment, rawText, type YamlSource } from "../Yaml.ts"

type AnySchema = z.core.$ZodType

interface Def {
  readonly type: string
  readonly shape?: Record<string, AnySchema>
  readonly innerType?: AnySchema
  readonly element?: AnySchema
  readonly valueType?: AnySchema
  readonly in?: AnySchema
  readonly options?: ReadonlyArray<AnySchema>
}

const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def

const unwrap = (s: AnySchema): AnySchema => {
  let cur = s
  for (let i = 0; i < 16; i++) {
    const d = defOf(cur)
    if (
      (d.type === "optional" || d.type === "default" || d.type === "nullable" || d.type === "prefault") &&
      d.innerType
    )
      cur = d.innerType
    else if (d.type === "pipe" && d.in) cur = d.in
    else break
  }
  return cur
}

/** The schema that describes the value at `path`, when it can be found. */
const schemaAt = (schema: AnySchema, path: ReadonlyArray<PropertyKey>): AnySchema | undefined => {
  let cur: AnySchema | undefined = unwrap(schema)
  for (const seg of path) {
    if (cur === undefined) return undefined
    const d = defOf(cur)
    if (d.type === "object" && d.shape) cur = d.shape[String(seg)]
    else if (d.type === "array" && d.element) cur = d.element
    else if (d.type === "record" && d.valueType) cur = d.valueType
    else return undefined
    if (cur !== undefined) cur = unwrap(cur)
  }
  return cur
}

const keysAt = (schema: AnySchema, path: ReadonlyArray<PropertyKey>): ReadonlyArray<string> => {
  const s = schemaAt(schema, path)
  if (s === undefined) return []
  const d = defOf(s)
  return d.type === "object" && d.shape ? Object.keys(d.shape) : []
}

/** `output_ports[0].sla.freshness` */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc === "" ? String(seg) : `${acc}.${String(seg)}`),
    "",
  )

const describe = (v: unknown): string => {
  if (v === null) return "null"
  if (Array.isArray(v)) return "a list"
  if (typeof v === "object") return "a mapping"
  if (typeof v === "string") return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`
  return `${typeof v} ${String(v)}`
}

const EXPECTED_NAMES: Readonly<Record<string, string>> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
}

/**
 * Maps zod issues to diagnostics. `skip` lists dotted paths already reported by another check (a secret key that is
 * also unknown is reported once, as a secret).
 */
export const toDiagnostics = (
  issues: ReadonlyArray<z.core.$ZodIssue>,
  source: YamlSource,
  schema: AnySchema,
  skip: ReadonlySet<string> = new Set(),
): Array<Diagnostic> => {
  const out: Array<Diagnostic> = []
  const emit = (issue: z.core.$ZodIssue) => {
    const path = issue.path.filter((p): p is PathSegment => typeof p === "string" || typeof p === "number")
    const where = formatPath(path)
    const name = where === "" ? "the document" : `\`${where}\``
    const input = (issue as { input?: unknown }).input
    // A required key that is absent: zod reports `invalid_type` for most schemas but `invalid_value` for literals
    // and enums (apiVersion, kind, scope); either way it is a missing key, not a wrong value.
    if (
      (issue.code === "invalid_type" || issue.code === "invalid_value") &&
      input === undefined &&
      !has(source, path)
    ) {
      const key = String(path[path.length - 1] ?? "")
      const parent = formatPath(path.slice(0, -1))
      out.push(
        make(
          "FLOE-E111",
          `missing required key \`${key}\`${parent === "" ? " at the top level" : ` in \`${parent}\``}`,
          locate(source, path, "key"),
          `Add \`${key}:\`${parent === "" ? "" : ` under \`${parent}\``}.`,
        ),
      )
      return
    }
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = keysAt(schema, path)
        for (const key of issue.keys) {
          const full = [...path, key]
          if (skip.has(formatPath(full))) continue
          const guess = closest(key, known)
          const scope = where === "" ? "at the top level" : `in \`${where}\``
          out.push(
            make(
              "FLOE-E110",
              `unknown key \`${key}\` ${scope}${guess ? ` — did you mean \`${guess}\`?` : ""}`,
              locate(source, full, "key"),
              guess
                ? `Rename \`${key}\` to \`${guess}\`.`
                : known.length > 0
                  ? `Remove \`${key}\`; the keys allowed here are ${known.map((k) => `\`${k}\``).join(", ")}.`
                  : undefined,
            ),
          )
        }
        return
      }
      case "invalid_type": {
        const expected = EXPECTED_NAMES[issue.expected] ?? issue.expected
        const last = path[path.length - 1]
        if (issue.expected === "string" && typeof input === "number" && last === "version") {
          const written = rawText(source, path) ?? String(input)
          const parts = written.split(".")
          const suggestion = [...parts, "0", "0"].slice(0, 3).join(".")
          out.push(
            make(
              "FLOE-E121",
              `${name} must be a quoted semantic version; YAML read ${written} as the number ${String(input)}`,
              locate(source, path),
              `Write version: "${suggestion}" with quotes.`,
            ),
          )
          return
        }
        out.push(make("FLOE-E112", `${name} must be ${expected}, not ${describe(input)}`, locate(source, path)))
        return
      }
      case "invalid_value": {
        const allowed = issue.values.map((v) => String(v))
        const last = path[path.length - 1]
        if (path.length === 1 && (last === "apiVersion" || last === "kind")) {
          out.push(
            make(
              "FLOE-E107",
              `${name} is ${describe(input)}; expected "${allowed.join('" or "')}"`,
              locate(source, path),
            ),
          )
          return
        }
        const guess = typeof input === "string" ? closest(input, allowed) : undefined
        out.push(
          make(
            "FLOE-E113",
            `${name} is ${describe(input)}; allowed: ${allowed.join(", ")}${guess ? ` — did you mean "${guess}"?` : ""}`,
            locate(source, path),
            guess ? `Use "${guess}".` : `Use one of: ${allowed.join(", ")}.`,
          ),
        )
        return
      }
      case "invalid_format": {
        const code: DiagnosticCode =
          issue.format === "email"
            ? "FLOE-E122"
            : ((issue.pattern ? codeForPattern(issue.pattern) : undefined) ?? "FLOE-E113")
        out.push(
          make(
            code,
            `${name} ${issue.message}${input === undefined ? "" : ` (got ${describe(input)})`}`,
            locate(source, path),
          ),
        )
        return
      }
      case "too_small":
      case "too_big": {
        out.push(make("FLOE-E113", `${name}: ${issue.message.replace(/^Too (small|big): /, "")}`, locate(source, path)))
        return
      }
      case "custom": {
        const code = (issue.params?.floeCode as DiagnosticCode | undefined) ?? "FLOE-E113"
        out.push(make(code, `${name}: ${issue.message}`, locate(source, path)))
        return
      }
      case "invalid_union": {
        for (const branch of issue.errors[0] ?? [])
          emit({ ...branch, path: [...issue.path, ...branch.path] } as z.core.$ZodIssue)
        return
      }
      default:
        out.push(make("FLOE-E113", `${name}: ${issue.message}`, locate(source, path)))
    }
  }
  for (const issue of issues) emit(issue)
  return out
}
