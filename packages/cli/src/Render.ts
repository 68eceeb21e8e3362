/** Human rendering: diagnostics (`file:line:col error FLOE-E121: message` with the resolution beneath) and stages. */
import type { Diagnostic } from "@floe/spec"
import { type Io, style } from "./Io.ts"

export const renderDiagnostics = (diagnostics: ReadonlyArray<Diagnostic.Diagnostic>, io: Io): string =>
  diagnostics
    .map((d) => {
      const c = io.color
      const where = d.file === undefined ? "" : `${d.file}${d.line === undefined ? "" : `:${d.line}:${d.column ?? 1}`}`
      const sev =
        d.severity === "error" ? style.red(c, "error") : d.severity === "warning" ? style.yellow(c, "warning") : "info"
      const head = `    ${style.dim(c, where)}${where ? " " : ""}${sev} ${style.bold(c, d.code)}: ${d.message}`
      return d.hint === undefined ? head : `${head}\n      ${style.cyan(c, "Resolution:")} ${d.hint}`
    })
    .join("\n")

export interface StageView {
  readonly index: number
  readonly total: number
  readonly title: string
  readonly checks: ReadonlyArray<{ readonly label: string; readonly passed: boolean }>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  readonly skipped?: string | undefined
  readonly lines?: ReadonlyArray<string> | undefined
}

/** `[2/4] Validating dbt project` with its `✓`/`✗` checks and, beneath, the stage's diagnostics. */
export const renderStage = (stage: StageView, io: Io, quiet = false): string => {
  const c = io.color
  const lines: Array<string> = []
  const failed = stage.checks.some((k) => !k.passed)
  if (!quiet || failed) lines.push(style.bold(c, `[${stage.index}/${stage.total}] ${stage.title}`))
  if (!quiet) for (const line of stage.lines ?? []) lines.push(`  ${line}`)
  if (stage.skipped !== undefined) {
    if (!quiet) lines.push(`  ${style.dim(c, `- skipped: ${stage.skipped}`)}`)
  } else {
    for (const k of stage.checks) {
      if (quiet && k.passed) continue
      lines.push(`  ${k.passed ? style.green(c, "✓") : style.red(c, "✗")} ${k.label}`)
    }
  }
  // Multi-line messages (the identity conflict's Owner:/Expected:) stay indented under their first line.
  const shown = (quiet ? stage.diagnostics.filter((d) => d.severity === "error") : stage.diagnostics).map((d) => ({
    ...d,
    message: d.message.replaceAll("\n", "\n    "),
  }))
  if (shown.length > 0) lines.push(renderDiagnostics(shown, io))
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`
}

/** "1.2s" / "250ms" */
export const seconds = (s: number): string => (s < 1 ? `${Math.round(s * 1000)}ms` : `${s.toFixed(1)}s`)

/**
 * What a command prints when the product cannot be worked on: the diagnostics, then `<verdict>: <why>` — the compute
 * engine that cannot be opened (E801), or a product that does not compile (with the pointer to `floe validate`).
 */
export const renderInvalid = (diagnostics: ReadonlyArray<Diagnostic.Diagnostic>, io: Io, verdict: string): string => {
  const why =
    diagnostics.length > 0 && diagnostics.every((d) => d.code === "FLOE-E801")
      ? "the compute engine cannot be opened"
      : "the product does not compile; run floe validate for details"
  return `${renderDiagnostics(diagnostics, io)}\n\n${style.red(io.color, verdict)}: ${why}\n`
}
