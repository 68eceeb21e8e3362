/**
 * The `floe validate` pipeline: four stages, no side effects (nothing is written, no catalog is touched).
 * [1/4] floe.yaml, [2/4] the dbt project (rendered and bound on a scratch engine), [3/4] data contracts,
 * [4/4] platform compliance. Each stage reports its checks (`✓ Models compile`) and diagnostics; hosts render
 * them as they arrive through `onStage`.
 */
import { Stage as ContractStage } from "@floe/contracts"
import { type Compute, type DataProduct, Diagnostic, Loader } from "@floe/spec"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"
import * as Compiler from "./Compiler.ts"
import * as ModelOutputs from "./ModelOutputs.ts"

export interface Check {
  readonly label: string
  readonly passed: boolean
}

export interface StageReport {
  /** 1-based position, of `total`. */
  readonly index: number
  readonly total: number
  readonly title: string
  readonly checks: ReadonlyArray<Check>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  /** Why the stage did not run, when it did not. */
  readonly skipped?: string | undefined
}

export interface ValidationReport {
  readonly passed: boolean
  readonly product: { readonly name: string; readonly version: string } | undefined
  readonly stages: ReadonlyArray<StageReport>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

export interface ValidateOptions {
  /** A scratch engine for the compile-time SQL check; without it models are rendered but not bound. */
  readonly compute?: Compute.ComputeShape | undefined
  readonly vars?: Readonly<Record<string, unknown>> | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Called as each stage finishes, for progress output. */
  readonly onStage?: ((stage: StageReport) => Effect.Effect<void>) | undefined
}

const TOTAL = 4

/**
 * Validates the product in `dir`. Never fails on user input; the Effect fails only on an unexpected file-system
 * error. A stage that cannot run because an earlier one failed is reported as skipped.
 */
export const validate = (
  dir: string,
  options: ValidateOptions = {},
): Effect.Effect<ValidationReport, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const stages: Array<StageReport> = []
    const report = (stage: StageReport) =>
      Effect.gen(function* () {
        stages.push(stage)
        if (options.onStage) yield* options.onStage(stage)
      })
    const skip = (index: number, title: string, why: string) =>
      report({ index, total: TOTAL, title, checks: [], diagnostics: [], skipped: why })

    const loaded = yield* Loader.loadProduct(dir)
    const schemaOk = !Diagnostic.hasErrors(loaded.diagnostics)
    yield* report({
      index: 1,
      total: TOTAL,
      title: "Validating floe.yaml",
      checks: [{ label: "Schema valid", passed: schemaOk }],
      diagnostics: loaded.diagnostics,
    })
    const product: DataProduct.DataProduct | undefined = loaded.value
    if (product === undefined) {
      yield* skip(2, "Validating dbt project", "floe.yaml has errors")
      yield* skip(3, "Validating data contracts", "floe.yaml has errors")
      yield* skip(4, "Checking platform compliance", "floe.yaml has errors")
    } else {
      const compiled = yield* Compiler.compile(dir, {
        product,
        compute: options.compute,
        write: false,
        vars: options.vars,
        env: options.env,
      })
      const codes = new Set(compiled.diagnostics.filter((d) => d.severity === "error").map((d) => d.code))
      // Undefined sources have their own check; every other error means some model did not compile.
      const modelsOk = [...codes].every((c) => c === "FLOE-E303")
      const checks: Array<Check> = [
        {
          label:
            options.compute === undefined
              ? `Models render: ${compiled.counts.modelsCompiled}/${compiled.counts.models}`
              : "Models compile",
          passed: modelsOk && compiled.project !== undefined,
        },
        { label: "Sources defined", passed: !codes.has("FLOE-E303") },
        { label: `Tests discovered: ${compiled.counts.tests}`, passed: true },
      ]
      yield* report({
        index: 2,
        total: TOTAL,
        title: "Validating dbt project",
        checks,
        diagnostics: compiled.diagnostics,
      })

      const contracts = yield* ContractStage.validate(dir, product, ModelOutputs.fromCompile(compiled))
      yield* report({
        index: 3,
        total: TOTAL,
        title: "Validating data contracts",
        checks: contracts.checks,
        diagnostics: contracts.diagnostics,
      })
      yield* skip(4, "Checking platform compliance", "platform governance checks are not available in this version")
    }
    const diagnostics = Diagnostic.sort(stages.flatMap((s) => s.diagnostics))
    return {
      passed: !Diagnostic.hasErrors(diagnostics),
      product: product ? { name: product.metadata.name, version: product.metadata.version } : undefined,
      stages,
      diagnostics,
    } satisfies ValidationReport
  })
