/** The official ODCS JSON Schemas (vendored unchanged in ../../schemas) compiled once, on first use, with Ajv 2019. */
import type { AnySchemaObject, ErrorObject, ValidateFunction } from "ajv"
import Ajv2019 from "ajv/dist/2019.js"
import addFormats from "ajv-formats"
import v302 from "../../schemas/odcs-json-schema-v3.0.2.json" with { type: "json" }
import v310 from "../../schemas/odcs-json-schema-v3.1.0.json" with { type: "json" }

export type SchemaVersion = "v3.0.2" | "v3.1.0"

export const ROOTS: Readonly<Record<SchemaVersion, AnySchemaObject>> = {
  "v3.0.2": v302 as AnySchemaObject,
  "v3.1.0": v310 as AnySchemaObject,
}

const compiled = new Map<SchemaVersion, ValidateFunction>()

const validator = (version: SchemaVersion): ValidateFunction => {
  const cached = compiled.get(version)
  if (cached) return cached
  // strict: false because the official schemas use annotation keywords (examples, deprecated) Ajv's strict mode
  // refuses; verbose gives each error its schema and data, which the error mapping needs.
  const ajv = new Ajv2019.default({ allErrors: true, strict: false, verbose: true })
  addFormats.default(ajv)
  const fn = ajv.compile(ROOTS[version])
  compiled.set(version, fn)
  return fn
}

/** Validates `data` against one official schema; returns Ajv's raw errors (empty when valid). */
export const validate = (version: SchemaVersion, data: unknown): ReadonlyArray<ErrorObject> => {
  const fn = validator(version)
  return fn(data) ? [] : [...(fn.errors ?? [])]
}
