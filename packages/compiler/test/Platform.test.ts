import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import { PlatformRef, PlatformSource } from "@floe/spec"
import * as Effect from "effect/Effect"
import { Platform } from "../src/index.ts"

const ENTERPRISE = `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: acme, version: "2.0.0", owner: platform@example.com}
scope: enterprise
plugins:
  compute: {type: duckdb}
governance:
  naming: {enforcement: strict, pattern: medallion}
  quality_gates: {enforcement: warn, minimum_test_coverage: 60, layer_thresholds: {gold: 80}, require_descriptions: true}
  classification: {enforcement: warn, pii_patterns: ["email"], require_classification: true}
  data_contracts: {enforcement: block, required: true}
approved_plugins:
  compute: [duckdb, postgres]
approved_products: ["sales.*"]
`

const domain = (body: string, parent = "enterprise.yaml") => `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: sales, version: "1.0.0", owner: sales@example.com}
scope: domain
parent: {ref: ${parent}}
${body}`

const workspace = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), "floe-platform-"))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

const resolve = (ref: string, dir: string, options: Partial<Platform.ResolveOptions> = {}) =>
  Platform.resolve(ref, {
    baseDir: dir,
    location: { file: join(dir, "floe.yaml"), line: 5, column: 8 },
    ...options,
  }).pipe(Effect.provide(NodeServices.layer))

const codes = (r: Platform.Resolution) => r.diagnostics.map((d) => d.code)

