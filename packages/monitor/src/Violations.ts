/**
 * Violations as OpenLineage: one FAIL run event per violation, job `{contract}.{check}` in the product's namespace,
 * with the custom `contractViolation` run facet (schema: `schemas/ContractViolationRunFacet.json`) and the standard
 * `errorMessage` facet, and the checked table as input dataset.
 */
import { OpenLineage } from "@floe/spec"
import type { Violation } from "./Check.ts"

/** Where the facet's JSON Schema is published; the same file ships in this package under `schemas/`. */
export const FACET_SCHEMA_URL =
  "https://floe.dev/spec/facets/1-0-0/ContractViolationRunFacet.json#/$defs/ContractViolationRunFacet"

/** The `contractViolation` run facet of a violation. Absent element/expected/actual are left out. */
export const facet = (producer: string, v: Violation): OpenLineage.Facet => ({
  _producer: producer,
  _schemaURL: FACET_SCHEMA_URL,
  contract: v.contract,
  version: v.version,
  type: v.type,
  severity: v.severity,
  message: v.message,
  ...(v.element === undefined ? {} : { element: v.element }),
  ...(v.expected === undefined ? {} : { expected: v.expected }),
  ...(v.actual === undefined ? {} : { actual: v.actual }),
})

export interface EventOptions {
  readonly producer?: string | undefined
  /** The product id: the job namespace. */
  readonly namespace: string
  /** Epoch milliseconds of the check. */
  readonly at: number
  /** 10 random bytes for the run id (UUIDv7). */
  readonly random: Uint8Array
  /** The dataset the violation is about, when it names one. */
  readonly dataset?: { readonly namespace: string; readonly name: string } | undefined
}

/** The FAIL event that reports `v`. */
export const event = (v: Violation, options: EventOptions): OpenLineage.RunEvent => {
  const producer = options.producer ?? OpenLineage.DEFAULT_PRODUCER
  return {
    eventType: "FAIL",
    eventTime: new Date(options.at).toISOString(),
    producer,
    schemaURL: OpenLineage.RUN_EVENT_SCHEMA_URL,
    run: {
      runId: OpenLineage.uuidv7(options.at, options.random),
      facets: {
        contractViolation: facet(producer, v),
        errorMessage: OpenLineage.facet.errorMessage(producer, v.message, "SQL"),
      },
    },
    job: {
      namespace: options.namespace,
      name: `${v.contract}.${v.type}`,
      facets: { jobType: OpenLineage.facet.jobType(producer, "CHECK", "FLOE", "BATCH") },
    },
    inputs: options.dataset === undefined ? [] : [{ namespace: options.dataset.namespace, name: options.dataset.name }],
  }
}
