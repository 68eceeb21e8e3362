/**
 * YAML loading that keeps source positions, so every diagnostic about a configuration file can point at the key or
 * value it concerns. Bounded: size, alias expansion and multi-document files are refused with a diagnostic.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
} from "yaml"
import { type Diagnostic, type Location, make, sort } from "./Diagnostic.ts"

/** The largest configuration file Floe reads (floe.yaml, platform manifests). */
export const MAX_BYTES = 1024 * 1024
/** How many alias expansions a document may make before it is refused. */
export const MAX_ALIAS_COUNT = 100

/** A parsed YAML file with its positions. `value` is the plain JavaScript value of the document. */
export interface YamlSource {
  readonly file: string
  readonly text: string
  readonly document: Document.Parsed
  readonly lineCounter: LineCounter
  readonly value: unknown
}

export interface ParseResult {
  readonly source: YamlSource | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic>
}

export type PathSegment = string | number

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** Decodes bytes as strict UTF-8; reports E103 for oversized and E104 for non-UTF-8 input. */
export const decodeText = (
  bytes: Uint8Array,
  file: string,
  maxBytes: number = MAX_BYTES,
): { readonly text: string | undefined; readonly diagnostics: ReadonlyArray<Diagnostic> } => {
  if (bytes.byteLength > maxBytes) {
    return {
      text: undefined,
      diagnostics: [
        make("FLOE-E103", `${file} is ${bytes.byteLength} bytes; the limit is ${maxBytes} bytes`, { file }),
      ],
    }
  }
  try {
    const text = utf8.decode(bytes)
    if (text.includes("\u0000")) {
      return { text: undefined, diagnostics: [make("FLOE-E104", `${file} contains NUL bytes`, { file })] }
    }
    return { text, diagnostics: [] }
  } catch {
    return { text: undefined, diagnostics: [make("FLOE-E104", `${file} is not valid UTF-8 text`, { file })] }
  }
}

const position = (lineCounter: LineCounter, file: string, start: number, end?: number): Location => {
  const a = lineCounter.linePos(start)
  const loc: { file: string; line: number; column: number; endLine?: number; endColumn?: number } = {
    file,
    line: a.line,
    column: a.col,
  }
  if (end !== undefined && end > start) {
    const b = lineCounter.linePos(end)
    loc.endLine = b.line
    loc.endColumn = b.col
  }
  return loc
}

const yamlErrorMessage = (message: string): string =>
  message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? message

/**
 * Parses one YAML document. Returns the document with positions, or diagnostics: E101 syntax, E102 duplicate key,
 * E103 size, E104 encoding, E105 alias expansion, E106 not a single mapping. Never throws.
 */
