/**
 * Registering a compiled product: its effective contract becomes a `Target` whose schema objects map to the
 * relations of the models serving the output ports, whose freshness falls back to the run state's last successful
 * build, and whose quality includes the serving models' tests from the last run. Also the enforcement mode the
 * product's platform sets.
 */
import { type Graph, Platform } from "@floe/compiler"
import { Models, type Odcs } from "@floe/contracts"
import { type Run, RunState } from "@floe/runtime"
import { type Compute, DataProduct } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type { Overrides } from "./Check.ts"
import * as Enforcement from "./Enforcement.ts"
import type { Target, TestSummary } from "./Target.ts"

export interface ProductOptions {
  readonly product: DataProduct.DataProduct
  /** The effective contract (`@floe/contracts` Stage: datacontract.yaml merged with the generated one). */
  readonly contract: Odcs.Contract
  readonly graph: Graph.Graph
  /** The product directory (run state under `.floe/runs/`). */
  readonly dir: string
  /** The OpenLineage dataset namespace of the warehouse, e.g. `duckdb://warehouse`. */
  readonly datasetNamespace?: string | undefined
  /** The run that just finished, when there is one: its tests are used instead of the run state's. */
  readonly lastRun?: Run.Result | undefined
  readonly overrides?: Overrides | undefined
}

const TEST_STATUSES = new Set(["pass", "warn", "fail", "error", "skipped"])

/** The monitor target of a compiled product. Reads nothing until a check asks for the run state. */
export const target = (options: ProductOptions): Effect.Effect<Target, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const { graph } = options
    const modelsByName = new Map<string, Graph.Node>()
    for (const n of graph.nodes.values()) if (n.resourceType === "model") modelsByName.set(n.name, n)
    const relations = new Map<string, Compute.Relation>()
    const modelOf = new Map<string, Graph.Node>()
    for (const port of options.product.output_ports ?? []) {
      const node = modelsByName.get(Models.servingModel(port))
      if (node === undefined) continue
      const object = Models.schemaObjectName(port)
      modelOf.set(object, node)
      relations.set(object, { database: node.database, schema: node.schema, identifier: node.alias })
    }
    const testsOf = (model: Graph.Node) =>
      [...graph.nodes.values()].filter(
        (n) => n.resourceType === "test" && (n.test?.attachedNode ?? n.dependsOn[0]) === model.uniqueId,
      )
    return {
      contract: options.contract,
      namespace: DataProduct.productId(options.product),
      relations,
      datasetNamespace: options.datasetNamespace,
      overrides: options.overrides,
      lastBuild: (object) =>
        Effect.gen(function* () {
          const model = modelOf.get(object)
          if (model === undefined) return undefined
          const state = yield* RunState.latest(fs, path, options.dir)
          if (state === undefined || state.nodes[model.uniqueId]?.status !== "success") return undefined
          const ms = Date.parse(state.completedAt)
          return Number.isNaN(ms) ? undefined : ms
        }),
      tests: (object) =>
        Effect.gen(function* () {
          const model = modelOf.get(object)
          if (model === undefined) return []
          if (options.lastRun !== undefined) {
            return options.lastRun.tests
              .filter((t) => t.attachedNode === model.uniqueId)
              .map((t): TestSummary => ({ name: t.name, status: t.status }))
          }
          const state = yield* RunState.latest(fs, path, options.dir)
          if (state === undefined) return []
          return testsOf(model).flatMap((n): Array<TestSummary> => {
            const status = state.nodes[n.uniqueId]?.status
            return status !== undefined && TEST_STATUSES.has(status)
              ? [{ name: n.name, status: status as TestSummary["status"] }]
              : []
          })
        }),
    }
  })

/**
 * What the product's platform says about monitoring: the contract enforcement mode
 * (`governance.data_contracts.enforcement`; `alert_only` when floe.yaml names no platform or it cannot be resolved —
 * validate reports that) and the check intervals and timeouts of its `monitoring` section. Never fails.
 */
export const settings = (
  product: DataProduct.DataProduct,
  dir: string,
): Effect.Effect<
  { readonly mode: Enforcement.Mode; readonly overrides: Overrides | undefined },
  never,
  FileSystem.FileSystem | Path.Path
> =>
  Effect.gen(function* () {
    const ref = product.platform?.ref
    if (ref === undefined) return { mode: Enforcement.DEFAULT, overrides: undefined }
    const resolution = yield* Platform.resolve(ref, { baseDir: dir })
    const mode = resolution.platform?.governance.data_contracts.enforcement
    return {
      mode: Enforcement.isMode(mode) ? mode : Enforcement.DEFAULT,
      overrides: resolution.platform?.monitoring,
    }
  })

/** The platform's contract enforcement for the product (`alert_only` without a platform). Never fails. */
export const enforcement = (
  product: DataProduct.DataProduct,
  dir: string,
): Effect.Effect<Enforcement.Mode, never, FileSystem.FileSystem | Path.Path> =>
  Effect.map(settings(product, dir), (s) => s.mode)
