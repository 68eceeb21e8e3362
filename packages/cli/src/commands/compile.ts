/**
 * `floe compile [dir]`: the seven compile stages of the lifecycle guide, rendered as they finish — platform,
 * identity (in the embedded catalog `.floe/catalog.db`), inheritance, the dbt project (`target/manifest.json`),
 * data contracts (registered in the catalog), orchestration, and `.floe/artifacts.json`.
 */
import * as path from "node:path"
import { CompilePipeline, Orchestration, Validate } from "@floe/compiler"
import { OciPlatformSource } from "@floe/platform-oci"
import { Catalog, Diagnostic, Loader } from "@floe/spec"
import * as Effect from "effect/Effect"
import { UsageError } from "../Args.ts"
import { ExitCode, VERSION } from "../Cli.ts"
import { CATALOG_FILE, ociConfig, openCatalog, parseVars, platform, scratchCompute } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import * as LiveStatus from "../LiveStatus.ts"
import { seconds } from "../Render.ts"

export const compile = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  if (args.positionals.length > 1) throw new UsageError(`compile takes one directory, got ${args.positionals.length}`)
  const dir = args.positionals[0] ?? "."
  const json = args.flags.has("json")
  const quiet = args.flags.has("quiet")
  const vars = parseVars(args.flags.get("vars"))
  const started = performance.now()
  const catalogFile = path.join(dir, CATALOG_FILE)
  const outcome = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        // The platform decides which catalog the product registers in; resolve it first (cheap: files, or the
        // OCI digest cache), then the pipeline resolves it again for its own stages.
        // On a terminal, a live line shows the stage being compiled once it takes more than a second.
        const onStage = yield* LiveStatus.stageReporter(io, { json, quiet, title: "Compiling" }, process.env)
        const oci = yield* OciPlatformSource.make(ociConfig(process.env, false))
        const loaded = yield* Loader.loadProduct(dir)
        const resolved = yield* Validate.resolveProductPlatform(loaded, dir, { platformSources: [oci] })
        const opened = yield* Effect.result(openCatalog(resolved.platform, dir, process.env))
        if (opened._tag === "Failure") {
          return {
            _tag: "NoCatalog" as const,
            diagnostics: [
              Diagnostic.make(
                "FLOE-E604",
                `cannot open the embedded catalog ${catalogFile}: ${opened.failure.message}`,
                {
                  file: catalogFile,
                },
              ),
            ],
          }
        }
        const compute = yield* scratchCompute()
        const result = yield* CompilePipeline.compile(dir, {
          compute,
          vars,
          env: process.env,
          floeVersion: VERSION,
          platformSources: [oci],
          // Stage 6: a platform choosing `orchestrator: {type: dagster}` gets Dagster definitions.
          orchestrators: {
            dagster: (input) => {
              const artifacts = Orchestration.fromCompile({ dir: input.dir, product: input.product, compiled: input })
              return artifacts === undefined
                ? Effect.succeed({})
                : Effect.flatMap(
                    Effect.promise(() => import("@floe/orchestrator-dagster")),
                    ({ DagsterOrchestrator }) => DagsterOrchestrator.make().generate(artifacts),
                  )
            },
          },
          force: args.flags.has("force"),
          onStage,
        }).pipe(Effect.provideService(Catalog.Catalog, opened.success))
        return { _tag: "Compiled" as const, result }
      }),
    ).pipe(Effect.provide(platform)),
  )
  const elapsed = (performance.now() - started) / 1000
  if (outcome._tag === "NoCatalog") {
    if (json) io.stdout(`${JSON.stringify({ passed: false, diagnostics: outcome.diagnostics, seconds: elapsed })}\n`)
    else io.stdout(`${style.red(io.color, "Compilation FAILED")}: ${outcome.diagnostics[0]?.message ?? ""}\n`)
    return ExitCode.failed
  }
  const r = outcome.result
  if (json) {
    io.stdout(
      `${JSON.stringify({
        passed: r.passed,
        cached: r.cached,
        artifacts: r.artifactsPath ?? null,
        identity: r.identity ?? null,
        stages: r.stages.map((s) => ({
          index: s.index,
          title: s.title,
          passed: s.skipped === undefined ? s.checks.every((k) => k.passed) : null,
          lines: s.lines ?? [],
          checks: s.checks,
          ...(s.skipped === undefined ? {} : { skipped: s.skipped }),
        })),
        diagnostics: r.diagnostics,
        seconds: elapsed,
      })}\n`,
    )
    return r.passed ? ExitCode.ok : ExitCode.failed
  }
  const c = io.color
  const verdict = r.passed ? style.green(c, "Compilation COMPLETE") : style.red(c, "Compilation FAILED")
  io.stdout(`\n${verdict} ${style.dim(c, `(${seconds(elapsed)}${r.cached ? ", from cache" : ""})`)}\n`)
  return r.passed ? ExitCode.ok : ExitCode.failed
}
