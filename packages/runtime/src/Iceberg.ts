/**
 * Iceberg v2 table format, as the writer side needs it: table metadata (the JSON a catalog points at), schemas
 * with stable field ids and the evolution rules between them, the mapping from SQL column types to Iceberg
 * types, and the Avro schemas of manifests and manifest lists (field ids as the spec assigns them). Pure: the I/O
 * lives in `Publish`. Facts from the Apache Iceberg table spec (format version 2).
 */
import avro from "avsc"

// ---------------------------------------------------------------------------------------------------------------
// Table metadata (format version 2)
// ---------------------------------------------------------------------------------------------------------------

export type PrimitiveType =
  | "boolean"
  | "int"
  | "long"
  | "float"
  | "double"
  | `decimal(${number}, ${number})`
  | "date"
  | "time"
  | "timestamp"
  | "timestamptz"
  | "string"
  | "uuid"
  | "binary"

export interface Field {
  readonly id: number
  readonly name: string
  readonly required: boolean
  readonly type: PrimitiveType
  readonly doc?: string
}

export interface Schema {
  readonly type: "struct"
  readonly "schema-id": number
  readonly fields: ReadonlyArray<Field>
}

export type Operation = "append" | "overwrite" | "replace" | "delete"

export interface Snapshot {
  readonly "snapshot-id": number
  readonly "parent-snapshot-id"?: number
  readonly "sequence-number": number
  readonly "timestamp-ms": number
  readonly "manifest-list": string
  readonly summary: { readonly operation: Operation } & Readonly<Record<string, string>>
  readonly "schema-id": number
}

export interface TableMetadata {
  readonly "format-version": 2
  readonly "table-uuid": string
  readonly location: string
  readonly "last-sequence-number": number
  readonly "last-updated-ms": number
  readonly "last-column-id": number
  readonly schemas: ReadonlyArray<Schema>
  readonly "current-schema-id": number
  readonly "partition-specs": ReadonlyArray<{ readonly "spec-id": number; readonly fields: ReadonlyArray<never> }>
  readonly "default-spec-id": number
  readonly "last-partition-id": number
  readonly properties: Readonly<Record<string, string>>
  readonly "current-snapshot-id"?: number
  readonly snapshots: ReadonlyArray<Snapshot>
  readonly "snapshot-log": ReadonlyArray<{ readonly "snapshot-id": number; readonly "timestamp-ms": number }>
  readonly "metadata-log": ReadonlyArray<{ readonly "metadata-file": string; readonly "timestamp-ms": number }>
  readonly "sort-orders": ReadonlyArray<{ readonly "order-id": number; readonly fields: ReadonlyArray<never> }>
  readonly "default-sort-order-id": number
  readonly refs: Readonly<Record<string, { readonly "snapshot-id": number; readonly type: "branch" | "tag" }>>
}

/** The current schema of a table. */
export const currentSchema = (m: TableMetadata): Schema => {
  const s = m.schemas.find((x) => x["schema-id"] === m["current-schema-id"])
  if (s === undefined) throw new Error(`table metadata has no schema ${m["current-schema-id"]}`)
  return s
}

/** The current snapshot, or undefined for a table without data yet. */
export const currentSnapshot = (m: TableMetadata): Snapshot | undefined =>
  m["current-snapshot-id"] === undefined
    ? undefined
    : m.snapshots.find((s) => s["snapshot-id"] === m["current-snapshot-id"])

/**
 * The name mapping (`schema.name-mapping.default`) of a schema: lets readers that resolve columns by name (files
 * without ids) find the same fields.
 */
export const nameMapping = (schema: Schema): string =>
  JSON.stringify(schema.fields.map((f) => ({ "field-id": f.id, names: [f.name] })))

// ---------------------------------------------------------------------------------------------------------------
// SQL types → Iceberg types
// ---------------------------------------------------------------------------------------------------------------

/** An Iceberg type for a SQL column, and the SQL type its values are cast to when written. */
export interface TypeMapping {
  readonly type: PrimitiveType
  /** The SQL type to cast to before writing, when the engine's own type has no exact Parquet/Iceberg match. */
  readonly cast?: string
}

