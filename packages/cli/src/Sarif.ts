/**
 * Diagnostics as a SARIF 2.1.0 log (`floe validate --format sarif`), for code-scanning tools (GitHub code scanning,
 * editors, SARIF viewers). Pure: the same diagnostics and options give the same log.
 *
 * One run; its driver lists one rule per code the diagnostics use (title, description and the registry's resolution
 * hint as help); each diagnostic is one result whose location is relative to the product directory.
 */
import * as path from "node:path"
import { type Diagnostic, DiagnosticCodes } from "@floe/spec"

export const SARIF_VERSION = "2.1.0"
export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
/** Where floe is documented: the driver's informationUri. */
export const INFORMATION_URI = "https://floe.dev"
/** The `uriBaseId` of every artifact location: the product directory. */
export const PRODUCT_ROOT = "PRODUCTROOT"

export type Level = "error" | "warning" | "note"

export interface Region {
  readonly startLine: number
  readonly startColumn: number
  readonly endLine?: number
  readonly endColumn?: number
}

export interface Result {
  readonly ruleId: string
  readonly ruleIndex: number
  readonly level: Level
  readonly message: { readonly text: string }
  readonly locations: ReadonlyArray<{
    readonly physicalLocation: {
      readonly artifactLocation: { readonly uri: string; readonly uriBaseId: string }
      readonly region?: Region
    }
  }>
}

export interface Rule {
  readonly id: string
  readonly name: string
  readonly shortDescription: { readonly text: string }
  readonly fullDescription: { readonly text: string }
  readonly help: { readonly text: string }
  readonly helpUri?: string
  readonly defaultConfiguration: { readonly level: Level }
}

export interface Log {
  readonly $schema: string
  readonly version: "2.1.0"
  readonly runs: ReadonlyArray<{
    readonly tool: {
      readonly driver: {
        readonly name: "floe"
        readonly version: string
        readonly semanticVersion: string
        readonly informationUri: string
        readonly rules: ReadonlyArray<Rule>
      }
    }
    readonly originalUriBaseIds?: Readonly<Record<string, { readonly uri: string }>>
    readonly results: ReadonlyArray<Result>
  }>
}

export interface Options {
  /** The floe version (the driver's version). */
  readonly version: string
  /** Where the tool is documented. */
  readonly informationUri: string
  /** The product directory, absolute: artifact URIs are relative to it. */
  readonly productDir: string
  /** The directory relative diagnostic paths are relative to (the CLI's working directory), absolute. */
  readonly cwd: string
  /** Where each rule is documented: `${helpBase}#floe-e121`, when given. */
  readonly helpBase?: string | undefined
  /** The file a diagnostic without one is reported against (default floe.yaml): code scanning needs a location. */
  readonly defaultFile?: string | undefined
}

export const level = (severity: Diagnostic.Severity): Level =>
  severity === "error" ? "error" : severity === "warning" ? "warning" : "note"

const isRegistered = (code: string): code is DiagnosticCodes.DiagnosticCode =>
  (DiagnosticCodes.codes as ReadonlyArray<string>).includes(code)

/** The rule's name: its title in PascalCase (`Invalid semantic version` → `InvalidSemanticVersion`). */
const pascal = (title: string): string =>
  title
    .replace(/[^A-Za-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .map((w) => (w === "" ? "" : `${w[0]?.toUpperCase()}${w.slice(1)}`))
    .join("")

const rule = (code: string, fallback: Diagnostic.Diagnostic, helpBase: string | undefined): Rule => {
  const entry = isRegistered(code) ? DiagnosticCodes.describeCode(code) : undefined
  const title = entry?.title ?? code
  const hint = entry?.hint ?? fallback.hint ?? "See the diagnostics reference."
  return {
    id: code,
    name: pascal(title) || code,
    shortDescription: { text: title },
    fullDescription: { text: entry?.description ?? title },
    help: { text: hint },
    ...(helpBase === undefined ? {} : { helpUri: `${helpBase}#${code.toLowerCase()}` }),
    defaultConfiguration: { level: level(entry?.severity ?? fallback.severity) },
  }
}

/** A file path as a URI reference relative to the product directory, with `/` separators and escaped characters. */
export const artifactUri = (file: string, productDir: string, cwd: string): string => {
  const absolute = path.resolve(cwd, file)
  const relative = path.relative(productDir, absolute) || path.basename(absolute)
  return relative.split(path.sep).map(encodeURIComponent).join("/")
}

const fileUri = (dir: string): string => {
  const posix = path.resolve(dir).split(path.sep).map(encodeURIComponent).join("/")
  const withRoot = posix.startsWith("/") ? posix : `/${posix}`
  return `file://${withRoot.endsWith("/") ? withRoot : `${withRoot}/`}`
}

const region = (d: Diagnostic.Diagnostic): Region | undefined => {
  if (d.line === undefined) return undefined
  const startColumn = d.column ?? 1
  const endLine = d.endLine !== undefined && d.endLine >= d.line ? d.endLine : undefined
  const endColumn =
    d.endColumn !== undefined && ((endLine ?? d.line) > d.line || d.endColumn >= startColumn) ? d.endColumn : undefined
  return {
    startLine: d.line,
    startColumn,
    ...(endLine === undefined ? {} : { endLine }),
    ...(endColumn === undefined ? {} : { endColumn }),
  }
}

/** Converts diagnostics to one SARIF 2.1.0 log. */
export const fromDiagnostics = (diagnostics: ReadonlyArray<Diagnostic.Diagnostic>, options: Options): Log => {
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort()
  const rules = codes.map((code) =>
    rule(code, diagnostics.find((d) => d.code === code) as Diagnostic.Diagnostic, options.helpBase),
  )
  const index = new Map(codes.map((c, i) => [c, i]))
  const results: Array<Result> = diagnostics.map((d) => {
    const r = rules[index.get(d.code) ?? 0] as Rule
    const specific = d.hint !== undefined && d.hint !== r.help.text
    const reg = region(d)
    const file = d.file ?? options.defaultFile ?? "floe.yaml"
    return {
      ruleId: d.code,
      ruleIndex: index.get(d.code) ?? 0,
      level: level(d.severity),
      message: { text: specific ? `${d.message}\nResolution: ${d.hint}` : d.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: {
              uri: d.file === undefined ? file : artifactUri(file, options.productDir, options.cwd),
              uriBaseId: PRODUCT_ROOT,
            },
            ...(reg === undefined ? {} : { region: reg }),
          },
        },
      ],
    }
  })
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: "floe",
            version: options.version,
            semanticVersion: options.version,
            informationUri: options.informationUri,
            rules,
          },
        },
        originalUriBaseIds: { [PRODUCT_ROOT]: { uri: fileUri(options.productDir) } },
        results,
      },
    ],
  }
}
