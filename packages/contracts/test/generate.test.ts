import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { compatible, toLogical, toProperty } from "../src/EngineTypes.ts"
import { generate, type ProductInput } from "../src/Generate.ts"
import { lint } from "../src/Lint.ts"
import { match, merge } from "../src/Merge.ts"
import { type Models, schemaObjectName, servingModel } from "../src/Models.ts"
import type { Contract } from "../src/Odcs.ts"
import { check, validate } from "../src/Stage.ts"

const PRODUCT: ProductInput = {
  metadata: { name: "my-product", version: "1.0.0", owner: "data-team@example.com", domain: "sales" },
  output_ports: [
    { name: "customers", table: "gold.my_product.customers", sla: { freshness: "6h", availability: "99.9%" } },
  ],
}

const MODELS: Models = {
  gold_customers: {
    description: "One row per customer",
    columns: [
      { name: "customer_id", type: "VARCHAR", description: "Customer key", tests: { not_null: true, unique: true } },
      { name: "email", type: "VARCHAR", classification: "confidential", tests: { not_null: true } },
      { name: "lifetime_value", type: "DECIMAL(18,2)" },
      { name: "orders", type: "BIGINT" },
      { name: "tags", type: "VARCHAR[]" },
      { name: "address", type: "STRUCT(street VARCHAR, zip INTEGER)" },
      { name: "updated_at", type: "TIMESTAMP WITH TIME ZONE", tests: { not_null: true } },
    ],
  },
}

describe("engine types", () => {
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ["VARCHAR", "string"],
    ["INTEGER", "integer"],
    ["BIGINT", "integer"],
    ["DOUBLE", "number"],
    ["DECIMAL(18,2)", "number"],
    ["BOOLEAN", "boolean"],
    ["DATE", "date"],
    ["TIMESTAMP", "timestamp"],
    ["TIMESTAMP WITH TIME ZONE", "timestamp"],
    ["TIME", "time"],
    ["INTEGER[]", "array"],
    ["LIST(VARCHAR)", "array"],
    ["STRUCT(a INTEGER, b VARCHAR)", "object"],
    ["MAP(VARCHAR, INTEGER)", "object"],
    ["GEOMETRY", undefined],
  ]
  for (const [engine, logical] of cases) {
    it(`${engine} → ${logical ?? "unknown"}`, () => expect(toLogical(engine)?.logicalType).toBe(logical))
  }
  it("writes v3.0 timestamps as date", () => expect(toLogical("TIMESTAMP", "v3.0")?.logicalType).toBe("date"))
  it("describes list elements and struct fields", () => {
    expect(toProperty("t", "INTEGER[]")).toEqual({
      name: "t",
      logicalType: "array",
      physicalType: "INTEGER[]",
      items: { logicalType: "integer" },
    })
    const p = toProperty("a", 'STRUCT("the street" VARCHAR, zip INTEGER)')
    expect(p.properties?.map((x) => [x.name, x.logicalType, x.physicalType])).toEqual([
      ["the street", "string", "VARCHAR"],
      ["zip", "integer", "INTEGER"],
    ])
  })
  it("accepts integers for numbers but not strings for integers", () => {
    expect(compatible("number", "integer")).toBe(true)
    expect(compatible("integer", "string")).toBe(false)
  })
})

describe("generate", () => {
  it("names the serving model and the schema object after the port's table", () => {
    expect(servingModel({ table: "gold.my_product.customers" })).toBe("gold_customers")
    expect(servingModel({ table: "gold.my_product.customers", model: "dim_customers" })).toBe("dim_customers")
    expect(schemaObjectName({ table: "gold.my_product.customers" })).toBe("customers")
  })

  it("generates a valid ODCS v3.1.0 contract from the ports and model columns", () => {
    const { contract, diagnostics } = generate(PRODUCT, MODELS)
    expect(diagnostics).toEqual([])
    // The generated contract passes the official schema.
    const relinted = lint(JSON.stringify(contract))
    expect(relinted.diagnostics).toEqual([])
    expect(contract.id).toBe("sales.my_product")
    const obj = contract.schema?.[0]
    expect(obj?.name).toBe("customers")
    expect(obj?.physicalName).toBe("gold.my_product.customers")
    expect(obj?.description).toBe("One row per customer")
    const byName = new Map(obj?.properties?.map((p) => [p.name, p]))
    expect(byName.get("customer_id")).toMatchObject({
      logicalType: "string",
      physicalType: "VARCHAR",
      description: "Customer key",
      required: true,
      unique: true,
      primaryKey: true,
      primaryKeyPosition: 1,
    })
    expect(byName.get("email")).toMatchObject({ required: true, classification: "confidential" })
    expect(byName.get("email")?.primaryKey).toBeUndefined()
    expect(byName.get("lifetime_value")).toMatchObject({ logicalType: "number", physicalType: "DECIMAL(18,2)" })
    expect(byName.get("updated_at")?.logicalType).toBe("timestamp")
    expect(contract.slaProperties).toEqual([
      { property: "freshness", value: 6, unit: "h", element: "customers.updated_at" },
      { property: "availability", value: 99.9, unit: "%", element: "customers" },
    ])
  })

  it("reports E514 for a port whose model is unknown", () => {
    const r = generate({ ...PRODUCT, output_ports: [{ name: "orders", table: "gold.my_product.orders" }] }, MODELS)
    expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-E514"])
    expect(r.diagnostics[0]?.message).toMatch(/gold_orders/)
  })
})