export const parse = (input: string | Uint8Array, file: string, maxBytes: number = MAX_BYTES): ParseResult => {
  let text: string
  if (typeof input === "string") {
    if (Buffer.byteLength(input, "utf8") > maxBytes) {
      return {
        source: undefined,
        diagnostics: [make("FLOE-E103", `${file} is larger than ${maxBytes} bytes`, { file })],
      }
    }
    if (input.includes("\u0000")) {
      return { source: undefined, diagnostics: [make("FLOE-E104", `${file} contains NUL bytes`, { file })] }
    }
    text = input
  } else {
    const decoded = decodeText(input, file, maxBytes)
    if (decoded.text === undefined) return { source: undefined, diagnostics: decoded.diagnostics }
    text = decoded.text
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)

  const lineCounter = new LineCounter()
  let documents: Array<Document.Parsed>
  try {
    // Duplicate keys are found below with a Set: the library's own check is quadratic in the keys of a mapping.
    const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true })
    documents = Array.isArray(parsed) ? parsed : []
  } catch (e) {
    return {
      source: undefined,
      diagnostics: [make("FLOE-E101", `${file} could not be parsed: ${String(e)}`, { file, line: 1, column: 1 })],
    }
  }
  const diagnostics: Array<Diagnostic> = []
  for (const doc of documents) {
    for (const err of doc.errors) {
      const loc = position(lineCounter, file, err.pos[0], err.pos[1])
      const message = yamlErrorMessage(err.message)
      if (err.code === "DUPLICATE_KEY") diagnostics.push(make("FLOE-E102", message, loc))
      else diagnostics.push(make("FLOE-E101", message, loc))
    }
    if (doc.errors.length === 0) diagnostics.push(...duplicateKeys(doc.contents, lineCounter, file))
  }
  if (diagnostics.length > 0) return { source: undefined, diagnostics: sort(diagnostics) }

  const [document, second] = documents
  if (second !== undefined) {
    const start = second.range[0]
    return {
      source: undefined,
      diagnostics: [make("FLOE-E106", `${file} holds more than one YAML document`, position(lineCounter, file, start))],
    }
  }
  if (document === undefined || document.contents === null) {
    return { source: undefined, diagnostics: [make("FLOE-E106", `${file} is empty`, { file, line: 1, column: 1 })] }
  }
  if (!isMap(document.contents)) {
    const r = document.contents.range
    return {
      source: undefined,
      diagnostics: [
        make(
          "FLOE-E106",
          `the top level of ${file} must be a mapping of keys to values`,
          position(lineCounter, file, r[0], r[1]),
        ),
      ],
    }
  }

  let value: unknown
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    const code = /alias/i.test(message) ? "FLOE-E105" : "FLOE-E101"
    return { source: undefined, diagnostics: [make(code, `${file}: ${message}`, { file, line: 1, column: 1 })] }
  }
  return { source: { file, text, document, lineCounter, value }, diagnostics: [] }
}

/** E102 for every key that repeats an earlier key of the same mapping, anywhere in the document. */
const duplicateKeys = (root: unknown, lineCounter: LineCounter, file: string): Array<Diagnostic> => {
  const out: Array<Diagnostic> = []
  const seen = new Set<unknown>()
  const stack: Array<unknown> = [root]
  while (stack.length > 0) {
    const n = stack.pop()
    if (n === null || typeof n !== "object" || seen.has(n)) continue
    seen.add(n)
    if (isMap(n)) {
      const keys = new Set<string>()
      for (const p of n.items) {
        const k = keyText(p)
        if (k !== undefined) {
          if (keys.has(k)) {
            const r = rangeOf(p.key)
            const loc = r ? position(lineCounter, file, r[0], r[1]) : { file, line: 1, column: 1 }
            out.push(make("FLOE-E102", `Map keys must be unique: \`${k}\` appears more than once`, loc))
          }
          keys.add(k)
        }
        stack.push(p.value)
      }
    } else if (isSeq(n)) stack.push(...n.items)
  }
  return out
}

const keyText = (pair: Pair): string | undefined => {
  const k = pair.key
  if (isScalar(k)) return String(k.value)
  if (typeof k === "string" || typeof k === "number") return String(k)
  return undefined
}

const resolveAlias = (source: YamlSource, node: unknown): unknown =>
  isAlias(node) ? (node.resolve(source.document) ?? node) : node

const indexes = new WeakMap<object, Map<string, Pair>>()

/** Key → pair of a mapping, built once per mapping so locating many diagnostics stays linear. */
const indexOf = (map: { readonly items: ReadonlyArray<Pair> }): Map<string, Pair> => {
  let index = indexes.get(map)
  if (index === undefined) {
    index = new Map()
    for (const p of map.items) {
      const k = isPair(p) ? keyText(p) : undefined
      if (k !== undefined && !index.has(k)) index.set(k, p)
    }
    indexes.set(map, index)
  }
  return index
}

interface Found {
  readonly node: Node | undefined
  readonly pair: Pair | undefined
  /** How many leading segments of the path were found. */
  readonly depth: number
  readonly deepest: Node | undefined
  readonly deepestPair: Pair | undefined
}

