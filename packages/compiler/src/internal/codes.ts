/**
 * The E3xx codes this package reports before they join the registry in `@floe/spec` (see codes-proposed.md).
 * `make` mirrors `Diagnostic.make`: same shape, severity and default hint from one table.
 */
import type { Diagnostic as D } from "@floe/spec"

type Diagnostic = D.Diagnostic
type Location = D.Location

interface Entry {
  readonly severity: "error" | "warning"
  readonly hint: string
}

const entries = {
  "FLOE-E300": {
    severity: "error",
    hint: "Fix the key shown; the dbt reference for dbt_project.yml lists each key's type.",
  },
  "FLOE-E301": {
    severity: "error",
    hint: "Create the model, or correct the name in ref().",
  },
  "FLOE-E302": {
    severity: "error",
    hint: "Break the cycle: move the shared logic into a new upstream model that both refer to.",
  },
  "FLOE-E303": {
    severity: "error",
    hint: "Declare the table under `sources:` in a properties YAML file, or correct the names.",
  },
  "FLOE-E304": { severity: "error", hint: "Rename one of the files; node names come from file names." },
  "FLOE-E305": { severity: "error", hint: "Fix the template at the position shown." },
  "FLOE-E306": {
    severity: "error",
    hint: "Read the message; it names the macro or function that failed.",
  },
  "FLOE-E307": {
    severity: "error",
    hint: "Fix the entry shown; every model, column, source and table needs a `name`.",
  },
  "FLOE-E308": {
    severity: "warning",
    hint: "Remove the entry or create the model file; check the spelling of `name`.",
  },
  "FLOE-E309": { severity: "error", hint: "Rename or remove one of the macros." },
  "FLOE-E310": {
    severity: "error",
    hint: "Define the test with `{% test name(model, column_name) %}` in tests/generic/ or macros/, or correct its name.",
  },
  "FLOE-W301": {
    severity: "warning",
    hint: "The node is skipped; run it with dbt-core until the native engine supports it.",
  },
} as const satisfies Record<string, Entry>

export type CompilerCode = keyof typeof entries

/** Builds a diagnostic with a proposed E3xx code. Never fails. */
export const make = (code: CompilerCode, message: string, location: Location = {}, hint?: string): Diagnostic => {
  const entry: Entry = entries[code]
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, severity: entry.severity, message }
  if (location.file !== undefined) d.file = location.file
  if (location.line !== undefined) d.line = location.line
  if (location.column !== undefined) d.column = location.column
  if (location.endLine !== undefined) d.endLine = location.endLine
  if (location.endColumn !== undefined) d.endColumn = location.endColumn
  d.hint = hint ?? entry.hint
  return d
}
