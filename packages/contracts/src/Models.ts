/**
 * What Floe knows about the models that serve output ports: each model's output columns with their engine type,
 * description, `meta.classification` and which not_null / unique tests cover them. The compiler fills this in from
 * the dbt project (schema YAML + the engine's description of each model's query); tests and embedders can write
 * it by hand. It is the only input `Generate` and `Match` need besides floe.yaml.
 */
import { z } from "zod"

export const ModelColumn = z.strictObject({
  /** The column name as the model produces it. */
  name: z.string().min(1),
  /** The engine type, e.g. DuckDB's `VARCHAR`, `DECIMAL(18,2)`, `TIMESTAMP WITH TIME ZONE`, `INTEGER[]`. */
  type: z.string().optional(),
  /** From the model's schema YAML. */
  description: z.string().optional(),
  /** From the column's `meta.classification` in schema YAML. */
  classification: z.string().optional(),
  /** Which generic tests cover the column. */
  tests: z.strictObject({ not_null: z.boolean().optional(), unique: z.boolean().optional() }).optional(),
})
export type ModelColumn = z.output<typeof ModelColumn>

export const ModelOutput = z.strictObject({
  description: z.string().optional(),
  columns: z.array(ModelColumn),
})
export type ModelOutput = z.output<typeof ModelOutput>

/** Model name (e.g. `gold_customers`) → its output. */
export const Models = z.record(z.string(), ModelOutput)
export type Models = z.output<typeof Models>

/** The parts of an output port that contracts use (structurally a `@floe/spec` DataProduct output port). */
export interface Port {
  readonly name: string
  readonly table: string
  readonly model?: string | undefined
  readonly description?: string | undefined
  readonly sla?: { readonly freshness?: string | undefined; readonly availability?: string | undefined } | undefined
  readonly columns?:
    | ReadonlyArray<{
        readonly name: string
        readonly type?: string | undefined
        readonly description?: string | undefined
        readonly classification?: string | undefined
      }>
    | undefined
}

/**
 * The model that serves a port: its `model:` when given, else the table's layer prefix plus its last part
 * (`gold.my_product.customers` → `gold_customers`).
 */
export const servingModel = (port: Pick<Port, "table" | "model">): string => {
  if (port.model !== undefined) return port.model
  const parts = port.table.split(".")
  return parts.length > 1 ? `${parts[0]}_${parts[parts.length - 1]}` : port.table
}

/** The contract schema object of a port: named after the last part of its table (`customers`). */
export const schemaObjectName = (port: Pick<Port, "table">): string => port.table.split(".").pop() ?? port.table
