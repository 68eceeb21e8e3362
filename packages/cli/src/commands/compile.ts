/**
 * `floe compile [dir]`: claims the product's identity in the embedded catalog (`.floe/catalog.db`), renders and
 * binds the dbt project, writes `target/manifest.json`, and registers the product's contract version.
 */
import * as path from "node:path"
import { SqlCatalog } from "@floe/catalog-sql"
import { Compiler, ModelOutputs } from "@floe/compiler"
import { Stage as ContractStage } from "@floe/contracts"
import { ContractRegistry, Identity } from "@floe/identity"
import { Catalog, DataProduct, Diagnostic, Loader } from "@floe/spec"
import * as Effect from "effect/Effect"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { parseVars, platform, scratchCompute } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import { renderDiagnostics, seconds } from "../Render.ts"

/** The embedded catalog of a product, relative to its directory. */
export const CATALOG_FILE = SqlCatalog.DEFAULT_SQLITE_PATH

/** What the identity stage found and did, for the text and `--json` output. */
interface IdentityOutcome {
  readonly productId: string
  readonly repository: string
  readonly status: "AVAILABLE" | "VALID" | "CONFLICT" | "ERROR"
  readonly action: "registered" | "updated" | "unchanged" | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

interface ContractOutcome {
  readonly ref: string | undefined
  readonly action: "registered" | "unchanged" | undefined
  readonly hash: string | undefined
  readonly previous: string | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

const identityStage = (product: DataProduct.DataProduct) =>
  Effect.gen(function* () {
    const productId = DataProduct.productId(product)
    const repository = product.metadata.repository
    const base = { productId, repository }
    const checked = yield* Effect.result(Identity.validateProductIdentity(productId, repository))
    if (checked._tag === "Failure") {
      return { ...base, status: "ERROR", action: undefined, diagnostics: checked.failure.diagnostics } as const
    }
    const registered = yield* Effect.result(
      Identity.register({
        productId,
        name: product.metadata.name,
        domain: product.metadata.domain,
        owner: product.metadata.owner,
        repository,
        version: product.metadata.version,
      }),
    )
    if (registered._tag === "Success") {
      return { ...base, status: checked.success.status, action: registered.success.action, diagnostics: [] }
    }
    const diagnostics = registered.failure.diagnostics
    // A race lost between the check and the registration still ends as a conflict.
    const status = registered.failure.code === "FLOE-E601" ? "CONFLICT" : checked.success.status
    return { ...base, status, action: undefined, diagnostics }
  }) satisfies Effect.Effect<IdentityOutcome, never, Catalog.Catalog>

const renderIdentity = (o: IdentityOutcome, io: Io): string => {
  const c = io.color
  const ok = (s: string) => `  ${style.green(c, "✓")} ${s}`
  const lines = [
    style.bold(c, "[2/7] Validating product identity"),
    `  Product ID: ${o.productId}`,
    `  Repository: ${o.repository}`,
  ]
  if (o.status === "AVAILABLE" && o.action !== undefined) {
    lines.push(ok("Namespace available, registering..."), ok("Product registered in catalog"))
  } else if (o.status === "VALID" && o.action !== undefined) {
    lines.push(ok("Namespace owned by this repository"))
    if (o.action === "updated") lines.push(ok("Product version updated in catalog"))
  } else if (o.status === "CONFLICT") {
    lines.push(`  ${style.red(c, "✗")} Namespace owned by different repository`)
  } else {
    lines.push(`  ${style.red(c, "✗")} Product identity could not be registered`)
  }
  // The conflict message spans lines (Owner:, Expected:); keep them under the diagnostic's first line.
  const indented = o.diagnostics.map((d) => ({ ...d, message: d.message.replaceAll("\n", "\n    ") }))
  if (indented.length > 0) lines.push(renderDiagnostics(indented, io))
  return `${lines.join("\n")}\n`
}

export const compile = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  if (args.positionals.length > 1) throw new UsageError(`compile takes one directory, got ${args.positionals.length}`)
  const dir = args.positionals[0] ?? "."
  const json = args.flags.has("json")
  const vars = parseVars(args.flags.get("vars"))
  const started = performance.now()
  const catalogFile = path.join(dir, CATALOG_FILE)
  const outcome = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const loaded = yield* Loader.loadProduct(dir)
        const product = loaded.value
        if (product === undefined) return { loaded, identity: undefined, compiled: undefined, contract: undefined }
        const opened = yield* Effect.result(SqlCatalog.make({ _tag: "Sqlite", path: catalogFile }))
        if (opened._tag === "Failure") {
          const identity: IdentityOutcome = {
            productId: DataProduct.productId(product),
            repository: product.metadata.repository,
            status: "ERROR",
            action: undefined,
            diagnostics: Identity.catalogFailure(`opening ${catalogFile}`)(opened.failure).diagnostics,
          }
          if (!json) io.stdout(renderIdentity(identity, io))
          return { loaded, identity, compiled: undefined, contract: undefined }
        }
        const catalog = opened.success
        const identity = yield* identityStage(product).pipe(Effect.provideService(Catalog.Catalog, catalog))
        if (!json) io.stdout(renderIdentity(identity, io))
        if (identity.action === undefined) return { loaded, identity, compiled: undefined, contract: undefined }
        const compute = yield* scratchCompute()
        const compiled = yield* Compiler.compile(dir, { product, compute, vars, env: process.env })
        if (Diagnostic.hasErrors(compiled.diagnostics) || compiled.manifestPath === undefined) {
          return { loaded, identity, compiled, contract: undefined }
        }
        const contract = yield* registerContract(dir, product, compiled).pipe(
          Effect.provideService(Catalog.Catalog, catalog),
        )
        return { loaded, identity, compiled, contract }
      }),
    ).pipe(Effect.provide(platform)),
  )
  const elapsed = (performance.now() - started) / 1000
  const diagnostics = Diagnostic.sort([
    ...outcome.loaded.diagnostics,
    ...(outcome.compiled?.diagnostics ?? []),
    ...(outcome.contract?.diagnostics ?? []),
  ])
  const passed =
    !Diagnostic.hasErrors(diagnostics) &&
    outcome.identity?.action !== undefined &&
    outcome.compiled?.manifestPath !== undefined
  const counts = outcome.compiled?.counts
  if (json) {
    io.stdout(
      `${JSON.stringify({
        passed,
        identity: outcome.identity ?? null,
        manifest: outcome.compiled?.manifestPath ?? null,
        counts: counts ?? null,
        contract: outcome.contract === undefined ? null : { ...outcome.contract, diagnostics: undefined },
        diagnostics: Diagnostic.sort([...diagnostics, ...(outcome.identity?.diagnostics ?? [])]),
        seconds: elapsed,
      })}\n`,
    )
    return passed ? ExitCode.ok : ExitCode.failed
  }
  const c = io.color
  if (outcome.identity !== undefined && outcome.identity.action === undefined) {
    // The identity stage printed why; nothing was compiled.
    io.stdout(`\n${style.red(c, "Compilation FAILED")} ${style.dim(c, `(${seconds(elapsed)})`)}\n`)
    return ExitCode.failed
  }
  const lines = [style.bold(c, "Compiling dbt project")]
  if (counts) {
    lines.push(
      `  ${counts.modelsBound === counts.models || passed ? style.green(c, "✓") : style.red(c, "✗")} Models compile: ${counts.modelsBound}/${counts.models}`,
      `  ${style.green(c, "✓")} Seeds: ${counts.seeds}, sources: ${counts.sources}, tests: ${counts.tests}`,
    )
  }
  if (outcome.compiled?.manifestPath) lines.push(`  ${style.green(c, "✓")} Manifest: ${outcome.compiled.manifestPath}`)
  const k = outcome.contract
  if (k?.ref !== undefined) {
    const since = k.previous !== undefined && k.previous !== k.ref.split(":").pop() ? ` (previous ${k.previous})` : ""
    lines.push(
      k.action === "registered"
        ? `  ${style.green(c, "✓")} Contract ${k.ref} registered${since} ${style.dim(c, k.hash ?? "")}`
        : k.action === "unchanged"
          ? `  ${style.green(c, "✓")} Contract ${k.ref} already registered ${style.dim(c, k.hash ?? "")}`
          : `  ${style.red(c, "✗")} Contract ${k.ref} not registered`,
    )
  }
  if (diagnostics.length > 0) lines.push(renderDiagnostics(diagnostics, io))
  lines.push(
    "",
    `${passed ? style.green(c, "Compilation COMPLETE") : style.red(c, "Compilation FAILED")} ${style.dim(c, `(${seconds(elapsed)})`)}`,
  )
  io.stdout(`${lines.join("\n")}\n`)
  return passed ? ExitCode.ok : ExitCode.failed
}

