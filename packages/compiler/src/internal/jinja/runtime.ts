/**
 * The dbt layer over @huggingface/jinja (ADR 0002): the token pre-pass for `{% test %}`, `{% do %}` and
 * `{% docs %}`, the `return()` signal, Python list/dict methods, relation values that render as strings, and the
 * conversions between runtime values and plain JavaScript values. Everything that touches the library's
 * internals is in this file.
 */
import * as Lib from "@huggingface/jinja"

// The package's .d.ts files use extensionless relative imports, which NodeNext resolution cannot follow, so its
// types arrive as `any`. These interfaces state the part of the API this module relies on.
export interface Value {
  readonly type: string
  value: unknown
  readonly builtins: ReadonlyMap<string, Value>
  toString(): string
}
export interface Program {
  readonly type: string
}
interface Token {
  readonly value: string
  readonly type: string
}
type Statement = unknown
export interface Environment {
  readonly variables: Map<string, Value>
  set(name: string, value: unknown): Value
  lookupVariable(name: string): Value
}
export type Scope = Environment
interface InterpreterLike {
  run(program: Program): Value
  evaluate(statement: Statement, environment: Environment): Value
}
const lib = Lib as unknown as {
  readonly Environment: new (parent?: Environment) => Environment
  readonly Interpreter: new (env?: Environment) => InterpreterLike
  readonly tokenize: (source: string, options?: { lstrip_blocks?: boolean; trim_blocks?: boolean }) => Array<Token>
  readonly parse: (tokens: Array<Token>) => Program
}
const { Environment, Interpreter, tokenize, parse } = lib

interface ObjectValueLike {
  readonly type: string
  value: Map<string, Value>
  toString(): string
}

// The value classes are not exported (0.5.11); the values Environment.set returns are instances of them.
const classOf = (v: unknown): unknown => new Environment().set("probe", v).constructor
const StringValue = classOf("") as new (v: string) => Value
const IntegerValue = classOf(1) as new (v: number) => Value
const FloatValue = classOf(1.5) as new (v: number) => Value
const BooleanValue = classOf(true) as new (v: boolean) => Value
const NullValue = classOf(null) as new () => Value
const UndefinedValue = classOf(undefined) as new () => Value
const ArrayValue = classOf([]) as new (v: Array<Value>) => Value
const ObjectValue = classOf({}) as new (v: Map<string, Value>) => ObjectValueLike
const FunctionValue = classOf(() => null) as new (f: (args: Array<Value>, scope: Environment) => Value) => Value
// biome-ignore lint/complexity/noBannedTypes: the common base class of the runtime values, for instanceof
const RuntimeValue = Object.getPrototypeOf(StringValue) as Function

export const isValue = (x: unknown): x is Value => x instanceof RuntimeValue
export const str = (s: string): Value => new StringValue(s)
export const none = (): Value => new NullValue()
export const undef = (): Value => new UndefinedValue()
export const bool = (b: boolean): Value => new BooleanValue(b)
export const list = (items: Array<Value>): Value => new ArrayValue(items)
export const obj = (entries: Map<string, Value>): Value => new ObjectValue(entries) as unknown as Value

/** A plain JavaScript value as a runtime value; runtime values (relations, functions) pass through unchanged. */
export const fromJs = (x: unknown): Value => {
  if (isValue(x)) return x
  switch (typeof x) {
    case "string":
      return new StringValue(x)
    case "number":
      return Number.isInteger(x) ? new IntegerValue(x) : new FloatValue(x)
    case "boolean":
      return new BooleanValue(x)
    case "undefined":
      return new UndefinedValue()
    case "object": {
      if (x === null) return new NullValue()
      if (Array.isArray(x)) return new ArrayValue(x.map(fromJs))
      if (x instanceof Map) return obj(new Map([...x].map(([k, v]) => [String(k), fromJs(v)])))
      return obj(new Map(Object.entries(x).map(([k, v]) => [k, fromJs(v)])))
    }
    default:
      return new NullValue()
  }
}

