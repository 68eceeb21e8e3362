/**
 * Property tests: whatever bytes or text arrive, decoding never throws, always reports well-formed, positioned,
 * sorted diagnostics, and yields a value exactly when there is no error. Valid products round-trip through YAML.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { stringify } from "yaml"
import type { DataProduct } from "../src/DataProduct.ts"
import { Diagnostic, hasErrors, sort } from "../src/Diagnostic.ts"
import { type Decoded, decodeManifest, decodeProduct } from "../src/Document.ts"
import { DOMAIN_MANIFEST, GUIDE_EXAMPLE } from "./examples.ts"

const FILE = "under-test.yaml"

/** Checks every invariant of a decode result; returns nothing so fast-check treats a throw as the failure. */
const checkInvariants = (decode: (input: string | Uint8Array, file: string) => Decoded<unknown>) => {
  return (input: string | Uint8Array): void => {
    const r = decode(input, FILE)
    expect(Array.isArray(r.diagnostics)).toBe(true)
    for (const d of r.diagnostics) {
      const parsed = Diagnostic.safeParse(d)
      if (!parsed.success) throw new Error(`invalid diagnostic ${JSON.stringify(d)}: ${parsed.error.message}`)
      expect(d.file).toBe(FILE)
      if (d.line !== undefined) {
        expect(d.line).toBeGreaterThanOrEqual(1)
        expect(d.column).toBeGreaterThanOrEqual(1)
      }
      if (d.endLine !== undefined && d.line !== undefined) expect(d.endLine).toBeGreaterThanOrEqual(d.line)
    }
    expect(sort(r.diagnostics)).toEqual(r.diagnostics)
    // A value exactly when there is no error: an error never comes with a value, and a refusal always says why.
    expect(r.value === undefined).toBe(hasErrors(r.diagnostics))
  }
}

const decoders = [
  ["decodeProduct", decodeProduct],
  ["decodeManifest", decodeManifest],
] as const

/** Characters that make up YAML structure, so random strings often get past the tokenizer. */
const YAML_CHARS = [..."{}[]:-,#&*!|>'\"%@`?~ \n\n  \t\\abkz019.", "apiVersion: ", "kind: ", "floe.dev/v1", "---"]
const yamlish = fc.string({ unit: fc.constantFrom(...YAML_CHARS), maxLength: 200 })

const KEYS = [
  "apiVersion",
  "kind",
  "metadata",
  "name",
  "version",
  "owner",
  "domain",
  "transforms",
  "path",
  "type",
  "schedule",
  "cron",
  "output_ports",
  "table",
  "sla",
  "freshness",
  "scope",
  "parent",
  "ref",
  "plugins",
  "config",
  "governance",
  "naming",
  "custom_patterns",
  "pii_patterns",
  "password",
  "host",
  "token_env",
  "labels",
  "columns",
]
const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 }))
const VALUES = [
  "floe.dev/v1",
  "DataProduct",
  "Manifest",
  "domain",
  "enterprise",
  "dbt",
  "1.0.0",
  "models/",
  "../x",
  "(a+)+$",
  "0 6 * * *",
  "6h",
  "99.9%",
  "postgres://u:p@h/db",
  "oci://registry.example.com/platform:v1.0.0",
]
const leaf = fc.oneof(fc.constantFrom<unknown>(...VALUES), fc.string({ maxLength: 12 }), fc.double(), fc.boolean())
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("tree"), { maxLength: 4 }),
    fc.dictionary(key, tie("tree"), { maxKeys: 5 }),
  ),
}))
const documentLike = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  tree,
  fc.record(
    {
      apiVersion: fc.constantFrom<unknown>("floe.dev/v1", "floe.dev/v2", 1),
      kind: fc.constantFrom<unknown>("DataProduct", "Manifest", null),
      metadata: tree,
      transforms: tree,
      scope: tree,
      governance: tree,
      output_ports: tree,
    },
    { requiredKeys: ["apiVersion", "kind"] },
  ),
)

