import { describe, expect, it } from "vitest"
import * as Yaml from "../src/Yaml.ts"

const TEXT = `a: &x {b: 1, c: "two"}
d: *x
list:
  - k: v
  - "str"
empty:
`

const source = (text = TEXT): Yaml.YamlSource => {
  const r = Yaml.parse(text, "f.yaml")
  expect(r.diagnostics).toEqual([])
  if (r.source === undefined) throw new Error("expected a parsed source")
  return r.source
}

const at = (line: number, column: number, endLine?: number, endColumn?: number) => ({
  file: "f.yaml",
  line,
  column,
  ...(endLine === undefined ? {} : { endLine, endColumn }),
})

describe("Yaml.parse", () => {
  it("returns the plain value and keeps the text", () => {
    const s = source()
    expect(s.value).toEqual({ a: { b: 1, c: "two" }, d: { b: 1, c: "two" }, list: [{ k: "v" }, "str"], empty: null })
    expect(s.text).toBe(TEXT)
    expect(s.file).toBe("f.yaml")
  })

  it("reports a duplicate key at the second occurrence", () => {
    expect(Yaml.parse("a: 1\nb: 2\na: 3\n", "f.yaml").diagnostics).toEqual([
      expect.objectContaining({
        code: "FLOE-E102",
        ...at(3, 1, 3, 2),
        message: "Map keys must be unique: `a` appears more than once",
      }),
    ])
  })

  it("reports syntax errors without the library's own position suffix", () => {
    const [d] = Yaml.parse("a: b: c\n", "f.yaml").diagnostics
    expect(d).toMatchObject({ code: "FLOE-E101", line: 1, column: 4 })
    expect(d?.message).not.toMatch(/at line \d+/)
  })

  it("refuses input over the size limit, for strings by their UTF-8 length", () => {
    expect(Yaml.parse("a: 1", "f.yaml", 4).diagnostics).toEqual([])
    expect(Yaml.parse("a: 1\n", "f.yaml", 4).diagnostics.map((d) => d.code)).toEqual(["FLOE-E103"])
    // "é" is one UTF-16 unit but two UTF-8 bytes.
    expect(Yaml.parse("a: e", "f.yaml", 4).diagnostics).toEqual([])
    expect(Yaml.parse("a: é", "f.yaml", 4).diagnostics.map((d) => d.code)).toEqual(["FLOE-E103"])
    expect(Yaml.parse(new Uint8Array(5).fill(0x61), "f.yaml", 4).diagnostics).toEqual([
      expect.objectContaining({ code: "FLOE-E103", message: "f.yaml is 5 bytes; the limit is 4 bytes" }),
    ])
  })

  it("locates the second document of a multi-document file", () => {
    expect(Yaml.parse("a: 1\n---\nb: 2\n", "f.yaml").diagnostics).toEqual([
      expect.objectContaining({ code: "FLOE-E106", line: 2, column: 1 }),
    ])
  })

  it.each(["---\n", "~\n", "null\n", "# only a comment\n", "\n\n"])(
    "refuses the document %j as not a mapping",
    (text) => {
      const r = Yaml.parse(text, "f.yaml")
      expect(r.source).toBeUndefined()
      expect(r.diagnostics).toEqual([expect.objectContaining({ code: "FLOE-E106", line: 1 })])
    },
  )
})

describe("Yaml.decodeText", () => {
  it("decodes UTF-8 and drops a byte-order mark", () => {
    expect(Yaml.decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xc3, 0xa9]), "f")).toEqual({
      text: "aé",
      diagnostics: [],
    })
  })

  it.each([
    ["a lone continuation byte", [0x61, 0x80]],
    ["a truncated sequence", [0x61, 0xc3]],
    ["an overlong encoding", [0xc0, 0xaf]],
    ["a UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["a byte never valid in UTF-8", [0xff]],
  ])("refuses %s as E104", (_, bytes) => {
    const r = Yaml.decodeText(new Uint8Array(bytes), "f")
    expect(r.text).toBeUndefined()
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: "FLOE-E104", file: "f" })])
  })

  it("refuses NUL bytes as E104", () => {
    expect(Yaml.decodeText(new Uint8Array([0x61, 0x00]), "f").diagnostics).toEqual([
      expect.objectContaining({ code: "FLOE-E104", message: "f contains NUL bytes" }),
    ])
  })
})

