/**
 * The ODCS v3 shapes Floe works with after a contract has passed the official JSON Schema: typed views of the
 * parts Floe reads (schema objects, properties, SLA entries), the supported `apiVersion`s and the logical types.
 * Everything else in a contract is kept as plain JSON and carried through unchanged.
 */

/** A JSON value as it comes out of YAML or JSON. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** A property (column) of a schema object. `items` describes array elements, `properties` nested fields. */
export interface SchemaProperty {
  readonly name: string
  readonly logicalType?: string
  readonly physicalType?: string
  readonly description?: string
  readonly required?: boolean
  readonly unique?: boolean
  readonly primaryKey?: boolean
  readonly primaryKeyPosition?: number
  readonly classification?: string
  readonly logicalTypeOptions?: { readonly [key: string]: Json }
  readonly tags?: ReadonlyArray<string>
  readonly examples?: ReadonlyArray<Json>
  readonly quality?: ReadonlyArray<QualityRule>
  readonly items?: SchemaProperty
  readonly properties?: ReadonlyArray<SchemaProperty>
  readonly [key: string]: unknown
}

/** A schema object: a table, view, topic or file, with its properties. */
export interface SchemaObject {
  readonly name: string
  readonly physicalName?: string
  readonly physicalType?: string
  readonly description?: string
  readonly properties?: ReadonlyArray<SchemaProperty>
  readonly quality?: ReadonlyArray<QualityRule>
  readonly [key: string]: unknown
}

/** A data quality rule (`quality[]`). */
export interface QualityRule {
  readonly name?: string
  readonly type?: string
  readonly metric?: string
  readonly rule?: string
  readonly description?: string
  readonly [key: string]: unknown
}

/** One `slaProperties[]` entry: `{property, value, unit, element}`. */
export interface SlaProperty {
  readonly property: string
  readonly value: string | number | boolean | null
  readonly unit?: string
  readonly element?: string
  readonly [key: string]: unknown
}

/** An ODCS data contract that passed the official JSON Schema. */
export interface Contract {
  readonly apiVersion: string
  readonly kind: string
  readonly id: string
  readonly version: string
  readonly status: string
  readonly name?: string
  readonly schema?: ReadonlyArray<SchemaObject>
  readonly slaProperties?: ReadonlyArray<SlaProperty>
  readonly [key: string]: unknown
}

/** The ODCS version Floe writes (normalised, generated and formatted contracts). */
export const CANONICAL_API_VERSION = "v3.1.0"

/** The `apiVersion`s Floe lints, each with the official JSON Schema it is linted against. */
export const SCHEMA_FOR_API_VERSION: Readonly<Record<string, "v3.0.2" | "v3.1.0">> = {
  "v3.0.0": "v3.0.2",
  "v3.0.1": "v3.0.2",
  "v3.0.2": "v3.0.2",
  "v3.1.0": "v3.1.0",
}

/** Property logical types of ODCS v3.0.x. */
export const LOGICAL_TYPES_V30: ReadonlyArray<string> = [
  "string",
  "date",
  "number",
  "integer",
  "object",
  "array",
  "boolean",
]
/** Property logical types of ODCS v3.1.0: v3.0 plus timestamp and time. */
export const LOGICAL_TYPES_V31: ReadonlyArray<string> = [...LOGICAL_TYPES_V30, "timestamp", "time"]

/** True for a plain JSON object (not null, not a list). */
export const isRecord = (v: unknown): v is { readonly [key: string]: unknown } =>
  typeof v === "object" && v !== null && !Array.isArray(v)
