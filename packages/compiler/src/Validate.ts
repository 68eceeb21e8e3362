/**
 * The `floe validate` pipeline: four stages, no side effects (nothing is written, no catalog is touched).
 * [1/4] floe.yaml, [2/4] the dbt project (rendered and bound on a scratch engine), [3/4] data contracts,
 * [4/4] platform compliance. Each stage reports its checks (`✓ Models compile`) and diagnostics; hosts render
 * them as they arrive through `onStage`.
 */
import { Stage as ContractStage } from "@floe/contracts"
import { type Compute, type DataProduct, Diagnostic, type Document, Loader, PlatformSource, Yaml } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"
import * as Compiler from "./Compiler.ts"
import * as Governance from "./Governance.ts"
import * as ModelOutputs from "./ModelOutputs.ts"
import * as Platform from "./Platform.ts"

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
  /** Plain lines shown before the checks (`Product ID: sales.my_product`). */
  readonly lines?: ReadonlyArray<string> | undefined
}

export interface ValidationReport {
  readonly passed: boolean
  readonly product: { readonly name: string; readonly version: string } | undefined
  readonly stages: ReadonlyArray<StageReport>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  /** The platform the product was checked against (simple mode when it names none); undefined when unresolved. */
  readonly platform?: Platform.ResolvedPlatform | undefined
}

export interface ValidateOptions {
  /** A scratch engine for the compile-time SQL check; without it models are rendered but not bound. */
  readonly compute?: Compute.ComputeShape | undefined
  readonly vars?: Readonly<Record<string, unknown>> | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Called as each stage finishes, for progress output. */
  readonly onStage?: ((stage: StageReport) => Effect.Effect<void>) | undefined
  /**
   * Platform sources besides the built-in file source (e.g. `@floe/platform-oci`). A `PlatformSource` service in
   * the context is used too.
   */
  readonly platformSources?: ReadonlyArray<PlatformSource.PlatformSourceShape> | undefined
  /** File references to platform manifests may not leave this directory (default: the product directory). */
  readonly platformRoot?: string | undefined
}

/** Where floe.yaml's platform reference leads: the checks and diagnostics stage 1 shows, and the platform. */
export interface PlatformStage {
  /** The effective platform (simple mode when floe.yaml names none); undefined when it cannot be resolved. */
  readonly platform: Platform.ResolvedPlatform | undefined
  readonly checks: ReadonlyArray<Check>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

/**
 * Resolves the platform a loaded product names (validate's stage 1 and compile's stages 1 and 3 share it). Never
 * fails: an unreadable reference is E701 at `platform.ref` in floe.yaml.
 */
export const resolveProductPlatform = (
  loaded: Document.Decoded<DataProduct.DataProduct>,
  productDir: string,
  options: Pick<ValidateOptions, "platformSources" | "platformRoot">,
): Effect.Effect<PlatformStage, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const product = loaded.value
    const checks: Array<Check> = []
    const diagnostics: Array<Diagnostic.Diagnostic> = []
    let platform: Platform.ResolvedPlatform | undefined = Platform.SIMPLE
    const ref = product?.platform?.ref
    if (product !== undefined && ref !== undefined) {
      const service = yield* Effect.serviceOption(PlatformSource.PlatformSource)
      const resolution = yield* Platform.resolve(ref, {
        baseDir: productDir,
        root: options.platformRoot ?? productDir,
        location: loaded.source === undefined ? undefined : Yaml.locate(loaded.source, ["platform", "ref"]),
        sources: [...(options.platformSources ?? []), ...Option.toArray(service)],
      })
      diagnostics.push(...resolution.diagnostics)
      if (!resolution.checked) {
        checks.push({ label: `Platform not resolved: ${ref} (no source for it here; defaults apply)`, passed: true })
      } else if (resolution.platform === undefined) {
        platform = undefined
        checks.push({ label: `Platform resolved: ${ref}`, passed: false })
      } else {
        // A weakening (E712) is an error, but the chain resolved and the parent's rules apply: check against them.
        platform = resolution.platform
        const closest = platform.chain[0]
        checks.push({
          label: `Platform resolved: ${closest?.name ?? ref} ${closest?.version ?? ""}`.trim(),
          passed: !Diagnostic.hasErrors(resolution.diagnostics),
        })
        if (platform.chain.length > 1)
          checks.push({ label: `Inheritance: ${Platform.describeChain(platform)}`, passed: true })
      }
    }
    return { platform, checks, diagnostics }
  })

