/**
 * The bad-file corpus: every directory under fixtures/product (a floe.yaml) and fixtures/manifest (a manifest.yaml)
 * holds one broken file and an expected.json naming the diagnostics it must produce. Adding a case needs no code.
 *
 * expected.json is either `{code, line, column, message?}` for the first diagnostic after sorting, or
 * `{diagnostics: [{code, line, column, message?}, …]}` for the complete list. `line: null` means the diagnostic has
 * no position (file-level problems such as size and encoding); `message` is a substring the message must contain.
 * `padToBytes: N` pads the file with YAML comments to N bytes before decoding, so the corpus can hold an oversized
 * case without committing a megabyte.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { Diagnostic } from "../src/Diagnostic.ts"
import { codes } from "../src/DiagnosticCodes.ts"
import { type Decoded, decodeManifest, decodeProduct } from "../src/Document.ts"

interface ExpectedDiagnostic {
  readonly code: string
  readonly line: number | null
  readonly column: number | null
  readonly message?: string
}

type Expected = (ExpectedDiagnostic | { readonly diagnostics: ReadonlyArray<ExpectedDiagnostic> }) & {
  readonly padToBytes?: number
}

interface Case {
  readonly kind: "product" | "manifest"
  readonly name: string
  readonly file: string
  readonly bytes: Uint8Array
  readonly expected: ReadonlyArray<ExpectedDiagnostic>
  readonly complete: boolean
}

const FIXTURES = join(import.meta.dirname, "fixtures")
const FILE_NAMES = { product: "floe.yaml", manifest: "manifest.yaml" } as const

const pad = (bytes: Uint8Array, size: number): Uint8Array => {
  const out = new Uint8Array(size)
  out.fill("#".charCodeAt(0))
  out.set(bytes)
  // The padding is one long comment line after the document, so only the size makes the file invalid.
  out[bytes.byteLength] = "\n".charCodeAt(0)
  return out
}

const loadCases = (kind: "product" | "manifest"): Array<Case> => {
  const dir = join(FIXTURES, kind)
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const file = FILE_NAMES[kind]
      const expected = JSON.parse(readFileSync(join(dir, name, "expected.json"), "utf8")) as Expected
      const raw = new Uint8Array(readFileSync(join(dir, name, file)))
      const bytes = expected.padToBytes === undefined ? raw : pad(raw, expected.padToBytes)
      return "diagnostics" in expected
        ? { kind, name, file, bytes, expected: expected.diagnostics, complete: true }
        : { kind, name, file, bytes, expected: [expected], complete: false }
    })
}

const products = loadCases("product")
const manifests = loadCases("manifest")
const all = [...products, ...manifests]

const decode = (c: Case, input: string | Uint8Array): Decoded<unknown> =>
  c.kind === "product" ? decodeProduct(input, c.file) : decodeManifest(input, c.file)

const expectMatches = (actual: Diagnostic | undefined, want: ExpectedDiagnostic) => {
  expect(actual).toBeDefined()
  if (actual === undefined) return
  expect({ code: actual.code, line: actual.line ?? null, column: actual.column ?? null }).toEqual({
    code: want.code,
    line: want.line,
    column: want.column,
  })
  if (want.message !== undefined) expect(actual.message).toContain(want.message)
}

describe("bad-file corpus", () => {
  it("holds enough cases of each kind", () => {
    expect(products.length).toBeGreaterThanOrEqual(26)
    expect(manifests.length).toBeGreaterThanOrEqual(10)
  })

  it("covers every E1xx code a YAML file can trigger", () => {
    // E100 (file not found) comes from the Loader, never from file contents; it is tested in loader.test.ts.
    // E108 (the directory `floe init` would create exists) is about the file system too: packages/cli init.test.ts.
    const fileSystemOnly = new Set(["FLOE-E100", "FLOE-E108"])
    const reachable = codes.filter((c) => /^FLOE-E1\d\d$/.test(c) && !fileSystemOnly.has(c))
    const covered = new Set(all.flatMap((c) => c.expected.map((e) => e.code)))
    expect(reachable.filter((c) => !covered.has(c))).toEqual([])
  })

  for (const c of all) {
    it(`${c.kind}/${c.name}`, () => {
      const result = decode(c, c.bytes)
      expect(result.value).toBeUndefined()
      expect(result.diagnostics.length).toBeGreaterThan(0)
      if (c.complete) {
        expect(result.diagnostics.map((d) => d.code)).toEqual(c.expected.map((e) => e.code))
      }
      c.expected.forEach((want, i) => {
        expectMatches(result.diagnostics[i], want)
      })
      for (const d of result.diagnostics) {
        expect(Diagnostic.safeParse(d).success).toBe(true)
        expect(d.file).toBe(c.file)
        expect(d.severity).toBe("error")
      }
    })
  }

  // The same text passed as a string must give the same diagnostics as its bytes (encoding cases excepted: a
  // string has no bytes to be invalid).
  const textual = all.filter((c) => c.expected[0]?.code !== "FLOE-E104" && c.expected[0]?.code !== "FLOE-E103")
  for (const c of textual) {
    it(`${c.kind}/${c.name} decodes the same from a string`, () => {
      const text = new TextDecoder().decode(c.bytes)
      expect(decode(c, text).diagnostics).toEqual(decode(c, c.bytes).diagnostics)
    })
  }
})
