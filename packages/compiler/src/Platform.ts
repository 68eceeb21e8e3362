/**
 * Platform resolution: from a product's `platform.ref` through each manifest's `parent.ref` up to the enterprise
 * manifest (Enterprise → Domain → Product), with cycle detection and the strength rule — a child manifest may only
 * make its parent's rules stricter. The result is the effective platform (plugins, governance, approvals), the
 * mode (simple, centralized, mesh) and the resolved chain (name, version, scope, ref, digest of each manifest).
 *
 * Manifests come from `PlatformSource`s: the file source here (references relative to the file that holds them,
 * never leaving a root directory) and whatever the host adds (the OCI source of `@floe/platform-oci`).
 */
import { createHash } from "node:crypto"
import { Diagnostic, Document, PlatformRef, PlatformSource, PlatformManifest as PM, Yaml } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"

type Enforcement = "off" | "warn" | "strict"
type ContractEnforcement = "off" | "warn" | "alert_only" | "block"
type Kind = PM.PluginKind
/** Plugin choices by kind. */
export type PluginChoices = { readonly [K in Kind]?: PM.PluginChoice | undefined }
/** Approved plugin types by kind; a kind without a list approves any type. */
export type ApprovedPlugins = { readonly [K in Kind]?: ReadonlyArray<string> | undefined }

const ENFORCEMENT_RANK: Readonly<Record<Enforcement, number>> = { off: 0, warn: 1, strict: 2 }
const CONTRACT_RANK: Readonly<Record<ContractEnforcement, number>> = { off: 0, warn: 1, alert_only: 2, block: 3 }

/** The governance rules in force after inheritance, every field filled in. */
export interface EffectiveGovernance {
  readonly naming: {
    readonly enforcement: Enforcement
    readonly pattern: "medallion" | "kimball" | "custom"
    readonly custom_patterns: Readonly<Record<string, string>>
  }
  readonly quality_gates: {
    readonly enforcement: Enforcement
    readonly minimum_test_coverage: number | undefined
    readonly layer_thresholds: Readonly<Record<string, number>>
    readonly require_descriptions: boolean
  }
  readonly classification: {
    readonly enforcement: Enforcement
    readonly pii_patterns: ReadonlyArray<string>
    readonly require_classification: boolean
    readonly levels: ReadonlyArray<string> | undefined
  }
  readonly data_contracts: { readonly enforcement: ContractEnforcement; readonly required: boolean }
}

/** The rules a product without a platform manifest gets: medallion naming at warn, nothing else enforced. */
export const DEFAULT_GOVERNANCE: EffectiveGovernance = {
  naming: { enforcement: "warn", pattern: "medallion", custom_patterns: {} },
  quality_gates: {
    enforcement: "warn",
    minimum_test_coverage: undefined,
    layer_thresholds: {},
    require_descriptions: false,
  },
  classification: { enforcement: "warn", pii_patterns: [], require_classification: false, levels: undefined },
  data_contracts: { enforcement: "alert_only", required: false },
}

/** One manifest of the resolved chain, product side first. */
export interface ChainEntry {
  readonly name: string
  readonly version: string
  readonly scope: "enterprise" | "domain"
  /** The reference as written (in floe.yaml or the child manifest). */
  readonly ref: string
  /** The reference pinned to what was read: the absolute file path, or `oci://…@sha256:…`. */
  readonly resolved: string
  /** `sha256:…` of the manifest's bytes. */
  readonly digest: string
  /** How diagnostics name the manifest. */
  readonly file: string
}

export type Mode = "simple" | "centralized" | "mesh"

/** The effective platform a product runs on. */
export interface ResolvedPlatform {
  readonly mode: Mode
  /** The manifest closest to the product first, the enterprise manifest last; empty in simple mode. */
  readonly chain: ReadonlyArray<ChainEntry>
  readonly governance: EffectiveGovernance
  readonly plugins: PluginChoices
  readonly approvedPlugins: ApprovedPlugins
  readonly approvedProducts: ReadonlyArray<string> | undefined
  /** Contract-monitor intervals and timeouts; a child manifest's setting replaces its parent's, check by check. */
  readonly monitoring: PM.Monitoring
}

/** The platform of a product that names none: simple mode on the embedded defaults. */
export const SIMPLE: ResolvedPlatform = {
  mode: "simple",
  chain: [],
  governance: DEFAULT_GOVERNANCE,
  plugins: {},
  approvedPlugins: {},
  approvedProducts: undefined,
  monitoring: {},
}