/**
 * After a successful compile: the product's effective contract (datacontract.yaml merged with the one generated
 * from the output ports), gated against the latest registered version and registered. Products without output
 * ports and without a datacontract.yaml have no contract to register.
 */
const registerContract = (dir: string, product: DataProduct.DataProduct, compiled: Compiler.CompileResult) =>
  Effect.gen(function* () {
    const stage = yield* ContractStage.validate(dir, product, ModelOutputs.fromCompile(compiled))
    const hasFile = stage.checks.some((k) => k.label.endsWith("valid (ODCS v3)"))
    if ((product.output_ports ?? []).length === 0 && !hasFile) return undefined
    if (stage.contract === undefined) {
      return { ref: undefined, action: undefined, hash: undefined, previous: undefined, diagnostics: stage.diagnostics }
    }
    const productId = DataProduct.productId(product)
    const ref = ContractRegistry.contractRef(
      productId,
      ContractRegistry.contractName(stage.contract),
      stage.contract.version,
    )
    const result = yield* Effect.result(ContractRegistry.registerContract(productId, stage.contract))
    if (result._tag === "Failure") {
      return { ref, action: undefined, hash: stage.hash, previous: undefined, diagnostics: result.failure.diagnostics }
    }
    return {
      ref,
      action: result.success.action,
      hash: result.success.hash,
      previous: result.success.previous,
      diagnostics: stage.diagnostics.filter((d) => d.severity !== "error"),
    }
  }) satisfies Effect.Effect<ContractOutcome | undefined, unknown, unknown>
