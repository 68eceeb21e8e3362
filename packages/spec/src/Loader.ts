/**
 * Reading floe.yaml and platform manifests from disk through Effect's `FileSystem` service, so the same code runs
 * on Node, in tests against an in-memory file system, and inside embedders' own runtimes.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type { DataProduct } from "./DataProduct.ts"
import { make } from "./Diagnostic.ts"
import { type Decoded, decodeManifest, decodeProduct } from "./Document.ts"
import type { PlatformManifest } from "./PlatformManifest.ts"
import { MAX_BYTES } from "./Yaml.ts"

export const PRODUCT_FILE = "floe.yaml"

const readBounded = <T>(
  file: string,
  display: string,
  decode: (bytes: Uint8Array, file: string) => Decoded<T>,
): Effect.Effect<Decoded<T>, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const info = yield* Effect.result(fs.stat(file))
    if (info._tag === "Failure") {
      const missing = info.failure.reason._tag === "NotFound"
      return {
        value: undefined,
        source: undefined,
        diagnostics: [
          make(
            "FLOE-E100",
            missing ? `${display} does not exist` : `${display} cannot be read: ${info.failure.message}`,
            {
              file: display,
            },
          ),
        ],
      } satisfies Decoded<T>
    }
    if (info.success.type === "Directory") {
      return {
        value: undefined,
        source: undefined,
        diagnostics: [make("FLOE-E100", `${display} is a directory, not a file`, { file: display })],
      } satisfies Decoded<T>
    }
    if (info.success.size > BigInt(MAX_BYTES)) {
      return {
        value: undefined,
        source: undefined,
        diagnostics: [
          make("FLOE-E103", `${display} is ${info.success.size} bytes; the limit is ${MAX_BYTES} bytes`, {
            file: display,
          }),
        ],
      } satisfies Decoded<T>
    }
    const bytes = yield* Effect.result(fs.readFile(file))
    if (bytes._tag === "Failure") {
      return {
        value: undefined,
        source: undefined,
        diagnostics: [make("FLOE-E100", `${display} cannot be read: ${bytes.failure.message}`, { file: display })],
      } satisfies Decoded<T>
    }
    return decode(bytes.success, display)
  })

/**
 * Loads the product in `dir` (or the floe.yaml at `path` when it names a file). Diagnostics name the file as given
 * as the caller gave the path. Never fails: a missing or unreadable file is an E100 diagnostic.
 */
export const loadProduct = Effect.fn("Spec.loadProduct")(function* (dirOrFile: string) {
  const path = yield* Path.Path
  const fs = yield* FileSystem.FileSystem
  const isDir = yield* fs.stat(dirOrFile).pipe(
    Effect.map((i) => i.type === "Directory"),
    Effect.orElseSucceed(() => !dirOrFile.endsWith(".yaml") && !dirOrFile.endsWith(".yml")),
  )
  const file = isDir ? path.join(dirOrFile, PRODUCT_FILE) : dirOrFile
  return yield* readBounded<DataProduct>(file, file, decodeProduct)
})

/** Loads a platform manifest file. Never fails: a missing or unreadable file is an E100 diagnostic. */
export const loadManifest = Effect.fn("Spec.loadManifest")(function* (file: string) {
  return yield* readBounded<PlatformManifest>(file, file, decodeManifest)
})
