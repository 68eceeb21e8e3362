/**
 * `floe catalog ls [dir]`: the products and contract versions registered in a product's embedded catalog.
 * `floe catalog orphans [dir]`: the tables in the product's namespace that no output port publishes any more (a
 * deleted or renamed model or port); they are kept for manual clean-up.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { SqlCatalog } from "@floe/catalog-sql"
import { Validate } from "@floe/compiler"
import { ContractRegistry, Identity } from "@floe/identity"
import { OciPlatformSource } from "@floe/platform-oci"
import { Publish } from "@floe/runtime"
import { Catalog, Loader } from "@floe/spec"
import * as Effect from "effect/Effect"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { CATALOG_FILE, ociConfig, openCatalog, platform } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import { renderDiagnostics } from "../Render.ts"

export const catalog = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  const [sub, ...rest] = args.positionals
  if (sub !== "ls" && sub !== "orphans") {
    throw new UsageError(
      sub === undefined ? "catalog needs a subcommand: ls, orphans" : `unknown catalog subcommand '${sub}'`,
    )
  }
  if (rest.length > 1) throw new UsageError(`catalog ${sub} takes one directory, got ${rest.length}`)
  if (sub === "orphans") return orphans(rest[0] ?? ".", args.flags.has("json"), io)
  const dir = rest[0] ?? "."
  const json = args.flags.has("json")
  const file = path.join(dir, CATALOG_FILE)
  const c = io.color
  // Listing must not create a catalog where there is none.
  if (!fs.existsSync(file)) {
    if (json) io.stdout(`${JSON.stringify({ catalog: file, products: [] })}\n`)
    else io.stdout(`No catalog at ${file} (run 'floe compile' to register the product)\n`)
    return ExitCode.ok
  }
  const result = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const opened = yield* SqlCatalog.make({ _tag: "Sqlite", path: file }).pipe(
          Effect.mapError(Identity.catalogFailure(`opening ${file}`)),
        )
        return yield* Identity.listProducts().pipe(Effect.provideService(Catalog.Catalog, opened))
      }),
    ).pipe(Effect.result),
  )
  if (result._tag === "Failure") {
    if (json)
      io.stdout(`${JSON.stringify({ catalog: file, products: null, diagnostics: result.failure.diagnostics })}\n`)
    else io.stdout(`${renderDiagnostics(result.failure.diagnostics, io)}\n`)
    return ExitCode.failed
  }
  const products = result.success.map((p) => ({
    productId: p.productId,
    name: p.name ?? null,
    repository: p.owner.repository,
    owner: p.owner.owner ?? null,
    version: p.owner.version ?? null,
    registeredAt: p.owner.registeredAt ?? null,
    contracts: ContractRegistry.contractsIn(p.productId, p.properties).map((k) => ({
      ref: k.ref,
      contract: k.contract,
      version: k.version,
      hash: k.hash,
      registeredAt: k.registeredAt ?? null,
    })),
  }))
  if (json) {
    io.stdout(`${JSON.stringify({ catalog: file, products })}\n`)
    return ExitCode.ok
  }
  const lines = [style.bold(c, `Catalog ${file}`)]
  if (products.length === 0) lines.push("  (no products registered)")
  for (const p of products) {
    lines.push(
      `  ${style.bold(c, p.productId)}  ${p.version ?? "?"}  ${p.repository}  ${style.dim(c, p.owner ?? "")}`.trimEnd(),
    )
    for (const k of p.contracts) {
      lines.push(
        `    contract ${k.contract}:${k.version}  ${style.dim(c, `${k.hash}  ${k.registeredAt ?? ""}`.trim())}`,
      )
    }
  }
  io.stdout(`${lines.join("\n")}\n`)
  return ExitCode.ok
}

const orphans = async (dir: string, json: boolean, io: Io): Promise<number> => {
  const c = io.color
  const result = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const loaded = yield* Loader.loadProduct(dir)
        if (loaded.value === undefined) return { _tag: "Invalid" as const, diagnostics: loaded.diagnostics }
        const oci = yield* OciPlatformSource.make(ociConfig(process.env, false))
        const resolved = yield* Validate.resolveProductPlatform(loaded, dir, { platformSources: [oci] })
        const opened = yield* Effect.result(openCatalog(resolved.platform, dir, process.env))
        if (opened._tag === "Failure") {
          return {
            _tag: "Invalid" as const,
            diagnostics: Identity.catalogFailure("opening the catalog")(opened.failure).diagnostics,
          }
        }
        const found = yield* Effect.result(
          Publish.orphans(loaded.value).pipe(Effect.provideService(Catalog.Catalog, opened.success)),
        )
        if (found._tag === "Failure") {
          return {
            _tag: "Invalid" as const,
            diagnostics: Identity.catalogFailure("listing tables")(found.failure).diagnostics,
          }
        }
        return {
          _tag: "Found" as const,
          namespace: Catalog.formatNamespace(Publish.portTable(loaded.value, { table: "x.x" }).identifier.namespace),
          tables: found.success,
        }
      }),
    ).pipe(Effect.provide(platform)),
  )
  if (result._tag === "Invalid") {
    if (json) io.stdout(`${JSON.stringify({ orphans: null, diagnostics: result.diagnostics })}\n`)
    else io.stdout(`${renderDiagnostics(result.diagnostics, io)}\n`)
    return ExitCode.failed
  }
  const rows = result.tables.map((t) => ({
    table: Catalog.formatTable(t.identifier),
    model: t.model ?? null,
    port: t.port ?? null,
    last_updated: t.lastUpdatedMs === undefined ? null : new Date(t.lastUpdatedMs).toISOString(),
    metadata_location: t.metadataLocation,
  }))
  if (json) {
    io.stdout(`${JSON.stringify({ namespace: result.namespace, orphans: rows })}\n`)
    return ExitCode.ok
  }
  if (rows.length === 0) {
    io.stdout(`No orphaned tables in ${result.namespace}: every table is an output port of the product.\n`)
    return ExitCode.ok
  }
  const lines = [
    style.bold(c, `${rows.length} orphaned table${rows.length === 1 ? "" : "s"} in ${result.namespace}`) +
      style.dim(c, " (no output port publishes them; kept for manual clean-up)"),
  ]
  for (const r of rows) {
    lines.push(
      `  ${r.table}  ${style.dim(c, [r.model && `model ${r.model}`, r.port && `port ${r.port}`, r.last_updated && `last updated ${r.last_updated}`].filter(Boolean).join(", "))}`,
      `    ${style.dim(c, r.metadata_location)}`,
    )
  }
  io.stdout(`${lines.join("\n")}\n`)
  return ExitCode.ok
}
