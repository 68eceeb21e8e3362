/** `floe compile [dir]`: renders and binds the dbt project and writes `target/manifest.json`. */
import { Compiler } from "@floe/compiler"
import { Diagnostic, Loader } from "@floe/spec"
import * as Effect from "effect/Effect"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { parseVars, platform, scratchCompute } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import { renderDiagnostics, seconds } from "../Render.ts"

export const compile = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  if (args.positionals.length > 1) throw new UsageError(`compile takes one directory, got ${args.positionals.length}`)
  const dir = args.positionals[0] ?? "."
  const json = args.flags.has("json")
  const vars = parseVars(args.flags.get("vars"))
  const started = performance.now()
  const outcome = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const loaded = yield* Loader.loadProduct(dir)
        if (loaded.value === undefined) return { loaded, compiled: undefined }
        const compute = yield* scratchCompute()
        const compiled = yield* Compiler.compile(dir, { product: loaded.value, compute, vars, env: process.env })
        return { loaded, compiled }
      }),
    ).pipe(Effect.provide(platform)),
  )
  const elapsed = (performance.now() - started) / 1000
  const diagnostics = Diagnostic.sort([...outcome.loaded.diagnostics, ...(outcome.compiled?.diagnostics ?? [])])
  const passed = !Diagnostic.hasErrors(diagnostics) && outcome.compiled?.manifestPath !== undefined
  const counts = outcome.compiled?.counts
  if (json) {
    io.stdout(
      `${JSON.stringify({ passed, manifest: outcome.compiled?.manifestPath ?? null, counts: counts ?? null, diagnostics, seconds: elapsed })}\n`,
    )
    return passed ? ExitCode.ok : ExitCode.failed
  }
  const c = io.color
  const lines = [style.bold(c, "Compiling dbt project")]
  if (counts) {
    lines.push(
      `  ${counts.modelsBound === counts.models || passed ? style.green(c, "✓") : style.red(c, "✗")} Models compile: ${counts.modelsBound}/${counts.models}`,
      `  ${style.green(c, "✓")} Seeds: ${counts.seeds}, sources: ${counts.sources}, tests: ${counts.tests}`,
    )
  }
  if (outcome.compiled?.manifestPath) lines.push(`  ${style.green(c, "✓")} Manifest: ${outcome.compiled.manifestPath}`)
  if (diagnostics.length > 0) lines.push(renderDiagnostics(diagnostics, io))
  lines.push(
    "",
    `${passed ? style.green(c, "Compilation COMPLETE") : style.red(c, "Compilation FAILED")} ${style.dim(c, `(${seconds(elapsed)})`)}`,
  )
  io.stdout(`${lines.join("\n")}\n`)
  return passed ? ExitCode.ok : ExitCode.failed
}