/** A runtime value as a plain JavaScript value (for config(), var defaults, test kwargs). */
export const toJs = (v: Value): unknown => {
  switch (v.type) {
    case "NullValue":
      return null
    case "UndefinedValue":
      return undefined
    case "ArrayValue":
    case "TupleValue":
      return (v.value as Array<Value>).map(toJs)
    case "ObjectValue":
    case "KeywordArgumentsValue":
    case "NamespaceValue": {
      if (v instanceof RelationValue) return v.toString()
      const out: Record<string, unknown> = {}
      for (const [k, item] of v.value as Map<string, Value>) out[k] = toJs(item)
      return out
    }
    default:
      return v.value
  }
}

/** The text a value renders as inside `{{ }}`. */
export const display = (v: Value): string => (v.type === "NullValue" || v.type === "UndefinedValue" ? "" : v.toString())

/** A function callable from templates, receiving positional and keyword arguments separately. */
export const fn = (impl: (args: Array<Value>, kwargs: Map<string, Value>, scope: Environment) => Value): Value =>
  new FunctionValue((args, scope) => {
    const last = args[args.length - 1]
    if (last !== undefined && last.type === "KeywordArgumentsValue") {
      return impl(args.slice(0, -1), last.value as Map<string, Value>, scope)
    }
    return impl(args, new Map(), scope)
  })

/** Calls a runtime function value (a macro or a context function). */
export const call = (f: Value, args: Array<Value>, scope: Environment): Value => {
  if (f.type !== "FunctionValue") throw new Error(`cannot call a ${f.type}`)
  return (f.value as (args: Array<Value>, scope: Environment) => Value)(args, scope)
}

/** A relation (`this`, `ref()`, `source()`): renders as `"db"."schema"."identifier"`, with dbt's attributes. */
export class RelationValue extends ObjectValue {
  readonly rendered: string
  constructor(database: string, schema: string, identifier: string, rendered: string) {
    super(
      new Map<string, Value>([
        ["database", str(database)],
        ["schema", str(schema)],
        ["identifier", str(identifier)],
        ["name", str(identifier)],
        ["table", str(identifier)],
        ["is_table", bool(false)],
        ["is_view", bool(false)],
      ]),
    )
    this.rendered = rendered
    this.value.set(
      "render",
      fn(() => str(this.rendered)),
    )
  }
  override toString(): string {
    return this.rendered
  }
}

/** A relation as a runtime value. */
export const relation = (database: string, schema: string, identifier: string, rendered: string): Value =>
  new RelationValue(database, schema, identifier, rendered) as unknown as Value

/** Thrown by `return(x)`; the innermost macro call catches it and returns `x`. */
export class ReturnSignal {
  readonly value: Value
  constructor(value: Value) {
    this.value = value
  }
}

/** Thrown by `exceptions.raise_compiler_error` and other dbt errors raised on purpose by templates. */
export class CompilerError extends Error {}

const LIST_METHODS = new Set(["append", "extend", "pop", "insert", "remove"])
const DICT_METHODS = new Set(["update", "pop", "setdefault"])

const listMethod = (target: Value, name: string): Value | undefined => {
  const items = target.value as Array<Value>
  switch (name) {
    case "append":
      return fn(([x]) => {
        items.push(x ?? none())
        return none()
      })
    case "extend":
      return fn(([xs]) => {
        if (xs !== undefined && (xs.type === "ArrayValue" || xs.type === "TupleValue")) {
          items.push(...(xs.value as Array<Value>))
        }
        return none()
      })
    case "pop":
      return fn(([i]) => {
        const at = i !== undefined && typeof i.value === "number" ? i.value : items.length - 1
        const [removed] = items.splice(at < 0 ? items.length + at : at, 1)
        return removed ?? none()
      })
    case "insert":
      return fn(([i, x]) => {
        items.splice(typeof i?.value === "number" ? i.value : items.length, 0, x ?? none())
        return none()
      })
    case "remove":
      return fn(([x]) => {
        const at = items.findIndex((item) => item.value === x?.value)
        if (at >= 0) items.splice(at, 1)
        return none()
      })
    default:
      return undefined
  }
}

