import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { fmt } from "../src/Format.ts"
import { lint } from "../src/Lint.ts"
import { isShorthand } from "../src/Shorthand.ts"

// The lifecycle guide's shorthand as NOTES.md §3 quotes it: a `models` map with `elements`, `slaProperties` as a map.
const GUIDE = `apiVersion: v3.0.2
kind: DataContract
name: sales-customers
version: 1.0.0
models:
  customers:
    elements:
      customer_id:
        type: string
        primaryKey: true
      email:
        type: string
        format: email
        classification: pii
      updated_at:
        type: timestamp
slaProperties:
  freshness:
    value: "PT6H"
    element: updated_at
`

describe("the guide's shorthand", () => {
  it("is recognised; ODCS is not", () => {
    expect(isShorthand(parse(GUIDE))).toBe(true)
    expect(isShorthand({ apiVersion: "v3.1.0", schema: [], slaProperties: [] })).toBe(false)
  })

  it("normalises to ODCS v3.1.0 without errors, warning once with the canonical form", () => {
    const r = lint(GUIDE, "datacontract.yaml")
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["FLOE-W508", 5, 1]])
    expect(r.diagnostics[0]?.message).toMatch(/property: freshness, value: 6, unit: h, element: customers.updated_at/)
    expect(r.diagnostics[0]?.hint).toMatch(/floe contract fmt datacontract.yaml --to odcs/)
    expect(r.contract).toMatchObject({
      apiVersion: "v3.1.0",
      kind: "DataContract",
      id: "sales-customers",
      status: "active",
      schema: [
        {
          name: "customers",
          physicalType: "table",
          properties: [
            { name: "customer_id", logicalType: "string", primaryKey: true, primaryKeyPosition: 1, required: true },
            { name: "email", logicalType: "string", classification: "pii", logicalTypeOptions: { format: "email" } },
            { name: "updated_at", logicalType: "timestamp" },
          ],
        },
      ],
      slaProperties: [{ property: "freshness", value: 6, unit: "h", element: "customers.updated_at" }],
    })
  })

  it("reads the guide's fuller example (owner, team, terms, links, enum, quality SLAs)", () => {
    const full = `apiVersion: v3.0.2
kind: DataContract
name: ecommerce-orders
version: 3.2.1
owner: commerce-analytics@acme.com
domain: commerce
team: Commerce Data Team
description: |
  Order data from the e-commerce platform.
status: active
models:
  orders:
    description: E-commerce order records
    elements:
      order_id: {type: string, required: true, primaryKey: true, unique: true, format: uuid}
      status: {type: string, required: true, enum: [pending, shipped]}
      total_amount: {type: decimal, required: true}
      quantity: {type: int}
slaProperties:
  freshness: {value: "PT15M", element: order_date}
  availability: {value: "99.95%"}
  quality: {completeness: "99.9%"}
terms:
  usage: "Analytics and reporting"
  retention: "3 years"
tags: [orders]
links:
  documentation: https://wiki.acme.com/data/orders
`
    const r = lint(full)
    expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-W508"])
    const c = r.contract
    expect(c?.team).toEqual({
      name: "Commerce Data Team",
      members: [{ username: "commerce-analytics@acme.com", role: "owner" }],
    })
    expect(c?.description).toMatchObject({
      purpose: "Order data from the e-commerce platform.\n",
      usage: "Analytics and reporting",
    })
    expect(c?.authoritativeDefinitions).toEqual([{ type: "documentation", url: "https://wiki.acme.com/data/orders" }])
    const props = c?.schema?.[0]?.properties ?? []
    expect(props.find((p) => p.name === "total_amount")).toMatchObject({
      logicalType: "number",
      physicalType: "decimal",
    })
    expect(props.find((p) => p.name === "quantity")).toMatchObject({ logicalType: "integer", physicalType: "int" })
    expect(props.find((p) => p.name === "status")?.quality?.[0]).toMatchObject({
      metric: "invalidValues",
      arguments: { validValues: ["pending", "shipped"] },
    })
    expect(c?.slaProperties).toEqual([
      // One model: an unqualified element belongs to it.
      { property: "freshness", value: 15, unit: "m", element: "orders.order_date" },
      { property: "availability", value: 99.95, unit: "%" },
      { property: "completeness", value: 99.9, unit: "%" },
    ])
  })
})

describe("fmt --to odcs", () => {
  it("rewrites the shorthand as ODCS that lints clean and keeps the same content", () => {
    const out = fmt(GUIDE)
    expect(out.diagnostics).toEqual([])
    expect(out.changed).toBe(true)
    const text = out.text ?? ""
    expect(text.startsWith("apiVersion: v3.1.0\nkind: DataContract\nid: sales-customers\n")).toBe(true)
    const again = lint(text)
    expect(again.diagnostics).toEqual([])
    expect(again.contract).toEqual(lint(GUIDE).contract)
    // Formatting ODCS output again is stable.
    expect(fmt(text).text).toBe(text)
  })

  it("refuses to rewrite a contract with errors", () => {
    const out = fmt(GUIDE.replace("type: timestamp", "type: strng"))
    expect(out.text).toBeUndefined()
    expect(out.diagnostics.map((d) => d.code)).toEqual(["FLOE-E504"])
  })
})