describe("Platform.resolve", () => {
  it.effect("resolves Enterprise → Domain and records the chain with digests", () =>
    Effect.gen(function* () {
      const dir = workspace({
        "platform/enterprise.yaml": ENTERPRISE,
        "platform/domain.yaml": domain(
          "governance:\n  quality_gates: {enforcement: strict, minimum_test_coverage: 70}\napproved_plugins: {compute: [duckdb]}\n",
        ),
      })
      const r = yield* resolve("platform/domain.yaml", dir)
      expect(r.diagnostics).toEqual([])
      const p = r.platform
      expect(p?.mode).toBe("mesh")
      const digest = (f: string) =>
        `sha256:${createHash("sha256")
          .update(readFileSync(join(dir, f)))
          .digest("hex")}`
      expect(p?.chain).toEqual([
        {
          name: "sales",
          version: "1.0.0",
          scope: "domain",
          ref: "platform/domain.yaml",
          resolved: join(dir, "platform/domain.yaml"),
          digest: digest("platform/domain.yaml"),
          file: join(dir, "platform/domain.yaml"),
        },
        {
          name: "acme",
          version: "2.0.0",
          scope: "enterprise",
          ref: "enterprise.yaml",
          resolved: join(dir, "platform/enterprise.yaml"),
          digest: digest("platform/enterprise.yaml"),
          file: join(dir, "platform/enterprise.yaml"),
        },
      ])
      expect(Platform.describeChain(p ?? Platform.SIMPLE)).toBe("acme 2.0.0 → sales 1.0.0 → Product")
      // The child strengthened what it wrote and inherited the rest.
      expect(p?.governance.quality_gates).toEqual({
        enforcement: "strict",
        minimum_test_coverage: 70,
        layer_thresholds: { gold: 80 },
        require_descriptions: true,
      })
      expect(p?.governance.naming.enforcement).toBe("strict")
      expect(p?.approvedPlugins.compute).toEqual(["duckdb"])
      expect(p?.plugins.compute?.type).toBe("duckdb")
    }),
  )

  it.effect("an enterprise manifest alone is centralized mode", () =>
    Effect.gen(function* () {
      const dir = workspace({ "enterprise.yaml": ENTERPRISE })
      const r = yield* resolve("enterprise.yaml", dir)
      expect(r.platform?.mode).toBe("centralized")
      expect(r.platform?.chain.map((e) => e.scope)).toEqual(["enterprise"])
    }),
  )

  it.effect("reports every weakening, naming both files, and keeps the parent's rule", () =>
    Effect.gen(function* () {
      const dir = workspace({
        "enterprise.yaml": ENTERPRISE,
        "domain.yaml": domain(`governance:
  naming: {enforcement: warn, pattern: kimball}
  quality_gates: {enforcement: off, minimum_test_coverage: 40, layer_thresholds: {gold: 50, silver: 30}, require_descriptions: false}
  classification: {enforcement: off, pii_patterns: ["phone"], require_classification: false}
  data_contracts: {enforcement: alert_only, required: false}
approved_plugins: {compute: [duckdb, spark]}
approved_products: ["sales.orders", "finance.*"]
`),
      })
      const r = yield* resolve("domain.yaml", dir)
      const weak = r.diagnostics.filter((d) => d.code === "FLOE-E712")
      expect(weak.map((d) => d.message.split(":")[0])).toEqual([
        `${join(dir, "domain.yaml")} weakens governance.naming.enforcement`,
        `${join(dir, "domain.yaml")} weakens governance.naming.pattern`,
        `${join(dir, "domain.yaml")} weakens governance.quality_gates.enforcement`,
        `${join(dir, "domain.yaml")} weakens governance.quality_gates.minimum_test_coverage`,
        `${join(dir, "domain.yaml")} weakens governance.quality_gates.layer_thresholds.gold`,
        `${join(dir, "domain.yaml")} weakens governance.quality_gates.require_descriptions`,
        `${join(dir, "domain.yaml")} weakens governance.classification.enforcement`,
        `${join(dir, "domain.yaml")} weakens governance.classification.pii_patterns`,
        `${join(dir, "domain.yaml")} weakens governance.classification.require_classification`,
        `${join(dir, "domain.yaml")} weakens governance.data_contracts.enforcement`,
        `${join(dir, "domain.yaml")} weakens governance.data_contracts.required`,
        `${join(dir, "domain.yaml")} weakens approved_plugins.compute`,
        `${join(dir, "domain.yaml")} weakens approved_products`,
      ])
      for (const d of weak) {
        expect(d.severity).toBe("error")
        expect(d.message).toContain(join(dir, "enterprise.yaml"))
        expect(d.file).toBe(join(dir, "domain.yaml"))
      }
      const g = r.platform?.governance
      expect(g?.naming).toEqual({ enforcement: "strict", pattern: "medallion", custom_patterns: {} })
      expect(g?.quality_gates).toEqual({
        enforcement: "warn",
        minimum_test_coverage: 60,
        layer_thresholds: { gold: 80, silver: 30 },
        require_descriptions: true,
      })
      expect(g?.classification.pii_patterns).toEqual(["email", "phone"])
      expect(g?.data_contracts).toEqual({ enforcement: "block", required: true })
      expect(r.platform?.approvedPlugins.compute).toEqual(["duckdb"])
      expect(r.platform?.approvedProducts).toEqual(["sales.orders"])
    }),
  )

  it.effect("defaults the child does not write are not weakenings", () =>
    Effect.gen(function* () {
      const dir = workspace({
        "enterprise.yaml": ENTERPRISE,
        "domain.yaml": domain(
          "governance:\n  naming: {pattern: medallion}\n  quality_gates: {minimum_test_coverage: 65}\n",
        ),
      })
      const r = yield* resolve("domain.yaml", dir)
      expect(r.diagnostics).toEqual([])
      expect(r.platform?.governance.naming.enforcement).toBe("strict")
    }),
  )

  it.effect("detects a cycle through parent refs", () =>
    Effect.gen(function* () {
      const dir = workspace({ "a.yaml": domain("", "b.yaml"), "b.yaml": domain("", "a.yaml") })
      const r = yield* resolve("a.yaml", dir)
      expect(codes(r)).toEqual(["FLOE-E710"])
      expect(r.diagnostics[0]?.file).toBe(join(dir, "b.yaml"))
      expect(r.diagnostics[0]?.message).toContain("already in the chain")
      expect(r.platform).toBeUndefined()
      const self = yield* resolve("s.yaml", workspace({ "s.yaml": domain("", "s.yaml") }))
      expect(codes(self)).toEqual(["FLOE-E710"])
    }),
  )

  it.effect("refuses a domain whose parent is not an enterprise manifest", () =>
    Effect.gen(function* () {
      const dir = workspace({
        "a.yaml": domain("", "b.yaml"),
        "b.yaml": domain("", "enterprise.yaml"),
        "enterprise.yaml": ENTERPRISE,
      })
      const r = yield* resolve("a.yaml", dir)
      expect(codes(r)).toEqual(["FLOE-E711"])
    }),
  )

  it.effect("an unresolvable reference is E701 where it is written", () =>
    Effect.gen(function* () {
      const dir = workspace({ "domain.yaml": domain("", "missing.yaml") })
      const missing = yield* resolve("nope.yaml", dir)
      expect(missing.diagnostics).toMatchObject([
        { code: "FLOE-E701", file: join(dir, "floe.yaml"), line: 5, column: 8 },
      ])
      expect(missing.diagnostics[0]?.message).toContain("does not exist")
      const parent = yield* resolve("domain.yaml", dir)
      expect(parent.diagnostics).toMatchObject([{ code: "FLOE-E701", file: join(dir, "domain.yaml"), line: 5 }])
    }),
  )

  it.effect("refuses hostile paths: absolute, escaping the root, symlinks out, directories", () =>
    Effect.gen(function* () {
      const outside = workspace({ "enterprise.yaml": ENTERPRISE })
      const dir = workspace({ "sub/x.yaml": ENTERPRISE })
      symlinkSync(join(outside, "enterprise.yaml"), join(dir, "link.yaml"))
      for (const ref of [
        join(outside, "enterprise.yaml"),
        "../../etc/passwd",
        `../${outside.split("/").pop()}/enterprise.yaml`,
        "link.yaml",
        "sub",
        "~/x.yaml",
      ]) {
        const r = yield* resolve(ref, dir)
        expect(codes(r), ref).toEqual(["FLOE-E701"])
      }
      // Inside the root is fine, also from a subdirectory's baseDir.
      const ok = yield* resolve("x.yaml", join(dir, "sub"), { root: dir })
      expect(ok.platform?.chain[0]?.name).toBe("acme")
    }),
  )

  it.effect("passes a broken manifest's own diagnostics on, with E702 at the reference", () =>
    Effect.gen(function* () {
      const dir = workspace({ "enterprise.yaml": ENTERPRISE.replace('version: "2.0.0"', "version: two") })
      const r = yield* resolve("enterprise.yaml", dir)
      expect(codes(r)).toContain("FLOE-E121")
      expect(codes(r)).toContain("FLOE-E702")
      expect(r.platform).toBeUndefined()
    }),
  )

  it.effect("uses a host's source for oci:// references, and warns when there is none", () =>
    Effect.gen(function* () {
      const dir = workspace({})
      const unchecked = yield* resolve("oci://registry.example.com/platform:v1", dir)
      expect(unchecked.checked).toBe(false)
      expect(codes(unchecked)).toEqual(["FLOE-W703"])
      const served: Array<string> = []
      const oci = PlatformSource.PlatformSource.of({
        scheme: "oci",
        resolve: (ref) =>
          Effect.sync(() => {
            served.push(ref._tag === "oci" ? PlatformRef.formatOci(ref) : ref.path)
            return { text: ENTERPRISE, digest: "sha256:00", ref: "oci://registry.example.com/platform@sha256:00" }
          }),
      })
      const r = yield* resolve("oci://registry.example.com/platform:v1", dir, { sources: [oci] })
      expect(r.diagnostics).toEqual([])
      expect(served).toEqual(["oci://registry.example.com/platform:v1"])
      expect(r.platform?.chain[0]).toMatchObject({ name: "acme", digest: "sha256:00" })
      // A manifest from a registry cannot name a file on this machine as its parent.
      const remoteDomain = PlatformSource.PlatformSource.of({
        scheme: "oci",
        resolve: () =>
          Effect.succeed({
            text: domain("", "enterprise.yaml"),
            digest: "sha256:01",
            ref: "oci://r.example.com/d@sha256:01",
          }),
      })
      const bad = yield* resolve("oci://r.example.com/d:1", dir, { sources: [remoteDomain] })
      expect(codes(bad)).toEqual(["FLOE-E701"])
      expect(bad.diagnostics[0]?.message).toContain("may only name oci:// parents")
    }),
  )

  it("matches approved products within one part of the id", () => {
    expect(Platform.productMatches("sales.*", "sales.customer_360")).toBe(true)
    expect(Platform.productMatches("sales.customer_*", "sales.customer_360")).toBe(true)
    expect(Platform.productMatches("sales.*", "finance.ledger")).toBe(false)
    expect(Platform.productMatches("*", "sales.customer_360")).toBe(false)
    expect(Platform.productMatches("sal.s.*", "sales.x")).toBe(false)
  })
})
