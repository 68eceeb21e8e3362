/**
 * Rendering dbt SQL with dbt's Jinja context: ref, source, config, var, env_var, is_incremental, this, target,
 * adapter.dispatch, log, return, exceptions.raise_compiler_error, and the project's macros callable from any file.
 * A `Renderer` is built once per project; each `render` renders one node and reports what it referred to.
 */
import type { Diagnostic as D } from "@floe/spec"
import { type CompilerCode, make } from "./internal/codes.ts"
import {
  CompilerError,
  call,
  compile,
  define,
  display,
  extractDocs,
  fn,
  fromJs,
  kwargsValue,
  list,
  makeScope,
  none,
  type Program,
  RelationValue,
  ReturnSignal,
  relation,
  run,
  type Scope,
  str,
  toJs,
  undef,
  type Value,
} from "./internal/jinja/runtime.ts"
import type { DbtProject } from "./Project.ts"

type Diagnostic = D.Diagnostic

export interface Target {
  readonly name: string
  readonly type: string
  readonly database: string
  readonly schema: string
  readonly threads: number
}

/** The embedded default: DuckDB at .floe/warehouse.duckdb, whose database name is the file's stem. */
export const defaultTarget: Target = { name: "dev", type: "duckdb", database: "warehouse", schema: "main", threads: 1 }

