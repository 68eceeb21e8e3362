import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import { Loader } from "@floe/spec"
import * as Effect from "effect/Effect"
import { Compiler, Orchestration } from "../src/index.ts"

const example = fileURLToPath(new URL("../../../examples/customer-360", import.meta.url))

const copyExample = () => {
  const dir = mkdtempSync(join(tmpdir(), "floe-orchestration-"))
  cpSync(example, dir, {
    recursive: true,
    filter: (src) => !/[\\/](\.floe|target|node_modules)([\\/]|$)/.test(src.slice(example.length)),
  })
  return dir
}

describe("Orchestration.fromCompile", () => {
  it.effect("builds the DAG, layers, tests and schedule of customer-360 from the compile result", () =>
    Effect.gen(function* () {
      const dir = copyExample()
      try {
        const loaded = yield* Loader.loadProduct(dir)
        const product = loaded.value
        if (product === undefined) throw new Error("customer-360 must load")
        const compiled = yield* Compiler.compile(dir, { product, write: false })
        const artifacts = Orchestration.fromCompile({ dir, product, compiled })
        if (artifacts === undefined) throw new Error("expected artifacts")
        expect(artifacts.product).toMatchObject({ name: "customer-360", id: "sales.customer_360", version: "1.0.0" })
        expect(artifacts.schedule).toEqual({ cron: "0 6 * * *", timezone: "Europe/London" })
        expect(artifacts.project).toEqual({ name: "customer_360", dir: ".", manifestPath: "target/manifest.json" })
        const byName = new Map(artifacts.models.map((m) => [m.name, m]))
        expect([...byName.keys()].sort()).toEqual([
          "bronze_customers",
          "bronze_support_tickets",
          "bronze_transactions",
          "gold_customer_360",
          "raw_customers",
          "raw_support_tickets",
          "raw_transactions",
          "silver_customers",
          "silver_support_tickets",
          "silver_transactions",
        ])
        expect(byName.get("raw_customers")).toMatchObject({ resourceType: "seed", layer: "seeds", dependsOn: [] })
        expect(byName.get("bronze_customers")).toMatchObject({
          layer: "bronze",
          dependsOn: ["seed.customer_360.raw_customers"],
          path: "models/bronze/bronze_customers.sql",
        })
        const gold = byName.get("gold_customer_360")
        expect(gold?.layer).toBe("gold")
        expect(gold?.dependsOn).toEqual([
          "model.customer_360.silver_customers",
          "model.customer_360.silver_support_tickets",
          "model.customer_360.silver_transactions",
        ])
        expect(gold?.tests.map((t) => [t.kind, t.testName, t.column ?? null])).toEqual(
          expect.arrayContaining([
            ["generic", "not_null", "customer_id"],
            ["generic", "unique", "customer_id"],
            ["singular", "assert_lifetime_value_not_negative", null],
          ]),
        )
        expect(
          byName
            .get("silver_customers")
            ?.tests.map((t) => t.name)
            .sort(),
        ).toEqual([
          "not_null_silver_customers_customer_id",
          "not_null_silver_customers_email",
          "unique_silver_customers_customer_id",
        ])
        // every node comes after its parents
        const seen = new Set<string>()
        for (const m of artifacts.models) {
          for (const d of m.dependsOn) expect(seen.has(d)).toBe(true)
          seen.add(m.uniqueId)
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(NodeServices.layer)),
  )

  it.effect("writeFiles writes each file atomically under the product directory", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "floe-orchestration-"))
      try {
        const out = join(dir, ".floe/orchestration/x")
        const written = yield* Orchestration.writeFiles(out, { "a.py": "a = 1\n", "pkg/b.py": "b = 2\n" })
        expect(written).toEqual([join(dir, ".floe/orchestration/x/a.py"), join(dir, ".floe/orchestration/x/pkg/b.py")])
        expect(readFileSync(join(dir, ".floe/orchestration/x/pkg/b.py"), "utf8")).toBe("b = 2\n")
        yield* Orchestration.writeFiles(out, { "a.py": "a = 3\n" })
        expect(readFileSync(join(dir, ".floe/orchestration/x/a.py"), "utf8")).toBe("a = 3\n")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(NodeServices.layer)),
  )
})
