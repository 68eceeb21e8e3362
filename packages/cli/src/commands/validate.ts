/** `floe validate [dir]`: the validate pipeline's stages rendered as text, or one JSON object with --json. */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Diagnostic, Loader } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { type Io, style } from "../Io.ts"
import { renderDiagnostics } from "../Render.ts"

export const validate = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  if (args.positionals.length > 1) throw new UsageError(`validate takes one directory, got ${args.positionals.length}`)
  const dir = args.positionals[0] ?? "."
  const json = args.flags.has("json")
  const quiet = args.flags.has("quiet")
  const started = performance.now()
  const result = await Effect.runPromise(
    Loader.loadProduct(dir).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))),
  )
  const passed = !Diagnostic.hasErrors(result.diagnostics)
  const seconds = (performance.now() - started) / 1000
  if (json) {
    io.stdout(
      `${JSON.stringify({
        passed,
        product: result.value ? { name: result.value.metadata.name, version: result.value.metadata.version } : null,
        stages: [{ name: "Validating floe.yaml", passed }],
        diagnostics: result.diagnostics,
        seconds,
      })}\n`,
    )
    return passed ? ExitCode.ok : ExitCode.failed
  }
  const c = io.color
  const lines: Array<string> = []
  if (!quiet) lines.push(style.bold(c, "[1/4] Validating floe.yaml"))
  if (passed) {
    if (!quiet) lines.push(`  ${style.green(c, "✓")} Schema valid`)
    const warnings = result.diagnostics.length
    if (warnings > 0) lines.push(renderDiagnostics(result.diagnostics, io))
  } else {
    const errors = result.diagnostics.filter((d) => d.severity === "error").length
    lines.push(`  ${style.red(c, "✗")} ${errors} ${errors === 1 ? "error" : "errors"}`)
    lines.push(renderDiagnostics(result.diagnostics, io))
  }
  if (!quiet || !passed) {
    lines.push("")
    lines.push(passed ? style.green(c, "Validation PASSED") : style.red(c, "Validation FAILED"))
  }
  const out = `${lines.join("\n")}\n`
  io.stdout(out)
  return passed ? ExitCode.ok : ExitCode.failed
}
