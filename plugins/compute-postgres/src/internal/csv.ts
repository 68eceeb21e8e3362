/**
 * CSV seeds: an RFC 4180 reader (quotes, doubled quotes, CRLF) to find the header and infer column types the way
 * the DuckDB plugin's `read_csv` sniffer does for the common cases. The rows themselves reach PostgreSQL through
 * `COPY … FROM STDIN (FORMAT csv)`, which parses the file again on the server.
 */

/** Splits CSV text into records of fields; `quoted` marks fields that were written in quotes. */
export const parse = (
  text: string,
  delimiter = ",",
): Array<Array<{ readonly value: string; readonly quoted: boolean }>> => {
  const records: Array<Array<{ value: string; quoted: boolean }>> = []
  let record: Array<{ value: string; quoted: boolean }> = []
  let field = ""
  let quoted = false
  let inQuotes = false
  let i = 0
  const endField = () => {
    record.push({ value: field, quoted })
    field = ""
    quoted = false
  }
  const endRecord = () => {
    endField()
    if (!(record.length === 1 && record[0]?.value === "" && !record[0]?.quoted)) records.push(record)
    record = []
  }
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  while (i < src.length) {
    const ch = src[i] as string
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        inQuotes = false
      } else field += ch
      i++
      continue
    }
    if (ch === '"' && field === "") {
      inQuotes = true
      quoted = true
    } else if (src.startsWith(delimiter, i)) {
      endField()
      i += delimiter.length
      continue
    } else if (ch === "\n" || ch === "\r") {
      endRecord()
      if (ch === "\r" && src[i + 1] === "\n") i++
    } else field += ch
    i++
  }
  if (field !== "" || quoted || record.length > 0) endRecord()
  return records
}

const INTEGER = /^[-+]?\d+$/
const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/
const BOOLEAN = /^(true|false)$/i
const DATE = /^\d{4}-\d{2}-\d{2}$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/
const INT4_MAX = 2147483647n
const INT4_MIN = -2147483648n
const INT8_MAX = 9223372036854775807n
const INT8_MIN = -9223372036854775808n

/**
 * The PostgreSQL type for a column's values (empty unquoted values are NULLs and do not count): `integer`, `bigint`,
 * `double precision` (`numeric` for integers beyond bigint), `boolean`, `date`, `timestamp`, else `text`. A column
 * of only NULLs is `text`.
 */
export const inferType = (values: ReadonlyArray<{ readonly value: string; readonly quoted: boolean }>): string => {
  const present = values.filter((v) => v.quoted || v.value !== "").map((v) => v.value.trim())
  if (present.length === 0) return "text"
  if (present.every((v) => INTEGER.test(v))) {
    const ns = present.map((v) => BigInt(v))
    if (ns.every((n) => n >= INT4_MIN && n <= INT4_MAX)) return "integer"
    if (ns.every((n) => n >= INT8_MIN && n <= INT8_MAX)) return "bigint"
    return "numeric"
  }
  if (present.every((v) => FLOAT.test(v))) return "double precision"
  if (present.every((v) => BOOLEAN.test(v))) return "boolean"
  if (present.every((v) => DATE.test(v) && !Number.isNaN(Date.parse(v)))) return "date"
  if (present.every((v) => TIMESTAMP.test(v))) return "timestamp"
  return "text"
}

/** The header and the inferred (or declared) type of each column. Declared names match case-insensitively. */
export const columns = (
  text: string,
  delimiter: string,
  declared: Readonly<Record<string, string>>,
): { readonly names: ReadonlyArray<string>; readonly types: ReadonlyArray<string> } => {
  const records = parse(text, delimiter)
  const header = (records[0] ?? []).map((f) => f.value)
  const rows = records.slice(1)
  const declaredBy = new Map(Object.entries(declared).map(([k, v]) => [k.toLowerCase(), v]))
  const types = header.map(
    (name, i) =>
      declared[name] ??
      declaredBy.get(name.toLowerCase()) ??
      inferType(rows.map((r) => r[i] ?? { value: "", quoted: false })),
  )
  return { names: header, types }
}
