import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import type { Check } from "../src/index.ts"
import { Violations } from "../src/index.ts"
import { check, validateEvent } from "./support/openlineage.ts"

const violation: Check.Violation = {
  _tag: "Violation",
  contract: "sales.customer_360",
  version: "1.0.0",
  type: "freshness",
  severity: "error",
  message: "Data is 8.2h old, exceeding the 6h freshness SLA",
  element: "customers.updated_at",
  expected: "<= 6h",
  actual: "8.2h",
}

describe("contractViolation facet", () => {
  it("follows OpenLineage's custom-facet conventions: a RunFacet with _producer and _schemaURL", () => {
    const schema = JSON.parse(
      readFileSync(join(import.meta.dirname, "..", "schemas", "ContractViolationRunFacet.json"), "utf8"),
    )
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema")
    expect(Violations.FACET_SCHEMA_URL.startsWith(schema.$id)).toBe(true)
    expect(schema.$defs.ContractViolationRunFacet.allOf[0].$ref).toBe(
      "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunFacet",
    )
    expect(schema.properties.contractViolation.$ref).toBe("#/$defs/ContractViolationRunFacet")
    const facet = Violations.facet("https://floe.dev/floe-ts", violation)
    expect(check(Violations.FACET_SCHEMA_URL, facet, "facet")).toEqual([])
    // Without the base facet's fields, or with an unknown severity, it does not validate.
    const { _producer, ...noProducer } = facet
    expect(check(Violations.FACET_SCHEMA_URL, noProducer, "facet")).not.toEqual([])
    expect(check(Violations.FACET_SCHEMA_URL, { ...facet, severity: "fatal" }, "facet")).not.toEqual([])
  })
})

describe("FAIL events", () => {
  it("one FAIL per violation, job {contract}.{check} in the product namespace, valid against the official schemas", () => {
    const event = Violations.event(violation, {
      namespace: "sales.customer_360",
      at: Date.UTC(2026, 10, 28, 6),
      random: new Uint8Array(10).fill(7),
      dataset: { namespace: "duckdb://warehouse", name: "warehouse.gold.customers" },
    })
    expect(event.eventType).toBe("FAIL")
    expect(event.job).toMatchObject({ namespace: "sales.customer_360", name: "sales.customer_360.freshness" })
    expect(event.run.facets?.["contractViolation"]).toMatchObject({
      _producer: "https://floe.dev/floe-ts",
      _schemaURL: Violations.FACET_SCHEMA_URL,
      contract: "sales.customer_360",
      version: "1.0.0",
      type: "freshness",
      severity: "error",
      element: "customers.updated_at",
      expected: "<= 6h",
      actual: "8.2h",
    })
    expect(validateEvent(event)).toEqual([])
    const minimal = Violations.event(
      { ...violation, element: undefined, expected: undefined, actual: undefined },
      { namespace: "sales.customer_360", at: 0, random: new Uint8Array(10) },
    )
    expect(validateEvent(minimal)).toEqual([])
  })
})

describe("Grafana dashboard", () => {
  it("queries only series the monitor exports", async () => {
    const { Metrics } = await import("../src/index.ts")
    const dashboard = JSON.parse(
      readFileSync(join(import.meta.dirname, "..", "grafana", "floe-contracts.json"), "utf8"),
    )
    const exported = new Set((await Metrics.make().registry.getMetricsAsJSON()).map((m: { name: string }) => m.name))
    const used = (dashboard.panels as Array<{ targets: Array<{ expr: string }> }>).flatMap((p) =>
      p.targets.flatMap((t) => [...t.expr.matchAll(/floe_[a-z_]+/g)].map((m) => m[0].replace(/_bucket$/, ""))),
    )
    expect(used.length).toBeGreaterThan(10)
    for (const name of used) expect(exported).toContain(name)
  })
})
