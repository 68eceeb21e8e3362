import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { describe, expect, it } from "@effect/vitest"
import { Document } from "@floe/spec"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Check, Product } from "../src/index.ts"

const manifest = (scope: string, name: string, extra: string) =>
  `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: ${name}, version: "1.0.0", owner: platform@example.com}
scope: ${scope}
${extra}`

describe("monitoring settings from the platform", () => {
  it.effect(
    "a domain manifest's check schedule replaces the enterprise's, check by check, below the contract's own",
    () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "floe-monitor-platform-"))
        writeFileSync(
          join(dir, "enterprise.yaml"),
          manifest(
            "enterprise",
            "acme",
            "governance: {data_contracts: {enforcement: warn}}\nmonitoring:\n  freshness: {interval: 5m, timeout: 10s}\n  quality: {interval: 12h}\n",
          ),
        )
        writeFileSync(
          join(dir, "domain.yaml"),
          manifest(
            "domain",
            "sales",
            "parent: {ref: enterprise.yaml}\ngovernance: {data_contracts: {enforcement: block}}\nmonitoring:\n  quality: {interval: 1h}\n",
          ),
        )
        const product = Document.decodeProduct(
          `apiVersion: floe.dev/v1
kind: DataProduct
metadata: {name: orders, version: "1.0.0", owner: team@example.com, domain: sales, repository: github.com/acme/orders}
platform: {ref: domain.yaml}
transforms: [{type: dbt, path: models/}]
`,
        ).value
        if (product === undefined) throw new Error("the product fixture must decode")
        const settings = yield* Product.settings(product, dir)
        expect(settings.mode).toBe("block")
        expect(settings.overrides).toEqual({
          freshness: { interval: "5m", timeout: "10s" },
          quality: { interval: "1h" },
        })
        const config = Check.resolveConfig(settings.overrides, undefined)
        expect(Duration.toMillis(config.freshness.interval)).toBe(5 * 60_000)
        expect(Duration.toMillis(config.freshness.timeout)).toBe(10_000)
        expect(Duration.toMillis(config.quality.interval)).toBe(60 * 60_000)
        // untouched checks keep the defaults
        expect(Duration.toMillis(config.schema.interval)).toBe(60 * 60_000)
        expect(Duration.toMillis(config.availability.interval)).toBe(5 * 60_000)
      }).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))),
  )

  it("a manifest's monitoring section refuses what is not a duration, at its line", () => {
    const r = Document.decodeManifest(manifest("enterprise", "acme", "monitoring:\n  freshness: {interval: soon}\n"))
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([["FLOE-E125", 6]])
  })
})
