import { OpenLineage } from "@floe/spec"
import { describe, expect, it } from "vitest"
import { validateEvent } from "./support/openlineage.ts"

const P = OpenLineage.DEFAULT_PRODUCER
const { facet } = OpenLineage

const runId = (ms: number, seed = 1) => OpenLineage.uuidv7(ms, new Uint8Array(10).fill(seed))

const modelEvent = (eventType: OpenLineage.EventType): OpenLineage.RunEvent => ({
  eventType,
  eventTime: "2026-11-28T06:00:00.000Z",
  producer: P,
  schemaURL: OpenLineage.RUN_EVENT_SCHEMA_URL,
  run: {
    runId: runId(1_764_309_600_000),
    facets: {
      parent: facet.parent(P, { runId: runId(1_764_309_599_000, 2), namespace: "sales", name: "customer_360" }),
      ...(eventType === "FAIL" ? { errorMessage: facet.errorMessage(P, "Binder Error: column x not found") } : {}),
    },
  },
  job: {
    namespace: "sales",
    name: "customer_360.gold_customers",
    facets: {
      jobType: facet.jobType(P, "MODEL"),
      sql: facet.sql(P, "select 1 as id", "duckdb"),
    },
  },
  inputs: [
    {
      namespace: "duckdb://warehouse",
      name: "warehouse.main.silver_customers",
      inputFacets: {
        dataQualityAssertions: facet.dataQualityAssertions(P, [
          { assertion: "not_null", column: "id", success: true },
          { assertion: "unique", column: "id", success: false, severity: "error", actual: "3", expected: "0" },
        ]),
      },
    },
  ],
  outputs: [
    {
      namespace: "duckdb://warehouse",
      name: "warehouse.main.gold_customers",
      facets: {
        schema: facet.schema(P, [
          { name: "id", type: "INTEGER", description: "the key" },
          { name: "name", type: "VARCHAR" },
        ]),
      },
      outputFacets: { outputStatistics: facet.outputStatistics(P, 500) },
    },
  ],
})

describe("OpenLineage events", () => {
  it.each(["START", "COMPLETE", "FAIL"] as const)("a %s event with every facet Floe emits validates", (type) => {
    expect(validateEvent(modelEvent(type))).toEqual([])
  })

  it("the validator rejects what the spec forbids", () => {
    const event = modelEvent("COMPLETE")
    const { _producer: _, ...withoutProducer } = facet.sql(P, "select 1")
    const broken = { ...event, job: { ...event.job, facets: { sql: withoutProducer as OpenLineage.Facet } } }
    expect(validateEvent(broken).join("\n")).toMatch(/_producer/)
    expect(validateEvent({ ...event, eventTime: "yesterday" }).join("\n")).toMatch(/date-time/)
    expect(validateEvent({ ...event, run: { runId: "not-a-uuid" } }).join("\n")).toMatch(/uuid/)
  })

  it("numbers schema fields from 1 and omits absent descriptions", () => {
    const f = facet.schema(P, [{ name: "a", type: "INTEGER" }, { name: "b" }])
    expect(f.fields).toEqual([
      { name: "a", type: "INTEGER", ordinal_position: 1 },
      { name: "b", ordinal_position: 2 },
    ])
  })
})

describe("uuidv7", () => {
  it("has version 7, the RFC variant and sorts by time", () => {
    const a = runId(1_000, 255)
    const b = runId(2_000, 0)
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(b).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(a < b).toBe(true)
    expect(a.slice(0, 13)).toBe("00000000-03e8")
  })
})
