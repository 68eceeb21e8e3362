/**
 * After `floe run`: the product's output ports published as Iceberg tables (`@floe/runtime`'s Publish) in the
 * warehouse the platform chooses (`plugins.storage`: `{type: file, config: {warehouse: <dir or file:// URI>}}`,
 * `{type: none}` to publish nothing; by default `<product>/.floe/warehouse`), committed to the catalog the
 * platform chooses. The product's identity is claimed first, as `floe compile` does, so a product's first run
 * creates its tables. The CLI only picks the plugins and renders; the logic is the runtime's.
 */
import { resolve } from "node:path"
import type { Compiler, Platform } from "@floe/compiler"
import { Identity } from "@floe/identity"
import type { Lineage, Run } from "@floe/runtime"
import { Publish } from "@floe/runtime"
import { Catalog, type Compute, DataProduct, Diagnostic } from "@floe/spec"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import { CATALOG_FILE, openCatalog } from "./Embedded.ts"
import { type Io, style } from "./Io.ts"
import { renderDiagnostics } from "./Render.ts"

export interface PublishStageOutcome {
  readonly publications: ReadonlyArray<Publish.Publication>
  /** Diagnostics of the stage itself (no catalog, identity conflict, unsupported storage). */
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  /** Why nothing was published, when nothing was tried. */
  readonly skipped?: string | undefined
  /** True when a port failed to publish or the stage could not start: the run did not deliver its ports. */
  readonly failed: boolean
  readonly warehouse?: string | undefined
  readonly text: string
}

/**
 * The warehouse the platform chooses: `undefined` to publish nothing (`plugins.storage.type: none`), else a URI or
 * path (relative paths resolve against the product directory). Unknown storage types are E810.
 */
export const chooseWarehouse = (
  platform: Platform.ResolvedPlatform | undefined,
  dir: string,
): { readonly warehouse: string | undefined } | { readonly diagnostic: Diagnostic.Diagnostic } => {
  const choice = platform?.plugins.storage
  if (choice === undefined) return { warehouse: Publish.warehouseUri(dir, undefined) }
  if (choice.type === "none") return { warehouse: undefined }
  const configured = choice.config?.["warehouse"]
  if (
    (choice.type === "file" || choice.type === "local") &&
    (configured === undefined || typeof configured === "string")
  ) {
    const w =
      configured === undefined || /^[a-z][a-z0-9+.-]*:/i.test(configured) ? configured : resolve(dir, configured)
    return { warehouse: Publish.warehouseUri(dir, w) }
  }
  return {
    diagnostic: Diagnostic.make(
      "FLOE-E810",
      `the platform chooses storage '${choice.type}'${typeof configured === "string" ? ` at '${configured}'` : ""}; this host publishes to file (a local directory or file:// URI) or none`,
    ),
  }
}

/**
 * The catalog as an OpenLineage dataset namespace, for the symlink from a table's location to its catalog name: the
 * REST or PostgreSQL URI (without credentials), or `sqlite://` and the embedded catalog's path.
 */
export const catalogNamespace = (platform: Platform.ResolvedPlatform | undefined, dir: string): string => {
  const uri = platform?.plugins.catalog?.config?.["uri"]
  if (typeof uri !== "string" || uri.startsWith("sqlite:")) {
    const file = typeof uri === "string" ? uri.replace(/^sqlite:(\/\/)?/, "") : CATALOG_FILE
    return `sqlite://${resolve(dir, file)}`
  }
  const parsed = URL.parse(uri)
  if (parsed === null) return uri
  parsed.username = ""
  parsed.password = ""
  return parsed.href.replace(/\/$/, "")
}

const statusMark = (p: Publish.Publication, c: boolean): string =>
  p.status === "failed" ? style.red(c, "✗") : p.status === "skipped" ? style.dim(c, "-") : style.green(c, "✓")

const describe = (p: Publish.Publication): string => {
  switch (p.status) {
    case "created":
    case "overwritten":
    case "replaced":
      return `${p.status}, ${p.totalRecords} rows`
    case "appended":
      return `appended ${p.addedRecords} rows, ${p.totalRecords} in all`
    case "unchanged":
      return `unchanged, ${p.totalRecords} rows`
    default:
      return `${p.status}: ${p.message ?? ""}`
  }
}

