/**
 * dbt's names and hashes for generic tests (dbt-core parser/generic_test_builders.py and
 * schema_generic_tests.py), reproduced byte for byte so unique_ids match what dbt-core writes: downstream tools
 * (dagster-dbt, state comparison) key on them.
 */
import { createHash } from "node:crypto"

export const md5 = (text: string): string => createHash("md5").update(text, "utf8").digest("hex")

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)

/** Characters Python's `str.isprintable()` rejects among those a YAML file plausibly holds. */
const nonPrintable = (code: number): boolean =>
  code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad || code === 0x2028 || code === 0x2029

/** Python 3's `repr(str)`: single quotes unless the text holds a single quote and no double quote. */
export const pyReprString = (s: string): string => {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === "\\") out += "\\\\"
    else if (ch === quote) out += `\\${quote}`
    else if (ch === "\n") out += "\\n"
    else if (ch === "\r") out += "\\r"
    else if (ch === "\t") out += "\\t"
    else if (nonPrintable(code)) out += `\\x${code.toString(16).padStart(2, "0")}`
    else out += ch
  }
  return out + quote
}

/** Python's `str(x)` of a YAML value: True/False/None, numbers as written, containers as their repr. */
export const pyStr = (x: unknown): string => {
  if (typeof x === "string") return x
  if (x === null || x === undefined) return "None"
  if (typeof x === "boolean") return x ? "True" : "False"
  if (typeof x === "number") return String(x)
  return pyRepr(x)
}

/** Python's `repr(x)` of a YAML value (dicts keep their key order, as Python dicts do). */
export const pyRepr = (x: unknown): string => {
  if (typeof x === "string") return pyReprString(x)
  if (Array.isArray(x)) return `[${x.map(pyRepr).join(", ")}]`
  if (isRecord(x))
    return `{${Object.entries(x)
      .map(([k, v]) => `${pyReprString(k)}: ${pyRepr(v)}`)
      .join(", ")}}`
  return pyStr(x)
}

/** dbt's `get_hashable_md`: dict keys sorted recursively, lists kept, every leaf stringified. */
const hashable = (x: unknown): unknown => {
  if (isRecord(x)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(x).sort()) out[k] = hashable(x[k])
    return out
  }
  if (Array.isArray(x)) return x.map(hashable)
  return pyStr(x)
}

export interface TestMetadata {
  readonly name: string
  readonly kwargs: Readonly<Record<string, unknown>>
  readonly namespace: string | null
}

/** The 10-hex suffix of a generic test's unique_id: md5(full name + repr of the hashable metadata), last 10. */
export const testHash = (fullName: string, metadata: TestMetadata): string =>
  md5(
    fullName + pyRepr(hashable({ namespace: metadata.namespace, name: metadata.name, kwargs: metadata.kwargs })),
  ).slice(-10)

/**
 * dbt's `synthesize_generic_test_names`: `{testType}_{target}_{args}` where args are the kwarg values sorted by
 * kwarg name (model excluded; dict values and list items flattened), runs of characters outside [0-9A-Za-z_]
 * replaced by "_", joined by "__". The short name (alias and file name) is `identifier[:30] + "_" + md5(full)`
 * when the full name is 64 characters or longer.
 */
export const synthesizeNames = (
  testType: string,
  target: string,
  args: Readonly<Record<string, unknown>>,
): { readonly short: string; readonly full: string } => {
  const flat: Array<string> = []
  for (const name of Object.keys(args).sort()) {
    if (name === "model") continue
    const v = args[name]
    const parts = isRecord(v) ? Object.values(v) : Array.isArray(v) ? v : [v]
    for (const p of parts) flat.push(pyStr(p))
  }
  const unique = flat.map((a) => a.replace(/[^0-9a-zA-Z_]+/g, "_")).join("__")
  const identifier = `${testType}_${target}`
  const full = `${identifier}_${unique}`
  // Python measures and slices by code point; so does Array.from.
  const short = Array.from(full).length >= 64 ? `${Array.from(identifier).slice(0, 30).join("")}_${md5(full)}` : full
  return { short, full }
}
