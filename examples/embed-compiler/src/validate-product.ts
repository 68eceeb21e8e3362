/**
 * Custom tooling on @floe/compiler: validates a data product in-process — the same four stages as `floe validate`,
 * with every model bound on a scratch DuckDB — and prints each diagnostic as `file:line:col: severity CODE: message`
 * with its resolution. Exit code 0 when the product passes, 1 when it does not.
 *
 *   node src/validate-product.ts ../customer-360
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Validate } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Diagnostic } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** Validates the product in `dir`; the report lists the stages, their checks and every diagnostic. */
export const validateProduct = (dir: string): Promise<Validate.ValidationReport> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        // A throwaway in-memory engine: models are bound (so a bad column fails here), no rows are produced.
        const compute = yield* DuckDBCompute.make({ database: "warehouse" })
        return yield* Validate.validate(dir, { compute, env: process.env })
      }),
    ).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))),
  )

/** The report as text: one line per stage, then the diagnostics in file order, then the verdict. */
export const render = (report: Validate.ValidationReport): string => {
  const lines: Array<string> = []
  for (const stage of report.stages) {
    const state =
      stage.skipped !== undefined ? `skipped (${stage.skipped})` : stage.checks.every((c) => c.passed) ? "ok" : "FAILED"
    lines.push(`[${stage.index}/${stage.total}] ${stage.title}: ${state}`)
  }
  const diagnostics = Diagnostic.sort(report.diagnostics)
  if (diagnostics.length > 0) lines.push("", ...diagnostics.map(Diagnostic.format))
  const errors = diagnostics.filter((d) => d.severity === "error").length
  const name = report.product === undefined ? "product" : `${report.product.name} ${report.product.version}`
  lines.push("", report.passed ? `${name}: passed` : `${name}: failed with ${errors} error${errors === 1 ? "" : "s"}`)
  return `${lines.join("\n")}\n`
}

if (import.meta.main) {
  const dir = process.argv[2] ?? "."
  const report = await validateProduct(dir)
  process.stdout.write(render(report))
  process.exitCode = report.passed ? 0 : 1
}
