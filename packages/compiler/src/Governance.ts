/**
 * Platform compliance, stage 4 of `floe validate`: naming conventions, quality gates (test coverage per model,
 * per layer and for the product, descriptions), classification of PII columns, approved plugins and products,
 * and the mesh-mode requirements. The platform's enforcement level decides whether a violation is an error
 * (`strict`), a warning (`warn`) or not reported (`off`). Pure: it reads a compile result, the product and the
 * resolved platform, and returns checks and diagnostics.
 *
 * Naming conventions:
 * - `medallion` (the default): a model in `bronze/`, `silver/` or `gold/` (the first folder under the model
 *   path) starts with `bronze_`, `silver_` or `gold_`.
 * - `kimball`, as dbt Labs' project-structure guide and Kimball's dimensional modelling name things: `staging/`
 *   (or `bronze/`) models start with `stg_`, `intermediate/` (or `silver/`) with `int_`, `marts/` (or `gold/`) with
 *   `dim_` (dimensions) or `fct_` (facts); models in other folders start with one of those four prefixes.
 * - `custom`: `custom_patterns` maps a folder to a regular expression the whole model name must match.
 */
import type { DataProduct as DP } from "@floe/spec"
import { DataProduct, Diagnostic, Yaml } from "@floe/spec"
import type { CompileResult } from "./Compiler.ts"
import type { Node } from "./Graph.ts"
import { type EffectiveGovernance, productMatches, type ResolvedPlatform } from "./Platform.ts"

export interface Check {
  readonly label: string
  readonly passed: boolean
}

export interface GovernanceInput {
  readonly product: DP.DataProduct
  /** floe.yaml as parsed, to place diagnostics about it. */
  readonly productSource?: Yaml.YamlSource | undefined
  readonly platform: ResolvedPlatform
  readonly compiled: CompileResult
  /** The effective data contract from stage 3 (ODCS), for column classifications. */
  readonly contract?: unknown
  /** Whether the product has an explicit datacontract.yaml. */
  readonly hasContractFile: boolean
  /** A model's file as the user sees it, relative to the product directory: `models/silver/stg_payments.sql`. */
  readonly displayPath: (node: Node) => string
  /** The same, absolute or as the caller names files in diagnostics. */
  readonly diagnosticPath: (node: Node) => string
}

