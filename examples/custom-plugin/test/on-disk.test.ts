// What the adapter leaves on disk and how it treats a directory it did not write alone: escaped names, whole JSON
// files, stray files ignored, damaged files reported, and the lock file — a live holder makes writers wait and then
// fail Unavailable; a holder that died is broken.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { CatalogConformance } from "@floe/spec/testing"
import * as Effect from "effect/Effect"
import { afterAll } from "vitest"
import { FileCatalog } from "../src/index.ts"
import { decode, encode } from "../src/internal/names.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "floe-file-catalog-disk-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

let n = 0
const fresh = () => path.join(dir, `c${++n}`)
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, "utf8"))

/** The pid of a process that has exited (and so cannot hold a lock). */
const deadPid = (): number => {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" })
  return Number(r.stdout)
}

describe("file names", () => {
  it("escape everything but a-z 0-9 _ -, stay distinct under case folding, and round-trip", () => {
    const names = ["orders", "Mid", "mid", "a.b", "a_b", "../etc", "日本語", "%41", " ", "CON"]
    const encoded = names.map(encode)
    assert.deepStrictEqual(encoded.slice(0, 4), ["orders", "%4Did", "mid", "a%2Eb"])
    assert.strictEqual(new Set(encoded.map((e) => e.toLowerCase())).size, names.length)
    for (const e of encoded) assert.match(e, /^(?:[a-z0-9_-]|%[0-9A-F]{2})+$/)
    assert.deepStrictEqual(encoded.map(decode), names)
    assert.strictEqual(decode("not.ours"), undefined)
    assert.strictEqual(decode("%4d"), undefined, "lower-case hex is not something encode writes")
  })
})

describe("FileCatalog on disk", () => {
  it.effect("one directory per level, namespace.json and <name>.table.json, whole JSON documents", () =>
    Effect.gen(function* () {
      const root = fresh()
      const catalog = yield* FileCatalog.make({ directory: root })
      yield* catalog.createNamespace(["Sales"], { owner: "sales@example.com" })
      yield* catalog.createNamespace(["Sales", "my.product"])
      const id = { namespace: ["Sales", "my.product"], name: "daily orders" }
      yield* catalog.registerTable(id, "s3://lake/daily/v1.metadata.json")
      yield* catalog.commitTable(id, {
        expectedMetadataLocation: "s3://lake/daily/v1.metadata.json",
        newMetadataLocation: "s3://lake/daily/v2.metadata.json",
      })
      const ns = path.join(root, "namespaces", "%53ales")
      assert.deepStrictEqual(readJson(path.join(ns, "namespace.json")), {
        namespace: ["Sales"],
        properties: { owner: "sales@example.com" },
      })
      assert.deepStrictEqual(readJson(path.join(ns, "my%2Eproduct", "daily%20orders.table.json")), {
        metadataLocation: "s3://lake/daily/v2.metadata.json",
        previousMetadataLocation: "s3://lake/daily/v1.metadata.json",
      })
      // No temporary file and no lock is left behind once the writes are done.
      assert.deepStrictEqual(fs.readdirSync(root).sort(), ["namespaces"])
      assert.deepStrictEqual(fs.readdirSync(path.join(ns, "my%2Eproduct")).sort(), [
        "daily%20orders.table.json",
        "namespace.json",
      ])
    }),
  )

  it.effect("files another tool left in the directory are not namespaces or tables", () =>
    Effect.gen(function* () {
      const root = fresh()
      const catalog = yield* FileCatalog.make({ directory: root })
      yield* catalog.createNamespace(["sales"])
      fs.mkdirSync(path.join(root, "namespaces", "half-made")) // a directory without namespace.json
      fs.mkdirSync(path.join(root, "namespaces", ".git"))
      fs.writeFileSync(path.join(root, "namespaces", "sales", "README.md"), "notes")
      fs.writeFileSync(path.join(root, "namespaces", "sales", ".tmp-abc"), "{")
      assert.deepStrictEqual(yield* catalog.listNamespaces(), [["sales"]])
      assert.deepStrictEqual(yield* catalog.listTables(["sales"]), [])
      yield* catalog.dropNamespace(["sales"])
      assert.isFalse(fs.existsSync(path.join(root, "namespaces", "sales")))
    }),
  )

  it.effect("a damaged file fails with Unknown and names the file; names too long fail with InvalidInput", () =>
    Effect.gen(function* () {
      const root = fresh()
      const catalog = yield* FileCatalog.make({ directory: root })
      yield* catalog.createNamespace(["sales"])
      fs.writeFileSync(path.join(root, "namespaces", "sales", "namespace.json"), '{"namespace": ["sales"]')
      const error = yield* CatalogConformance.expectReason(catalog.loadNamespace(["sales"]), "Unknown")
      assert.match(error.message, /namespace\.json is not valid JSON/)
      fs.writeFileSync(path.join(root, "namespaces", "sales", "namespace.json"), '{"properties": {"a": 1}}')
      const shape = yield* CatalogConformance.expectReason(catalog.loadNamespace(["sales"]), "Unknown")
      assert.match(shape.message, /namespace\.json is damaged/)
      yield* CatalogConformance.expectReason(catalog.createNamespace(["日".repeat(30)]), "InvalidInput")
    }),
  )

  it.effect("a file where the directory should be fails with Connection", () =>
    Effect.gen(function* () {
      const file = path.join(dir, "a-file")
      fs.writeFileSync(file, "")
      const error = yield* Effect.flip(FileCatalog.make({ directory: file }))
      assert.strictEqual(error.reason._tag, "Connection")
      assert.isTrue(error.isRetryable)
    }),
  )
})

