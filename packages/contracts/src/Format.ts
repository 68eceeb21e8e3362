/**
 * `floe contract fmt FILE --to odcs`: rewrites a contract (shorthand or ODCS) as ODCS YAML in the canonical key
 * order. Comments are not carried over: the shorthand's structure has no place to keep them.
 */
import type { Diagnostic } from "@floe/spec"
import { stringify } from "yaml"
import { lint } from "./Lint.ts"
import { isRecord } from "./Odcs.ts"
import { orderKeys } from "./Shorthand.ts"

const ROOT = [
  "apiVersion",
  "kind",
  "id",
  "name",
  "version",
  "status",
  "tenant",
  "domain",
  "dataProduct",
  "tags",
  "description",
  "servers",
  "schema",
  "support",
  "price",
  "team",
  "roles",
  "slaDefaultElement",
  "slaProperties",
  "authoritativeDefinitions",
  "customProperties",
  "contractCreatedTs",
]
const OBJECT = [
  "id",
  "name",
  "physicalName",
  "physicalType",
  "logicalType",
  "businessName",
  "description",
  "dataGranularityDescription",
  "tags",
  "properties",
]
const PROPERTY = [
  "id",
  "name",
  "physicalName",
  "logicalType",
  "physicalType",
  "logicalTypeOptions",
  "description",
  "businessName",
  "required",
  "unique",
  "primaryKey",
  "primaryKeyPosition",
  "partitioned",
  "partitionKeyPosition",
  "classification",
  "criticalDataElement",
  "tags",
  "examples",
  "items",
  "properties",
]
const SLA = ["id", "property", "value", "valueExt", "unit", "element", "driver", "description"]

const orderProperty = (p: unknown): unknown => {
  if (!isRecord(p)) return p
  const o = orderKeys(p, PROPERTY)
  if (Array.isArray(o.properties)) o.properties = o.properties.map(orderProperty)
  if (o.items !== undefined) o.items = orderProperty(o.items)
  return o
}

/** The contract value with keys in the order the ODCS documentation writes them. */
export const canonicalOrder = (contract: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const out = orderKeys(contract, ROOT)
  if (Array.isArray(out.schema))
    out.schema = out.schema.map((obj) => {
      if (!isRecord(obj)) return obj
      const o = orderKeys(obj, OBJECT)
      if (Array.isArray(o.properties)) o.properties = o.properties.map(orderProperty)
      return o
    })
  if (Array.isArray(out.slaProperties))
    out.slaProperties = out.slaProperties.map((s) => (isRecord(s) ? orderKeys(s, SLA) : s))
  return out
}

/** Serialises a contract value as block-style ODCS YAML. */
export const toYaml = (contract: Readonly<Record<string, unknown>>): string =>
  stringify(canonicalOrder(contract), { lineWidth: 0, aliasDuplicateObjects: false })

export interface Formatted {
  /** The ODCS YAML, when the contract has no errors. */
  readonly text: string | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  /** True when the output differs from the input. */
  readonly changed: boolean
}

/**
 * Lints a contract and, when it has no errors, returns it as ODCS YAML (the shorthand normalised to v3.1.0; an
 * ODCS file keeps its apiVersion and is only reordered). The shorthand warning (W508) is dropped from the result
 * since the output resolves it. Never throws.
 */
export const fmt = (input: string | Uint8Array, file = "datacontract.yaml"): Formatted => {
  const linted = lint(input, file)
  const diagnostics = linted.diagnostics.filter((d) => d.code !== "FLOE-W508")
  if (linted.contract === undefined) return { text: undefined, diagnostics, changed: false }
  const text = toYaml(linted.contract)
  const before = typeof input === "string" ? input : new TextDecoder().decode(input)
  return { text, diagnostics, changed: text !== before }
}