const EXPLICIT = `apiVersion: v3.1.0
kind: DataContract
id: sales.my_product
version: 2.0.0
status: active
schema:
  - name: customers
    description: Customers, curated
    properties:
      - name: customer_id
        logicalType: string
      - name: email
        logicalType: string
        classification: public
      - name: lifetime_value
        logicalType: number
      - name: orders
        logicalType: integer
      - name: tags
        logicalType: array
      - name: address
        logicalType: object
slaProperties:
  - property: freshness
    value: 12
    unit: h
    element: customers.updated_at
`

describe("merge", () => {
  const generated = generate(PRODUCT, MODELS).contract
  const explicit = lint(EXPLICIT)

  it("lets explicit values win and completes the rest from the generated contract", () => {
    const { contract } = merge(generated, explicit.contract as Contract, explicit.locate)
    expect(contract.version).toBe("2.0.0")
    expect(contract.schema?.[0]?.description).toBe("Customers, curated")
    const id = contract.schema?.[0]?.properties?.find((p) => p.name === "customer_id")
    expect(id).toMatchObject({ physicalType: "VARCHAR", required: true, primaryKey: true })
    expect(contract.slaProperties?.map((s) => [s.property, s.value])).toEqual([
      ["freshness", 12],
      ["availability", 99.9],
    ])
  })

  it("reports a dropped column, a weaker classification and a looser SLA where the file says so", () => {
    const { diagnostics } = merge(generated, explicit.contract as Contract, explicit.locate)
    const found = diagnostics.map((d) => [d.code, d.line])
    expect(found).toContainEqual(["FLOE-W510", 9])
    expect(found).toContainEqual(["FLOE-E511", 14])
    expect(found).toContainEqual(["FLOE-E512", 25])
    expect(diagnostics.find((d) => d.code === "FLOE-W510")?.message).toMatch(/customers.updated_at/)
    expect(diagnostics.find((d) => d.code === "FLOE-E511")?.message).toMatch(/"public".*"confidential"/)
  })

  it("reports nothing when the explicit contract keeps or strengthens everything", () => {
    const strict = EXPLICIT.replace("classification: public", "classification: restricted")
      .replace("value: 12", "value: 3")
      .replace(
        "      - name: address\n        logicalType: object\n",
        "      - name: address\n        logicalType: object\n      - name: updated_at\n        logicalType: timestamp\n",
      )
    const l = lint(strict)
    expect(merge(generated, l.contract as Contract, l.locate).diagnostics).toEqual([])
  })
})

describe("match", () => {
  const ports = PRODUCT.output_ports ?? []
  it("accepts a contract that matches the ports and the model output", () => {
    expect(match(generate(PRODUCT, MODELS).contract, ports, MODELS)).toEqual([])
  })

  it("names the column, the expected and the actual type on drift", () => {
    const drifted = lint(
      EXPLICIT.replace(
        "      - name: orders\n        logicalType: integer",
        "      - name: orders\n        logicalType: string",
      ).replace("      - name: tags\n", "      - name: tag_list\n"),
    )
    const d = match(drifted.contract as Contract, ports, MODELS, drifted.locate)
    const type = d.find((x) => x.code === "FLOE-E531")
    expect(type?.message).toBe(
      "column customers.orders: expected string, actual BIGINT (integer) from model gold_customers",
    )
    expect(type?.line).toBe(18)
    const missing = d.find((x) => x.code === "FLOE-E530")
    expect(missing?.message).toMatch(
      /^column customers.tag_list: the contract expects it, but model gold_customers does not produce it/,
    )
  })

  it("reports a port without a schema object and a schema object without a port", () => {
    const other = lint(EXPLICIT.replace("  - name: customers\n", "  - name: clients\n"))
    const codes = match(other.contract as Contract, ports, MODELS, other.locate).map((d) => d.code)
    expect(codes).toEqual(["FLOE-E513", "FLOE-W515"])
  })

  it("warns when a required column has no not_null test", () => {
    const c = lint(
      EXPLICIT.replace(
        "      - name: orders\n        logicalType: integer",
        "      - name: orders\n        logicalType: integer\n        required: true",
      ),
    )
    expect(match(c.contract as Contract, ports, MODELS).map((d) => d.code)).toEqual(["FLOE-W532"])
  })
})

describe("validate stage", () => {
  it("generates the contract when there is no datacontract.yaml", () => {
    const r = check(PRODUCT, undefined, MODELS)
    expect(r.checks).toEqual([{ label: "No datacontract.yaml; contract generated from 1 output port", passed: true }])
    expect(r.hash).toMatch(/^sha256:/)
  })

  it("lints, merges and matches an explicit contract read from the product directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "floe-contracts-"))
    mkdirSync(join(dir, "models"))
    writeFileSync(join(dir, "datacontract.yaml"), EXPLICIT)
    const r = await Effect.runPromise(
      validate(dir, PRODUCT, MODELS).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))),
    )
    expect(r.checks.map((c) => [c.label.replace(dir, "DIR"), c.passed])).toEqual([
      ["DIR/datacontract.yaml valid (ODCS v3)", true],
      ["Contract matches output ports", false],
    ])
    expect(r.contract).toBeUndefined()
    expect(r.diagnostics.map((d) => d.code)).toEqual(["FLOE-W510", "FLOE-E511", "FLOE-E512"])
  })
})