/** `Enterprise → Domain → Product` with names: `acme-enterprise 2.0.0 → sales-domain 1.1.0 → Product`. */
export const describeChain = (platform: ResolvedPlatform): string =>
  [...platform.chain]
    .reverse()
    .map((e) => `${e.name} ${e.version}`)
    .concat("Product")
    .join(" → ")

// ---------------------------------------------------------------------------------------------------------------
// The file source
// ---------------------------------------------------------------------------------------------------------------

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`

const refString = (ref: PlatformRef.PlatformRef): string =>
  ref._tag === "file" ? ref.path : PlatformRef.formatOci(ref)

/**
 * The built-in file source. A reference resolves against `baseDir` (the directory of the file that holds it) and
 * must stay inside `root` (default `baseDir`), also after following symbolic links. Absolute paths, `~`, drive
 * letters, directories, devices and FIFOs and files over 1 MiB are refused. Fails with `PlatformSourceError`
 * (`InvalidRef`, `NotFound`, `InvalidArtifact`, `Unavailable`).
 */
export const fileSource: Effect.Effect<PlatformSource.PlatformSourceShape, never, FileSystem.FileSystem | Path.Path> =
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const S = PlatformSource
    const resolve = Effect.fn("PlatformSource.file.resolve")(function* (
      ref: PlatformRef.PlatformRef,
      options: PlatformSource.ResolveOptions,
    ) {
      const written = refString(ref)
      const invalid = (message: string) => S.fail(new S.InvalidRef({ message, ref: written }))
      if (ref._tag !== "file") return yield* invalid(`${written} is not a file reference`)
      const p = ref.path
      if (/[\u0000-\u001f]/.test(p) || p.startsWith("~") || /^[a-zA-Z]:/.test(p) || path.isAbsolute(p)) {
        return yield* invalid(`${p} must be a relative path (absolute paths, ~ and drive letters are refused)`)
      }
      const root = path.resolve(options.root ?? options.baseDir)
      const full = path.resolve(options.baseDir, p)
      const inside = (r: string, f: string) => {
        const rel = path.relative(r, f)
        return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))
      }
      if (!inside(root, full)) return yield* invalid(`${p} leaves ${root}; platform files must be inside it`)
      const info = yield* Effect.result(fs.stat(full))
      if (info._tag === "Failure") {
        return yield* info.failure.reason._tag === "NotFound"
          ? S.fail(new S.NotFound({ message: `${full} does not exist`, ref: written }))
          : S.fail(new S.Unavailable({ message: `${full} cannot be read: ${info.failure.message}`, ref: written }))
      }
      if (info.success.type !== "File") return yield* invalid(`${full} is not a regular file`)
      if (info.success.size > BigInt(Yaml.MAX_BYTES)) {
        return yield* S.fail(
          new S.InvalidArtifact({ message: `${full} is larger than ${Yaml.MAX_BYTES} bytes`, ref: written }),
        )
      }
      const real = yield* Effect.result(Effect.all([fs.realPath(root), fs.realPath(full)]))
      if (real._tag === "Success" && !inside(real.success[0], real.success[1])) {
        return yield* invalid(`${p} links outside ${root}`)
      }
      const bytes = yield* Effect.result(fs.readFile(full))
      if (bytes._tag === "Failure") {
        return yield* S.fail(
          new S.Unavailable({ message: `${full} cannot be read: ${bytes.failure.message}`, ref: written }),
        )
      }
      let text: string
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.success)
      } catch {
        return yield* S.fail(new S.InvalidArtifact({ message: `${full} is not UTF-8 text`, ref: written }))
      }
      return { text, digest: sha256(bytes.success), ref: full } satisfies PlatformSource.Resolved
    })
    return PlatformSource.PlatformSource.of({ scheme: "file", resolve })
  })

// ---------------------------------------------------------------------------------------------------------------
// Inheritance
// ---------------------------------------------------------------------------------------------------------------

interface Layer {
  readonly manifest: PM.PlatformManifest
  readonly source: Yaml.YamlSource
  readonly file: string
}

interface Effective {
  governance: EffectiveGovernance
  plugins: PluginChoices
  approvedPlugins: ApprovedPlugins
  approvedProducts: ReadonlyArray<string> | undefined
  monitoring: PM.Monitoring
}

const globPart = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^.]*")}$`)