/** Renders the publications as the lines `floe run` prints under its last stage. */
export const renderPublications = (outcome: Omit<PublishStageOutcome, "text">, io: Pick<Io, "color">): string => {
  const c = io.color
  if (outcome.skipped !== undefined) return `  ${style.dim(c, `- output ports not published: ${outcome.skipped}`)}\n`
  const lines = [`  Output ports (Iceberg tables${outcome.warehouse === undefined ? "" : ` in ${outcome.warehouse}`}):`]
  for (const p of outcome.publications) {
    lines.push(`    ${statusMark(p, c)} ${p.port} → ${p.table} (${describe(p)})`)
    for (const a of p.addedColumns ?? []) lines.push(`      ${style.dim(c, `+ column ${a}`)}`)
    for (const w of p.widenedColumns ?? []) lines.push(`      ${style.dim(c, `~ column ${w}`)}`)
  }
  const diagnostics = [...outcome.diagnostics, ...outcome.publications.flatMap((p) => p.diagnostics)]
  if (diagnostics.length > 0) lines.push(renderDiagnostics(diagnostics, { color: c } as Io))
  return `${lines.join("\n")}\n`
}

/**
 * Publishes the product's output ports after a run. Never fails: everything that goes wrong is in the outcome.
 * Nothing is published after an interrupted run or when block-mode contract enforcement found violations.
 */
export const publishStage = (options: {
  readonly dir: string
  readonly product: DataProduct.DataProduct
  readonly platform: Platform.ResolvedPlatform | undefined
  readonly compiled: Compiler.CompileResult
  readonly result: Run.Result
  readonly fullRefresh: boolean
  readonly contractVersion: string | undefined
  readonly blocked: boolean
  readonly color: boolean
  /** The run's lineage emitter: each published port becomes a child job of the product run. */
  readonly emitter?: Lineage.Emitter | undefined
}): Effect.Effect<PublishStageOutcome, never, Compute.Compute | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const ports = options.product.output_ports ?? []
    const done = (o: Omit<PublishStageOutcome, "text">): PublishStageOutcome => ({
      ...o,
      text: ports.length === 0 ? "" : renderPublications(o, { color: options.color }),
    })
    if (ports.length === 0) return done({ publications: [], diagnostics: [], failed: false, skipped: "none declared" })
    if (options.result.status === "interrupted") {
      return done({ publications: [], diagnostics: [], failed: false, skipped: "the run was interrupted" })
    }
    if (options.blocked) {
      return done({ publications: [], diagnostics: [], failed: false, skipped: "contract violations (block mode)" })
    }
    const chosen = chooseWarehouse(options.platform, options.dir)
    if ("diagnostic" in chosen) return done({ publications: [], diagnostics: [chosen.diagnostic], failed: true })
    if (chosen.warehouse === undefined) {
      return done({ publications: [], diagnostics: [], failed: false, skipped: "plugins.storage is none" })
    }
    const warehouse = chosen.warehouse
    const graph = options.compiled.graph
    if (graph === undefined) return done({ publications: [], diagnostics: [], failed: false, skipped: "no graph" })
    const published = yield* Effect.scoped(
      Effect.gen(function* () {
        const catalog = yield* openCatalog(options.platform, options.dir, process.env).pipe(
          Effect.mapError(Identity.catalogFailure("opening the catalog")),
        )
        const product = options.product
        yield* Identity.register({
          productId: DataProduct.productId(product),
          name: product.metadata.name,
          domain: product.metadata.domain,
          owner: product.metadata.owner,
          repository: product.metadata.repository,
          version: product.metadata.version,
        }).pipe(Effect.provideService(Catalog.Catalog, catalog))
        return yield* Publish.publish({
          product,
          dir: options.dir,
          warehouse,
          graph,
          result: options.result,
          fullRefresh: options.fullRefresh,
          contractVersion: options.contractVersion,
          ...(options.emitter === undefined
            ? {}
            : {
                lineage: {
                  emit: options.emitter.emit,
                  namespace: DataProduct.productId(product),
                  productName: product.metadata.name,
                  parentRunId: options.result.runId,
                  catalogNamespace: catalogNamespace(options.platform, options.dir),
                },
              }),
        }).pipe(Effect.provideService(Catalog.Catalog, catalog))
      }),
    ).pipe(Effect.result)
    if (published._tag === "Failure") {
      return done({ publications: [], diagnostics: published.failure.diagnostics, failed: true, warehouse })
    }
    const publications = published.success
    return done({ publications, diagnostics: [], failed: publications.some((p) => p.status === "failed"), warehouse })
  })
