/**
 * OpenLineage (spec 2-0-2) run events and the facets Floe emits, as types and pure builders; and the
 * `LineageTransport` interface that carries events somewhere (console, file, HTTP — implemented in @floe/runtime).
 * Every facet carries `_producer` and `_schemaURL` as the spec requires.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"

export const SPEC_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
export const RUN_EVENT_SCHEMA_URL = `${SPEC_URL}#/$defs/RunEvent`
/** The producer URI Floe writes into events and facets unless a host sets its own. */
export const DEFAULT_PRODUCER = "https://floe.dev/floe-ts"

export type EventType = "START" | "RUNNING" | "COMPLETE" | "ABORT" | "FAIL" | "OTHER"

export interface Facet {
  readonly _producer: string
  readonly _schemaURL: string
  readonly [key: string]: unknown
}

export type Facets = Readonly<Record<string, Facet>>

export interface Dataset {
  readonly namespace: string
  readonly name: string
  readonly facets?: Facets
}

export interface InputDataset extends Dataset {
  readonly inputFacets?: Facets
}

export interface OutputDataset extends Dataset {
  readonly outputFacets?: Facets
}

export interface RunEvent {
  readonly eventType: EventType
  readonly eventTime: string
  readonly producer: string
  readonly schemaURL: string
  readonly run: { readonly runId: string; readonly facets?: Facets }
  readonly job: { readonly namespace: string; readonly name: string; readonly facets?: Facets }
  readonly inputs?: ReadonlyArray<InputDataset>
  readonly outputs?: ReadonlyArray<OutputDataset>
}

const facetUrl = (version: string, name: string) =>
  `https://openlineage.io/spec/facets/${version}/${name}.json#/$defs/${name}`

/** The facet schema each builder below targets, by facet key. */
export const FACET_SCHEMAS = {
  schema: facetUrl("1-2-0", "SchemaDatasetFacet"),
  sql: facetUrl("1-1-0", "SQLJobFacet"),
  jobType: facetUrl("2-0-4", "JobTypeJobFacet"),
  errorMessage: facetUrl("1-0-1", "ErrorMessageRunFacet"),
  parent: facetUrl("1-2-0", "ParentRunFacet"),
  dataQualityAssertions: facetUrl("1-1-0", "DataQualityAssertionsDatasetFacet"),
  outputStatistics: facetUrl("1-0-2", "OutputStatisticsOutputDatasetFacet"),
  symlinks: facetUrl("1-0-1", "SymlinksDatasetFacet"),
} as const

export interface SchemaField {
  readonly name: string
  readonly type?: string | undefined
  readonly description?: string | undefined
}

const drop = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

/** Builders of the facets Floe emits; each takes the producer URI first. */
export const facet = {
  schema: (producer: string, fields: ReadonlyArray<SchemaField>): Facet => ({
    _producer: producer,
    _schemaURL: FACET_SCHEMAS.schema,
    fields: fields.map((f, i) =>
      drop({ name: f.name, type: f.type, description: f.description, ordinal_position: i + 1 }),
    ),
  }),
  sql: (producer: string, query: string, dialect?: string): Facet =>
    drop({ _producer: producer, _schemaURL: FACET_SCHEMAS.sql, query, dialect }),
  jobType: (producer: string, jobType: string, integration = "FLOE", processingType = "BATCH"): Facet => ({
    _producer: producer,
    _schemaURL: FACET_SCHEMAS.jobType,
    processingType,
    integration,
    jobType,
  }),
  errorMessage: (producer: string, message: string, programmingLanguage = "SQL", stackTrace?: string): Facet =>
    drop({ _producer: producer, _schemaURL: FACET_SCHEMAS.errorMessage, message, programmingLanguage, stackTrace }),
  parent: (
    producer: string,
    parent: { readonly runId: string; readonly namespace: string; readonly name: string },
    root?: { readonly runId: string; readonly namespace: string; readonly name: string },
  ): Facet =>
    drop({
      _producer: producer,
      _schemaURL: FACET_SCHEMAS.parent,
      run: { runId: parent.runId },
      job: { namespace: parent.namespace, name: parent.name },
      root: root ? { run: { runId: root.runId }, job: { namespace: root.namespace, name: root.name } } : undefined,
    }),
  dataQualityAssertions: (
    producer: string,
    assertions: ReadonlyArray<{
      readonly assertion: string
      readonly success: boolean
      readonly column?: string | undefined
      readonly severity?: string | undefined
      readonly name?: string | undefined
      readonly actual?: string | undefined
      readonly expected?: string | undefined
    }>,
  ): Facet => ({
    _producer: producer,
    _schemaURL: FACET_SCHEMAS.dataQualityAssertions,
    assertions: assertions.map((a) => drop({ ...a })),
  }),
  outputStatistics: (producer: string, rowCount: number, size?: number, fileCount?: number): Facet =>
    drop({ _producer: producer, _schemaURL: FACET_SCHEMAS.outputStatistics, rowCount, size, fileCount }),
  /** Other names of the same dataset, e.g. an Iceberg table's catalog name beside its location. */
  symlinks: (
    producer: string,
    identifiers: ReadonlyArray<{ readonly namespace: string; readonly name: string; readonly type: string }>,
  ): Facet => ({
    _producer: producer,
    _schemaURL: FACET_SCHEMAS.symlinks,
    identifiers: identifiers.map((i) => ({ namespace: i.namespace, name: i.name, type: i.type })),
  }),
}

/**
 * A UUIDv7 (time-ordered, as OpenLineage recommends for run ids) from a millisecond timestamp and 10 random bytes.
 * The caller supplies both so code under test controls them (Effect's Clock and Random).
 */
export const uuidv7 = (epochMillis: number, random: Uint8Array): string => {
  const b = new Uint8Array(16)
  let ms = BigInt(Math.max(0, Math.floor(epochMillis)))
  for (let i = 5; i >= 0; i--) {
    b[i] = Number(ms & 0xffn)
    ms >>= 8n
  }
  for (let i = 6; i < 16; i++) b[i] = random[i - 6] ?? 0
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export type LineageErrorReason = "Connection" | "Timeout" | "Rejected" | "Io"

/** The one error of lineage transports. `Rejected` (a 4xx other than 429) is not retried; the rest are. */
export class LineageError extends Data.TaggedError("LineageError")<{
  readonly reason: LineageErrorReason
  readonly message: string
  readonly cause?: unknown
}> {
  get isRetryable(): boolean {
    return this.reason !== "Rejected"
  }
}

export interface LineageTransportShape {
  readonly emit: (event: RunEvent) => Effect.Effect<void, LineageError>
}

/** Where lineage events go. Adapters: console, file (NDJSON), HTTP (an OpenLineage endpoint). */
export class LineageTransport extends Context.Service<LineageTransport, LineageTransportShape>()(
  "@floe/spec/LineageTransport",
) {}
