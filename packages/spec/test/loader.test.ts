import { chmod, mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { afterAll, beforeAll, describe, expect, layer } from "@effect/vitest"
import { Effect, FileSystem, Layer } from "effect"
import { loadManifest, loadProduct } from "../src/Loader.ts"
import { MAX_BYTES } from "../src/Yaml.ts"
import { BLOCK_PRODUCT, ENTERPRISE_MANIFEST } from "./examples.ts"

let root = ""
const at = (...parts: Array<string>) => join(root, ...parts)

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "floe-spec-loader-"))
  await mkdir(at("product"))
  await writeFile(at("product", "floe.yaml"), BLOCK_PRODUCT)
  await mkdir(at("broken"))
  await writeFile(at("broken", "floe.yaml"), BLOCK_PRODUCT.replace('version: "1.0.0"', "version: 1.0"))
  await writeFile(at("elsewhere.yaml"), BLOCK_PRODUCT)
  await mkdir(at("nested-dir", "floe.yaml"), { recursive: true })
  await writeFile(at("platform.yaml"), ENTERPRISE_MANIFEST)
  await writeFile(at("latin1.yaml"), Buffer.from("apiVersion: floe.dev/v1\ndescription: caf\xe9\n", "latin1"))
  // A sparse 2 MiB file: its size is all the loader may look at.
  await mkdir(at("huge"))
  await writeFile(at("huge", "floe.yaml"), "")
  await truncate(at("huge", "floe.yaml"), 2 * MAX_BYTES)
  // Exactly at the limit: padded with a trailing comment, still read and decoded.
  await mkdir(at("at-limit"))
  const text = `${BLOCK_PRODUCT}#`
  await writeFile(at("at-limit", "floe.yaml"), text.padEnd(MAX_BYTES - 1, "x").concat("\n"))
  await mkdir(at("unreadable"))
  await writeFile(at("unreadable", "floe.yaml"), BLOCK_PRODUCT)
  await chmod(at("unreadable", "floe.yaml"), 0o000)
})

afterAll(async () => {
  if (root !== "") await rm(root, { recursive: true, force: true })
})

const NodeServices = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

/** Runs `self` with a file system that records every path it reads in full. */
const recordingReads = <A, E, R>(self: Effect.Effect<A, E, R>, reads: Array<string>) =>
  self.pipe(
    Effect.updateService(FileSystem.FileSystem, (fs) => ({
      ...fs,
      readFile: (path: string) => {
        reads.push(path)
        return fs.readFile(path)
      },
    })),
  )

