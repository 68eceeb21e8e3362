/**
 * Reading and linting a data contract: YAML with positions, the guide's shorthand normalised to ODCS v3.1.0, the
 * official ODCS JSON Schema for its `apiVersion` (v3.0.x or v3.1.0), and the checks the schema cannot express
 * (duplicate names). Every problem is a positioned, coded diagnostic.
 */
import { Diagnostic, Yaml } from "@floe/spec"
import { stringify } from "yaml"
import { describePath, type Problem, toProblems } from "./internal/ajvErrors.ts"
import { ROOTS, validate } from "./internal/schemas.ts"
import { CANONICAL_API_VERSION, type Contract, isRecord, SCHEMA_FOR_API_VERSION } from "./Odcs.ts"
import * as Shorthand from "./Shorthand.ts"

/** The outcome of linting one contract file. */
export interface Linted {
  /** The contract in ODCS form (shorthand normalised to v3.1.0) when it has no errors. */
  readonly contract: Contract | undefined
  /** Every problem found, sorted by position. */
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  /** The parsed YAML with positions, for callers that report more problems against the same file. */
  readonly source: Yaml.YamlSource | undefined
  /** True when the file was written in the guide's shorthand. */
  readonly shorthand: boolean
  /** The ODCS value that was validated (before errors were judged), when the YAML could be read. */
  readonly value: Readonly<Record<string, unknown>> | undefined
  /** Maps a path in `value` to the position of what it came from in the file. */
  readonly locate: (path: ReadonlyArray<string | number>, at?: "key" | "value") => Diagnostic.Location
}

const nowhere = (file: string) => (): Diagnostic.Location => ({ file })

/** Reports schema objects, and properties of one object, that share a name (E509). */
const duplicateNames = (value: Readonly<Record<string, unknown>>): Array<Problem> => {
  const out: Array<Problem> = []
  const check = (list: unknown, at: ReadonlyArray<string | number>, what: string) => {
    if (!Array.isArray(list)) return
    const seen = new Map<string, number>()
    list.forEach((item, i) => {
      if (!isRecord(item) || typeof item.name !== "string") return
      const first = seen.get(item.name)
      if (first === undefined) seen.set(item.name, i)
      else
        out.push({
          code: "FLOE-E509",
          message: `${what} \`${item.name}\` appears twice in ${describePath(value, at)} (entries ${first + 1} and ${i + 1})`,
          path: [...at, i, "name"],
          at: "value",
        })
    })
  }
  check(value.schema, ["schema"], "schema object")
  if (Array.isArray(value.schema)) {
    value.schema.forEach((obj, i) => {
      if (isRecord(obj)) check(obj.properties, ["schema", i, "properties"], "property")
    })
  }
  return out
}

/**
 * Lints a contract file (bytes or text). Reports YAML problems (E101–E106), a missing or unsupported `apiVersion`
 * or a Data Contract Specification file (E500), schema problems mapped to the line and column they concern
 * (E501–E507, with "did you mean" for near misses), duplicate names (E509), and a warning (W508) with the
 * canonical ODCS form when the guide's shorthand is used. Never throws.
 */