/**
 * Whether a product id (`sales.customer_360`) matches an `approved_products` entry; `*` matches within one part
 * (`sales.*`, `sales.customer_*`), never across a dot.
 */
export const productMatches = (pattern: string, id: string): boolean => {
  const ps = pattern.split(".")
  const is = id.split(".")
  return ps.length === is.length && ps.every((p, i) => globPart(p).test(is[i] ?? ""))
}

const fromRoot = (layer: Layer): Effective => {
  const g = layer.manifest.governance
  return {
    governance: {
      naming: {
        enforcement: g?.naming?.enforcement ?? DEFAULT_GOVERNANCE.naming.enforcement,
        pattern: g?.naming?.pattern ?? DEFAULT_GOVERNANCE.naming.pattern,
        custom_patterns: g?.naming?.custom_patterns ?? {},
      },
      quality_gates: {
        enforcement: g?.quality_gates?.enforcement ?? DEFAULT_GOVERNANCE.quality_gates.enforcement,
        minimum_test_coverage: g?.quality_gates?.minimum_test_coverage,
        layer_thresholds: g?.quality_gates?.layer_thresholds ?? {},
        require_descriptions: g?.quality_gates?.require_descriptions ?? false,
      },
      classification: {
        enforcement: g?.classification?.enforcement ?? DEFAULT_GOVERNANCE.classification.enforcement,
        pii_patterns: g?.classification?.pii_patterns ?? [],
        require_classification: g?.classification?.require_classification ?? false,
        levels: g?.classification?.levels,
      },
      data_contracts: {
        enforcement: g?.data_contracts?.enforcement ?? DEFAULT_GOVERNANCE.data_contracts.enforcement,
        required: g?.data_contracts?.required ?? false,
      },
    },
    plugins: { ...layer.manifest.plugins },
    approvedPlugins: { ...layer.manifest.approved_plugins },
    approvedProducts: layer.manifest.approved_products,
    monitoring: { ...layer.manifest.monitoring },
  }
}

/**
 * Applies `child` on top of the effective `parent` rules. Only keys the child writes count (zod defaults do not),
 * and a key that would weaken the parent's rule is reported (E712, naming both files) and ignored.
 */
