// A host wiring the third-party catalog in where Floe expects a Catalog: it reads a product's floe.yaml with
// @floe/spec's loader and registers its identity with @floe/identity — the same `Identity.register` that
// `floe compile` runs in its stage 2 — against the FileCatalog instead of the embedded SQLite catalog. Then it
// lists every product the directory holds, as `floe catalog ls` does.
//
//   node host/register-product.ts PRODUCT_DIR CATALOG_DIR [--repository R]
//
// Exit 0 when registered (or already registered by this repository), 1 with the diagnostics when not (FLOE-E601:
// another repository owns the namespace), 2 for a usage error.
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Identity } from "@floe/identity"
import { DataProduct, Loader } from "@floe/spec"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { FileCatalog } from "../src/index.ts"

const args = process.argv.slice(2)
const flag = args.indexOf("--repository")
const repositoryOverride = flag >= 0 ? args[flag + 1] : undefined
const [productDir, catalogDir] = flag >= 0 ? args.filter((_, i) => i !== flag && i !== flag + 1) : args
if (productDir === undefined || catalogDir === undefined || (flag >= 0 && repositoryOverride === undefined)) {
  process.stderr.write("usage: register-product.ts PRODUCT_DIR CATALOG_DIR [--repository R]\n")
  process.exit(2)
}

const program = Effect.gen(function* () {
  const loaded = yield* Loader.loadProduct(productDir)
  if (loaded.value === undefined) {
    for (const d of loaded.diagnostics) yield* Console.error(`${d.file ?? ""}:${d.line ?? 1}: ${d.code}: ${d.message}`)
    return 1
  }
  const { metadata } = loaded.value
  const registered = yield* Effect.result(
    Identity.register({
      productId: DataProduct.productId(loaded.value),
      name: metadata.name,
      domain: metadata.domain,
      owner: metadata.owner,
      repository: repositoryOverride ?? metadata.repository,
      version: metadata.version,
    }),
  )
  if (registered._tag === "Failure") {
    for (const d of registered.failure.diagnostics) {
      yield* Console.error(`${d.code}: ${d.message}${d.hint === undefined ? "" : `\n  Resolution: ${d.hint}`}`)
    }
    return 1
  }
  const { productId, action } = registered.success
  yield* Console.log(`${action} ${productId.id} in ${catalogDir} (namespace ${productId.namespace.join(" / ")})`)
  for (const p of yield* Identity.listProducts()) {
    yield* Console.log(`  ${p.productId}  ${p.owner.version ?? "-"}  ${p.owner.repository}  ${p.owner.owner ?? "-"}`)
  }
  return 0
})

const code = await Effect.runPromise(
  program.pipe(
    Effect.provide(Layer.mergeAll(FileCatalog.layer({ directory: catalogDir }), NodeFileSystem.layer, NodePath.layer)),
  ),
)
process.exitCode = code
