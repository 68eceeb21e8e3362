/**
 * The one diagnostic shape every Floe package reports: a stable code, a severity, a message in the user's words,
 * where it is (file, line, column; 1-based) and a resolution hint.
 */
import { z } from "zod"
import { type DiagnosticCode, describeCode } from "./DiagnosticCodes.ts"

export const Severity = z.enum(["error", "warning", "info"])
export type Severity = z.infer<typeof Severity>

export const Diagnostic = z.strictObject({
  code: z.string().regex(/^FLOE-[EWI]\d{3}$/),
  severity: Severity,
  message: z.string(),
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
  endLine: z.number().int().positive().optional(),
  endColumn: z.number().int().positive().optional(),
  hint: z.string().optional(),
})
export type Diagnostic = z.infer<typeof Diagnostic>

/** A position inside a source file, 1-based like editors show it. */
export interface Location {
  readonly file?: string | undefined
  readonly line?: number | undefined
  readonly column?: number | undefined
  readonly endLine?: number | undefined
  readonly endColumn?: number | undefined
}

/**
 * Builds a diagnostic for a registered code. The severity and the default hint come from the registry, so a code
 * always means the same thing; a caller may give a more specific hint. Never fails.
 */
export const make = (code: DiagnosticCode, message: string, location: Location = {}, hint?: string): Diagnostic => {
  const entry = describeCode(code)
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = {
    code,
    severity: entry.severity,
    message,
  }
  if (location.file !== undefined) d.file = location.file
  if (location.line !== undefined) d.line = location.line
  if (location.column !== undefined) d.column = location.column
  if (location.endLine !== undefined) d.endLine = location.endLine
  if (location.endColumn !== undefined) d.endColumn = location.endColumn
  const h = hint ?? entry.hint
  if (h !== undefined) d.hint = h
  return d
}

/** True when any diagnostic is an error. */
export const hasErrors = (diagnostics: ReadonlyArray<Diagnostic>): boolean =>
  diagnostics.some((d) => d.severity === "error")

/** Orders diagnostics by file, line, column, then code, so output is stable across runs. */
export const sort = (diagnostics: ReadonlyArray<Diagnostic>): Array<Diagnostic> =>
  [...diagnostics].sort(
    (a, b) =>
      (a.file ?? "").localeCompare(b.file ?? "") ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.code.localeCompare(b.code),
  )

/**
 * Renders one diagnostic the way compilers do (`file:line:col: error FLOE-E121: message`), followed by the
 * resolution hint on its own line. Used by the CLI and by embedders that print to a terminal.
 */
export const format = (d: Diagnostic): string => {
  const where = d.file === undefined ? "" : `${d.file}${d.line === undefined ? "" : `:${d.line}:${d.column ?? 1}`}: `
  const head = `${where}${d.severity} ${d.code}: ${d.message}`
  return d.hint === undefined ? head : `${head}\n  Resolution: ${d.hint}`
}