describe("FileCatalog's lock file", () => {
  const holder = (pid: number, host = os.hostname()) =>
    JSON.stringify({ pid, host, token: "someone-else", acquiredAt: new Date().toISOString() })

  it.live("a live holder makes writers wait, then fail Unavailable naming it; reads go on", () =>
    Effect.gen(function* () {
      const root = fresh()
      const catalog = yield* FileCatalog.make({ directory: root, lockTimeout: "150 millis" })
      yield* catalog.createNamespace(["sales"])
      fs.writeFileSync(path.join(root, "catalog.lock"), holder(process.pid))
      const error = yield* CatalogConformance.expectReason(catalog.createNamespace(["other"]), "Unavailable")
      assert.isTrue(error.isRetryable)
      assert.include(error.message, `by process ${process.pid}`)
      assert.deepStrictEqual(yield* catalog.listNamespaces(), [["sales"]])
      assert.isTrue(fs.existsSync(path.join(root, "catalog.lock")), "a live holder's lock is left alone")
      fs.rmSync(path.join(root, "catalog.lock"))
      yield* catalog.createNamespace(["other"])
    }),
  )

  it.live("a lock whose process has exited is broken, and the write goes ahead", () =>
    Effect.gen(function* () {
      const root = fresh()
      const catalog = yield* FileCatalog.make({ directory: root, lockTimeout: "5 seconds" })
      fs.writeFileSync(path.join(root, "catalog.lock"), holder(deadPid()))
      yield* catalog.createNamespace(["sales"])
      assert.isFalse(fs.existsSync(path.join(root, "catalog.lock")))
    }),
  )

  it.live("a lock from another host, or an unreadable one, is broken only once it is older than staleLockAfter", () =>
    Effect.gen(function* () {
      const root = fresh()
      const lock = path.join(root, "catalog.lock")
      const catalog = yield* FileCatalog.make({ directory: root, lockTimeout: "100 millis", staleLockAfter: "1 hour" })
      fs.writeFileSync(lock, holder(1, "another-host.example.com"))
      yield* CatalogConformance.expectReason(catalog.createNamespace(["a"]), "Unavailable")
      const old = new Date(Date.now() - 2 * 3600_000)
      fs.utimesSync(lock, old, old)
      yield* catalog.createNamespace(["a"])
      fs.writeFileSync(lock, "") // a writer that crashed between creating the lock and writing its holder
      fs.utimesSync(lock, old, old)
      yield* catalog.createNamespace(["b"])
      assert.deepStrictEqual(yield* catalog.listNamespaces(), [["a"], ["b"]])
    }),
  )
})