/** One edit of a text: delete, duplicate, replace or insert a short run of characters. */
type Edit = { readonly op: "delete" | "duplicate" | "replace" | "insert"; readonly at: number; readonly len: number }
const edit = fc.record({
  op: fc.constantFrom("delete", "duplicate", "replace", "insert"),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 8 }),
}) as fc.Arbitrary<Edit>
const applyEdits = (text: string, edits: ReadonlyArray<Edit>, fill: string): string => {
  let t = text
  for (const e of edits) {
    const at = t.length === 0 ? 0 : e.at % t.length
    if (e.op === "delete") t = t.slice(0, at) + t.slice(at + e.len)
    else if (e.op === "duplicate") t = t.slice(0, at + e.len) + t.slice(at, at + e.len) + t.slice(at + e.len)
    else if (e.op === "replace") t = t.slice(0, at) + fill.slice(0, e.len) + t.slice(at + e.len)
    else t = t.slice(0, at) + fill.slice(0, e.len) + t.slice(at)
  }
  return t
}
const mutation = (base: string) =>
  fc
    .tuple(fc.array(edit, { minLength: 1, maxLength: 4 }), yamlish)
    .map(([edits, fill]) => applyEdits(base, edits, fill.length > 0 ? fill : "x"))

describe.each(decoders)("%s never throws and reports well-formed diagnostics", (_, decode) => {
  const check = checkInvariants(decode)

  it("for arbitrary strings", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), yamlish),
        check,
      ),
      { numRuns: 300 },
    )
  })

  it("for arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 300 })
  })

  it("for YAML serialised from random values", () => {
    fc.assert(
      fc.property(documentLike, (value) => {
        const text = stringify(value)
        check(text)
        check(new TextEncoder().encode(text))
      }),
      { numRuns: 200 },
    )
  })

  it("for mutations of a valid file", () => {
    fc.assert(fc.property(fc.oneof(mutation(GUIDE_EXAMPLE), mutation(DOMAIN_MANIFEST)), check), { numRuns: 400 })
  })
})

describe("valid products", () => {
  const kebab = fc.stringMatching(/^[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,4}){0,3}$/)
  const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/)
  const semver = fc
    .tuple(
      fc.nat(50),
      fc.nat(50),
      fc.nat(50),
      fc.option(fc.constantFrom("rc.1", "alpha", "beta.2"), { nil: undefined }),
    )
    .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre === undefined ? "" : `-${pre}`}`)
  const port = fc.record(
    {
      name: identifier,
      table: fc.tuple(identifier, identifier, identifier).map((parts) => parts.join(".")),
      description: fc.string({ maxLength: 40 }),
      sla: fc.record(
        {
          freshness: fc
            .tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom("s", "m", "h", "d", "w"))
            .map(([n, u]) => `${n}${u}`),
          availability: fc.integer({ min: 0, max: 1000 }).map((n) => `${n / 10}%`),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ["name", "table"] },
  )
  const product: fc.Arbitrary<DataProduct> = fc.record(
    {
      apiVersion: fc.constant("floe.dev/v1" as const),
      kind: fc.constant("DataProduct" as const),
      metadata: fc.record(
        {
          name: kebab,
          version: semver,
          owner: fc.constantFrom("data-team@example.com", "a.b+c@sub.example.org"),
          domain: identifier,
          repository: fc.constantFrom("github.com/acme/x", "https://git.example.com/acme/x.git"),
          description: fc.string({ maxLength: 60 }),
        },
        { requiredKeys: ["name", "version", "owner", "domain", "repository"] },
      ),
      platform: fc.record({
        ref: fc.constantFrom("oci://registry.example.com/platform:v1.0.0", "../platform.yaml"),
      }),
      transforms: fc
        .uniqueArray(fc.constantFrom("models/", "models/staging", "dbt/", "./marts"), { minLength: 1, maxLength: 3 })
        .map((paths) => paths.map((path) => ({ type: "dbt" as const, path }))),
      schedule: fc.record({
        cron: fc.constantFrom("0 6 * * *", "@daily", "*/5 * * * *", "0 0 6 * * *"),
        timezone: fc.constantFrom("UTC", "Europe/Berlin", "America/New_York"),
      }),
      output_ports: fc.uniqueArray(port, { selector: (p) => p.name, maxLength: 3 }),
    },
    { requiredKeys: ["apiVersion", "kind", "metadata", "transforms"] },
  )

  it("round-trip through YAML with no diagnostics", () => {
    fc.assert(
      fc.property(product, (value) => {
        const r = decodeProduct(stringify(value))
        expect(r.diagnostics).toEqual([])
        expect(r.value).toEqual(value)
      }),
      { numRuns: 200 },
    )
  })
})
