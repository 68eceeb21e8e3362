import { describe, expect, it } from "vitest"
import { bumpOf, diff, gate, type Level } from "../src/Diff.ts"
import { lint } from "../src/Lint.ts"
import type { Contract } from "../src/Odcs.ts"

type Mutable = Record<string, unknown> & {
  schema: Array<Record<string, unknown> & { properties: Array<Record<string, unknown>> }>
  slaProperties: Array<Record<string, unknown>>
}

const BASE = `apiVersion: v3.1.0
kind: DataContract
id: sales.customer_360
version: 1.0.0
status: active
description: {purpose: Customers}
tags: [gold]
schema:
  - name: customers
    description: One row per customer
    properties:
      - {name: customer_id, logicalType: string, physicalType: VARCHAR, required: true, primaryKey: true, primaryKeyPosition: 1}
      - {name: email, logicalType: string, classification: confidential, logicalTypeOptions: {maxLength: 320}}
      - {name: age, logicalType: integer, logicalTypeOptions: {minimum: 0, maximum: 150}}
      - name: segment
        logicalType: string
        description: Customer segment
        examples: [smb]
        tags: [marketing]
        quality:
          - {metric: invalidValues, arguments: {validValues: [smb, enterprise]}, mustBe: 0}
      - {name: nickname, logicalType: string, required: false}
    quality:
      - {name: rows, metric: rowCount, mustBeGreaterThan: 0}
slaProperties:
  - {property: freshness, value: 6, unit: h, element: customers.updated_at}
  - {property: availability, value: 99.9, unit: "%"}
`

const base = (): Mutable => {
  const c = lint(BASE).contract
  if (c === undefined) throw new Error("base contract does not lint")
  return structuredClone(c) as unknown as Mutable
}
const col = (c: Mutable, name: string) => {
  const p = c.schema[0]?.properties.find((x) => x.name === name)
  if (p === undefined) throw new Error(name)
  return p
}
const opts = (c: Mutable, name: string) => col(c, name).logicalTypeOptions as Record<string, unknown>

const CASES: ReadonlyArray<readonly [string, Level, string, (c: Mutable) => void]> = [
  ["remove a column", "major", "column-removed", (c) => void c.schema[0]?.properties.splice(1, 1)],
  [
    "change a logical type",
    "major",
    "type-changed",
    (c) => {
      col(c, "age").logicalType = "string"
    },
  ],
  [
    "change a physical type",
    "major",
    "type-changed",
    (c) => {
      col(c, "customer_id").physicalType = "UUID"
    },
  ],
  [
    "add a required column",
    "major",
    "required-column-added",
    (c) => void c.schema[0]?.properties.push({ name: "country", logicalType: "string", required: true }),
  ],
  [
    "add a primary-key column",
    "major",
    "required-column-added",
    (c) => void c.schema[0]?.properties.push({ name: "tenant", logicalType: "string", primaryKey: true }),
  ],
  [
    "make an optional column required",
    "major",
    "optional-to-required",
    (c) => {
      col(c, "nickname").required = true
    },
  ],
  [
    "narrow an enum",
    "major",
    "enum-narrowed",
    (c) => {
      ;((col(c, "segment").quality as Array<Record<string, unknown>>)[0] as Record<string, unknown>).arguments = {
        validValues: ["smb"],
      }
    },
  ],
  [
    "lower a maxLength",
    "major",
    "bound-narrowed",
    (c) => {
      opts(c, "email").maxLength = 100
    },
  ],
  [
    "raise a minimum",
    "major",
    "bound-narrowed",
    (c) => {
      opts(c, "age").minimum = 18
    },
  ],
  [
    "add a bound",
    "major",
    "bound-added",
    (c) => {
      opts(c, "email").minLength = 3
    },
  ],
  [
    "add a pattern",
    "major",
    "constraint-changed",
    (c) => {
      opts(c, "email").pattern = "^.+@.+$"
    },
  ],
  ["remove a classification", "major", "classification-removed", (c) => void delete col(c, "email").classification],
  [
    "lower a classification",
    "major",
    "classification-lowered",
    (c) => {
      col(c, "email").classification = "internal"
    },
  ],
  ["remove an SLA", "major", "sla-removed", (c) => void c.slaProperties.splice(0, 1)],
  [
    "loosen the freshness SLA",
    "major",
    "sla-loosened",
    (c) => {
      ;(c.slaProperties[0] as Record<string, unknown>).value = 12
    },
  ],
  [
    "loosen availability",
    "major",
    "sla-loosened",
    (c) => {
      ;(c.slaProperties[1] as Record<string, unknown>).value = 99
    },
  ],
  ["remove a schema object", "major", "table-removed", (c) => void c.schema.splice(0, 1)],
  [
    "remove a quality rule",
    "major",
    "quality-removed",
    (c) => void delete (c.schema[0] as Record<string, unknown>).quality,
  ],
  [
    "make a column unique",
    "major",
    "unique-added",
    (c) => {
      col(c, "email").unique = true
    },
  ],
  [
    "change the contract id",
    "major",
    "id-changed",
    (c) => {
      c.id = "sales.customers"
    },
  ],
  [
    "add an optional column",
    "minor",
    "optional-column-added",
    (c) => void c.schema[0]?.properties.push({ name: "phone", logicalType: "string" }),
  ],
  [
    "relax nullability",
    "minor",
    "nullability-relaxed",
    (c) => {
      col(c, "customer_id").required = false
    },
  ],
  [
    "add an SLA",
    "minor",
    "sla-added",
    (c) => void c.slaProperties.push({ property: "retention", value: 3, unit: "y" }),
  ],
  [
    "add a quality rule",
    "minor",
    "quality-added",
    (c) => {
      col(c, "email").quality = [{ metric: "nullValues", mustBe: 0 }]
    },
  ],
  [
    "widen an enum",
    "minor",
    "enum-widened",
    (c) => {
      ;((col(c, "segment").quality as Array<Record<string, unknown>>)[0] as Record<string, unknown>).arguments = {
        validValues: ["smb", "enterprise", "consumer"],
      }
    },
  ],
  [
    "raise a maxLength",
    "minor",
    "bound-widened",
    (c) => {
      opts(c, "email").maxLength = 500
    },
  ],
  [
    "tighten the freshness SLA",
    "minor",
    "sla-tightened",
    (c) => {
      ;(c.slaProperties[0] as Record<string, unknown>).value = 3
    },
  ],
  ["add a schema object", "minor", "table-added", (c) => void c.schema.push({ name: "orders", properties: [] })],
  [
    "raise a classification",
    "minor",
    "classification-raised",
    (c) => {
      col(c, "email").classification = "restricted"
    },
  ],
  [
    "change a column description",
    "patch",
    "description-changed",
    (c) => {
      col(c, "segment").description = "The customer's segment"
    },
  ],
  [
    "change column tags",
    "patch",
    "tags-changed",
    (c) => {
      col(c, "segment").tags = ["marketing", "crm"]
    },
  ],
  [
    "change column examples",
    "patch",
    "examples-changed",
    (c) => {
      col(c, "segment").examples = ["enterprise"]
    },
  ],
  [
    "change a schema object description",
    "patch",
    "description-changed",
    (c) => {
      ;(c.schema[0] as Record<string, unknown>).description = "Customers"
    },
  ],
  [
    "change contract tags",
    "patch",
    "tags-changed",
    (c) => {
      c.tags = ["gold", "pii"]
    },
  ],
  [
    "change the contract description",
    "patch",
    "description-changed",
    (c) => {
      c.description = { purpose: "All customers" }
    },
  ],
  ["reorder columns", "patch", "none", (c) => void c.schema[0]?.properties.reverse()],
]

