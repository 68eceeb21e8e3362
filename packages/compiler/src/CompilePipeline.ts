/**
 * The `floe compile` pipeline, the seven stages of the lifecycle guide:
 * [1/7] Loading platform artifacts, [2/7] Validating product identity, [3/7] Resolving inheritance,
 * [4/7] Compiling dbt project, [5/7] Processing data contracts, [6/7] Generating orchestration,
 * [7/7] Writing artifacts — ending in `.floe/artifacts.json`, written atomically and valid against its schema.
 * An unchanged product (same source hash) recompiles from cache: stages 4–6 are not redone.
 */
import { createHash } from "node:crypto"
import { Stage as ContractStage } from "@floe/contracts"
import { ContractRegistry, Identity } from "@floe/identity"
import { type Catalog, CompiledArtifacts, type Compute, DataProduct, Diagnostic, Duration, Loader } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"
import * as AtomicFile from "./AtomicFile.ts"
import * as Compiler from "./Compiler.ts"
import * as ModelOutputs from "./ModelOutputs.ts"
import * as Platform from "./Platform.ts"
import {
  type Check,
  checkGovernance,
  resolveProductPlatform,
  type StageReport,
  type ValidateOptions,
} from "./Validate.ts"

export const ARTIFACTS_FILE = ".floe/artifacts.json"
const TOTAL = 7

/** Writes the files an external orchestrator needs (e.g. Dagster definitions); path → content. */
export type OrchestrationGenerator = (
  input: Compiler.CompileResult & { readonly product: DataProduct.DataProduct; readonly dir: string },
) => Effect.Effect<Readonly<Record<string, string>>, unknown>

export interface PipelineOptions extends Pick<ValidateOptions, "platformSources" | "platformRoot"> {
  /** A scratch engine for the compile-time SQL check. */
  readonly compute?: Compute.ComputeShape | undefined
  readonly vars?: Readonly<Record<string, unknown>> | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  readonly floeVersion: string
  /** Generators by orchestrator type (`dagster` …); the platform's `plugins.orchestrator.type` picks one. */
  readonly orchestrators?: Readonly<Record<string, OrchestrationGenerator>> | undefined
  /** Recompile even when the source hash is unchanged. */
  readonly force?: boolean | undefined
  readonly onStage?: ((stage: StageReport) => Effect.Effect<void>) | undefined
}

export interface PipelineResult {
  readonly passed: boolean
  readonly stages: ReadonlyArray<StageReport>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  readonly artifacts: CompiledArtifacts.CompiledArtifacts | undefined
  /** Absolute path of `.floe/artifacts.json` when it was written (or kept from cache). */
  readonly artifactsPath: string | undefined
  /** True when the source hash matched the previous compile and stages 4–6 were not redone. */
  readonly cached: boolean
  /** What stage 2 found: AVAILABLE (now registered), VALID (owned by this repository), CONFLICT or ERROR. */
  readonly identity?: { readonly productId: string; readonly repository: string; readonly status: string } | undefined
}

/** How many files the source hash reads at once, and in windows of how many. */
const HASH_READ_CONCURRENCY = 32
const HASH_WINDOW = 512

const IGNORED_DIRS = new Set([".floe", "target", "node_modules", ".git", "dbt_packages", "logs"])

/**
 * `sha256:` over every file of the product (paths and bytes, in path order; build outputs and dot-folders left
 * out), the resolved platform chain's digests, the vars and the Floe version: what the artifacts depend on. Also
 * the bytes read, by absolute path, so the compile does not read them again.
 */
const sourceHash = (dir: string, extra: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const hash = createHash("sha256")
    const read = new Map<string, Uint8Array>()
    const entries = yield* fs
      .readDirectory(dir, { recursive: true })
      .pipe(Effect.orElseSucceed(() => [] as Array<string>))
    const files = entries
      .filter((rel) => {
        const first = rel.split(/[\\/]/)[0] ?? ""
        return !IGNORED_DIRS.has(first) && !first.startsWith(".")
      })
      .sort()
    // Read a window of files at a time, concurrently (one at a time, 10,000 files take seconds); hashed in order.
    for (let from = 0; from < files.length; from += HASH_WINDOW) {
      const window = files.slice(from, from + HASH_WINDOW)
      const contents = yield* Effect.forEach(window, (rel) => fs.readFile(path.join(dir, rel)).pipe(Effect.option), {
        concurrency: HASH_READ_CONCURRENCY,
      })
      for (const [i, rel] of window.entries()) {
        const bytes = contents[i]
        if (bytes === undefined || bytes._tag === "None") continue // a directory, or unreadable: not a source
        hash.update(`${rel}\u0000`).update(bytes.value).update("\u0000")
        read.set(path.join(dir, rel), bytes.value)
      }
    }
    for (const e of extra) hash.update(`${e}\u0000`)
    return { hash: `sha256:${hash.digest("hex")}`, read }
  })