layer(NodeServices)("Loader", (it) => {
  describe("loadProduct", () => {
    it.effect("loads floe.yaml from a product directory", () =>
      Effect.gen(function* () {
        const r = yield* loadProduct(at("product"))
        expect(r.diagnostics).toEqual([])
        expect(r.value?.metadata.name).toBe("my-product")
        expect(r.value?.output_ports?.[0]?.sla).toEqual({ freshness: "6h", availability: "99.9%" })
        expect(r.source?.file).toBe(at("product", "floe.yaml"))
      }),
    )

    it.effect("loads a file path given directly, whatever its name", () =>
      Effect.gen(function* () {
        const direct = yield* loadProduct(at("product", "floe.yaml"))
        expect(direct.diagnostics).toEqual([])
        expect(direct.value?.metadata.version).toBe("1.0.0")
        const renamed = yield* loadProduct(at("elsewhere.yaml"))
        expect(renamed.diagnostics).toEqual([])
        expect(renamed.source?.file).toBe(at("elsewhere.yaml"))
      }),
    )

    it.effect("names the file in positioned diagnostics", () =>
      Effect.gen(function* () {
        const r = yield* loadProduct(at("broken"))
        expect(r.value).toBeUndefined()
        expect(r.diagnostics).toEqual([
          expect.objectContaining({ code: "FLOE-E121", file: at("broken", "floe.yaml"), line: 5, column: 12 }),
        ])
      }),
    )

    it.effect("reports a missing directory as E100 naming the floe.yaml it looked for", () =>
      Effect.gen(function* () {
        const r = yield* loadProduct(at("no-such-product"))
        expect(r.value).toBeUndefined()
        expect(r.source).toBeUndefined()
        expect(r.diagnostics).toEqual([
          expect.objectContaining({
            code: "FLOE-E100",
            file: at("no-such-product", "floe.yaml"),
            message: `${at("no-such-product", "floe.yaml")} does not exist`,
          }),
        ])
      }),
    )

    it.effect("reports a missing .yaml path as E100 for that path", () =>
      Effect.gen(function* () {
        const r = yield* loadProduct(at("missing.yaml"))
        expect(r.diagnostics).toEqual([
          expect.objectContaining({
            code: "FLOE-E100",
            file: at("missing.yaml"),
            message: expect.stringMatching(/does not exist$/),
          }),
        ])
      }),
    )

    it.effect("reports a directory named floe.yaml as E100", () =>
      Effect.gen(function* () {
        const r = yield* loadProduct(at("nested-dir"))
        expect(r.diagnostics).toEqual([
          expect.objectContaining({
            code: "FLOE-E100",
            file: at("nested-dir", "floe.yaml"),
            message: `${at("nested-dir", "floe.yaml")} is a directory, not a file`,
          }),
        ])
      }),
    )

    it.effect("refuses a 2 MiB file as E103 from its size, without reading it", () =>
      Effect.gen(function* () {
        const reads: Array<string> = []
        const r = yield* recordingReads(loadProduct(at("huge")), reads)
        expect(r.diagnostics).toEqual([
          expect.objectContaining({
            code: "FLOE-E103",
            file: at("huge", "floe.yaml"),
            message: `${at("huge", "floe.yaml")} is ${2 * MAX_BYTES} bytes; the limit is ${MAX_BYTES} bytes`,
          }),
        ])
        expect(reads).toEqual([])
      }),
    )

    it.effect("reads a file of exactly the size limit", () =>
      Effect.gen(function* () {
        const reads: Array<string> = []
        const r = yield* recordingReads(loadProduct(at("at-limit")), reads)
        expect(r.diagnostics).toEqual([])
        expect(r.source?.text.length).toBe(MAX_BYTES)
        expect(reads).toEqual([at("at-limit", "floe.yaml")])
      }),
    )

    it.effect("reports a file that is not UTF-8 as E104", () =>
      Effect.gen(function* () {
        const r = yield* loadProduct(at("latin1.yaml"))
        expect(r.diagnostics.map((d) => [d.code, d.file])).toEqual([["FLOE-E104", at("latin1.yaml")]])
      }),
    )

    it.effect.skipIf(process.getuid?.() === 0)("reports an unreadable file as E100", () =>
      Effect.gen(function* () {
        const r = yield* loadProduct(at("unreadable"))
        expect(r.diagnostics).toEqual([
          expect.objectContaining({ code: "FLOE-E100", message: expect.stringContaining("cannot be read") }),
        ])
      }),
    )
  })

  describe("loadManifest", () => {
    it.effect("loads a manifest file", () =>
      Effect.gen(function* () {
        const r = yield* loadManifest(at("platform.yaml"))
        expect(r.diagnostics).toEqual([])
        expect(r.value?.metadata.name).toBe("acme-platform")
        expect(r.value?.plugins?.compute?.type).toBe("duckdb")
      }),
    )

    it.effect("reports a missing manifest and a directory as E100", () =>
      Effect.gen(function* () {
        const missing = yield* loadManifest(at("nope.yaml"))
        expect(missing.diagnostics.map((d) => [d.code, d.file])).toEqual([["FLOE-E100", at("nope.yaml")]])
        const dir = yield* loadManifest(at("product"))
        expect(dir.diagnostics).toEqual([
          expect.objectContaining({ code: "FLOE-E100", message: `${at("product")} is a directory, not a file` }),
        ])
      }),
    )

    it.effect("decodes a product file as a manifest only to refuse its kind", () =>
      Effect.gen(function* () {
        const r = yield* loadManifest(at("product", "floe.yaml"))
        expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["FLOE-E107", 2, 7]])
      }),
    )
  })
})
