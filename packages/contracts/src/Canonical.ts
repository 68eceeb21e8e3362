/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) and the contract hash: SHA-256 over the canonical JSON of the
 * normalised contract, so the same contract hashes the same however its YAML is formatted or its keys ordered.
 */
import { createHash } from "node:crypto"
import type { Contract } from "./Odcs.ts"
import { isRecord } from "./Odcs.ts"

/** Thrown for values JSON cannot represent (NaN, Infinity, lone surrogates, functions); JCS has no form for them. */
export class NotJsonError extends Error {
  override readonly name = "NotJsonError"
}

const hex4 = (n: number): string => n.toString(16).padStart(4, "0")

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  8: "\\b",
  9: "\\t",
  10: "\\n",
  12: "\\f",
  13: "\\r",
  34: '\\"',
  92: "\\\\",
}

/** RFC 8785 §3.2.2.2: quote, escape `"`, `\` and control characters; everything else is written as is. */
const serialiseString = (s: string): string => {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw new NotJsonError("string holds a lone surrogate")
      out += s[i] + (s[i + 1] ?? "")
      i++
      continue
    }
    if (c >= 0xdc00 && c <= 0xdfff) throw new NotJsonError("string holds a lone surrogate")
    const short = SHORT_ESCAPES[c]
    if (short !== undefined) out += short
    else if (c < 0x20) out += `\\u${hex4(c)}`
    else out += s[i]
  }
  return `${out}"`
}

/**
 * RFC 8785 §3.2.2.3: numbers as ECMAScript's Number-to-String (shortest round-trip digits, exponent from 1e21 and
 * below 1e-6, -0 as 0).
 */
const serialiseNumber = (n: number): string => {
  if (!Number.isFinite(n)) throw new NotJsonError(`${n} has no JSON form`)
  return Object.is(n, -0) ? "0" : String(n)
}

/** Compares by UTF-16 code units, as RFC 8785 §3.2.3 sorts object keys. */
const byCodeUnits = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/**
 * Serialises a JSON value the RFC 8785 way: no whitespace, object keys sorted by UTF-16 code units, ECMAScript
 * number and string serialisation. Object members whose value is `undefined` are left out (as JSON.stringify does).
 * Throws NotJsonError for values without a JSON form.
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null) return "null"
  if (value === true) return "true"
  if (value === false) return "false"
  if (typeof value === "number") return serialiseNumber(value)
  if (typeof value === "string") return serialiseString(value)
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort(byCodeUnits)
    return `{${keys.map((k) => `${serialiseString(k)}:${canonicalJson(value[k])}`).join(",")}}`
  }
  throw new NotJsonError(`a ${typeof value} has no JSON form`)
}

/** Property fields whose ODCS default is the same as leaving them out. */
const PROPERTY_DEFAULTS: Readonly<Record<string, unknown>> = {
  required: false,
  unique: false,
  primaryKey: false,
  partitioned: false,
  criticalDataElement: false,
  primaryKeyPosition: -1,
  partitionKeyPosition: -1,
}

const stripDefaults = (property: unknown): unknown => {
  if (!isRecord(property)) return property
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(property)) {
    if (PROPERTY_DEFAULTS[k] === v) continue
    if (k === "properties" && Array.isArray(v)) out[k] = v.map(stripDefaults)
    else if (k === "items") out[k] = stripDefaults(v)
    else out[k] = v
  }
  return out
}

/**
 * The normalised form of a contract that is hashed: property fields equal to their ODCS default (required: false,
 * primaryKeyPosition: -1 …) are left out, since writing them or not is the same contract.
 */
export const normalise = (contract: Contract): Contract => {
  if (!Array.isArray(contract.schema)) return contract
  return {
    ...contract,
    schema: contract.schema.map((obj) =>
      Array.isArray(obj.properties) ? { ...obj, properties: obj.properties.map(stripDefaults) } : obj,
    ),
  } as Contract
}

/** `sha256:<64 hex>` of the RFC 8785 canonical JSON of the normalised contract. */
export const hash = (contract: Contract): string =>
  `sha256:${createHash("sha256")
    .update(canonicalJson(normalise(contract)), "utf8")
    .digest("hex")}`