const SIMPLE: ReadonlyArray<readonly [RegExp, TypeMapping]> = [
  [/^(BOOLEAN|BOOL|LOGICAL)$/, { type: "boolean" }],
  [/^(INTEGER|INT|INT4|SIGNED)$/, { type: "int" }],
  [/^(TINYINT|INT1|SMALLINT|INT2|SHORT|UTINYINT|USMALLINT)$/, { type: "int", cast: "INTEGER" }],
  [/^(BIGINT|INT8|LONG)$/, { type: "long" }],
  [/^(UINTEGER)$/, { type: "long", cast: "BIGINT" }],
  [/^(UBIGINT)$/, { type: "decimal(20, 0)", cast: "DECIMAL(20,0)" }],
  [/^(HUGEINT|INT128|UHUGEINT)$/, { type: "decimal(38, 0)", cast: "DECIMAL(38,0)" }],
  [/^(REAL|FLOAT4|FLOAT)$/, { type: "float" }],
  [/^(DOUBLE|FLOAT8|DOUBLE PRECISION)$/, { type: "double" }],
  [/^(VARCHAR|TEXT|STRING|CHAR|BPCHAR|CHARACTER VARYING|CHARACTER|NAME)(\s*\(\d+\))?$/, { type: "string" }],
  [/^ENUM\b.*$/, { type: "string", cast: "VARCHAR" }],
  [/^DATE$/, { type: "date" }],
  [/^(TIME|TIME WITHOUT TIME ZONE)$/, { type: "time" }],
  [/^(TIMESTAMP|DATETIME|TIMESTAMP WITHOUT TIME ZONE)$/, { type: "timestamp" }],
  [/^(TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS)$/, { type: "timestamp", cast: "TIMESTAMP" }],
  [/^(TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ)$/, { type: "timestamptz" }],
  [/^UUID$/, { type: "uuid" }],
  [/^(BLOB|BYTEA|BINARY|VARBINARY)$/, { type: "binary" }],
]

/**
 * The Iceberg type of a SQL column type (DuckDB's and PostgreSQL's names), or undefined when Iceberg has none that
 * this writer supports (nested types, intervals, bit strings).
 */
