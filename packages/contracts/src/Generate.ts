/**
 * Generating an ODCS v3.1.0 contract from a product's output ports and the columns of the models serving them:
 * one schema object per port, named after the port's table; engine types mapped to logicalType (physicalType
 * kept); descriptions and classifications from schema YAML; not_null → required; unique → unique (and the first
 * unique, not-null column becomes the primary key); freshness and availability from the port's SLA.
 */
import { Diagnostic, Duration } from "@floe/spec"
import { toProperty } from "./EngineTypes.ts"
import { type ModelColumn, type Models, type Port, schemaObjectName, servingModel } from "./Models.ts"
import {
  CANONICAL_API_VERSION,
  type Contract,
  type SchemaObject,
  type SchemaProperty,
  type SlaProperty,
} from "./Odcs.ts"
import { durationToValueUnit } from "./Shorthand.ts"

/** The product fields a generated contract uses (a decoded floe.yaml satisfies it). */
export interface ProductInput {
  readonly metadata: {
    readonly name: string
    readonly version: string
    readonly owner: string
    readonly domain: string
    readonly description?: string | undefined
  }
  readonly output_ports?: ReadonlyArray<Port> | undefined
}

export interface Generated {
  readonly contract: Contract
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

// Columns a freshness SLA is measured on, in order of preference; else the first timestamp column.
const FRESHNESS_COLUMNS = ["updated_at", "_updated_at", "modified_at", "loaded_at", "_loaded_at", "_dbt_updated_at"]

const freshnessColumn = (properties: ReadonlyArray<SchemaProperty>): string | undefined =>
  FRESHNESS_COLUMNS.find((c) => properties.some((p) => p.name === c)) ??
  properties.find((p) => p.logicalType === "timestamp")?.name

const property = (column: ModelColumn, isPrimaryKey: boolean): SchemaProperty => {
  const p: Record<string, unknown> =
    column.type === undefined ? { name: column.name } : { ...toProperty(column.name, column.type) }
  if (column.description !== undefined) p.description = column.description
  if (column.tests?.not_null === true) p.required = true
  if (column.tests?.unique === true) p.unique = true
  if (isPrimaryKey) {
    p.primaryKey = true
    p.primaryKeyPosition = 1
  }
  if (column.classification !== undefined) p.classification = column.classification
  return p as SchemaProperty
}

/**
 * The schema object and SLA entries for one output port. Reports E514 when no columns are known for the serving
 * model and the port lists none itself (the schema object is then generated without properties).
 */
export const generatePort = (
  port: Port,
  models: Models,
): {
  readonly schemaObject: SchemaObject
  readonly sla: ReadonlyArray<SlaProperty>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
} => {
  const modelName = servingModel(port)
  const model = models[modelName]
  const table = schemaObjectName(port)
  const diagnostics: Array<Diagnostic.Diagnostic> = []
  const columns: Array<ModelColumn> = model ? [...model.columns] : []
  // Columns listed on the port in floe.yaml fill in or override what the model's schema YAML says.
  for (const pc of port.columns ?? []) {
    const i = columns.findIndex((c) => c.name === pc.name)
    const merged: Record<string, unknown> = { ...(i >= 0 ? columns[i] : { name: pc.name }) }
    for (const k of ["type", "description", "classification"] as const) if (pc[k] !== undefined) merged[k] = pc[k]
    if (i >= 0) columns[i] = merged as ModelColumn
    else columns.push(merged as ModelColumn)
  }
  if (model === undefined && (port.columns ?? []).length === 0) {
    diagnostics.push(
      Diagnostic.make(
        "FLOE-E514",
        `output port "${port.name}" is served by model ${modelName}, but no columns are known for it`,
        {},
        port.model === undefined
          ? `Create models/…/${modelName}.sql, or name the serving model with \`model:\` on the port.`
          : undefined,
      ),
    )
  }
  const pk = columns.find((c) => c.tests?.unique === true && c.tests.not_null === true)?.name
  const properties = columns.map((c) => property(c, c.name === pk))
  const description = port.description ?? model?.description
  const schemaObject: SchemaObject = {
    name: table,
    physicalName: port.table,
    physicalType: "table",
    ...(description === undefined ? {} : { description }),
    properties,
  }
  const sla: Array<SlaProperty> = []
  const freshness = port.sla?.freshness === undefined ? undefined : Duration.parseDuration(port.sla.freshness)
  if (freshness !== undefined) {
    const column = freshnessColumn(properties)
    sla.push({
      property: "freshness",
      ...durationToValueUnit(freshness),
      element: column === undefined ? table : `${table}.${column}`,
    })
  }
  const availability =
    port.sla?.availability === undefined ? undefined : Duration.parsePercentage(port.sla.availability)
  if (availability !== undefined) sla.push({ property: "availability", value: availability, unit: "%", element: table })
  return { schemaObject, sla, diagnostics }
}

/**
 * Generates the product's contract: ODCS v3.1.0, id `{domain}.{name}` (the product id), version and owner from
 * floe.yaml, one schema object per output port. Never fails; unknown models are E514 diagnostics.
 */
export const generate = (product: ProductInput, models: Models): Generated => {
  const schema: Array<SchemaObject> = []
  const slaProperties: Array<SlaProperty> = []
  const diagnostics: Array<Diagnostic.Diagnostic> = []
  for (const port of product.output_ports ?? []) {
    const g = generatePort(port, models)
    schema.push(g.schemaObject)
    slaProperties.push(...g.sla)
    diagnostics.push(...g.diagnostics)
  }
  const contract: Record<string, unknown> = {
    apiVersion: CANONICAL_API_VERSION,
    kind: "DataContract",
    // The product id rule of @floe/spec (`{domain}.{name}`, `-` → `_`), without needing a whole DataProduct.
    id: `${product.metadata.domain.replaceAll("-", "_")}.${product.metadata.name.replaceAll("-", "_")}`,
    name: product.metadata.name,
    version: product.metadata.version,
    status: "active",
    domain: product.metadata.domain,
  }
  if (product.metadata.description !== undefined) contract.description = { purpose: product.metadata.description }
  contract.team = { members: [{ username: product.metadata.owner, role: "owner" }] }
  contract.schema = schema
  if (slaProperties.length > 0) contract.slaProperties = slaProperties
  return { contract: contract as Contract, diagnostics }
}
