/** `floe validate [dir]`: the four validate stages rendered as they finish, or one JSON object with --json. */
import * as fs from "node:fs"
import * as path from "node:path"
import { Validate } from "@floe/compiler"
import { OciPlatformSource } from "@floe/platform-oci"
import * as Effect from "effect/Effect"
import { UsageError } from "../Args.ts"
import { ExitCode, VERSION } from "../Cli.ts"
import { ociConfig, parseVars, platform, scratchCompute } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import * as LiveStatus from "../LiveStatus.ts"
import { seconds } from "../Render.ts"
import * as Sarif from "../Sarif.ts"

const FORMATS = ["text", "json", "sarif"] as const

export const validate = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  if (args.positionals.length > 1) throw new UsageError(`validate takes one directory, got ${args.positionals.length}`)
  const dir = args.positionals[0] ?? "."
  const formatFlag = args.flags.get("format")
  const format = formatFlag === undefined ? (args.flags.has("json") ? "json" : "text") : formatFlag
  if (typeof format !== "string" || !(FORMATS as ReadonlyArray<string>).includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got '${String(format)}'`)
  if (format !== "json" && formatFlag !== undefined && args.flags.has("json"))
    throw new UsageError(`--json and --format ${format} do not go together`)
  const sarif = format === "sarif"
  const json = format === "json" || sarif
  const quiet = args.flags.has("quiet")
  const vars = parseVars(args.flags.get("vars"))
  const started = performance.now()
  const report = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        // On a terminal, a live line shows the stage being validated once it takes more than a second.
        const onStage = yield* LiveStatus.stageReporter(io, { json, quiet, title: "Validating" }, process.env)
        const compute = yield* scratchCompute()
        const oci = yield* OciPlatformSource.make(ociConfig(process.env, false))
        return yield* Validate.validate(dir, {
          compute,
          platformSources: [oci],
          vars,
          env: process.env,
          onStage,
        })
      }),
    ).pipe(Effect.provide(platform)),
  )
  const elapsed = (performance.now() - started) / 1000
  if (sarif) {
    const absolute = path.resolve(dir)
    const productDir = fs.statSync(absolute, { throwIfNoEntry: false })?.isFile() ? path.dirname(absolute) : absolute
    const log = Sarif.fromDiagnostics(report.diagnostics, {
      version: VERSION,
      informationUri: Sarif.INFORMATION_URI,
      productDir,
      cwd: process.cwd(),
    })
    io.stdout(`${JSON.stringify(log, null, 2)}\n`)
  } else if (json) {
    io.stdout(
      `${JSON.stringify({
        passed: report.passed,
        product: report.product ?? null,
        stages: report.stages.map((s) => ({
          index: s.index,
          title: s.title,
          passed: s.skipped === undefined ? s.checks.every((k) => k.passed) : null,
          checks: s.checks,
          ...(s.skipped === undefined ? {} : { skipped: s.skipped }),
        })),
        diagnostics: report.diagnostics,
        seconds: elapsed,
      })}\n`,
    )
  } else if (!quiet || !report.passed) {
    const verdict = report.passed
      ? style.green(io.color, "Validation PASSED")
      : style.red(io.color, "Validation FAILED")
    io.stdout(`\n${verdict} ${style.dim(io.color, `(${seconds(elapsed)})`)}\n`)
  }
  return report.passed ? ExitCode.ok : ExitCode.failed
}