export interface GovernanceReport {
  readonly checks: ReadonlyArray<Check>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

type Severity = "error" | "warning" | undefined

const severityOf = (enforcement: "off" | "warn" | "strict"): Severity =>
  enforcement === "strict" ? "error" : enforcement === "warn" ? "warning" : undefined

const withSeverity = (d: Diagnostic.Diagnostic, severity: "error" | "warning"): Diagnostic.Diagnostic => ({
  ...d,
  severity,
})

const MEDALLION = ["bronze", "silver", "gold"] as const
const KNOWN_PREFIXES = /^(?:bronze|silver|gold|stg|int|dim|fct|fact|raw|base|src|mart)_/
const KIMBALL_FOLDERS: Readonly<Record<string, ReadonlyArray<string>>> = {
  staging: ["stg_"],
  bronze: ["stg_"],
  intermediate: ["int_"],
  silver: ["int_"],
  marts: ["dim_", "fct_"],
  gold: ["dim_", "fct_"],
}
const KIMBALL_ANY = ["stg_", "int_", "dim_", "fct_"]

/** The layer of a model: the first folder under its model path (`silver` for `silver/stg_payments.sql`). */
export const layerOf = (node: Pick<Node, "path">): string | undefined => {
  const parts = node.path.split(/[\\/]/)
  return parts.length > 1 ? parts[0] : undefined
}

interface NamingRule {
  readonly ok: (name: string) => boolean
  readonly expected: string
  readonly suggest: ((name: string) => string) | undefined
}

const prefixRule = (prefixes: ReadonlyArray<string>): NamingRule => ({
  ok: (name) => prefixes.some((p) => name.startsWith(p)),
  expected: `start with ${prefixes.join(" or ")}`,
  suggest: (name) => `${prefixes[0] ?? ""}${name.replace(KNOWN_PREFIXES, "")}`,
})

/** The naming rule for a model in `layer`, or undefined when the convention says nothing about that folder. */
export const namingRule = (governance: EffectiveGovernance, layer: string | undefined): NamingRule | undefined => {
  const naming = governance.naming
  if (naming.pattern === "medallion") {
    const l = MEDALLION.find((m) => m === layer)
    return l === undefined ? undefined : prefixRule([`${l}_`])
  }
  if (naming.pattern === "kimball") {
    return prefixRule((layer === undefined ? undefined : KIMBALL_FOLDERS[layer]) ?? KIMBALL_ANY)
  }
  const source = layer === undefined ? undefined : naming.custom_patterns[layer]
  if (source === undefined) return undefined
  // Patterns were checked against catastrophic backtracking when the manifest was decoded (Pattern.check).
  const re = new RegExp(`^(?:${source})$`)
  return { ok: (name) => re.test(name), expected: `match /${source}/`, suggest: undefined }
}

const pct = (n: number): string => `${Math.round(n * 10) / 10}%`

/** The classification a contract gives each column, by schema object name then column name (lower case). */
const contractClassifications = (contract: unknown): Map<string, Map<string, string>> => {
  const out = new Map<string, Map<string, string>>()
  if (contract === null || typeof contract !== "object") return out
  const schema = (contract as { schema?: unknown }).schema
  if (!Array.isArray(schema)) return out
  for (const object of schema) {
    if (object === null || typeof object !== "object") continue
    const { name, properties } = object as { name?: unknown; properties?: unknown }
    if (typeof name !== "string" || !Array.isArray(properties)) continue
    const columns = new Map<string, string>()
    for (const p of properties) {
      if (p === null || typeof p !== "object") continue
      const { name: column, classification } = p as { name?: unknown; classification?: unknown }
      if (typeof column === "string" && typeof classification === "string")
        columns.set(column.toLowerCase(), classification)
    }
    out.set(name, columns)
  }
  return out
}

/**
 * Checks a compiled product against its platform's governance. Never fails; returns the stage's checks and its
 * diagnostics, whose severity follows each rule's enforcement level (E201 naming, E210/E211 coverage, E221/E222
 * descriptions, E230/E231 classification, E240/E241 approvals, E250/E251 mesh and contract requirements).
 */
export const check = (input: GovernanceInput): GovernanceReport => {
  const { product, platform, compiled } = input
  const g = platform.governance
  const checks: Array<Check> = []
  const diagnostics: Array<Diagnostic.Diagnostic> = []
  const at = (path: ReadonlyArray<Yaml.PathSegment>): Diagnostic.Location =>
    input.productSource === undefined ? {} : Yaml.locate(input.productSource, path)
  const graph = compiled.graph
  const project = compiled.project
  const models = graph === undefined ? [] : [...graph.nodes.values()].filter((n) => n.resourceType === "model")
  const count = (ds: ReadonlyArray<Diagnostic.Diagnostic>, sev: string) => ds.filter((d) => d.severity === sev).length
  const summary = (ds: ReadonlyArray<Diagnostic.Diagnostic>) => {
    const w = count(ds, "warning")
    const e = count(ds, "error")
    return e > 0 ? ` (${e} error${e === 1 ? "" : "s"})` : w > 0 ? ` (${w} warning${w === 1 ? "" : "s"})` : ""
  }

  // Naming
  const namingSeverity = severityOf(g.naming.enforcement)
  if (namingSeverity !== undefined) {
    const found: Array<Diagnostic.Diagnostic> = []
    for (const node of models) {
      const layer = layerOf(node)
      const rule = namingRule(g, layer)
      if (rule === undefined || rule.ok(node.name)) continue
      const file = input.displayPath(node)
      const suggested = rule.suggest?.(node.name)
      const target = suggested === undefined ? undefined : file.replace(/[^\\/]+(\.sql)$/, `${suggested}$1`)
      found.push(
        withSeverity(
          Diagnostic.make(
            "FLOE-E201",
            `model ${node.name} in ${layer ?? "the model folder"}/ does not follow the ${g.naming.pattern} naming convention: its name must ${rule.expected}`,
            { file: input.diagnosticPath(node), line: 1, column: 1 },
            target === undefined
              ? `Rename ${file} so that its name matches the pattern, and update the ref() calls that name it.`
              : `mv ${file} ${target} (and update ref('${node.name}') to ref('${suggested}'))`,
          ),
          namingSeverity,
        ),
      )
    }
    diagnostics.push(...found)
    checks.push({
      label: `Naming conventions: ${g.naming.pattern}${summary(found)}`,
      passed: count(found, "error") === 0,
    })
  }

  // Quality gates: coverage
  const qualitySeverity = severityOf(g.quality_gates.enforcement)
  const tested = new Set<string>()
  if (graph !== undefined) {
    for (const n of graph.nodes.values()) {
      const t = n.test
      if (t?.attachedNode && t.columnName) tested.add(`${t.attachedNode}\u0000${t.columnName.toLowerCase()}`)
    }
  }
  const columnsOf = (node: Node): ReadonlyArray<string> => {
    const bound = compiled.columns.get(node.uniqueId)
    if (bound !== undefined) return bound.map((c) => c.name)
    return (project?.properties.get(node.name)?.columns ?? []).map((c) => c.name)
  }
  let totalColumns = 0
  let totalTested = 0
  const coverageFound: Array<Diagnostic.Diagnostic> = []
  for (const node of models) {
    const columns = columnsOf(node)
    if (columns.length === 0) continue
    const untested = columns.filter((c) => !tested.has(`${node.uniqueId}\u0000${c.toLowerCase()}`))
    const covered = columns.length - untested.length
    totalColumns += columns.length
    totalTested += covered
    const layer = layerOf(node)
    // Per model: the threshold of its layer. The product total is measured against minimum_test_coverage.
    const required = layer === undefined ? undefined : g.quality_gates.layer_thresholds[layer]
    const coverage = (covered / columns.length) * 100
    if (qualitySeverity !== undefined && required !== undefined && coverage < required) {
      coverageFound.push(
        withSeverity(
          Diagnostic.make(
            "FLOE-E210",
            `model ${node.name} has test coverage ${pct(coverage)} (${covered}/${columns.length} columns); layer ${layer} requires ${pct(required)}. Untested: ${untested.join(", ")}`,
            { file: input.diagnosticPath(node), line: 1, column: 1 },
          ),
          qualitySeverity,
        ),
      )
    }
  }
  const total = totalColumns === 0 ? 100 : (totalTested / totalColumns) * 100
  const platformMinimum = g.quality_gates.minimum_test_coverage
  if (qualitySeverity !== undefined && platformMinimum !== undefined && total < platformMinimum) {
    coverageFound.push(
      withSeverity(
        Diagnostic.make(
          "FLOE-E211",
          `test coverage of the product is ${pct(total)} (${totalTested}/${totalColumns} columns); the platform requires ${pct(platformMinimum)}`,
          at(["platform", "ref"]),
        ),
        qualitySeverity,
      ),
    )
  }
  // The product's own target (floe.yaml quality.minimum_coverage) is its promise, not a platform gate: a warning.
  const productMinimum = product.quality?.minimum_coverage
  if (productMinimum !== undefined && total < productMinimum && productMinimum > (platformMinimum ?? -1)) {
    coverageFound.push(
      withSeverity(
        Diagnostic.make(
          "FLOE-E211",
          `test coverage of the product is ${pct(total)} (${totalTested}/${totalColumns} columns); floe.yaml's quality.minimum_coverage asks for ${pct(productMinimum)}`,
          at(["quality", "minimum_coverage"]),
          "Add column tests in the models' properties YAML, or lower quality.minimum_coverage to what the product really has.",
        ),
        "warning",
      ),
    )
  }
  const totalRequired = platformMinimum
  diagnostics.push(...coverageFound)
  checks.push({
    label: `Test coverage: ${pct(total)}${totalRequired === undefined ? "" : ` (required: ${pct(totalRequired)})`}${summary(coverageFound)}`,
    passed: count(coverageFound, "error") === 0,
  })

  // Quality gates: descriptions
  if (g.quality_gates.require_descriptions && qualitySeverity !== undefined) {
    const found: Array<Diagnostic.Diagnostic> = []
    for (const node of models) {
      const props = project?.properties.get(node.name)
      const file = props?.file ?? input.diagnosticPath(node)
      const loc = props === undefined ? { file, line: 1, column: 1 } : props.location
      if (!props?.description) {
        found.push(
          withSeverity(Diagnostic.make("FLOE-E221", `model ${node.name} has no description`, loc), qualitySeverity),
        )
      }
      const described = new Map((props?.columns ?? []).map((c) => [c.name.toLowerCase(), c.description]))
      const missing = columnsOf(node).filter((c) => !described.get(c.toLowerCase()))
      if (missing.length > 0) {
        found.push(
          withSeverity(
            Diagnostic.make(
              "FLOE-E222",
              `model ${node.name} has column(s) without a description: ${missing.join(", ")}`,
              loc,
            ),
            qualitySeverity,
          ),
        )
      }
    }
    diagnostics.push(...found)
    checks.push({ label: `Descriptions${summary(found)}`, passed: count(found, "error") === 0 })
  }

  // Classification
  const classificationSeverity = severityOf(g.classification.enforcement)
  if (
    classificationSeverity !== undefined &&
    (g.classification.pii_patterns.length > 0 || g.classification.require_classification)
  ) {
    const pii = g.classification.pii_patterns.map((p) => new RegExp(p, "i"))
    const fromContract = contractClassifications(input.contract)
    // The schema object (last part of the port's table) and the port's own column classifications, by model.
    const served = new Map<string, { object: string; columns: Map<string, string> }>()
    for (const port of product.output_ports ?? []) {
      const parts = port.table.split(".")
      const object = parts[parts.length - 1] ?? port.name
      const columns = new Map<string, string>()
      for (const c of port.columns ?? []) if (c.classification) columns.set(c.name.toLowerCase(), c.classification)
      served.set(port.model ?? `${parts[0]}_${object}`, { object, columns })
    }
    const found: Array<Diagnostic.Diagnostic> = []
    let classified = 0
    for (const node of models) {
      const props = project?.properties.get(node.name)
      const meta = new Map((props?.columns ?? []).map((c) => [c.name.toLowerCase(), c.meta["classification"]]))
      const port = served.get(node.name)
      const unclassified: Array<string> = []
      for (const column of columnsOf(node)) {
        const key = column.toLowerCase()
        const value =
          (typeof meta.get(key) === "string" ? (meta.get(key) as string) : undefined) ??
          (port === undefined ? undefined : fromContract.get(port.object)?.get(key)) ??
          port?.columns.get(key)
        const needs =
          pii.some((re) => re.test(column)) || (g.classification.require_classification && port !== undefined)
        if (value !== undefined) {
          if (needs) classified++
          const levels = g.classification.levels
          if (levels !== undefined && !levels.includes(value)) {
            found.push(
              withSeverity(
                Diagnostic.make(
                  "FLOE-E231",
                  `column ${node.name}.${column} is classified ${value}, which is not one of the platform's levels (${levels.join(", ")})`,
                  props?.location ?? { file: input.diagnosticPath(node), line: 1, column: 1 },
                ),
                classificationSeverity,
              ),
            )
          }
        } else if (needs) unclassified.push(column)
      }
      if (unclassified.length > 0) {
        found.push(
          withSeverity(
            Diagnostic.make(
              "FLOE-E230",
              `model ${node.name} has column(s) that look like PII without a classification: ${unclassified.join(", ")}`,
              props?.location ?? { file: input.diagnosticPath(node), line: 1, column: 1 },
              `Add \`meta: {classification: pii}\` to ${unclassified.join(", ")} under model ${node.name}'s columns in its properties YAML (or \`classification:\` in datacontract.yaml).`,
            ),
            classificationSeverity,
          ),
        )
      }
    }
    diagnostics.push(...found)
    checks.push({
      label: `Classification: ${classified} PII column${classified === 1 ? "" : "s"} classified${summary(found)}`,
      passed: count(found, "error") === 0,
    })
  }

  // Approved plugins: the compute each transform runs on.
  const approvedCompute = platform.approvedPlugins.compute
  if (approvedCompute !== undefined) {
    const found: Array<Diagnostic.Diagnostic> = []
    product.transforms.forEach((t, i) => {
      const compute = t.compute ?? platform.plugins.compute?.type ?? "duckdb"
      if (!approvedCompute.includes(compute)) {
        found.push(
          Diagnostic.make(
            "FLOE-E240",
            `transform ${t.path} runs on compute ${compute}, which the platform does not approve (approved: ${approvedCompute.join(", ") || "none"})`,
            at(t.compute === undefined ? ["transforms", i] : ["transforms", i, "compute"]),
          ),
        )
      }
    })
    diagnostics.push(...found)
    checks.push({ label: `Approved plugins${summary(found)}`, passed: found.length === 0 })
  }

  // Approved products
  if (platform.approvedProducts !== undefined) {
    const id = DataProduct.productId(product)
    const ok = platform.approvedProducts.some((p) => productMatches(p, id))
    if (!ok) {
      diagnostics.push(
        Diagnostic.make(
          "FLOE-E241",
          `product ${id} is not in the platform's approved_products (${platform.approvedProducts.join(", ") || "none"})`,
          at(["metadata", "name"]),
        ),
      )
    }
    checks.push({ label: `Product approved: ${id}`, passed: ok })
  }

  // Mode requirements
  if (platform.mode === "mesh" && (product.output_ports ?? []).length === 0) {
    diagnostics.push(
      Diagnostic.make(
        "FLOE-E250",
        "in mesh mode a product must declare output_ports (its platform is a domain manifest)",
        at(["metadata"]),
      ),
    )
    checks.push({ label: "Mesh: output ports declared", passed: false })
  }
  if (g.data_contracts.required && !input.hasContractFile) {
    diagnostics.push(
      Diagnostic.make("FLOE-E251", "the platform requires a data contract and there is no datacontract.yaml", at([])),
    )
  }
  if (g.data_contracts.required) checks.push({ label: "Data contract present", passed: input.hasContractFile })

  return { checks, diagnostics: Diagnostic.sort(diagnostics) }
}