describe("change classification", () => {
  it("has at least 30 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30)
  })
  for (const [name, level, kind, mutate] of CASES) {
    it(`${name} → ${kind === "none" ? "no change" : level}`, () => {
      const before = base()
      const after = base()
      mutate(after)
      const r = diff(before as unknown as Contract, after as unknown as Contract)
      if (kind === "none") {
        expect(r.changes).toEqual([])
        expect(r.requiredBump).toBe("none")
        return
      }
      expect(r.changes.map((x) => [x.level, x.kind])).toContainEqual([level, kind])
      expect(r.requiredBump).toBe(level)
    })
  }

  it("reports nothing for identical contracts", () => {
    expect(diff(base() as unknown as Contract, base() as unknown as Contract)).toEqual({
      changes: [],
      requiredBump: "none",
    })
  })
})

describe("semver gate", () => {
  const versions = (before: string, after: string, mutate: (c: Mutable) => void) => {
    const a = base()
    const b = base()
    a.version = before
    b.version = after
    mutate(b)
    return gate(a as unknown as Contract, b as unknown as Contract, { file: "datacontract.yaml" })
  }
  const removeColumn = (c: Mutable) => void c.schema[0]?.properties.splice(1, 1)
  const addOptional = (c: Mutable) => void c.schema[0]?.properties.push({ name: "phone", logicalType: "string" })
  const describeIt = (c: Mutable) => {
    col(c, "segment").description = "Segment"
  }

  it("needs a major bump for a breaking change (E520) and lists the change", () => {
    const r = versions("1.0.0", "1.1.0", removeColumn)
    expect(r.passed).toBe(false)
    expect(r.requiredBump).toBe("major")
    expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-E520"])
    expect(r.diagnostics[0]?.message).toMatch(/column customers.email removed/)
    expect(versions("1.0.0", "2.0.0", removeColumn).passed).toBe(true)
  })

  it("needs a minor bump for an addition (E521)", () => {
    const r = versions("1.0.0", "1.0.1", addOptional)
    expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-E521"])
    expect(r.diagnostics[0]?.message).toMatch(/optional column customers.phone added/)
    expect(versions("1.0.0", "1.1.0", addOptional).passed).toBe(true)
    expect(versions("1.4.2", "2.0.0", addOptional).passed).toBe(true)
  })

  it("needs a patch bump for a description change (E522)", () => {
    expect(versions("1.0.0", "1.0.0", describeIt).diagnostics.map((d) => d.code)).toEqual(["FLOE-E522"])
    expect(versions("1.0.0", "1.0.1", describeIt).passed).toBe(true)
  })

  it("passes an unchanged contract at the same version", () => {
    expect(versions("1.0.0", "1.0.0", () => undefined).passed).toBe(true)
  })

  it("reports E523 for a version that is not semver", () => {
    expect(versions("1.0", "2.0.0", removeColumn).diagnostics.map((d) => d.code)).toEqual(["FLOE-E523"])
  })

  it("computes bumps", () => {
    expect(bumpOf("1.2.3", "2.0.0")).toBe("major")
    expect(bumpOf("1.2.3", "1.3.0")).toBe("minor")
    expect(bumpOf("1.2.3", "1.2.4")).toBe("patch")
    expect(bumpOf("1.2.3", "1.2.3")).toBe("none")
    expect(bumpOf("2.0.0", "1.9.9")).toBe("none")
    expect(bumpOf("x", "1.0.0")).toBeUndefined()
  })
})
