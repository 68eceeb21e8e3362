import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import { DuckDBCompute } from "@floe/compute-duckdb"
import * as Effect from "effect/Effect"
import { Governance, Platform, Validate } from "../src/index.ts"

const example = (name: string) => fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url))

const validate = (dir: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const compute = yield* DuckDBCompute.make({ database: "warehouse" })
      return yield* Validate.validate(dir, { compute })
    }),
  ).pipe(Effect.provide(NodeServices.layer))

const product = (files: Record<string, string>, platformRef?: string) => {
  const dir = mkdtempSync(join(tmpdir(), "floe-governance-"))
  writeFileSync(
    join(dir, "floe.yaml"),
    `apiVersion: floe.dev/v1
kind: DataProduct
metadata: {name: orders, version: "1.0.0", owner: team@example.com, domain: sales, repository: github.com/acme/orders}
${platformRef === undefined ? "" : `platform: {ref: ${platformRef}}\n`}transforms: [{type: dbt, path: models/}]
`,
  )
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

describe("floe validate stage 4 on the examples", () => {
  it.effect(
    "customer-360 passes against its enterprise and sales-domain manifests",
    () =>
      Effect.gen(function* () {
        const r = yield* validate(example("customer-360"))
        expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([])
        expect(r.passed).toBe(true)
        expect(r.stages[0]?.checks.map((c) => c.label)).toEqual([
          "Schema valid",
          "Platform resolved: sales-domain 1.1.0",
          "Inheritance: acme-enterprise 2.0.0 → sales-domain 1.1.0 → Product",
        ])
        expect(r.platform?.mode).toBe("mesh")
        expect(r.platform?.chain.map((e) => [e.name, e.version, e.scope, e.ref])).toEqual([
          ["sales-domain", "1.1.0", "domain", "platform/domain-sales.yaml"],
          ["acme-enterprise", "2.0.0", "enterprise", "enterprise.yaml"],
        ])
        for (const e of r.platform?.chain ?? []) expect(e.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
        const stage4 = r.stages[3]
        expect(stage4?.title).toBe("Checking platform compliance")
        expect(stage4?.checks.every((c) => c.passed)).toBe(true)
        expect(stage4?.checks.map((c) => c.label)).toContain("Naming conventions: medallion")
        expect(stage4?.checks.some((c) => /^Test coverage: \d+(\.\d)?% \(required: 20%\)/.test(c.label))).toBe(true)
      }),
    60_000,
  )

  it.effect(
    "governance-failures shows each governance failure with its fix",
    () =>
      Effect.gen(function* () {
        const dir = example("governance-failures")
        const r = yield* validate(dir)
        expect(r.passed).toBe(false)
        const byCode = (code: string) => r.diagnostics.filter((d) => d.code === code)
        const codes = [...new Set(r.diagnostics.map((d) => d.code))].sort()
        expect(codes).toEqual([
          "FLOE-E201",
          "FLOE-E210",
          "FLOE-E211",
          "FLOE-E221",
          "FLOE-E222",
          "FLOE-E230",
          "FLOE-E231",
          "FLOE-E240",
          "FLOE-E241",
          "FLOE-E250",
          "FLOE-E251",
          "FLOE-E712",
        ])
        for (const d of r.diagnostics) expect(d.severity).toBe("error")
        expect(byCode("FLOE-E201")).toMatchObject([
          {
            file: join(dir, "models/silver/stg_payments.sql"),
            message:
              "model stg_payments in silver/ does not follow the medallion naming convention: its name must start with silver_",
          },
        ])
        expect(byCode("FLOE-E201")[0]?.hint).toMatch(
          /^mv models\/silver\/stg_payments\.sql models\/silver\/silver_payments\.sql/,
        )
        expect(byCode("FLOE-E210")[0]?.message).toContain(
          "model gold_payments has test coverage 33.3% (1/3 columns); layer gold requires 80%. Untested: amount, customer_email",
        )
        expect(byCode("FLOE-E211")[0]?.message).toContain("the platform requires 60%")
        expect(byCode("FLOE-E211")[0]?.hint).toContain("Add column tests")
        expect(byCode("FLOE-E221")[0]?.message).toBe("model gold_payments has no description")
        expect(byCode("FLOE-E221")[0]?.hint).toContain("Add `description:`")
        expect(byCode("FLOE-E222")[0]?.message).toContain("payment_id, amount, customer_email")
        expect(byCode("FLOE-E230")[0]?.message).toContain("customer_email")
        expect(byCode("FLOE-E230")[0]?.hint).toContain("meta: {classification: pii}")
        expect(byCode("FLOE-E231")[0]?.message).toContain("classified secret")
        expect(byCode("FLOE-E240")[0]).toMatchObject({ file: join(dir, "floe.yaml"), line: 17 })
        expect(byCode("FLOE-E240")[0]?.hint).toContain("approved plugin types")
        expect(byCode("FLOE-E241")[0]?.message).toContain("sales.payments_sandbox")
        expect(byCode("FLOE-E250")[0]?.hint).toContain("output_ports")
        expect(byCode("FLOE-E251")[0]?.hint).toContain("datacontract.yaml")
        expect(byCode("FLOE-E712").map((d) => d.file)).toEqual([
          join(dir, "platform/domain-payments.yaml"),
          join(dir, "platform/domain-payments.yaml"),
        ])
        expect(byCode("FLOE-E712")[0]?.message).toContain(join(dir, "platform/enterprise.yaml"))
        expect(byCode("FLOE-E712")[0]?.hint).toContain("Remove the setting from the child manifest")
      }),
    60_000,
  )
})

describe("governance defaults and enforcement", () => {
  it.effect(
    "without a platform: simple mode, medallion naming at warn",
    () =>
      Effect.gen(function* () {
        const dir = product({
          "models/silver/stg_orders.sql": "select 1 as id\n",
          "models/gold/gold_orders.sql": "select id from {{ ref('stg_orders') }}\n",
        })
        const r = yield* validate(dir)
        expect(r.passed).toBe(true)
        expect(r.platform?.mode).toBe("simple")
        expect(r.diagnostics).toMatchObject([{ code: "FLOE-E201", severity: "warning" }])
        expect(r.diagnostics[0]?.hint).toMatch(/^mv models\/silver\/stg_orders\.sql models\/silver\/silver_orders\.sql/)
        expect(r.stages[3]?.checks[0]).toEqual({ label: "No platform: embedded defaults (simple mode)", passed: true })
      }),
    60_000,
  )

  it.effect(
    "enforcement off reports nothing; an unresolvable platform ref fails stage 1 at its line",
    () =>
      Effect.gen(function* () {
        const manifest = (enforcement: string) => `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: acme, version: "1.0.0", owner: p@example.com}
scope: enterprise
governance: {naming: {enforcement: ${enforcement}}}
`
        const off = yield* validate(
          product({ "models/silver/stg_orders.sql": "select 1 as id\n", "p.yaml": manifest("off") }, "p.yaml"),
        )
        expect(off.diagnostics).toEqual([])
        const strict = yield* validate(
          product({ "models/silver/stg_orders.sql": "select 1 as id\n", "p.yaml": manifest("strict") }, "p.yaml"),
        )
        expect(strict.diagnostics).toMatchObject([{ code: "FLOE-E201", severity: "error" }])
        expect(strict.passed).toBe(false)
        const missing = yield* validate(product({ "models/silver/silver_orders.sql": "select 1 as id\n" }, "gone.yaml"))
        expect(missing.diagnostics).toMatchObject([{ code: "FLOE-E701", line: 4 }])
        expect(missing.stages[3]?.skipped).toBe("the platform could not be resolved")
      }),
    60_000,
  )

  it("kimball and custom naming rules", () => {
    const g = (naming: Partial<Platform.EffectiveGovernance["naming"]>): Platform.EffectiveGovernance => ({
      ...Platform.DEFAULT_GOVERNANCE,
      naming: { ...Platform.DEFAULT_GOVERNANCE.naming, ...naming },
    })
    const kimball = g({ pattern: "kimball" })
    expect(Governance.namingRule(kimball, "staging")?.ok("stg_stripe__payments")).toBe(true)
    expect(Governance.namingRule(kimball, "staging")?.ok("payments")).toBe(false)
    expect(Governance.namingRule(kimball, "staging")?.suggest?.("payments")).toBe("stg_payments")
    expect(Governance.namingRule(kimball, "marts")?.ok("dim_customers")).toBe(true)
    expect(Governance.namingRule(kimball, "marts")?.ok("fct_orders")).toBe(true)
    expect(Governance.namingRule(kimball, "marts")?.ok("stg_orders")).toBe(false)
    expect(Governance.namingRule(kimball, "intermediate")?.suggest?.("stg_orders")).toBe("int_orders")
    expect(Governance.namingRule(kimball, "misc")?.ok("int_x")).toBe(true)
    const medallion = g({})
    expect(Governance.namingRule(medallion, "misc")).toBeUndefined()
    expect(Governance.namingRule(medallion, "gold")?.suggest?.("fct_orders")).toBe("gold_orders")
    const custom = g({ pattern: "custom", custom_patterns: { marts: "mart_[a-z_]+" } })
    expect(Governance.namingRule(custom, "marts")?.ok("mart_orders")).toBe(true)
    // The whole name must match.
    expect(Governance.namingRule(custom, "marts")?.ok("x_mart_orders")).toBe(false)
    expect(Governance.namingRule(custom, "staging")).toBeUndefined()
  })
})
