import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Document, isMap, isScalar, isSeq, type Node, Scalar, stringify } from "yaml"
import { canonicalJson, hash, NotJsonError } from "../src/Canonical.ts"
import { lint } from "../src/Lint.ts"
import type { Contract } from "../src/Odcs.ts"

describe("RFC 8785 canonical JSON", () => {
  it("serialises the RFC's §3.2.2 example exactly", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    )
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    )
  })

  it("sorts keys by UTF-16 code units like the RFC's §3.2.3 example", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    // Object.keys would list "1" first (integer-like keys), so the order is read from the text itself.
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  it("writes numbers the ECMAScript way", () => {
    expect(canonicalJson([-0, 1e21, 1e-7, 0.1 + 0.2, 100, 5e-324])).toBe(
      "[0,1e+21,1e-7,0.30000000000000004,100,5e-324]",
    )
  })

  it("refuses values JSON cannot hold", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(NotJsonError)
    expect(() => canonicalJson(Number.POSITIVE_INFINITY)).toThrow(NotJsonError)
    expect(() => canonicalJson("\ud800")).toThrow(NotJsonError)
  })

  it("agrees with JSON.parse for arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)))
      }),
    )
  })
})

const CONTRACT = `apiVersion: v3.1.0
kind: DataContract
id: sales.customer_360
name: customer-360
version: 1.2.0
status: active
description:
  purpose: One row per customer.
  usage: "Analytics: churn and LTV"
tags: [gold, customers]
schema:
  - name: customers
    physicalName: gold.customer_360.customers
    physicalType: table
    properties:
      - name: customer_id
        logicalType: string
        physicalType: VARCHAR
        required: true
        primaryKey: true
        primaryKeyPosition: 1
      - name: email
        logicalType: string
        classification: confidential
        logicalTypeOptions: {format: email, maxLength: 320}
      - name: lifetime_value
        logicalType: number
        physicalType: DECIMAL(18,2)
        examples: [0, 12.5, 1000]
slaProperties:
  - {property: freshness, value: 6, unit: h, element: customers.updated_at}
  - {property: availability, value: 99.9, unit: "%"}
`

/** Rewrites a YAML document with its mapping keys shuffled and its collection and scalar styles chosen by `pick`. */
const reformat = (text: string, pick: (n: number) => number): string => {
  const doc = new Document()
  const parsed = lint(text).source?.document
  if (parsed === undefined) throw new Error("fixture does not parse")
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      node.flow = pick(2) === 0
      const items = [...node.items]
      for (let i = items.length - 1; i > 0; i--) {
        const j = pick(i + 1)
        ;[items[i], items[j]] = [items[j] as (typeof items)[number], items[i] as (typeof items)[number]]
      }
      node.items = items
      for (const p of items) {
        visit(p.key)
        visit(p.value)
      }
    } else if (isSeq(node)) {
      node.flow = pick(2) === 0
      for (const item of node.items) visit(item)
    } else if (isScalar(node) && typeof node.value === "string") {
      const styles = [Scalar.PLAIN, Scalar.QUOTE_DOUBLE, Scalar.QUOTE_SINGLE] as const
      node.type = styles[pick(3)] ?? Scalar.PLAIN
    }
  }
  doc.contents = parsed.contents as Node
  visit(doc.contents)
  return doc.toString({ lineWidth: 0 })
}

describe("contract hash", () => {
  const original = lint(CONTRACT)
  const base = original.contract as Contract

  it("is sha256 of the canonical JSON", () => {
    expect(base).toBeDefined()
    expect(hash(base)).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it("is invariant under key order and YAML formatting (flow/block, quoting)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 400, maxLength: 400 }), (choices) => {
        let k = 0
        const pick = (n: number) => (choices[k++ % choices.length] ?? 0) % n
        const text = reformat(CONTRACT, pick)
        expect(text).not.toBe(CONTRACT)
        const again = lint(text)
        expect(again.diagnostics).toEqual([])
        expect(hash(again.contract as Contract)).toBe(hash(base))
      }),
      { numRuns: 60 },
    )
  })

  it("does not change when a default is written out", () => {
    const withDefaults = CONTRACT.replace(
      "        classification: confidential\n",
      "        classification: confidential\n        required: false\n        unique: false\n",
    )
    expect(hash(lint(withDefaults).contract as Contract)).toBe(hash(base))
  })

  it("changes when the contract changes", () => {
    const changed = lint(CONTRACT.replace("maxLength: 320", "maxLength: 321")).contract as Contract
    expect(hash(changed)).not.toBe(hash(base))
    const renamed = lint(CONTRACT.replace("name: email", "name: e_mail")).contract as Contract
    expect(hash(renamed)).not.toBe(hash(base))
  })

  it("is the same for the shorthand and its fmt output", () => {
    const shorthand =
      "apiVersion: v3.0.2\nkind: DataContract\nname: x\nversion: 1.0.0\nmodels:\n  t:\n    elements:\n      id: {type: string, primaryKey: true}\n"
    const a = lint(shorthand).contract as Contract
    const b = lint(stringify(a)).contract as Contract
    expect(hash(a)).toBe(hash(b))
  })
})