/**
 * The platform's governance checks (stage 4 of validate, part of stage 4 of compile) against a compiled product:
 * model files named as the user sees them, relative to the product directory. Never fails.
 */
export const checkGovernance = (args: {
  readonly product: DataProduct.DataProduct
  readonly loaded: Document.Decoded<DataProduct.DataProduct>
  readonly platform: Platform.ResolvedPlatform
  readonly compiled: Compiler.CompileResult
  readonly contract: unknown
  readonly productDir: string
}): Effect.Effect<Governance.GovernanceReport, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const project = args.compiled.project
    if (project === undefined) return { checks: [], diagnostics: [] }
    const hasContractFile = yield* fs
      .exists(path.join(args.productDir, ContractStage.CONTRACT_FILE))
      .pipe(Effect.orElseSucceed(() => false))
    return Governance.check({
      product: args.product,
      productSource: args.loaded.source,
      platform: args.platform,
      compiled: args.compiled,
      contract: args.contract,
      hasContractFile,
      displayPath: (node) => path.relative(args.productDir, path.join(project.root, node.originalFilePath)),
      diagnosticPath: (node) => path.join(project.root, node.originalFilePath),
    })
  })

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

    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const loaded = yield* Loader.loadProduct(dir)
    const schemaOk = !Diagnostic.hasErrors(loaded.diagnostics)
    const product: DataProduct.DataProduct | undefined = loaded.value
    const productDir = yield* fs.stat(dir).pipe(
      Effect.map((i) => (i.type === "Directory" ? dir : path.dirname(dir))),
      Effect.orElseSucceed(() => dir),
    )
    const resolved = yield* resolveProductPlatform(loaded, productDir, options)
    const stage1Checks: Array<Check> = [{ label: "Schema valid", passed: schemaOk }, ...resolved.checks]
    const stage1Diagnostics: Array<Diagnostic.Diagnostic> = [...loaded.diagnostics, ...resolved.diagnostics]
    const platform = resolved.platform
    yield* report({
      index: 1,
      total: TOTAL,
      title: "Validating floe.yaml",
      checks: stage1Checks,
      diagnostics: Diagnostic.sort(stage1Diagnostics),
    })
    if (product === undefined) {
      yield* skip(2, "Validating dbt project", "floe.yaml has errors")
      yield* skip(3, "Validating data contracts", "floe.yaml has errors")
      yield* skip(4, "Checking platform compliance", "floe.yaml has errors")
    } else {
      const compiled = yield* Compiler.compile(productDir, {
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

      const contracts = yield* ContractStage.validate(productDir, product, ModelOutputs.fromCompile(compiled))
      yield* report({
        index: 3,
        total: TOTAL,
        title: "Validating data contracts",
        checks: contracts.checks,
        diagnostics: contracts.diagnostics,
      })
      if (platform === undefined) {
        yield* skip(4, "Checking platform compliance", "the platform could not be resolved")
      } else if (compiled.project === undefined) {
        yield* skip(4, "Checking platform compliance", "the dbt project could not be loaded")
      } else {
        const governance = yield* checkGovernance({
          product,
          loaded,
          platform,
          compiled,
          contract: contracts.contract,
          productDir,
        })
        yield* report({
          index: 4,
          total: TOTAL,
          title: "Checking platform compliance",
          checks: [
            ...(platform.mode === "simple"
              ? [{ label: "No platform: embedded defaults (simple mode)", passed: true }]
              : []),
            ...governance.checks,
          ],
          diagnostics: governance.diagnostics,
        })
      }
    }
    const diagnostics = Diagnostic.sort(stages.flatMap((s) => s.diagnostics))
    return {
      passed: !Diagnostic.hasErrors(diagnostics),
      product: product ? { name: product.metadata.name, version: product.metadata.version } : undefined,
      stages,
      diagnostics,
      platform,
    } satisfies ValidationReport
  })