describe("Yaml.locate", () => {
  it("points at the key or at the value", () => {
    const s = source()
    expect(Yaml.locate(s, ["a", "b"], "key")).toEqual(at(1, 8, 1, 9))
    expect(Yaml.locate(s, ["a", "b"], "value")).toEqual(at(1, 11, 1, 12))
    expect(Yaml.locate(s, ["a", "b"])).toEqual(Yaml.locate(s, ["a", "b"], "value"))
    expect(Yaml.locate(s, ["list", 0, "k"], "key")).toEqual(at(4, 5, 4, 6))
    expect(Yaml.locate(s, ["list", 1])).toEqual(at(5, 5, 5, 10))
  })

  it("points at a whole value that spans several lines", () => {
    expect(Yaml.locate(source(), ["list"])).toEqual(at(4, 3, 6, 1))
  })

  it("follows aliases to the anchored node", () => {
    expect(Yaml.locate(source(), ["d", "c"])).toEqual(at(1, 17, 1, 22))
  })

  it("points at the position of an empty value, and at its key", () => {
    expect(Yaml.locate(source(), ["empty"])).toEqual(at(6, 7))
    expect(Yaml.locate(source(), ["empty"], "key")).toEqual(at(6, 1, 6, 6))
  })

  it("falls back to the deepest existing ancestor's key for a missing path", () => {
    const s = source()
    expect(Yaml.locate(s, ["a", "missing"], "key")).toEqual(at(1, 1, 1, 2))
    expect(Yaml.locate(s, ["a", "missing", "deeper"])).toEqual(at(1, 1, 1, 2))
    expect(Yaml.locate(s, ["list", 7])).toEqual(at(3, 1, 3, 5))
    expect(Yaml.locate(s, ["list", 0, "k", "x"])).toEqual(at(4, 5, 4, 6))
  })

  it("falls back to the whole document for a missing top-level key", () => {
    expect(Yaml.locate(source(), ["missing"])).toEqual(at(1, 1, 6, 7))
    expect(Yaml.locate(source("\n\n  x: 1\n"), ["missing"])).toMatchObject({ line: 3, column: 3 })
  })
})

describe("Yaml.rawText and Yaml.has", () => {
  it("returns the value as written", () => {
    const s = source(`v: 1.0\nq: "1.0"\n${TEXT}`)
    expect(Yaml.rawText(s, ["v"])).toBe("1.0")
    expect(Yaml.rawText(s, ["q"])).toBe('"1.0"')
    expect(Yaml.rawText(s, ["a"])).toBe('{b: 1, c: "two"}')
    expect(Yaml.rawText(s, ["missing"])).toBeUndefined()
  })

  it("tells present keys, even null ones, from absent ones", () => {
    const s = source()
    expect(Yaml.has(s, ["empty"])).toBe(true)
    expect(Yaml.has(s, ["d", "c"])).toBe(true)
    expect(Yaml.has(s, ["list", 1])).toBe(true)
    expect(Yaml.has(s, ["list", 2])).toBe(false)
    expect(Yaml.has(s, ["missing"])).toBe(false)
    expect(Yaml.has(s, [])).toBe(true)
  })
})

describe("Yaml.forEachKey and Yaml.forEachString", () => {
  it("visits every key once in document order, not re-entering aliased nodes", () => {
    const keys: Array<string> = []
    Yaml.forEachKey(source(), (_key, path) => {
      keys.push(path.join("."))
      return undefined
    })
    expect(keys).toEqual(["a", "a.b", "a.c", "d", "list", "list.0.k", "empty"])
  })

  it("does not descend below a key the visitor skips", () => {
    const keys: Array<string> = []
    Yaml.forEachKey(source(), (key, path) => {
      keys.push(path.join("."))
      return key === "a" || key === "list" ? "skip" : undefined
    })
    expect(keys).toEqual(["a", "d", "d.b", "d.c", "list", "empty"])
  })

  it("visits every string scalar with its path", () => {
    const seen: Array<[string, string]> = []
    Yaml.forEachString(source(), (value, path) => seen.push([path.join("."), value]))
    expect(seen).toEqual([
      ["a.c", "two"],
      ["list.0.k", "v"],
      ["list.1", "str"],
    ])
  })
})