const inherit = (
  parent: Effective,
  parentFile: string,
  child: Layer,
): { effective: Effective; diagnostics: Array<Diagnostic.Diagnostic> } => {
  const diagnostics: Array<Diagnostic.Diagnostic> = []
  const src = child.source
  const raw = child.manifest.governance
  const written = (p: ReadonlyArray<string>) => Yaml.has(src, p)
  const weaken = (p: ReadonlyArray<string>, what: string) =>
    diagnostics.push(
      Diagnostic.make(
        "FLOE-E712",
        `${child.file} weakens ${p.join(".")}: ${what}, which ${parentFile} sets; the parent's rule applies`,
        Yaml.locate(src, p),
      ),
    )
  const enforcement = <T extends string>(
    section: string,
    current: T,
    value: T | undefined,
    rank: Readonly<Record<T, number>>,
  ): T => {
    const p = ["governance", section, "enforcement"]
    if (value === undefined || !written(p)) return current
    if (rank[value] < rank[current]) {
      weaken(p, `enforcement ${value} is below ${current}`)
      return current
    }
    return value
  }
  const pg = parent.governance
  // naming
  let pattern = pg.naming.pattern
  if (raw?.naming?.pattern !== undefined && written(["governance", "naming", "pattern"])) {
    if (raw.naming.pattern !== pg.naming.pattern && pg.naming.enforcement !== "off") {
      weaken(["governance", "naming", "pattern"], `pattern ${raw.naming.pattern} replaces ${pg.naming.pattern}`)
    } else pattern = raw.naming.pattern
  }
  const customPatterns: Record<string, string> = { ...pg.naming.custom_patterns }
  for (const [folder, re] of Object.entries(raw?.naming?.custom_patterns ?? {})) {
    const before = pg.naming.custom_patterns[folder]
    if (before !== undefined && before !== re) {
      weaken(["governance", "naming", "custom_patterns", folder], `the pattern for ${folder}/ is changed`)
    } else customPatterns[folder] = re
  }
  // quality gates
  let minimum = pg.quality_gates.minimum_test_coverage
  const childMin = raw?.quality_gates?.minimum_test_coverage
  if (childMin !== undefined) {
    if (minimum !== undefined && childMin < minimum) {
      weaken(["governance", "quality_gates", "minimum_test_coverage"], `coverage ${childMin}% is below ${minimum}%`)
    } else minimum = childMin
  }
  const thresholds: Record<string, number> = { ...pg.quality_gates.layer_thresholds }
  for (const [layer, pct] of Object.entries(raw?.quality_gates?.layer_thresholds ?? {})) {
    const before = pg.quality_gates.layer_thresholds[layer]
    if (before !== undefined && pct < before) {
      weaken(
        ["governance", "quality_gates", "layer_thresholds", layer],
        `${layer} coverage ${pct}% is below ${before}%`,
      )
    } else thresholds[layer] = pct
  }
  let descriptions = pg.quality_gates.require_descriptions
  if (written(["governance", "quality_gates", "require_descriptions"])) {
    if (descriptions && raw?.quality_gates?.require_descriptions === false) {
      weaken(["governance", "quality_gates", "require_descriptions"], "descriptions are no longer required")
    } else descriptions = raw?.quality_gates?.require_descriptions ?? descriptions
  }
  // classification
  const childPii = raw?.classification?.pii_patterns
  let pii = pg.classification.pii_patterns
  if (childPii !== undefined) {
    const dropped = pii.filter((p) => !childPii.includes(p))
    if (dropped.length > 0) {
      weaken(["governance", "classification", "pii_patterns"], `PII pattern(s) ${dropped.join(", ")} are dropped`)
      pii = [...pii, ...childPii.filter((p) => !pii.includes(p))]
    } else pii = childPii
  }
  let requireClassification = pg.classification.require_classification
  if (written(["governance", "classification", "require_classification"])) {
    if (requireClassification && raw?.classification?.require_classification === false) {
      weaken(["governance", "classification", "require_classification"], "classification is no longer required")
    } else requireClassification = raw?.classification?.require_classification ?? requireClassification
  }
  let levels = pg.classification.levels
  const childLevels = raw?.classification?.levels
  if (childLevels !== undefined) {
    const added = levels === undefined ? [] : childLevels.filter((l) => !levels?.includes(l))
    if (added.length > 0) {
      weaken(["governance", "classification", "levels"], `level(s) ${added.join(", ")} are allowed`)
    } else levels = childLevels
  }
  // data contracts
  let contractsRequired = pg.data_contracts.required
  if (written(["governance", "data_contracts", "required"])) {
    if (contractsRequired && raw?.data_contracts?.required === false) {
      weaken(["governance", "data_contracts", "required"], "data contracts are no longer required")
    } else contractsRequired = raw?.data_contracts?.required ?? contractsRequired
  }
  const governance: EffectiveGovernance = {
    naming: {
      enforcement: enforcement("naming", pg.naming.enforcement, raw?.naming?.enforcement, ENFORCEMENT_RANK),
      pattern,
      custom_patterns: customPatterns,
    },
    quality_gates: {
      enforcement: enforcement(
        "quality_gates",
        pg.quality_gates.enforcement,
        raw?.quality_gates?.enforcement,
        ENFORCEMENT_RANK,
      ),
      minimum_test_coverage: minimum,
      layer_thresholds: thresholds,
      require_descriptions: descriptions,
    },
    classification: {
      enforcement: enforcement(
        "classification",
        pg.classification.enforcement,
        raw?.classification?.enforcement,
        ENFORCEMENT_RANK,
      ),
      pii_patterns: pii,
      require_classification: requireClassification,
      levels,
    },
    data_contracts: {
      enforcement: enforcement(
        "data_contracts",
        pg.data_contracts.enforcement,
        raw?.data_contracts?.enforcement,
        CONTRACT_RANK,
      ),
      required: contractsRequired,
    },
  }
  // approved plugins: a child may only narrow each list
  const approvedPlugins: { [K in Kind]?: ReadonlyArray<string> | undefined } = { ...parent.approvedPlugins }
  for (const kind of PM.PLUGIN_KINDS) {
    const list = child.manifest.approved_plugins?.[kind]
    if (list === undefined) continue
    const allowed = parent.approvedPlugins[kind]
    const extra = allowed === undefined ? [] : list.filter((t) => !allowed.includes(t))
    if (extra.length > 0) {
      weaken(["approved_plugins", kind], `${kind} plugin(s) ${extra.join(", ")} are approved`)
      approvedPlugins[kind] = list.filter((t) => allowed?.includes(t) ?? true)
    } else approvedPlugins[kind] = list
  }
  // approved products: every entry must be covered by one of the parent's
  let approvedProducts = parent.approvedProducts
  const childProducts = child.manifest.approved_products
  if (childProducts !== undefined) {
    const outside =
      approvedProducts === undefined
        ? []
        : childProducts.filter((e) => !(approvedProducts ?? []).some((p) => p === e || productMatches(p, e)))
    if (outside.length > 0) {
      weaken(["approved_products"], `product(s) ${outside.join(", ")} are approved`)
      approvedProducts = childProducts.filter((e) => !outside.includes(e))
    } else approvedProducts = childProducts
  }
  return {
    effective: {
      governance,
      plugins: { ...parent.plugins, ...child.manifest.plugins },
      approvedPlugins,
      approvedProducts,
      monitoring: { ...parent.monitoring, ...child.manifest.monitoring },
    },
    diagnostics,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------------------------

export interface ResolveOptions {
  /** The directory of the file that holds `ref` (the product directory for floe.yaml). */
  readonly baseDir: string
  /** File references may not leave this directory (default `baseDir`). */
  readonly root?: string | undefined
  /** Where `ref` is written, for diagnostics about it (floe.yaml's `platform.ref`). */
  readonly location?: Diagnostic.Location | undefined
  /** Sources besides the built-in file source, e.g. the OCI one. */
  readonly sources?: ReadonlyArray<PlatformSource.PlatformSourceShape> | undefined
}

export interface Resolution {
  /** The effective platform; undefined when the chain could not be resolved (see the diagnostics). */
  readonly platform: ResolvedPlatform | undefined
  /** False when the reference's scheme has no source in this host (W703): the defaults apply. */
  readonly checked: boolean
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

const MAX_DEPTH = 8

/**
 * Resolves the platform chain that starts at `ref`: reads each manifest through the source for its scheme, decodes
 * it (its own E1xx diagnostics are passed on, with E702 at the reference), follows `parent.ref` (relative to the
 * manifest that holds it) to the enterprise manifest, detects cycles (E710) and chains out of order (E711), and
 * folds the rules from the enterprise down, reporting every weakening (E712). An unreadable reference is E701 at
 * the place it is written. Never fails.
 */
export const resolve = (
  ref: string,
  options: ResolveOptions,
): Effect.Effect<Resolution, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const file = yield* fileSource
    const sources = [file, ...(options.sources ?? [])]
    const diagnostics: Array<Diagnostic.Diagnostic> = []
    const layers: Array<Layer & { readonly entry: ChainEntry }> = []
    const seen = new Map<string, string>()
    let current: {
      ref: string
      baseDir: string | undefined
      displayDir: string
      at: Diagnostic.Location
      holder: string
    } = {
      ref,
      baseDir: options.baseDir,
      displayDir: options.baseDir,
      at: options.location ?? {},
      holder: options.location?.file ?? "floe.yaml",
    }
    const fail = (d: Diagnostic.Diagnostic): Resolution => ({
      platform: undefined,
      checked: true,
      diagnostics: Diagnostic.sort([...diagnostics, d]),
    })
    for (let depth = 0; ; depth++) {
      if (depth >= MAX_DEPTH) {
        return fail(
          Diagnostic.make("FLOE-E711", `the platform chain is deeper than ${MAX_DEPTH} manifests`, current.at),
        )
      }
      const parsed = PlatformRef.parse(current.ref)
      if (parsed === undefined) {
        return fail(
          Diagnostic.make(
            "FLOE-E701",
            `"${current.ref}" is neither oci://host/repository:tag nor a file path`,
            current.at,
          ),
        )
      }
      const source = sources.find((s) => s.scheme === parsed._tag)
      if (source === undefined) {
        if (layers.length === 0) {
          return {
            platform: undefined,
            checked: false,
            diagnostics: [
              Diagnostic.make(
                "FLOE-W703",
                `platform ${current.ref} was not resolved: this host has no source for ${parsed._tag}:// references`,
                current.at,
              ),
            ],
          }
        }
        return fail(
          Diagnostic.make(
            "FLOE-E701",
            `cannot resolve ${current.ref}: this host has no source for ${parsed._tag}:// references`,
            current.at,
          ),
        )
      }
      if (parsed._tag === "file" && current.baseDir === undefined) {
        return fail(
          Diagnostic.make(
            "FLOE-E701",
            `cannot resolve ${current.ref}: a manifest read from a registry may only name oci:// parents`,
            current.at,
          ),
        )
      }
      const baseDir = current.baseDir ?? options.baseDir
      const got = yield* Effect.result(source.resolve(parsed, { baseDir, root: options.root ?? options.baseDir }))
      if (got._tag === "Failure") {
        return fail(
          Diagnostic.make("FLOE-E701", `cannot resolve platform ${current.ref}: ${got.failure.message}`, current.at),
        )
      }
      const resolved = got.success
      const display = parsed._tag === "file" ? path.join(current.displayDir, parsed.path) : current.ref
      const previous = seen.get(resolved.ref)
      if (previous !== undefined) {
        return fail(
          Diagnostic.make(
            "FLOE-E710",
            `${current.holder} names ${display} as its parent, but it is already in the chain (${[...seen.values(), display].join(" → ")})`,
            current.at,
          ),
        )
      }
      seen.set(resolved.ref, display)
      const decoded = Document.decodeManifest(resolved.text, display)
      if (decoded.value === undefined || decoded.source === undefined) {
        diagnostics.push(...decoded.diagnostics)
        return fail(Diagnostic.make("FLOE-E702", `platform manifest ${display} has errors`, current.at))
      }
      diagnostics.push(...decoded.diagnostics)
      const manifest = decoded.value
      layers.push({
        manifest,
        source: decoded.source,
        file: display,
        entry: {
          name: manifest.metadata.name,
          version: manifest.metadata.version,
          scope: manifest.scope,
          ref: current.ref,
          resolved: resolved.ref,
          digest: resolved.digest,
          file: display,
        },
      })
      if (manifest.parent === undefined) break
      current = {
        ref: manifest.parent.ref,
        baseDir: parsed._tag === "file" ? path.dirname(resolved.ref) : undefined,
        displayDir: parsed._tag === "file" ? path.dirname(display) : current.displayDir,
        at: Yaml.locate(decoded.source, ["parent", "ref"]),
        holder: display,
      }
    }
    // Enterprise → Domain → Product: every parent is an enterprise manifest.
    for (let i = 0; i + 1 < layers.length; i++) {
      const child = layers[i]
      const parent = layers[i + 1]
      if (child === undefined || parent === undefined || parent.manifest.scope === "enterprise") continue
      return fail(
        Diagnostic.make(
          "FLOE-E711",
          `${child.file} names ${parent.file} as its parent, but that is a ${parent.manifest.scope} manifest, not an enterprise one`,
          Yaml.locate(child.source, ["parent", "ref"]),
        ),
      )
    }
    const rootLayer = layers[layers.length - 1]
    if (rootLayer === undefined) return fail(Diagnostic.make("FLOE-E701", `cannot resolve ${ref}`, options.location))
    let effective = fromRoot(rootLayer)
    let parentFile = rootLayer.file
    for (let i = layers.length - 2; i >= 0; i--) {
      const layer = layers[i]
      if (layer === undefined) continue
      const step = inherit(effective, parentFile, layer)
      effective = step.effective
      diagnostics.push(...step.diagnostics)
      parentFile = layer.file
    }
    // A manifest's own plugin choices must be approved by the rules in force.
    for (const layer of layers) {
      for (const kind of PM.PLUGIN_KINDS) {
        const choice = layer.manifest.plugins?.[kind]
        const allowed = effective.approvedPlugins[kind]
        if (choice !== undefined && allowed !== undefined && !allowed.includes(choice.type)) {
          diagnostics.push(
            Diagnostic.make(
              "FLOE-E240",
              `${layer.file} chooses ${kind} plugin ${choice.type}, which is not approved (approved: ${allowed.join(", ") || "none"})`,
              Yaml.locate(layer.source, ["plugins", kind, "type"]),
            ),
          )
        }
      }
    }
    const first = layers[0]
    const platform: ResolvedPlatform = {
      mode: first?.manifest.scope === "domain" ? "mesh" : "centralized",
      chain: layers.map((l) => l.entry),
      governance: effective.governance,
      plugins: effective.plugins,
      approvedPlugins: effective.approvedPlugins,
      approvedProducts: effective.approvedProducts,
      monitoring: effective.monitoring,
    }
    return { platform, checked: true, diagnostics: Diagnostic.sort(diagnostics) }
  })
