/** Human rendering of diagnostics: `file:line:col  error FLOE-E121  message` and the resolution beneath. */
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
