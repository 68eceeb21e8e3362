import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { Yaml } from "@floe/spec"
import { describe, expect, it } from "vitest"
import { parse } from "../src/internal/blockYaml.ts"

type Path = ReadonlyArray<string | number>

/** Every path of a plain value, plus a missing key under every mapping. */
const pathsOf = (value: unknown, path: Path = []): Array<Path> => {
  const out: Array<Path> = [path]
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...path, i]))
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...path, k]))
    if (path.length > 0) out.push([...path, "no_such_key"])
  }
  return out
}

/** The fast reader either declines, or gives exactly the full parser's value and locations. */
const agrees = (text: string): boolean => {
  const full = Yaml.parse(text, "f.yml").source
  const fallbackPaths: Array<Path> = []
  const fast = parse(text, "f.yml", (path) => {
    fallbackPaths.push(path)
    return full === undefined ? { file: "f.yml" } : Yaml.locate(full, path)
  })
  if (fast === undefined) return false
  expect(full).toBeDefined()
  if (full === undefined) return true
  expect(fast.value).toEqual(full.value)
  for (const path of pathsOf(full.value)) expect([path, fast.locate(path)]).toEqual([path, Yaml.locate(full, path)])
  return true
}

const SOURCES = `version: 2

sources:
  - name: raw_erp
    schema: raw_erp
    description: "Raw tables, as loaded"
    tables:
      - name: erp_00001
        identifier: 'ERP_1'
        columns:
          - name: id
            data_type: bigint
          - name: amount
            data_type: decimal(18, 2)
          - name: placed_at
            data_type: timestamp with time zone

      - name: erp_00009
        columns:
          - name: id
            data_tests:
              - not_null
              - unique
              - relationships:
                  to: ref('customers')
                  field: id
`

describe("the fast YAML reader", () => {
  it("reads plain properties files exactly as the full parser does, values and locations", () => {
    expect(agrees(SOURCES)).toBe(true)
    expect(
      agrees(
        "version: 2\nmodels:\n- name: a\n  config:\n    materialized: table\n    enabled: 7\n  columns:\n  - name: id\n    tests:\n    - unique\nseeds:\n  - name: s\n",
      ),
    ).toBe(true)
  })

  it("declines what is outside its subset, so the full parser reads it (and reports its problems)", () => {
    for (const text of [
      "a: 1 # comment\n",
      "a: {b: 1}\n",
      "a: [1, 2]\n",
      "a: &x 1\nb: *x\n",
      "a: |\n  text\n",
      "a: >\n  text\n",
      'a: "x\\ty"\n',
      "a: 'it''s'\n",
      "a:\tb\n",
      "a: b\r\n",
      "a: 1\na: 2\n",
      "a:\n",
      "a: true\n",
      "a: null\n",
      "a: 1.5\n",
      "a: -1\n",
      "a: this is\n  continued\n",
      "- a\n",
      "a: b: c\n",
      "---\na: 1\n",
      "a:\n  - - x\n",
      "a:\n  -\n    b: 1\n",
      '"a": 1\n',
      "+materialized: view\n",
      "a:\n    b: 1\n  c: 2\n",
    ]) {
      expect([text, agrees(text)]).toEqual([text, false])
    }
  })

  it("agrees with the full parser on the bundled examples and fixtures it accepts", () => {
    const root = join(import.meta.dirname, "..", "..", "..")
    const files: Array<string> = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir)) {
        if (e === "node_modules" || e.startsWith(".") || e === "target") continue
        const p = join(dir, e)
        if (statSync(p).isDirectory()) walk(p)
        else if (e.endsWith(".yml") || e.endsWith(".yaml")) files.push(p)
      }
    }
    walk(join(root, "packages", "compiler", "test", "fixtures"))
    walk(join(root, "examples"))
    expect(files.length).toBeGreaterThan(5)
    let accepted = 0
    for (const f of files) if (agrees(readFileSync(f, "utf8"))) accepted++
    expect(accepted).toBeGreaterThan(0)
  })
})