export const lint = (input: string | Uint8Array, file = "datacontract.yaml"): Linted => {
  const parsed = Yaml.parse(input, file)
  const source = parsed.source
  if (source === undefined) {
    return {
      contract: undefined,
      diagnostics: parsed.diagnostics,
      source,
      shorthand: false,
      value: undefined,
      locate: nowhere(file),
    }
  }
  const raw = source.value as Record<string, unknown>
  const diagnostics: Array<Diagnostic.Diagnostic> = []
  const fail = (d: Diagnostic.Diagnostic): Linted => ({
    contract: undefined,
    diagnostics: [d],
    source,
    shorthand: false,
    value: raw,
    locate: (path, at) => Yaml.locate(source, path, at),
  })
  if (raw.dataContractSpecification !== undefined) {
    return fail(
      Diagnostic.make(
        "FLOE-E500",
        `${file} is a Data Contract Specification ${String(raw.dataContractSpecification)} document, not ODCS v3`,
        Yaml.locate(source, ["dataContractSpecification"], "key"),
      ),
    )
  }
  const shorthand = Shorthand.isShorthand(raw)
  let value: Readonly<Record<string, unknown>> = raw
  let origins: ReadonlyMap<string, ReadonlyArray<string | number>> = new Map()
  let rewritten: ReadonlyArray<string> = []
  if (shorthand) {
    const n = Shorthand.normalise(raw)
    rewritten = n.rewritten
    value = n.value
    origins = n.origins
    for (const p of n.problems)
      diagnostics.push(Diagnostic.make(p.code, p.message, Yaml.locate(source, p.path), p.hint))
  } else if (raw.apiVersion === undefined || typeof raw.apiVersion !== "string") {
    return fail(
      Diagnostic.make(
        "FLOE-E500",
        raw.apiVersion === undefined
          ? `${file} has no \`apiVersion\`; an ODCS contract starts with apiVersion: ${CANONICAL_API_VERSION}`
          : `\`apiVersion\` must be a string such as "${CANONICAL_API_VERSION}"`,
        Yaml.locate(source, ["apiVersion"], raw.apiVersion === undefined ? "key" : "value"),
      ),
    )
  }
  const locate = (path: ReadonlyArray<string | number>, at: "key" | "value" = "value"): Diagnostic.Location => {
    for (let i = path.length; i >= 0; i--) {
      const from = origins.get(JSON.stringify(path.slice(0, i)))
      if (from !== undefined) {
        const full = [...from, ...path.slice(i)]
        return Yaml.has(source, full)
          ? Yaml.locate(source, full, at)
          : Yaml.locate(source, from, i === path.length ? at : "key")
      }
    }
    return Yaml.locate(source, path, at)
  }
  const apiVersion = String(value.apiVersion)
  const schemaVersion = SCHEMA_FOR_API_VERSION[apiVersion]
  if (schemaVersion === undefined) {
    return fail(
      Diagnostic.make(
        "FLOE-E500",
        `apiVersion "${apiVersion}" is not one Floe lints; it reads ODCS ${Object.keys(SCHEMA_FOR_API_VERSION).join(", ")}`,
        Yaml.locate(source, ["apiVersion"]),
        `Use apiVersion: ${CANONICAL_API_VERSION}.`,
      ),
    )
  }
  if (shorthand) {
    const at = rewritten.includes("models") ? ["models"] : rewritten.includes("slaProperties") ? ["slaProperties"] : []
    diagnostics.push(
      Diagnostic.make(
        "FLOE-W508",
        `${file} uses the lifecycle guide's shorthand (${rewritten.map((r) => `\`${r}\``).join(", ")}); read as ODCS ${CANONICAL_API_VERSION}:\n${canonicalExcerpt(value)}`,
        Yaml.locate(source, at, "key"),
        `Run \`floe contract fmt ${file} --to odcs\` to rewrite the file as ODCS ${CANONICAL_API_VERSION}.`,
      ),
    )
  }
  const problems = [
    ...toProblems(ROOTS[schemaVersion], validate(schemaVersion, value), value),
    ...duplicateNames(value),
  ]
  for (const p of problems) diagnostics.push(Diagnostic.make(p.code, p.message, locate(p.path, p.at), p.hint))
  const sorted = Diagnostic.sort(diagnostics)
  return {
    contract: Diagnostic.hasErrors(sorted) ? undefined : (value as Contract),
    diagnostics: sorted,
    source,
    shorthand,
    value,
    locate,
  }
}

/** The canonical form of the rewritten parts, in YAML flow style, short enough for a warning. */
const canonicalExcerpt = (value: Readonly<Record<string, unknown>>): string => {
  const flow = (v: unknown): string => stringify(v, { collectionStyle: "flow", lineWidth: 0 }).trim()
  const lines: Array<string> = []
  if (Array.isArray(value.schema)) {
    lines.push("schema:")
    for (const obj of value.schema.slice(0, 3)) {
      if (!isRecord(obj)) continue
      const { properties, ...head } = obj
      lines.push(`  - ${flow(head).slice(0, -1).trimEnd()}, properties: [`)
      const list = Array.isArray(properties) ? properties : []
      for (const p of list.slice(0, 5)) lines.push(`      ${flow(p)},`)
      if (list.length > 5) lines.push(`      … ${list.length - 5} more`)
      lines.push("    ]}")
    }
  }
  if (Array.isArray(value.slaProperties)) {
    lines.push("slaProperties:")
    for (const s of value.slaProperties.slice(0, 5)) lines.push(`  - ${flow(s)}`)
  }
  // Indented so the excerpt reads as a block under the diagnostic line in terminal output.
  return lines.map((l) => `      ${l}`).join("\n")
}