const pluginType = (platform: Platform.ResolvedPlatform, kind: "compute" | "orchestrator" | "catalog" | "lineage") =>
  platform.plugins[kind]?.type

const hoursOf = (s: string | undefined): number | undefined => {
  const seconds = s === undefined ? undefined : Duration.parseDuration(s)
  return seconds === undefined ? undefined : Math.round((seconds / 3600) * 1000) / 1000
}

/**
 * Compiles the product in `dir` through the seven stages, registering its identity and contract version in the
 * `Catalog` service. Never fails on user input (problems are diagnostics; a failed stage skips the ones after
 * it); fails only on an unexpected file-system error.
 */
export const compile = (
  dir: string,
  options: PipelineOptions,
): Effect.Effect<PipelineResult, PlatformError, FileSystem.FileSystem | Path.Path | Catalog.Catalog> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const stages: Array<StageReport> = []
    const report = (stage: Omit<StageReport, "total">) =>
      Effect.gen(function* () {
        const full = { ...stage, total: TOTAL }
        stages.push(full)
        if (options.onStage) yield* options.onStage(full)
      })
    const TITLES = [
      "Loading platform artifacts",
      "Validating product identity",
      "Resolving inheritance",
      "Compiling dbt project",
      "Processing data contracts",
      "Generating orchestration",
      "Writing artifacts",
    ] as const
    const title = (index: number) => TITLES[index - 1] ?? ""
    const skipFrom = (from: number, why: string) =>
      Effect.forEach(
        Array.from({ length: TOTAL - from + 1 }, (_, i) => from + i),
        (index) => report({ index, title: title(index), checks: [], diagnostics: [], skipped: why }),
        { discard: true },
      )
    let identity: PipelineResult["identity"]
    const finish = (
      artifacts: CompiledArtifacts.CompiledArtifacts | undefined,
      artifactsPath: string | undefined,
      cached: boolean,
    ) => {
      const diagnostics = Diagnostic.sort(stages.flatMap((s) => s.diagnostics))
      return {
        passed: !Diagnostic.hasErrors(diagnostics) && artifactsPath !== undefined,
        stages,
        diagnostics,
        artifacts,
        artifactsPath,
        cached,
        identity,
      } satisfies PipelineResult
    }

    // [1/7] The product and its platform.
    const loaded = yield* Loader.loadProduct(dir)
    const productDir = yield* fs.stat(dir).pipe(
      Effect.map((i) => (i.type === "Directory" ? dir : path.dirname(dir))),
      Effect.orElseSucceed(() => dir),
    )
    const product = loaded.value
    const resolved = product === undefined ? undefined : yield* resolveProductPlatform(loaded, productDir, options)
    const platform = resolved?.platform
    const stage1Lines: Array<string> = []
    if (product !== undefined) stage1Lines.push(`Product: ${product.metadata.name} ${product.metadata.version}`)
    if (platform !== undefined) {
      const top = platform.chain[0]
      stage1Lines.push(
        top === undefined
          ? "Platform: none (simple mode, embedded defaults)"
          : `Platform: ${top.name} ${top.version} (${platform.mode} mode)`,
        `Compute: ${pluginType(platform, "compute") ?? "duckdb"} (${platform.plugins.compute ? "enforced" : "default"})`,
      )
    }
    yield* report({
      index: 1,
      title: title(1),
      lines: stage1Lines,
      checks: [{ label: "floe.yaml valid", passed: product !== undefined }, ...(resolved?.checks ?? [])],
      diagnostics: Diagnostic.sort([...loaded.diagnostics, ...(resolved?.diagnostics ?? [])]),
    })
    if (product === undefined || platform === undefined) {
      yield* skipFrom(2, product === undefined ? "floe.yaml has errors" : "the platform could not be resolved")
      return finish(undefined, undefined, false)
    }

    // [2/7] Identity: claim the namespace (first writer wins) or confirm ownership.
    const productId = DataProduct.productId(product)
    const repository = product.metadata.repository
    const identityLines = [`Product ID: ${productId}`, `Repository: ${repository}`]
    const checked = yield* Effect.result(Identity.validateProductIdentity(productId, repository))
    const registered =
      checked._tag === "Failure"
        ? checked
        : yield* Effect.result(
            Identity.register({
              productId,
              name: product.metadata.name,
              domain: product.metadata.domain,
              owner: product.metadata.owner,
              repository,
              version: product.metadata.version,
            }),
          )
    if (registered._tag === "Failure") {
      const conflict = registered.failure.diagnostics.some((d) => d.code === "FLOE-E601")
      identity = { productId, repository, status: conflict ? "CONFLICT" : "ERROR" }
      yield* report({
        index: 2,
        title: title(2),
        lines: identityLines,
        checks: [
          {
            label: conflict ? "Namespace owned by different repository" : "Product identity could not be registered",
            passed: false,
          },
        ],
        diagnostics: registered.failure.diagnostics,
      })
      yield* skipFrom(3, conflict ? "the product's namespace belongs to another repository" : "identity failed")
      return finish(undefined, undefined, false)
    }
    const status = checked._tag === "Success" ? checked.success.status : "AVAILABLE"
    identity = { productId, repository, status }
    const identityChecks: Array<Check> =
      status === "AVAILABLE"
        ? [
            { label: "Namespace available, registering...", passed: true },
            { label: "Product registered in catalog", passed: true },
          ]
        : [
            { label: "Namespace owned by this repository", passed: true },
            ...(registered.success.action === "updated"
              ? [{ label: "Product version updated in catalog", passed: true }]
              : []),
          ]
    yield* report({ index: 2, title: title(2), lines: identityLines, checks: identityChecks, diagnostics: [] })

    // [3/7] Inheritance.
    const weakenings = (resolved?.diagnostics ?? []).filter((d) => d.code === "FLOE-E712")
    yield* report({
      index: 3,
      title: title(3),
      lines: [platform.mode === "simple" ? "Product (no platform manifest)" : Platform.describeChain(platform)],
      checks: [{ label: "Children only strengthen their parents' rules", passed: weakenings.length === 0 }],
      diagnostics: [],
    })

    // The cache: same sources, platform and options as the last successful compile → reuse its artifacts.
    const { hash, read } = yield* sourceHash(productDir, [
      ...platform.chain.map((e) => e.digest),
      JSON.stringify(options.vars ?? {}),
      options.floeVersion,
    ])
    const artifactsPath = path.resolve(productDir, ARTIFACTS_FILE)
    if (options.force !== true && !Diagnostic.hasErrors(stages.flatMap((s) => s.diagnostics))) {
      const previous = yield* fs.readFileString(artifactsPath).pipe(Effect.option)
      const manifestExists = yield* fs
        .exists(path.join(productDir, "target", "manifest.json"))
        .pipe(Effect.orElseSucceed(() => false))
      if (previous._tag === "Some" && manifestExists) {
        const parsed = CompiledArtifacts.CompiledArtifacts.safeParse(
          yield* Effect.try(() => JSON.parse(previous.value) as unknown).pipe(Effect.orElseSucceed(() => undefined)),
        )
        if (parsed.success && parsed.data.metadata.source_hash === hash && parsed.data.enforcement_result.passed) {
          for (const index of [4, 5, 6]) {
            yield* report({
              index,
              title: title(index),
              checks: [{ label: "Unchanged since the last compile (from cache)", passed: true }],
              diagnostics: [],
            })
          }
          yield* report({
            index: 7,
            title: title(7),
            checks: [{ label: `${ARTIFACTS_FILE} up to date (${hash.slice(0, 19)}…)`, passed: true }],
            diagnostics: [],
          })
          return finish(parsed.data, artifactsPath, true)
        }
      }
    }

    // [4/7] The dbt project, and governance against the compiled schema.
    const compiled = yield* Compiler.compile(productDir, {
      product,
      compute: options.compute,
      vars: options.vars,
      env: options.env,
      files: read,
    })
    const contracts = yield* ContractStage.validate(productDir, product, ModelOutputs.fromCompile(compiled))
    const hasContractFile = yield* fs
      .exists(path.join(productDir, ContractStage.CONTRACT_FILE))
      .pipe(Effect.orElseSucceed(() => false))
    const governance = yield* checkGovernance({
      product,
      loaded,
      platform,
      compiled,
      contract: contracts.contract,
      productDir,
    })
    const counts = compiled.counts
    yield* report({
      index: 4,
      title: title(4),
      checks: [
        {
          label: `Models compile: ${counts.modelsBound}/${counts.models}`,
          passed: !Diagnostic.hasErrors(compiled.diagnostics),
        },
        ...(compiled.manifestPath === undefined
          ? []
          : [
              {
                label: `Manifest: target/manifest.json (${counts.models} models, ${counts.seeds} seeds, ${counts.tests} tests)`,
                passed: true,
              },
            ]),
        ...governance.checks,
      ],
      diagnostics: Diagnostic.sort([...compiled.diagnostics, ...governance.diagnostics]),
    })
    if (compiled.manifestPath === undefined || Diagnostic.hasErrors(governance.diagnostics)) {
      yield* skipFrom(5, "the dbt project has errors")
      return finish(undefined, undefined, false)
    }

    // [5/7] Contracts: generated from the output ports, merged with datacontract.yaml, gated and registered.
    const ports = product.output_ports ?? []
    const contractLines: Array<string> = []
    const contractChecks: Array<Check> = [...contracts.checks]
    const contractDiagnostics: Array<Diagnostic.Diagnostic> = [...contracts.diagnostics]
    let registeredRef: string | undefined
    if (contracts.contract !== undefined && (ports.length > 0 || hasContractFile)) {
      contractLines.push(
        `${ports.length} output port${ports.length === 1 ? "" : "s"}${hasContractFile ? ", merged with datacontract.yaml" : ", contract generated"}`,
        `Version: ${contracts.contract.version}`,
      )
      const version = contracts.contract.version
      const ref = ContractRegistry.contractRef(productId, ContractRegistry.contractName(contracts.contract), version)
      const reg = yield* Effect.result(ContractRegistry.registerContract(productId, contracts.contract))
      if (reg._tag === "Success") {
        registeredRef = reg.success.ref
        const previous = reg.success.previous
        const since = previous !== undefined && previous !== version ? ` (previous ${previous})` : ""
        contractChecks.push({
          label:
            reg.success.action === "registered"
              ? `Contract registered: ${ref}${since}`
              : `Contract ${ref} already registered`,
          passed: true,
        })
      } else {
        contractChecks.push({ label: `Contract ${ref} not registered`, passed: false })
        contractDiagnostics.push(...reg.failure.diagnostics)
      }
    } else if (platform.governance.data_contracts.required || platform.mode === "mesh") {
      contractChecks.push({
        label: "A data contract is required on this platform",
        passed: contracts.contract !== undefined,
      })
    }
    yield* report({
      index: 5,
      title: title(5),
      lines: contractLines,
      checks: contractChecks,
      diagnostics: Diagnostic.sort(contractDiagnostics),
    })
    if (Diagnostic.hasErrors(contractDiagnostics)) {
      yield* skipFrom(6, "the data contracts have errors")
      return finish(undefined, undefined, false)
    }

    // [6/7] Orchestration: the platform's orchestrator generates what it needs; the local scheduler needs nothing.
    const orchestratorType = pluginType(platform, "orchestrator") ?? "local"
    const generator = options.orchestrators?.[orchestratorType]
    const orchestrationChecks: Array<Check> = []
    const orchestrationDiagnostics: Array<Diagnostic.Diagnostic> = []
    const orchestrationLines = [
      `Orchestrator: ${orchestratorType}${product.schedule ? ` — ${product.schedule.cron} (${product.schedule.timezone})` : " — no schedule in floe.yaml"}`,
    ]
    if (generator !== undefined) {
      const generated = yield* Effect.result(generator({ ...compiled, product, dir: productDir }))
      if (generated._tag === "Success") {
        const base = path.join(productDir, ".floe", "orchestration", orchestratorType)
        for (const [rel, text] of Object.entries(generated.success)) {
          yield* AtomicFile.write(fs, path, path.join(base, rel), text)
        }
        orchestrationChecks.push({
          label: `${orchestratorType[0]?.toUpperCase() ?? ""}${orchestratorType.slice(1)} definitions created (${path.relative(productDir, base)})`,
          passed: true,
        })
      } else {
        orchestrationChecks.push({ label: `${orchestratorType} definitions could not be generated`, passed: false })
        orchestrationDiagnostics.push(
          Diagnostic.make("FLOE-E702", `the ${orchestratorType} orchestrator failed: ${String(generated.failure)}`, {
            file: path.join(productDir, "floe.yaml"),
          }),
        )
      }
    } else if (orchestratorType === "local") {
      orchestrationChecks.push({
        label: "Local scheduler: nothing to generate (floe serve runs the schedule)",
        passed: true,
      })
    } else {
      orchestrationChecks.push({
        label: `No generator for orchestrator '${orchestratorType}' in this host`,
        passed: true,
      })
    }
    yield* report({
      index: 6,
      title: title(6),
      lines: orchestrationLines,
      checks: orchestrationChecks,
      diagnostics: orchestrationDiagnostics,
    })

    // [7/7] The artifacts, decoded through their own schema before they are written.
    const now = yield* Clock.currentTimeMillis
    const servedModels = (port: DataProduct.OutputPort) =>
      port.model ?? `${port.table.split(".")[0] ?? ""}_${port.table.split(".").pop() ?? ""}`
    const candidate = {
      version: CompiledArtifacts.ARTIFACTS_VERSION,
      metadata: {
        compiled_at: new Date(now).toISOString(),
        product_name: product.metadata.name,
        product_version: product.metadata.version,
        floe_version: options.floeVersion,
        source_hash: hash,
      },
      identity: { product_id: productId, domain: product.metadata.domain, repository, namespace_registered: true },
      mode: platform.mode,
      inheritance_chain: [
        ...[...platform.chain]
          .reverse()
          .map((e) => ({ scope: e.scope, name: e.name, version: e.version, ref: e.ref, digest: e.digest })),
        { scope: "product" as const, name: product.metadata.name, version: product.metadata.version },
      ],
      plugins: {
        compute: platform.plugins.compute ?? { type: "duckdb" },
        orchestrator: platform.plugins.orchestrator ?? { type: "local" },
        ...(platform.plugins.catalog ? { catalog: platform.plugins.catalog } : {}),
        ...(platform.plugins.lineage ? { lineage: platform.plugins.lineage } : {}),
        ...(platform.plugins.storage ? { storage: platform.plugins.storage } : {}),
      },
      transforms: product.transforms.map((t) => ({
        ...t,
        manifest_path: "target/manifest.json",
        models: counts.models,
      })),
      ...(product.schedule ? { schedule: { cron: product.schedule.cron, timezone: product.schedule.timezone } } : {}),
      data_contracts:
        contracts.contract === undefined || registeredRef === undefined
          ? []
          : [
              {
                name: registeredRef.split("/").pop()?.split(":")[0] ?? productId,
                version: contracts.contract.version,
                models: ports.map(servedModels),
                ...(contracts.hash ? { hash: contracts.hash } : {}),
                sla: {
                  ...(hoursOf(ports[0]?.sla?.freshness) === undefined
                    ? {}
                    : { freshness_hours: hoursOf(ports[0]?.sla?.freshness) }),
                  ...(ports[0]?.sla?.availability
                    ? { availability_percent: Number.parseFloat(ports[0].sla.availability) }
                    : {}),
                },
              },
            ],
      governance: {
        naming: platform.governance.naming,
        quality_gates: {
          enforcement: platform.governance.quality_gates.enforcement,
          ...(platform.governance.quality_gates.minimum_test_coverage === undefined
            ? {}
            : { minimum_test_coverage: platform.governance.quality_gates.minimum_test_coverage }),
          layer_thresholds: platform.governance.quality_gates.layer_thresholds,
          require_descriptions: platform.governance.quality_gates.require_descriptions,
        },
        classification: {
          enforcement: platform.governance.classification.enforcement,
          pii_patterns: [...platform.governance.classification.pii_patterns],
          require_classification: platform.governance.classification.require_classification,
          ...(platform.governance.classification.levels
            ? { levels: [...platform.governance.classification.levels] }
            : {}),
        },
        data_contracts: platform.governance.data_contracts,
      },
      enforcement_result: {
        passed: !Diagnostic.hasErrors(governance.diagnostics),
        contracts: platform.governance.data_contracts.enforcement,
        diagnostics: governance.diagnostics,
      },
    }
    const decoded = CompiledArtifacts.CompiledArtifacts.safeParse(candidate)
    if (!decoded.success) {
      yield* report({
        index: 7,
        title: title(7),
        checks: [{ label: `${ARTIFACTS_FILE} valid against its schema`, passed: false }],
        diagnostics: [
          Diagnostic.make("FLOE-E702", `the compiled artifacts do not match their schema: ${decoded.error.message}`, {
            file: artifactsPath,
          }),
        ],
      })
      return finish(undefined, undefined, false)
    }
    yield* AtomicFile.writeJson(fs, path, artifactsPath, decoded.data)
    yield* report({
      index: 7,
      title: title(7),
      checks: [{ label: `${ARTIFACTS_FILE} written`, passed: true }],
      diagnostics: [],
    })
    return finish(decoded.data, artifactsPath, false)
  })