const walk = (source: YamlSource, path: ReadonlyArray<PathSegment>): Found => {
  let node: unknown = source.document.contents
  let pair: Pair | undefined
  let depth = 0
  let deepest = node as Node | undefined
  let deepestPair: Pair | undefined
  for (const segment of path) {
    node = resolveAlias(source, node)
    if (isMap(node)) {
      const next = indexOf(node).get(String(segment))
      if (next === undefined) return { node: undefined, pair: undefined, depth, deepest, deepestPair }
      pair = next
      node = next.value
    } else if (isSeq(node) && typeof segment === "number") {
      pair = undefined
      node = node.items[segment]
      if (node === undefined) return { node: undefined, pair: undefined, depth, deepest, deepestPair }
    } else {
      return { node: undefined, pair: undefined, depth, deepest, deepestPair }
    }
    depth++
    deepest = (node ?? undefined) as Node | undefined
    deepestPair = pair
  }
  return { node: (node ?? undefined) as Node | undefined, pair, depth, deepest, deepestPair }
}

const rangeOf = (n: unknown): readonly [number, number] | undefined => {
  if (n !== null && typeof n === "object" && "range" in n) {
    const r = (n as { range?: readonly [number, number, number] | null }).range
    if (r) return [r[0], r[1]]
  }
  return undefined
}

/**
 * The location of the value at `path`, or of its key when `at` is "key". When the path does not exist (a missing
 * key), the location of the deepest existing ancestor's key is given, so "missing key" points at the mapping that
 * lacks it.
 */
export const locate = (
  source: YamlSource,
  path: ReadonlyArray<PathSegment>,
  at: "key" | "value" = "value",
): Location => {
  const found = walk(source, path)
  const fallback: Location = { file: source.file, line: 1, column: 1 }
  if (found.depth < path.length) {
    const r = rangeOf(found.deepestPair?.key) ?? rangeOf(found.deepest)
    return r ? position(source.lineCounter, source.file, r[0], r[1]) : fallback
  }
  const target = at === "key" ? (found.pair?.key ?? found.node) : (found.node ?? found.pair?.key)
  const r = rangeOf(target) ?? rangeOf(found.pair?.key)
  return r ? position(source.lineCounter, source.file, r[0], r[1]) : fallback
}

/** The source text of the value at `path` as written (before YAML typed it), if the path exists. */
export const rawText = (source: YamlSource, path: ReadonlyArray<PathSegment>): string | undefined => {
  const found = walk(source, path)
  if (found.depth < path.length) return undefined
  const r = rangeOf(found.node)
  return r ? source.text.slice(r[0], r[1]) : undefined
}

/** True when `path` exists in the document (even with a null value). */
export const has = (source: YamlSource, path: ReadonlyArray<PathSegment>): boolean =>
  walk(source, path).depth === path.length

/** Calls `visit` for every mapping key in the document with its path, depth first, in document order. */
export const forEachKey = (
  source: YamlSource,
  visit: (key: string, path: ReadonlyArray<PathSegment>, value: unknown) => "skip" | undefined,
): void => {
  const seen = new Set<unknown>()
  const go = (node: unknown, path: ReadonlyArray<PathSegment>): void => {
    const n = resolveAlias(source, node)
    if (seen.has(n)) return
    seen.add(n)
    if (isMap(n)) {
      for (const p of n.items) {
        const k = keyText(p)
        if (k === undefined) continue
        const value = isScalar(p.value) ? p.value.value : p.value
        const next = [...path, k]
        if (visit(k, next, value) !== "skip") go(p.value, next)
      }
    } else if (isSeq(n)) {
      for (const [i, item] of n.items.entries()) go(item, [...path, i])
    }
  }
  go(source.document.contents, [])
}

/** Calls `visit` for every scalar string value in the document with its path. */
export const forEachString = (
  source: YamlSource,
  visit: (value: string, path: ReadonlyArray<PathSegment>) => void,
): void => {
  const seen = new Set<unknown>()
  const go = (node: unknown, path: ReadonlyArray<PathSegment>): void => {
    const n = resolveAlias(source, node)
    if (seen.has(n)) return
    seen.add(n)
    if (isMap(n)) {
      for (const p of n.items) {
        const k = keyText(p)
        if (k !== undefined) go(p.value, [...path, k])
      }
    } else if (isSeq(n)) {
      for (const [i, item] of n.items.entries()) go(item, [...path, i])
    } else if (isScalar(n) && typeof n.value === "string") {
      visit(n.value, path)
    }
  }
  go(source.document.contents, [])
}
