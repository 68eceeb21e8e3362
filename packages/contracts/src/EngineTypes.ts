/**
 * Engine column types (DuckDB's VARCHAR, BIGINT, DECIMAL(18,2), TIMESTAMP WITH TIME ZONE, INTEGER[], STRUCT(…) …,
 * and the common PostgreSQL spellings) mapped to ODCS logical types, and the compatibility rule drift checks use.
 */
import type { SchemaProperty } from "./Odcs.ts"

/** What an engine type becomes in a contract: its logical type and, for lists and structs, the element shapes. */
export interface Logical {
  readonly logicalType: string
  readonly items?: Logical
  readonly fields?: ReadonlyArray<{ readonly name: string; readonly type: Logical; readonly physicalType: string }>
}

const SCALARS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^(VARCHAR|CHAR|BPCHAR|TEXT|STRING|CHARACTER( VARYING)?|NVARCHAR|UUID|ENUM|INTERVAL|JSON|JSONB|BLOB|BYTEA|BIT|BITSTRING)\b/,
    "string",
  ],
  [
    /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT1|INT2|INT4|INT8|LONG|SHORT|SERIAL|BIGSERIAL|SMALLSERIAL)\b/,
    "integer",
  ],
  [/^(DOUBLE( PRECISION)?|FLOAT|FLOAT4|FLOAT8|REAL|DECIMAL|NUMERIC|NUMBER)\b/, "number"],
  [/^(BOOLEAN|BOOL|LOGICAL)\b/, "boolean"],
  [/^(TIMESTAMP|TIMESTAMPTZ|DATETIME|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS)\b/, "timestamp"],
  [/^(TIMETZ|TIME)\b/, "time"],
  [/^DATE\b/, "date"],
  [/^(MAP|UNION|OBJECT|VARIANT)\b/, "object"],
]

/** Splits `a INTEGER, b STRUCT(x INT, y INT)` at top-level commas. */
const splitTopLevel = (s: string): Array<string> => {
  const parts: Array<string> = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    if (ch === '"') quoted = !quoted
    else if (!quoted && ch === "(") depth++
    else if (!quoted && ch === ")") depth--
    else if (!quoted && depth === 0 && ch === ",") {
      parts.push(s.slice(start, i).trim())
      start = i + 1
    }
  }
  const last = s.slice(start).trim()
  if (last !== "") parts.push(last)
  return parts
}

const inner = (s: string, keyword: string): string | undefined => {
  const m = new RegExp(`^${keyword}\\s*\\((.*)\\)$`, "is").exec(s)
  return m?.[1]
}

/**
 * Maps an engine type to its ODCS logical type. `timestamp` and `time` exist from ODCS v3.1.0; for a v3.0 contract
 * pass `version: "v3.0"` and they become `date` and `string`. Returns undefined for a type it does not know.
 */
export const toLogical = (engineType: string, version: "v3.0" | "v3.1" = "v3.1"): Logical | undefined => {
  const t = engineType.trim()
  const upper = t.toUpperCase()
  const list = /^(.*)\[\d*\]$/s.exec(t)
  if (list?.[1] !== undefined) {
    const items = toLogical(list[1], version)
    return items === undefined ? { logicalType: "array" } : { logicalType: "array", items }
  }
  const listOf = inner(t, "LIST") ?? inner(t, "ARRAY")
  if (listOf !== undefined) {
    const items = toLogical(listOf, version)
    return items === undefined ? { logicalType: "array" } : { logicalType: "array", items }
  }
  if (upper === "LIST" || upper === "ARRAY") return { logicalType: "array" }
  const struct = inner(t, "STRUCT") ?? inner(t, "ROW")
  if (struct !== undefined) {
    const fields: Array<{ name: string; type: Logical; physicalType: string }> = []
    for (const part of splitTopLevel(struct)) {
      const m = /^("(?:[^"]|"")+"|[^\s]+)\s+(.+)$/s.exec(part)
      if (m?.[1] === undefined || m[2] === undefined) continue
      const name = m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1]
      const type = toLogical(m[2], version)
      if (type !== undefined) fields.push({ name, type, physicalType: m[2].trim() })
    }
    return { logicalType: "object", fields }
  }
  if (upper === "STRUCT") return { logicalType: "object" }
  for (const [re, logical] of SCALARS) {
    if (re.test(upper)) {
      if (version === "v3.0" && logical === "timestamp") return { logicalType: "date" }
      if (version === "v3.0" && logical === "time") return { logicalType: "string" }
      return { logicalType: logical }
    }
  }
  return undefined
}

/** The ODCS property for a column of engine type `physicalType`: logical type, physical type, items and fields. */
export const toProperty = (name: string, physicalType: string, version: "v3.0" | "v3.1" = "v3.1"): SchemaProperty => {
  const build = (n: string, pt: string, l: Logical | undefined): SchemaProperty => {
    const p: Record<string, unknown> = { name: n }
    if (l !== undefined) p.logicalType = l.logicalType
    p.physicalType = pt
    if (l?.items !== undefined) {
      const { name: _n, ...items } = build("items", "", l.items)
      delete items.physicalType
      p.items = items
    }
    if (l?.fields !== undefined && l.fields.length > 0)
      p.properties = l.fields.map((f) => build(f.name, f.physicalType, f.type))
    return p as SchemaProperty
  }
  return build(name, physicalType, toLogical(physicalType, version))
}

/**
 * True when a model column of logical type `actual` satisfies a contract column of logical type `expected`: the
 * same type, an integer where a number is promised, or a timestamp where an ODCS v3.0 contract says `date` (v3.0
 * has no timestamp type, and its examples write timestamps as `logicalType: date`).
 */
export const compatible = (expected: string, actual: string): boolean =>
  expected === actual ||
  (expected === "number" && actual === "integer") ||
  (expected === "date" && actual === "timestamp")