export const icebergType = (sqlType: string): TypeMapping | undefined => {
  const t = sqlType.trim().toUpperCase().replace(/\s+/g, " ")
  const decimal = /^(?:DECIMAL|NUMERIC)(?:\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(t)
  if (decimal !== null) {
    // DuckDB's DECIMAL without arguments is DECIMAL(18,3); Iceberg allows precision up to 38.
    const p = decimal[1] === undefined ? 18 : Number(decimal[1])
    const s = decimal[1] === undefined ? 3 : Number(decimal[2] ?? 0)
    if (p > 38 || s > p) return undefined
    return { type: `decimal(${p}, ${s})` }
  }
  return SIMPLE.find(([re]) => re.test(t))?.[1]
}

const decimalOf = (t: PrimitiveType): readonly [number, number] | undefined => {
  const m = /^decimal\((\d+), (\d+)\)$/.exec(t)
  return m === null ? undefined : [Number(m[1]), Number(m[2])]
}

/** Whether Iceberg allows changing a column from `from` to `to` in place (a widening), or they are equal. */
export const canPromote = (from: PrimitiveType, to: PrimitiveType): boolean => {
  if (from === to) return true
  if (from === "int" && to === "long") return true
  if (from === "float" && to === "double") return true
  const a = decimalOf(from)
  const b = decimalOf(to)
  return a !== undefined && b !== undefined && a[1] === b[1] && b[0] >= a[0]
}

// ---------------------------------------------------------------------------------------------------------------
// Schema evolution
// ---------------------------------------------------------------------------------------------------------------

export interface Column {
  readonly name: string
  readonly type: PrimitiveType
}

export interface Evolution {
  /** The schema the new data is written with (the current one when nothing changed). */
  readonly schema: Schema
  readonly lastColumnId: number
  readonly added: ReadonlyArray<string>
  readonly widened: ReadonlyArray<{ readonly name: string; readonly from: PrimitiveType; readonly to: PrimitiveType }>
  /** Columns the table has and the model no longer produces. */
  readonly dropped: ReadonlyArray<string>
  /** Changes Iceberg cannot apply in place: a type that is not a widening. */
  readonly incompatible: ReadonlyArray<{
    readonly name: string
    readonly from: PrimitiveType
    readonly to: PrimitiveType
  }>
  /** Whether the schema differs from the current one (a new schema id). */
  readonly changed: boolean
}

/** A fresh schema for `columns`: field ids from `firstId`, in column order. */
export const freshSchema = (columns: ReadonlyArray<Column>, schemaId: number, firstId: number): Schema => ({
  type: "struct",
  "schema-id": schemaId,
  fields: columns.map((c, i) => ({ id: firstId + i, name: c.name, required: false, type: c.type })),
})

/**
 * Evolves `current` to hold `columns` by Iceberg's rules: a column keeps its field id (matched by name,
 * case-insensitively, as SQL engines fold identifiers); a new column gets the next id after `lastColumnId`; a type
 * change is applied when it is a widening, else reported as incompatible; columns the model no longer produces
 * are dropped from the new schema (their ids are never reused). Column order follows the model.
 */
export const evolve = (
  current: Schema,
  lastColumnId: number,
  columns: ReadonlyArray<Column>,
  nextSchemaId: number,
): Evolution => {
  const byName = new Map(current.fields.map((f) => [f.name.toLowerCase(), f]))
  let last = lastColumnId
  const added: Array<string> = []
  const widened: Array<{ name: string; from: PrimitiveType; to: PrimitiveType }> = []
  const incompatible: Array<{ name: string; from: PrimitiveType; to: PrimitiveType }> = []
  const fields: Array<Field> = columns.map((c) => {
    const f = byName.get(c.name.toLowerCase())
    if (f === undefined) {
      added.push(c.name)
      last += 1
      return { id: last, name: c.name, required: false, type: c.type }
    }
    if (f.type !== c.type) {
      if (canPromote(f.type, c.type)) widened.push({ name: c.name, from: f.type, to: c.type })
      else incompatible.push({ name: c.name, from: f.type, to: c.type })
    }
    return { ...f, name: c.name, type: c.type, required: false }
  })
  const kept = new Set(columns.map((c) => c.name.toLowerCase()))
  const dropped = current.fields.filter((f) => !kept.has(f.name.toLowerCase())).map((f) => f.name)
  const same =
    fields.length === current.fields.length &&
    fields.every((f, i) => {
      const o = current.fields[i]
      return o !== undefined && o.id === f.id && o.name === f.name && o.type === f.type && o.required === f.required
    })
  return {
    schema: same ? current : { type: "struct", "schema-id": nextSchemaId, fields },
    lastColumnId: last,
    added,
    widened,
    dropped,
    incompatible,
    changed: !same,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Manifests and manifest lists (Avro, format version 2)
// ---------------------------------------------------------------------------------------------------------------

const optional = (type: unknown, id: number) => ({ name: "", type: ["null", type], default: null, "field-id": id })
const named = (name: string, f: ReturnType<typeof optional>) => ({ ...f, name })
const intMap = (name: string, id: number, keyId: number, valueId: number, valueType: "long" | "bytes") =>
  named(
    name,
    optional(
      {
        type: "array",
        logicalType: "map",
        items: {
          type: "record",
          name: `k${keyId}_v${valueId}`,
          fields: [
            { name: "key", type: "int", "field-id": keyId },
            { name: "value", type: valueType, "field-id": valueId },
          ],
        },
      },
      id,
    ),
  )

/** The Avro schema of a v2 manifest entry for an unpartitioned table (`manifest_entry`, data_file as field 2). */
export const MANIFEST_ENTRY_SCHEMA = {
  type: "record",
  name: "manifest_entry",
  fields: [
    { name: "status", type: "int", "field-id": 0 },
    named("snapshot_id", optional("long", 1)),
    named("sequence_number", optional("long", 3)),
    named("file_sequence_number", optional("long", 4)),
    {
      name: "data_file",
      "field-id": 2,
      type: {
        type: "record",
        name: "r2",
        fields: [
          { name: "content", type: "int", "field-id": 134 },
          { name: "file_path", type: "string", "field-id": 100 },
          { name: "file_format", type: "string", "field-id": 101 },
          { name: "partition", "field-id": 102, type: { type: "record", name: "r102", fields: [] } },
          { name: "record_count", type: "long", "field-id": 103 },
          { name: "file_size_in_bytes", type: "long", "field-id": 104 },
          intMap("column_sizes", 108, 117, 118, "long"),
          intMap("value_counts", 109, 119, 120, "long"),
          intMap("null_value_counts", 110, 121, 122, "long"),
          intMap("nan_value_counts", 137, 138, 139, "long"),
          intMap("lower_bounds", 125, 126, 127, "bytes"),
          intMap("upper_bounds", 128, 129, 130, "bytes"),
          named("key_metadata", optional("bytes", 131)),
          named("split_offsets", optional({ type: "array", items: "long", "element-id": 133 }, 132)),
          named("equality_ids", optional({ type: "array", items: "int", "element-id": 136 }, 135)),
          named("sort_order_id", optional("int", 140)),
        ],
      },
    },
  ],
} as const

/** The Avro schema of a v2 manifest list entry (`manifest_file`). */
export const MANIFEST_FILE_SCHEMA = {
  type: "record",
  name: "manifest_file",
  fields: [
    { name: "manifest_path", type: "string", "field-id": 500 },
    { name: "manifest_length", type: "long", "field-id": 501 },
    { name: "partition_spec_id", type: "int", "field-id": 502 },
    { name: "content", type: "int", "field-id": 517 },
    { name: "sequence_number", type: "long", "field-id": 515 },
    { name: "min_sequence_number", type: "long", "field-id": 516 },
    { name: "added_snapshot_id", type: "long", "field-id": 503 },
    { name: "added_files_count", type: "int", "field-id": 504 },
    { name: "existing_files_count", type: "int", "field-id": 505 },
    { name: "deleted_files_count", type: "int", "field-id": 506 },
    { name: "added_rows_count", type: "long", "field-id": 512 },
    { name: "existing_rows_count", type: "long", "field-id": 513 },
    { name: "deleted_rows_count", type: "long", "field-id": 514 },
    named(
      "partitions",
      optional(
        {
          type: "array",
          "element-id": 508,
          items: {
            type: "record",
            name: "r508",
            fields: [
              { name: "contains_null", type: "boolean", "field-id": 509 },
              named("contains_nan", optional("boolean", 518)),
              named("lower_bound", optional("bytes", 510)),
              named("upper_bound", optional("bytes", 511)),
            ],
          },
        },
        507,
      ),
    ),
    named("key_metadata", optional("bytes", 519)),
  ],
} as const

/** Entry status in a manifest. */
export const Status = { EXISTING: 0, ADDED: 1, DELETED: 2 } as const

export interface DataFile {
  readonly content: 0
  readonly file_path: string
  readonly file_format: "PARQUET"
  readonly partition: Record<string, never>
  readonly record_count: number
  readonly file_size_in_bytes: number
  readonly column_sizes: ReadonlyArray<{ readonly key: number; readonly value: number }> | null
  readonly value_counts: ReadonlyArray<{ readonly key: number; readonly value: number }> | null
  readonly null_value_counts: ReadonlyArray<{ readonly key: number; readonly value: number }> | null
  readonly nan_value_counts: null
  readonly lower_bounds: ReadonlyArray<{ readonly key: number; readonly value: Uint8Array }> | null
  readonly upper_bounds: ReadonlyArray<{ readonly key: number; readonly value: Uint8Array }> | null
  readonly key_metadata: null
  readonly split_offsets: null
  readonly equality_ids: null
  readonly sort_order_id: null
}

export interface ManifestEntry {
  readonly status: number
  readonly snapshot_id: number | null
  readonly sequence_number: number | null
  readonly file_sequence_number: number | null
  readonly data_file: DataFile
}

export interface ManifestFile {
  readonly manifest_path: string
  readonly manifest_length: number
  readonly partition_spec_id: number
  readonly content: 0
  readonly sequence_number: number
  readonly min_sequence_number: number
  readonly added_snapshot_id: number
  readonly added_files_count: number
  readonly existing_files_count: number
  readonly deleted_files_count: number
  readonly added_rows_count: number
  readonly existing_rows_count: number
  readonly deleted_rows_count: number
  readonly partitions: null
  readonly key_metadata: null
}

// ---------------------------------------------------------------------------------------------------------------
// Column bounds (the spec's single-value binary serialization)
// ---------------------------------------------------------------------------------------------------------------

const littleEndian = (value: bigint, bytes: 4 | 8): Uint8Array => {
  const out = new Uint8Array(bytes)
  const view = new DataView(out.buffer)
  if (bytes === 4) view.setInt32(0, Number(value), true)
  else view.setBigInt64(0, value, true)
  return out
}

/** Two's-complement big-endian bytes of `value`, as few as hold it (the spec's decimal serialization). */
const bigEndianMinimal = (value: bigint): Uint8Array => {
  const bytes: Array<number> = []
  let v = value
  for (;;) {
    const byte = Number(v & 0xffn)
    bytes.unshift(byte)
    v >>= 8n
    const signClear = (byte & 0x80) === 0
    if ((v === 0n && signClear) || (v === -1n && !signClear)) break
  }
  return Uint8Array.from(bytes)
}

const INT_MIN = -(2n ** 31n)
const INT_MAX = 2n ** 31n - 1n
const LONG_MIN = -(2n ** 63n)
const LONG_MAX = 2n ** 63n - 1n
/** Longer strings are left without bounds: an engine may have truncated its statistics. */
const MAX_STRING_BOUND_BYTES = 64

/**
 * A column bound in Iceberg's single-value binary serialization, from the writer's text rendering of the value:
 * int (4 bytes LE), long (8 bytes LE), date (days since 1970-01-01 as an int), decimal (the unscaled value,
 * big-endian two's complement, minimal), boolean (one byte), string (UTF-8, up to 64 bytes). Undefined for other
 * types or text that does not parse exactly: a missing bound is always safe, a wrong one is not.
 */
export const serializeBound = (type: PrimitiveType, text: string): Uint8Array | undefined => {
  if (type === "int" || type === "long") {
    if (!/^-?\d+$/.test(text)) return undefined
    const v = BigInt(text)
    if (type === "int") return v < INT_MIN || v > INT_MAX ? undefined : littleEndian(v, 4)
    return v < LONG_MIN || v > LONG_MAX ? undefined : littleEndian(v, 8)
  }
  if (type === "boolean") {
    if (text === "1" || text === "true") return Uint8Array.of(1)
    if (text === "0" || text === "false") return Uint8Array.of(0)
    return undefined
  }
  if (type === "date") {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
    if (m === null) return undefined
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
    return new Date(ms).toISOString().slice(0, 10) === text ? littleEndian(BigInt(ms / 86_400_000), 4) : undefined
  }
  if (type === "string") {
    const bytes = new TextEncoder().encode(text)
    return bytes.length <= MAX_STRING_BOUND_BYTES ? bytes : undefined
  }
  const d = decimalOf(type)
  if (d !== undefined) {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text)
    if (m === null) return undefined
    const fraction = m[3] ?? ""
    if (fraction.length > d[1]) return undefined
    return bigEndianMinimal(BigInt(`${m[1]}${m[2]}${fraction.padEnd(d[1], "0")}`))
  }
  return undefined
}

/** An Avro object container file: the records with the given writer schema and key-value metadata. */
export const encodeAvro = (
  schema: unknown,
  records: ReadonlyArray<unknown>,
  metadata: Readonly<Record<string, string>>,
) =>
  new Promise<Buffer>((resolve, reject) => {
    const meta = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, "utf8")]))
    const encoder = new avro.streams.BlockEncoder(schema as avro.Schema, { metadata: meta } as never)
    const chunks: Array<Buffer> = []
    encoder.on("data", (c: Buffer) => chunks.push(c))
    encoder.on("error", reject)
    encoder.on("end", () => resolve(Buffer.concat(chunks)))
    for (const r of records) encoder.write(r)
    encoder.end()
  })

export interface AvroFile<T> {
  /** The writer schema as stored in the file (`avro.schema`), with its field ids. */
  readonly schema: unknown
  readonly metadata: Readonly<Record<string, string>>
  readonly records: ReadonlyArray<T>
}

/** Reads an Avro object container file. */
export const decodeAvro = <T>(bytes: Uint8Array) =>
  new Promise<AvroFile<T>>((resolve, reject) => {
    const decoder = new avro.streams.BlockDecoder()
    const records: Array<T> = []
    let metadata: Record<string, string> = {}
    let schema: unknown
    decoder.on("metadata", (_type: unknown, _codec: string, header: { meta: Record<string, Buffer> }) => {
      metadata = Object.fromEntries(Object.entries(header.meta).map(([k, v]) => [k, v.toString("utf8")]))
      schema = JSON.parse(metadata["avro.schema"] ?? "null")
    })
    decoder.on("data", (r: T) => records.push(r))
    decoder.on("error", reject)
    decoder.on("end", () => resolve({ schema, metadata, records }))
    decoder.end(Buffer.from(bytes))
  })
