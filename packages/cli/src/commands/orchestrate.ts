/**
 * `floe orchestrate [dir] --to dagster`: compiles the product (writing nothing else) and writes what the chosen
 * orchestrator needs under .floe/orchestration/<type>/ — for Dagster, a Python package with an asset per model, a
 * check per test and the product's schedule. Compile stage 6 does the same when the platform manifest chooses
 * `orchestrator: {type: dagster}`.
 */
import { join } from "node:path"
import { Compiler, Orchestration } from "@floe/compiler"
import { DagsterOrchestrator } from "@floe/orchestrator-dagster"
import { LocalOrchestrator } from "@floe/orchestrator-local"
import { Diagnostic, Loader, Orchestrator } from "@floe/spec"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { parseVars, platform } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import { renderInvalid } from "../Render.ts"

/** The orchestrators this host can generate for, by platform-manifest type. */
const ORCHESTRATORS: Readonly<Record<string, (dbt: boolean) => Orchestrator.OrchestratorShape>> = {
  dagster: (dbt) => DagsterOrchestrator.make({ dbt }),
  local: () => LocalOrchestrator.make(),
}

export const orchestrate = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  if (args.positionals.length > 1)
    throw new UsageError(`orchestrate takes one directory, got ${args.positionals.length}`)
  const dir = args.positionals[0] ?? "."
  const to = args.flags.get("to")
  if (typeof to !== "string") throw new UsageError("orchestrate needs --to dagster (or --to local)")
  const make = ORCHESTRATORS[to]
  if (make === undefined)
    throw new UsageError(`unknown orchestrator '${to}'; choose one of: ${Object.keys(ORCHESTRATORS).join(", ")}`)
  const json = args.flags.has("json")
  const vars = parseVars(args.flags.get("vars"))
  const orchestrator = make(args.flags.has("dbt"))
  const c = io.color
  const base = Orchestrator.outputDirectory(orchestrator.type)

  const program = Effect.gen(function* () {
    const loaded = yield* Loader.loadProduct(dir)
    if (loaded.value === undefined) return { _tag: "Invalid" as const, diagnostics: loaded.diagnostics }
    const product = loaded.value
    const compiled = yield* Compiler.compile(dir, { product, vars, env: process.env, write: false })
    const artifacts = Orchestration.fromCompile({ dir, product, compiled })
    if (artifacts === undefined || Diagnostic.hasErrors(compiled.diagnostics))
      return {
        _tag: "Invalid" as const,
        diagnostics: Diagnostic.sort([...loaded.diagnostics, ...compiled.diagnostics]),
      }
    const files = yield* orchestrator.generate(artifacts)
    const written = yield* Orchestration.writeFiles(join(dir, base), files)
    return { _tag: "Written" as const, files: Object.keys(files).sort(), written, models: artifacts.models.length }
  }).pipe(Effect.provide(platform))

  const exit = await Effect.runPromiseExit(program)
  if (Exit.isFailure(exit)) {
    const error = Cause.squash(exit.cause)
    if (error instanceof Orchestrator.OrchestratorError) {
      if (json) io.stdout(`${JSON.stringify({ status: "failed", reason: error.reason, message: error.message })}\n`)
      else io.stderr(`${style.red(c, "error:")} ${error.message}\n`)
      return ExitCode.failed
    }
    throw error
  }
  const value = exit.value
  if (value._tag === "Invalid") {
    if (json) io.stdout(`${JSON.stringify({ status: "invalid", diagnostics: value.diagnostics })}\n`)
    else io.stdout(renderInvalid(value.diagnostics, io, "FAILED"))
    return ExitCode.failed
  }
  if (json) {
    io.stdout(
      `${JSON.stringify({ status: "ok", orchestrator: orchestrator.type, directory: base, files: value.files })}\n`,
    )
    return ExitCode.ok
  }
  if (value.files.length === 0) {
    io.stdout(
      `${style.green(c, "✓")} The ${orchestrator.type} orchestrator needs no generated files: run ${style.bold(c, "floe serve")} to keep the product on its schedule\n`,
    )
    return ExitCode.ok
  }
  const name = `${orchestrator.type[0]?.toUpperCase() ?? ""}${orchestrator.type.slice(1)}`
  io.stdout(
    [
      `${style.green(c, "✓")} ${name} definitions created (${base}, ${value.models} assets)`,
      ...value.files.map((f) => `  ${style.dim(c, `${base}/${f}`)}`),
      "",
    ].join("\n"),
  )
  return ExitCode.ok
}