const dictMethod = (target: Value, name: string): Value | undefined => {
  const map = target.value as Map<string, Value>
  switch (name) {
    case "update":
      return fn(([other], kwargs) => {
        if (other !== undefined && other.value instanceof Map) {
          for (const [k, v] of other.value as Map<string, Value>) map.set(k, v)
        }
        for (const [k, v] of kwargs) map.set(k, v)
        return none()
      })
    case "pop":
      return fn(([k, dflt]) => {
        const key = String(k?.value)
        const found = map.get(key)
        map.delete(key)
        return found ?? dflt ?? none()
      })
    case "setdefault":
      return fn(([k, dflt]) => {
        const key = String(k?.value)
        const found = map.get(key)
        if (found !== undefined) return found
        const v = dflt ?? none()
        map.set(key, v)
        return v
      })
    default:
      return undefined
  }
}

interface NodeLike {
  readonly type: string
  readonly value?: unknown
  readonly name?: { readonly value: string }
  readonly object?: NodeLike
  readonly property?: NodeLike
  readonly computed?: boolean
  readonly callee?: NodeLike
}

/** The interpreter with dbt's additions; see ADR 0002 for why each override exists. */
class DbtInterpreter extends Interpreter {
  override evaluate(statement: Statement, environment: Environment): Value {
    const node = statement as NodeLike | undefined
    if (node?.type === "Macro" && node.name !== undefined) {
      const result = super.evaluate(statement, environment)
      const defined = environment.variables.get(node.name.value)
      if (defined !== undefined && defined.type === "FunctionValue") {
        environment.variables.set(
          node.name.value,
          new FunctionValue((args, scope) => {
            try {
              return call(defined, args, scope)
            } catch (e) {
              if (e instanceof ReturnSignal) return e.value
              throw e
            }
          }),
        )
      }
      return result
    }
    if (
      node?.type === "MemberExpression" &&
      node.computed === false &&
      node.property?.type === "Identifier" &&
      node.object?.type === "Identifier" &&
      typeof node.property.value === "string"
    ) {
      const name = node.property.value
      if (LIST_METHODS.has(name) || DICT_METHODS.has(name)) {
        const target = super.evaluate(node.object as Statement, environment)
        const method =
          target.type === "ArrayValue"
            ? listMethod(target, name)
            : target.type === "ObjectValue" && !(target.value as Map<string, Value>).has(name)
              ? dictMethod(target, name)
              : undefined
        if (method !== undefined) return method
      }
    }
    if (node?.type === "CallExpression" && node.callee?.type === "Identifier") {
      const name = String(node.callee.value)
      const callee = environment.lookupVariable(name)
      if (callee.type === "UndefinedValue") throw new CompilerError(`'${name}' is undefined`)
    }
    return super.evaluate(statement, environment)
  }
}

/** A `{% docs name %}…{% enddocs %}` block found by the pre-pass. */
export interface DocBlock {
  readonly name: string
  readonly contents: string
  /** 1-based line of the `{% docs %}` tag. */
  readonly line: number
}

const DOCS = /\{%-?\s*docs\s+([A-Za-z_][\w]*)\s*-?%\}([\s\S]*?)\{%-?\s*enddocs\s*-?%\}/g

/** Cuts docs blocks out of a file, keeping the line count so later positions stay right. */
export const extractDocs = (source: string): { readonly text: string; readonly docs: ReadonlyArray<DocBlock> } => {
  const docs: Array<DocBlock> = []
  const text = source.replace(DOCS, (whole: string, name: string, contents: string, offset: number) => {
    docs.push({ name, contents: contents.trim(), line: lineAt(source, offset) })
    return "\n".repeat(whole.split("\n").length - 1)
  })
  return { text, docs }
}

export const lineAt = (text: string, offset: number): number => text.slice(0, offset).split("\n").length

const token = (value: string, type: string): Token => ({ value, type }) as Token

