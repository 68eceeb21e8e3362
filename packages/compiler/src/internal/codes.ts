/**
 * The E3xx/W3xx codes this package reports, all registered in `@floe/spec`'s DiagnosticCodes. `make` is the
 * registry's `Diagnostic.make`, narrowed to this package's range so a typo in a code is a type error.
 */
import { Diagnostic, type DiagnosticCodes } from "@floe/spec"

export type CompilerCode = Extract<DiagnosticCodes.DiagnosticCode, `FLOE-${"E" | "W"}3${string}`>

/** Builds a diagnostic with one of this package's codes. Never fails. */
export const make: (
  code: CompilerCode,
  message: string,
  location?: Diagnostic.Location,
  hint?: string,
) => Diagnostic.Diagnostic = Diagnostic.make
