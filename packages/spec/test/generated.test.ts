import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { generatedFiles } from "../src/internal/reference.ts"

const root = join(import.meta.dirname, "..", "..", "..")

describe("generated files", () => {
  // The JSON Schemas and reference pages are committed so editors and readers get them without a build; they must
  // always match the zod schemas and the code registry. Fix a failure with `pnpm generate`.
  for (const [rel, expected] of Object.entries(generatedFiles())) {
    it(`${rel} is up to date (run pnpm generate)`, () => {
      const committed = readFileSync(join(root, rel), "utf8")
      expect(committed).toBe(expected)
    })
  }

  it("lists every diagnostic code in the reference page", () => {
    const page = generatedFiles()["docs/reference/diagnostics.md"] ?? ""
    expect(page).toMatch(/## FLOE-E130 — Environment-specific or secret setting in floe.yaml/)
    expect(page).toMatch(/## FLOE-E110 — Unknown key/)
  })
})
