/**
 * A registered contract: the effective ODCS contract of a product, where its schema objects live in the warehouse,
 * and what the host knows about the product's last run (the build time of each table and the model's tests).
 */
import type { Odcs } from "@floe/contracts"
import type { Compute } from "@floe/spec"
import * as Effect from "effect/Effect"
import type { Overrides } from "./Check.ts"

/** A test of the model behind a schema object, as the last run reported it. */
export interface TestSummary {
  readonly name: string
  readonly status: "pass" | "warn" | "fail" | "error" | "skipped"
}

export interface Target {
  readonly contract: Odcs.Contract
  /** The product id (`sales.customer_360`): the OpenLineage job namespace of violation events. */
  readonly namespace: string
  /** Schema object name → the relation that holds it. Objects missing here fall back to their `physicalName`. */
  readonly relations?: ReadonlyMap<string, Compute.Relation> | undefined
  /** The OpenLineage dataset namespace of the relations (`duckdb://warehouse`). */
  readonly datasetNamespace?: string | undefined
  /** Epoch milliseconds of the last successful build of a schema object, for freshness without an SLA column. */
  readonly lastBuild?: ((object: string) => Effect.Effect<number | undefined>) | undefined
  /** The tests of the model behind a schema object, from the last run. */
  readonly tests?: ((object: string) => Effect.Effect<ReadonlyArray<TestSummary>>) | undefined
  /** Interval and timeout overrides from the platform (the contract's own come from its customProperties). */
  readonly overrides?: Overrides | undefined
}

/** The contract's id, used as the `contract` label and in OpenLineage job names. */
export const contractId = (t: Target): string => t.contract.id

/**
 * The relation of a schema object: the host's mapping, else its `physicalName` split as `[database.]schema.table`,
 * else the object's name in `main`.
 */
export const relationOf = (t: Target, object: Odcs.SchemaObject): Compute.Relation => {
  const mapped = t.relations?.get(object.name)
  if (mapped !== undefined) return mapped
  const parts = (object.physicalName ?? object.name).split(".")
  if (parts.length >= 3) {
    const [database, schema, ...rest] = parts
    return { database, schema: schema ?? "main", identifier: rest.join(".") }
  }
  if (parts.length === 2) return { schema: parts[0] ?? "main", identifier: parts[1] ?? object.name }
  return { schema: "main", identifier: object.name }
}

/** Schema objects of the contract that are tables or views (topics and files are not monitored). */
export const tables = (t: Target): ReadonlyArray<Odcs.SchemaObject> =>
  (t.contract.schema ?? []).filter(
    (o) => o.physicalType === undefined || /^(table|view|materialized_view)$/i.test(o.physicalType),
  )

export const noTests = (): Effect.Effect<ReadonlyArray<TestSummary>> => Effect.succeed([])