export interface RenderOptions {
  readonly target?: Partial<Target> | undefined
  /** `--vars`: override project vars. */
  readonly vars?: Readonly<Record<string, unknown>> | undefined
  /** The environment `env_var()` reads; the host passes process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

/** A resolved relation as `ref()`/`source()` return it. */
export interface RelationInfo {
  readonly database: string
  readonly schema: string
  readonly identifier: string
  /** What `{{ ref('x') }}` renders: the quoted relation, or `__dbt__cte__x` for ephemeral models. */
  readonly rendered: string
}

/** How ref() and source() resolve while rendering; undefined means "not found" (the DAG reports it). */
export interface Resolver {
  readonly ref: (name: string, pkg: string | undefined, version: string | undefined) => RelationInfo | undefined
  readonly source: (sourceName: string, table: string) => RelationInfo | undefined
}

export interface RefCall {
  readonly name: string
  readonly package: string | null
  readonly version: string | null
}

export interface RenderRequest {
  readonly name: string
  readonly resourceType: "model" | "test" | "analysis" | "operation"
  /** The file, as diagnostics should name it. */
  readonly file: string
  readonly rawCode: string
  readonly this: RelationInfo | undefined
  /** The node's config before its own config() call (properties and dbt_project.yml), for config.get. */
  readonly config: Readonly<Record<string, unknown>>
  /** False while parsing (dbt's first pass), true when compiling. */
  readonly execute: boolean
  /**
   * What `is_incremental()` returns. False at compile time; the runtime sets it when the model is incremental,
   * its relation exists as a table, and this is not a full refresh (dbt's rule).
   */
  readonly isIncremental?: boolean | undefined
  /** For generic tests: call this macro with these keyword arguments instead of rendering rawCode. */
  readonly macroCall?: { readonly macro: string; readonly kwargs: Readonly<Record<string, unknown>> } | undefined
}

export interface RenderResult {
  /** The rendered SQL; undefined when rendering failed (see diagnostics). */
  readonly sql: string | undefined
  readonly refs: ReadonlyArray<RefCall>
  readonly sources: ReadonlyArray<readonly [string, string]>
  /** What the file's config() calls set, in call order merged. */
  readonly config: Readonly<Record<string, unknown>>
  /** unique_ids of the project macros the render called. */
  readonly macros: ReadonlyArray<string>
  readonly logs: ReadonlyArray<string>
  readonly diagnostics: ReadonlyArray<Diagnostic>
}

/** The built-in generic tests (dbt-adapters' global project), as macros of the `dbt` package. */
export const BUILTIN_MACROS = `
{% macro get_where_subquery(relation) -%}
  {%- set where = config.get('where') -%}
  {%- if where -%}(select * from {{ relation }} where {{ where }}) dbt_subquery{%- else -%}{{ relation }}{%- endif -%}
{%- endmacro %}
{% macro test_not_null(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null
{% endmacro %}
{% macro test_unique(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endmacro %}
{% macro test_accepted_values(model, column_name, values, quote=True) %}
with all_values as (
    select {{ column_name }} as value_field, count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)
select *
from all_values
where value_field not in (
    {% for value in values -%}
        {% if quote -%}'{{ value }}'{%- else -%}{{ value }}{%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)
{% endmacro %}
{% macro test_relationships(model, column_name, to, field) %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),
parent as (
    select {{ field }} as to_field
    from {{ to }}
)
select from_field
from child
left join parent on child.from_field = parent.to_field
where parent.to_field is null
{% endmacro %}
`

/**
 * The built-in generic tests whose bodies only write their arguments out (`{{ column_name }}`), never look into
 * them: rendered once with a marker for each argument, they are templates the arguments are filled into.
 */
const FILLABLE_TESTS: Readonly<Record<string, ReadonlyArray<string>>> = {
  test_not_null: ["model", "column_name"],
  test_unique: ["model", "column_name"],
  test_relationships: ["model", "column_name", "to", "field"],
}
/** Marks an argument's place in a rendered template (NUL never appears in SQL text). */
const HOLE = "\u0000"

interface State {
  request: RenderRequest
  refs: Array<RefCall>
  sources: Array<readonly [string, string]>
  config: Record<string, unknown>
  macros: Set<string>
  logs: Array<string>
}

export interface Renderer {
  /** Renders one node. Never throws: template errors become E305/E306 diagnostics. */
  readonly render: (request: RenderRequest) => RenderResult
  /** Problems found while reading the project's macro files (E305). */
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /** Names of every macro known (project and built-in), for "is this a generic test" checks. */
  readonly macroNames: ReadonlySet<string>
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const failure = (code: CompilerCode, file: string, message: string, line?: number, column?: number): Diagnostic =>
  make(code, message, { file, line: line ?? 1, column: column ?? 1 })

const lookupVar = (project: DbtProject, options: RenderOptions, name: string): { found: boolean; value: unknown } => {
  const cli = options.vars ?? {}
  if (Object.hasOwn(cli, name)) return { found: true, value: cli[name] }
  const scoped = project.vars[project.name]
  if (typeof scoped === "object" && scoped !== null && Object.hasOwn(scoped, name)) {
    return { found: true, value: (scoped as Record<string, unknown>)[name] }
  }
  if (Object.hasOwn(project.vars, name)) return { found: true, value: project.vars[name] }
  return { found: false, value: undefined }
}

const quoteIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`

/** Renders a relation the dbt-duckdb way: `"db"."schema"."identifier"`. */
export const renderRelation = (database: string, schema: string, identifier: string): string =>
  `${quoteIdent(database)}.${quoteIdent(schema)}.${quoteIdent(identifier)}`

/** A template whose only tags are `{{ ref('…') }}` and `{{ source('…', '…') }}`: text and those calls. */
type PlainTemplate = ReadonlyArray<
  string | { readonly fn: "ref" | "source"; readonly first: string; readonly second?: string }
>

const PLAIN_CALL = /\{\{\s*(ref|source)\s*\(\s*(['"])([\w.-]+)\2\s*(?:,\s*(['"])([\w.-]+)\4\s*)?\)\s*\}\}/g

/** A test argument that is `get_where_subquery(ref|source(…))` or a bare `ref|source(…)`, with literal names. */
const PLAIN_KWARG =
  /^\s*(get_where_subquery\s*\(\s*)?(ref|source)\s*\(\s*(['"])([\w.-]+)\3\s*(?:,\s*(['"])([\w.-]+)\5\s*)?\)\s*(\)\s*)?$/

/**
 * Splits a model's SQL into text and ref()/source() calls when those are its only Jinja, so it renders without the
 * interpreter (most models); undefined otherwise. The text is what the interpreter would output: verbatim, less
 * one trailing newline (the template engine drops it).
 */
const plainTemplate = (raw: string): PlainTemplate | undefined => {
  if (raw.includes("\r") || raw.includes("{%") || raw.includes("{#")) return undefined
  const text = raw.endsWith("\n") ? raw.slice(0, -1) : raw
  const parts: Array<string | { fn: "ref" | "source"; first: string; second?: string }> = []
  let last = 0
  for (const m of text.matchAll(PLAIN_CALL)) {
    const between = text.slice(last, m.index)
    if (between.includes("{{")) return undefined
    if (between !== "") parts.push(between)
    const [, fn, , first, , second] = m
    if (first === undefined) return undefined
    parts.push(
      second === undefined
        ? { fn: fn === "ref" ? "ref" : "source", first }
        : { fn: fn === "ref" ? "ref" : "source", first, second },
    )
    last = m.index + m[0].length
  }
  const rest = text.slice(last)
  if (rest.includes("{{")) return undefined
  if (rest !== "") parts.push(rest)
  return parts
}

/**
 * Builds the renderer of a project: parses its macro files once (syntax errors become E305 diagnostics) and
 * prepares the dbt context. `resolver` answers ref() and source().
 */
export const makeRenderer = (project: DbtProject, resolver: Resolver, options: RenderOptions = {}): Renderer => {
  const diagnostics: Array<Diagnostic> = []
  const target: Target = { ...defaultTarget, ...options.target }
  const env = options.env ?? {}
  const root = makeScope()
  const macroScope = makeScope(root)
  let state: State | undefined
  const current = (): State => {
    if (state === undefined) throw new CompilerError("the dbt context is used outside a render")
    return state
  }

  const relationValue = (r: RelationInfo): Value => relation(r.database, r.schema, r.identifier, r.rendered)
  const placeholder = (name: string): Value =>
    relation(target.database, target.schema, name, renderRelation(target.database, target.schema, name))

  const ref = fn((args, kwargs) => {
    const s = current()
    const strings = args.map((a) => String(a.value))
    const [first, second] = strings
    if (first === undefined) throw new CompilerError("ref() takes a model name")
    const versionArg = kwargs.get("version") ?? kwargs.get("v")
    const version = versionArg === undefined || versionArg.type === "NullValue" ? null : String(versionArg.value)
    const pkg = second === undefined ? null : first
    const name = second ?? first
    s.refs.push({ name, package: pkg, version })
    const resolved = resolver.ref(name, pkg ?? undefined, version ?? undefined)
    return resolved === undefined ? placeholder(name) : relationValue(resolved)
  })

  const source = fn(([s, t]) => {
    const st = current()
    if (s === undefined || t === undefined) throw new CompilerError("source() takes a source name and a table name")
    const pair = [String(s.value), String(t.value)] as const
    st.sources.push(pair)
    const resolved = resolver.source(pair[0], pair[1])
    return resolved === undefined ? placeholder(pair[1]) : relationValue(resolved)
  })

  const configGet = (key: string): Value | undefined => {
    const s = current()
    if (Object.hasOwn(s.config, key)) return fromJs(s.config[key])
    if (Object.hasOwn(s.request.config, key)) return fromJs(s.request.config[key])
    return undefined
  }
  const configFn = fn((args, kwargs) => {
    const s = current()
    const [dict] = args
    const given: Record<string, unknown> = {}
    if (dict !== undefined && dict.type === "ObjectValue") Object.assign(given, toJs(dict))
    for (const [k, v] of kwargs) given[k] = toJs(v)
    Object.assign(s.config, given)
    return str("")
  })
  // config is callable and has .get/.require, so it is a function value with attributes.
  const configValue = configFn as Value & { builtins: ReadonlyMap<string, Value> }
  Object.defineProperty(configValue, "builtins", {
    value: new Map<string, Value>([
      ["get", fn(([k, dflt]) => configGet(String(k?.value)) ?? dflt ?? none())],
      [
        "require",
        fn(([k]) => {
          const key = String(k?.value)
          const v = configGet(key)
          if (v === undefined) throw new CompilerError(`required config '${key}' is not set`)
          return v
        }),
      ],
      ["set", fn(() => str(""))],
    ]),
  })

  const dispatch = fn((args, kwargs) => {
    const name = String(args[0]?.value ?? "")
    const namespace = args[1] ?? kwargs.get("macro_namespace")
    const prefix = namespace !== undefined && namespace.type === "StringValue" ? `${namespace.value}.` : ""
    for (const candidate of [`${target.type}__${name}`, `default__${name}`]) {
      const found = macroScope.variables.get(candidate)
      if (found !== undefined) return found
    }
    throw new CompilerError(`adapter.dispatch found no macro ${prefix}${target.type}__${name} or default__${name}`)
  })

  define(root, "ref", ref)
  define(root, "source", source)
  define(root, "config", configValue)
  define(root, "target", { ...target, profile_name: project.name })
  define(root, "project_name", project.name)
  define(root, "dbt_version", "1.11.0")
  define(
    root,
    "var",
    fn(([name, dflt]) => {
      const key = String(name?.value ?? "")
      const found = lookupVar(project, options, key)
      if (found.found) return fromJs(found.value)
      if (dflt !== undefined) return dflt
      throw new CompilerError(`Required var '${key}' not found in config: set it in dbt_project.yml vars or --vars`)
    }),
  )
  define(
    root,
    "env_var",
    fn(([name, dflt]) => {
      const key = String(name?.value ?? "")
      const value = env[key]
      if (value !== undefined) return str(value)
      if (dflt !== undefined) return dflt
      throw new CompilerError(`Env var required but not provided: '${key}'`)
    }),
  )
  define(
    root,
    "is_incremental",
    fn(() => fromJs(current().request.isIncremental === true)),
  )
  define(
    root,
    "log",
    fn(([msg]) => {
      current().logs.push(msg === undefined ? "" : display(msg))
      return str("")
    }),
  )
  define(
    root,
    "return",
    fn(([v]) => {
      throw new ReturnSignal(v ?? none())
    }),
  )
  define(
    root,
    "run_query",
    fn(() => none()),
  )
  define(
    root,
    "tojson",
    fn(([v]) => str(JSON.stringify(v === undefined ? null : toJs(v)))),
  )
  define(
    root,
    "fromjson",
    fn(([v]) => {
      try {
        return fromJs(JSON.parse(String(v?.value)))
      } catch {
        return none()
      }
    }),
  )
  define(root, "exceptions", {
    raise_compiler_error: fn(([msg]) => {
      throw new CompilerError(msg === undefined ? "compiler error" : display(msg))
    }),
    warn: fn(([msg]) => {
      current().logs.push(`warning: ${msg === undefined ? "" : display(msg)}`)
      return str("")
    }),
  })
  define(root, "adapter", {
    dispatch,
    quote: fn(([s]) => str(quoteIdent(String(s?.value ?? "")))),
    get_relation: fn(() => none()),
    get_columns_in_relation: fn(() => list([])),
  })

  // Macros: built-ins first so the project's own definitions replace them.
  const defineMacros = (text: string, file: string, pkg: string) => {
    const compiled = compile(extractDocs(text).text)
    if ("error" in compiled) {
      diagnostics.push(
        failure("FLOE-E305", file, `${file}: ${compiled.error.message}`, compiled.error.line, compiled.error.column),
      )
      return
    }
    const before = new Map(macroScope.variables)
    try {
      run(compiled.program, macroScope)
    } catch (e) {
      diagnostics.push(failure("FLOE-E306", file, `defining the macros of ${file} failed: ${messageOf(e)}`))
    }
    for (const [name, value] of macroScope.variables) {
      if (before.get(name) === value || value.type !== "FunctionValue") continue
      const id = `macro.${pkg}.${name}`
      macroScope.variables.set(
        name,
        fn((args, kwargs, scope) => {
          state?.macros.add(id)
          const all = kwargs.size > 0 ? [...args, kwargsValue(kwargs)] : args
          return call(value, all, scope)
        }),
      )
    }
  }
  defineMacros(BUILTIN_MACROS, "<dbt built-in macros>", "dbt")
  // The built-in macros as defined, so the fast paths can tell whether a project macro of the same name replaced one.
  const builtins = new Map(macroScope.variables)
  const isBuiltin = (name: string): boolean => macroScope.variables.get(name) === builtins.get(name)
  for (const file of project.macroFiles) defineMacros(file.text, `${project.root}/${file.path}`, project.name)

  const programs = new Map<string, Program | { error: Diagnostic }>()
  // A project macro named ref or source replaces the context's; then every file goes through the interpreter.
  const plainAllowed = !macroScope.variables.has("ref") && !macroScope.variables.has("source")
  const plainTemplates = new Map<string, PlainTemplate | undefined>()
  const plainOf = (raw: string): PlainTemplate | undefined => {
    if (!plainAllowed) return undefined
    let plain = plainTemplates.get(raw)
    if (plain === undefined && !plainTemplates.has(raw)) {
      plain = plainTemplate(raw)
      plainTemplates.set(raw, plain)
    }
    return plain
  }
  /** What ref() records and renders, without the interpreter. */
  const plainRef = (s: State, first: string, second: string | undefined): RelationInfo | undefined => {
    const pkg = second === undefined ? null : first
    const name = second ?? first
    s.refs.push({ name, package: pkg, version: null })
    return resolver.ref(name, pkg ?? undefined, undefined)
  }
  /** What source() records and renders, without the interpreter. */
  const plainSource = (s: State, first: string, second: string | undefined): RelationInfo | undefined => {
    if (second === undefined) throw new CompilerError("source() takes a source name and a table name")
    s.sources.push([first, second])
    return resolver.source(first, second)
  }
  const placeholderText = (name: string) => renderRelation(target.database, target.schema, name)
  const renderPlain = (plain: PlainTemplate, s: State): string => {
    let sql = ""
    for (const part of plain) {
      if (typeof part === "string") sql += part
      else if (part.fn === "ref")
        sql += plainRef(s, part.first, part.second)?.rendered ?? placeholderText(part.second ?? part.first)
      else sql += plainSource(s, part.first, part.second)?.rendered ?? placeholderText(part.second ?? part.first)
    }
    return sql
  }

  const render = (request: RenderRequest): RenderResult => {
    const s: State = { request, refs: [], sources: [], config: {}, macros: new Set(), logs: [] }
    const result = (sql: string | undefined, diags: Array<Diagnostic>): RenderResult => ({
      sql,
      refs: s.refs,
      sources: s.sources,
      config: s.config,
      macros: [...s.macros].sort(),
      logs: s.logs,
      diagnostics: diags,
    })
    state = s
    try {
      const plain = request.macroCall === undefined ? plainOf(request.rawCode) : undefined
      if (plain !== undefined) return result(renderPlain(plain, s), [])
      // The node's scope, made when something needs it (a filled-in generic test does not).
      let made: Scope | undefined
      const scopeOf = (): Scope => {
        if (made !== undefined) return made
        const scope = makeScope(macroScope)
        define(scope, "this", request.this === undefined ? undef() : relationValue(request.this))
        define(scope, "execute", request.execute)
        define(scope, "model", { name: request.name, resource_type: request.resourceType, config: request.config })
        made = scope
        return scope
      }
      if (request.macroCall !== undefined) {
        const macro = macroScope.variables.get(request.macroCall.macro)
        if (macro === undefined) {
          return result(undefined, [
            failure("FLOE-E310", request.file, `no generic test macro ${request.macroCall.macro}`),
          ])
        }
        const kwargs = new Map<string, Value>()
        for (const [k, v] of Object.entries(request.macroCall.kwargs)) kwargs.set(k, renderKwarg(v, scopeOf))
        const filled = fillTest(request.macroCall.macro, macro, kwargs, scopeOf)
        return result(filled ?? display(call(macro, [kwargsValue(kwargs)], scopeOf())), [])
      }
      const scope = scopeOf()
      let program = programs.get(request.rawCode)
      if (program === undefined) {
        const compiled = compile(extractDocs(request.rawCode).text)
        program =
          "error" in compiled
            ? {
                error: failure(
                  "FLOE-E305",
                  request.file,
                  compiled.error.message,
                  compiled.error.line,
                  compiled.error.column,
                ),
              }
            : compiled.program
        programs.set(request.rawCode, program)
      }
      if ("error" in program) return result(undefined, [{ ...program.error, file: request.file }])
      try {
        return result(run(program, scope), [])
      } catch (e) {
        if (e instanceof ReturnSignal) return result(display(e.value), [])
        throw e
      }
    } catch (e) {
      return result(undefined, [
        failure("FLOE-E306", request.file, `rendering ${request.resourceType} ${request.name} failed: ${messageOf(e)}`),
      ])
    } finally {
      state = undefined
    }
  }

  // Parsed argument expressions by their text: a model's tests share its `model` argument, and parsing is most of
  // an argument's cost. Parsing is pure, so a cached program is the program a fresh parse would give.
  const kwargPrograms = new Map<string, ReturnType<typeof compile>>()

  // Built-in generic tests as templates with holes for their arguments (see FILLABLE_TESTS), made on first use.
  const testTemplates = new Map<string, ReadonlyArray<string>>()

  /**
   * A call of a built-in generic test (still the built-in macro, every argument a string or a relation), rendered
   * by filling its template in: the text the interpreter gives, without it. Undefined: call the macro.
   */
  const fillTest = (
    name: string,
    macro: Value,
    kwargs: ReadonlyMap<string, Value>,
    scopeOf: () => Scope,
  ): string | undefined => {
    const params = FILLABLE_TESTS[name]
    if (params === undefined || !isBuiltin(name) || kwargs.size !== params.length) return undefined
    for (const p of params) {
      const v = kwargs.get(p)
      if (v === undefined || !(v.type === "StringValue" || v instanceof RelationValue)) return undefined
    }
    let parts = testTemplates.get(name)
    if (parts === undefined) {
      const holes = new Map(params.map((p) => [p, str(`${HOLE}${p}${HOLE}`)]))
      parts = display(call(macro, [kwargsValue(holes)], scopeOf())).split(HOLE)
      testTemplates.set(name, parts)
    }
    current().macros.add(`macro.dbt.${name}`)
    let sql = ""
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string
      sql += i % 2 === 0 ? part : display(kwargs.get(part) as Value)
    }
    return sql
  }

  /** Test arguments like `to: ref('customers')` are Jinja expressions in dbt; other values are data. */
  const renderKwarg = (v: unknown, scopeOf: () => Scope): Value => {
    const direct = typeof v === "string" ? plainKwarg(v) : undefined
    if (direct !== undefined) return direct
    if (typeof v === "string" && /^\s*(ref|source|get_where_subquery)\s*\(/.test(v)) {
      let compiled = kwargPrograms.get(v)
      if (compiled === undefined) {
        compiled = compile(`{{ __floe_capture(${v}) }}`)
        kwargPrograms.set(v, compiled)
      }
      if ("program" in compiled) {
        let captured: Value = str(v)
        const inner = makeScope(scopeOf())
        define(
          inner,
          "__floe_capture",
          fn(([x]) => {
            captured = x ?? none()
            return str("")
          }),
        )
        run(compiled.program, inner)
        return captured
      }
    }
    return fromJs(v)
  }

  /**
   * A test's `model` argument written the way dbt writes it — `get_where_subquery(ref('x'))` or `…(source('s',
   * 't'))`, or a bare ref()/source() — evaluated without the interpreter when ref, source and get_where_subquery
   * are the built-in ones and the test has no `where` (then get_where_subquery returns the relation's text).
   * Undefined: evaluate it the general way.
   */
  const plainKwarg = (v: string): Value | undefined => {
    if (!plainAllowed) return undefined
    const m = PLAIN_KWARG.exec(v)
    if (m === null) return undefined
    const [, wrapped, fn, , first, , second, closed] = m
    if (first === undefined || (wrapped !== undefined) !== (closed !== undefined)) return undefined
    const s = current()
    if (wrapped !== undefined) {
      if (!isBuiltin("get_where_subquery")) return undefined
      const where = Object.hasOwn(s.config, "where") ? s.config["where"] : s.request.config["where"]
      if (where !== undefined && where !== null) return undefined
    }
    const resolved = fn === "ref" ? plainRef(s, first, second) : plainSource(s, first, second)
    if (wrapped === undefined) return resolved === undefined ? placeholder(second ?? first) : relationValue(resolved)
    // get_where_subquery without a `where` returns the relation's text.
    s.macros.add("macro.dbt.get_where_subquery")
    return str(resolved?.rendered ?? placeholderText(second ?? first))
  }

  return { render, diagnostics, macroNames: new Set(macroScope.variables.keys()) }
}
