import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Compiler } from "../src/index.ts"

const copyFixture = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), "floe-compile-"))
  cpSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), dir, { recursive: true })
  return dir
}

describe("Compiler.compile", () => {
  it.effect("loads, builds and writes target/manifest.json, returning the counts", () =>
    Effect.gen(function* () {
      const dir = copyFixture("shop")
      try {
        const r = yield* Compiler.compile(dir, { target: { database: "dev", schema: "main" } })
        expect(r.diagnostics).toEqual([])
        // shop: 6 models (one ephemeral), 3 seeds, 15 generic + 1 singular tests, 1 source table, 1 macro
        expect(r.counts).toEqual({
          models: 6,
          modelsCompiled: 6,
          seeds: 3,
          tests: 16,
          genericTests: 15,
          singularTests: 1,
          sources: 1,
          macros: 1,
          modelsBound: 0,
        })
        expect(r.manifestPath).toBe(join(dir, "target", "manifest.json"))
        const written = JSON.parse(readFileSync(join(dir, "target", "manifest.json"), "utf8"))
        expect(Object.keys(written.nodes).length).toBe(6 + 3 + 16)
        // generated_at comes from the Clock (the TestClock starts at the epoch)
        expect(written.metadata.generated_at).toBe("1970-01-01T00:00:00.000Z")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(NodeServices.layer)),
  )

  it.effect("writes nothing with write: false, or when the project has errors", () =>
    Effect.gen(function* () {
      const shop = copyFixture("shop")
      const cycle = copyFixture("cycle")
      try {
        const dry = yield* Compiler.compile(shop, { write: false })
        expect(dry.manifestPath).toBeUndefined()
        expect(dry.manifest).toBeDefined()
        expect(existsSync(join(shop, "target"))).toBe(false)
        const bad = yield* Compiler.compile(cycle)
        expect(bad.diagnostics.map((d) => d.code).sort()).toEqual(["FLOE-E301", "FLOE-E302", "FLOE-E303"])
        expect(bad.manifestPath).toBeUndefined()
        expect(existsSync(join(cycle, "target"))).toBe(false)
      } finally {
        rmSync(shop, { recursive: true, force: true })
        rmSync(cycle, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(NodeServices.layer)),
  )
})
