/** `floe catalog ls [dir]`: the products and contract versions registered in a product's embedded catalog. */
import * as fs from "node:fs"
import * as path from "node:path"
import { SqlCatalog } from "@floe/catalog-sql"
import { ContractRegistry, Identity } from "@floe/identity"
import { Catalog } from "@floe/spec"
import * as Effect from "effect/Effect"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { CATALOG_FILE } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import { renderDiagnostics } from "../Render.ts"

export const catalog = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  const [sub, ...rest] = args.positionals
  if (sub !== "ls") {
    throw new UsageError(sub === undefined ? "catalog needs a subcommand: ls" : `unknown catalog subcommand '${sub}'`)
  }
  if (rest.length > 1) throw new UsageError(`catalog ls takes one directory, got ${rest.length}`)
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