/** Rewrites dbt's statements into ones the library parses: test → macro test_<name>, do → set. */
const rewrite = (tokens: ReadonlyArray<Token>): Array<Token> => {
  const out: Array<Token> = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    const next = tokens[i + 1]
    if (t === undefined) continue
    out.push(t)
    if (t.type !== "OpenStatement" || next === undefined || next.type !== "Identifier") continue
    const after = tokens[i + 2]
    if (next.value === "test" && after !== undefined && after.type === "Identifier") {
      out.push(token("macro", "Identifier"), token(`test_${after.value}`, "Identifier"))
      i += 2
    } else if (next.value === "endtest") {
      out.push(token("endmacro", "Identifier"))
      i += 1
    } else if (next.value === "do") {
      out.push(token("set", "Identifier"), token("__floe_do", "Identifier"), token("=", "Equals"))
      i += 1
    }
  }
  return out
}

/** Where a syntax error is: the first `{{ … }}` tag that does not parse alone, or an unclosed tag. */
const locateSyntaxError = (text: string): { line: number; column: number } | undefined => {
  const tags = /\{\{([\s\S]*?)\}\}/g
  for (const m of text.matchAll(tags)) {
    try {
      parse(tokenize(m[0]))
    } catch {
      return position(text, m.index)
    }
  }
  const open = /\{\{|\{%/g
  for (const m of text.matchAll(open)) {
    const close = m[0] === "{{" ? "}}" : "%}"
    if (!text.includes(close, m.index + 2)) return position(text, m.index)
  }
  return undefined
}

const position = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset)
  const line = before.split("\n").length
  return { line, column: offset - before.lastIndexOf("\n") }
}

export interface ParseFailure {
  readonly message: string
  readonly line: number | undefined
  readonly column: number | undefined
}

/** Parses a template (docs blocks already removed). Returns the program or where it failed; never throws. */
export const compile = (text: string): { readonly program: Program } | { readonly error: ParseFailure } => {
  try {
    return { program: parse(rewrite(tokenize(text, { lstrip_blocks: false, trim_blocks: false }))) }
  } catch (e) {
    const at = locateSyntaxError(text)
    const message = e instanceof Error ? e.message : String(e)
    return { error: { message, line: at?.line, column: at?.column } }
  }
}

/** A fresh global scope with Jinja's constants. */
export const makeScope = (parent?: Environment): Environment => {
  const env = new Environment(parent)
  if (parent === undefined) {
    for (const [k, v] of [
      ["true", true],
      ["false", false],
      ["True", true],
      ["False", false],
      ["none", null],
      ["None", null],
    ] as const) {
      env.set(k, v)
    }
    env.set(
      "range",
      fn(([a, b, c]) => {
        const start = b === undefined ? 0 : Number(a?.value ?? 0)
        const stop = b === undefined ? Number(a?.value ?? 0) : Number(b.value)
        const step = Number(c?.value ?? 1) || 1
        const out: Array<Value> = []
        for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(new IntegerValue(i))
        return list(out)
      }),
    )
  }
  return env
}

/** Defines a name in a scope (a context function, a relation, a macro). */
export const define = (scope: Environment, name: string, value: unknown): void => {
  scope.variables.set(name, fromJs(value))
}

/** Runs a program in a scope and returns the rendered text. Throws what the template throws. */
export const run = (program: Program, scope: Environment): string => {
  const result = new DbtInterpreter(scope).run(program)
  return display(result)
}

let KeywordArguments: (new (m: Map<string, Value>) => Value) | undefined

/** Keyword arguments as the library passes them to functions; its class is captured from one call. */
export const kwargsValue = (kwargs: Map<string, Value>): Value => {
  if (KeywordArguments === undefined) {
    let seen: Value | undefined
    const scope = makeScope()
    scope.variables.set(
      "capture",
      new FunctionValue((args) => {
        seen = args[args.length - 1]
        return none()
      }),
    )
    new DbtInterpreter(scope).run(parse(tokenize("{{ capture(a=1) }}")))
    if (seen === undefined) throw new Error("@huggingface/jinja passed no keyword arguments")
    KeywordArguments = seen.constructor as new (m: Map<string, Value>) => Value
  }
  return new KeywordArguments(kwargs)
}
