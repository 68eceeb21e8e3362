/**
 * The `Catalog` conformance suite. Every adapter's tests call `suite(name, { layer })` and so prove the semantics
 * `@floe/identity` relies on: atomic namespace creation, compare-and-set on properties and on table commits, and the
 * error reasons. A third party writing an adapter runs the same suite.
 *
 * The suite builds the layer once and isolates its tests by giving each a fresh root namespace with a random
 * prefix, so it can run against a long-lived catalog that already holds other data. It registers tests with
 * vitest (via `@effect/vitest`), so call it at the top level of a test file.
 */
import { assert, describe, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Latch from "effect/Latch"
import type * as Layer from "effect/Layer"
import type * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import {
  Catalog,
  type CatalogError,
  type CatalogErrorReason,
  type CatalogShape,
  type Namespace,
  type TableIdentifier,
} from "../Catalog.ts"

/** How to run the suite against an adapter. */
export interface Options<E> {
  /** Provides the catalog under test. Built once for the whole suite and torn down after it. */
  readonly layer: Layer.Layer<Catalog, E>
  /**
   * Opens another independent client of the same store (its own connection or pool), used by the race tests so
   * that racers contend in the store rather than in one client. Defaults to sharing the suite's catalog.
   */
  readonly client?: Effect.Effect<CatalogShape, E, Scope.Scope>
  /** How many concurrent racers the race tests start. Default 16. */
  readonly racers?: number
  /** Per-test timeout. Default 30 seconds. */
  readonly timeout?: Duration.Input
  /** How long building the layer may take. Default 60 seconds. */
  readonly layerTimeout?: Duration.Input
}

type ReasonTag = CatalogErrorReason["_tag"]

/**
 * Registers the conformance tests under `describe(name)`. Fails (as test failures) wherever the adapter deviates
 * from the `Catalog` contract.
 */
export const suite = <E>(name: string, options: Options<E>): void => {
  const racers = options.racers ?? 16
  const timeoutMs = Duration.toMillis(options.timeout ?? "30 seconds")
  const runId = globalThis.crypto.randomUUID().slice(0, 8)
  let counter = 0
  // A root namespace nobody else uses; tests work beneath it.
  const freshRoot = Effect.gen(function* () {
    const catalog = yield* Catalog
    counter += 1
    const root: Namespace = [`conformance_${runId}_${counter}`]
    yield* catalog.createNamespace(root)
    return { catalog, root }
  })

  const clients = (n: number) =>
    Effect.gen(function* () {
      const shared = yield* Catalog
      const make = options.client
      if (make === undefined) return Array.from({ length: n }, () => shared)
      return yield* Effect.forEach(Array.from({ length: n }), () => make)
    })

  describe(name, () => {
    layer(options.layer, { timeout: options.layerTimeout ?? "60 seconds", excludeTestServices: true })((it) => {
      const test = (title: string, body: () => Effect.Effect<void, unknown, Catalog | Scope.Scope>) =>
        it.effect(title, body, timeoutMs)

      describe("namespaces", () => {
        test("create then load returns exactly the given properties", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const ns = [...root, "orders"]
            const props = { owner: "team-a@example.com", "floe.product.name": "orders", empty: "", ünï: "cødé ✓" }
            const created = yield* catalog.createNamespace(ns, props)
            assert.deepStrictEqual(created, { namespace: ns, properties: props })
            const loaded = yield* catalog.loadNamespace(ns)
            assert.deepStrictEqual(loaded, { namespace: ns, properties: props })
          }))

        test("a namespace created without properties has none", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            assert.deepStrictEqual((yield* catalog.loadNamespace(root)).properties, {})
          }))

        test("a second create fails with AlreadyExists and leaves the first one's properties", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const ns = [...root, "claimed"]
            yield* catalog.createNamespace(ns, { owner: "first" })
            const error = yield* expectReason(catalog.createNamespace(ns, { owner: "second" }), "AlreadyExists")
            assert.isFalse(error.isRetryable)
            assert.deepStrictEqual((yield* catalog.loadNamespace(ns)).properties, { owner: "first" })
            yield* expectReason(catalog.createNamespace(root), "AlreadyExists")
          }))

        test("loading a missing namespace fails with NotFound", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const error = yield* expectReason(catalog.loadNamespace([...root, "missing"]), "NotFound")
            assert.isFalse(error.isRetryable)
            assert.strictEqual(error._tag, "CatalogError")
          }))

        test("a child namespace needs its parent", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* expectReason(catalog.createNamespace([...root, "no_parent", "child"]), "NotFound")
            yield* expectReason(catalog.loadNamespace([...root, "no_parent"]), "NotFound")
          }))

        test("levels are kept apart: [a, b] and [a_b] are different namespaces", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* catalog.createNamespace([...root, "a"], { n: "1" })
            yield* catalog.createNamespace([...root, "a", "b"], { n: "2" })
            yield* catalog.createNamespace([...root, "a_b"], { n: "3" })
            assert.deepStrictEqual((yield* catalog.loadNamespace([...root, "a", "b"])).properties, { n: "2" })
            assert.deepStrictEqual((yield* catalog.loadNamespace([...root, "a_b"])).properties, { n: "3" })
            yield* expectReason(catalog.loadNamespace([...root, "a", "c"]), "NotFound")
          }))

        test("listNamespaces lists direct children only, sorted", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            for (const level of ["zeta", "alpha", "Mid"]) yield* catalog.createNamespace([...root, level])
            yield* catalog.createNamespace([...root, "alpha", "inner"])
            yield* catalog.createNamespace([...root, "alpha", "inner", "deepest"])
            const children = yield* catalog.listNamespaces(root)
            assert.deepStrictEqual(children, [
              [...root, "Mid"],
              [...root, "alpha"],
              [...root, "zeta"],
            ])
            assert.deepStrictEqual(yield* catalog.listNamespaces([...root, "alpha"]), [[...root, "alpha", "inner"]])
            assert.deepStrictEqual(yield* catalog.listNamespaces([...root, "zeta"]), [])
          }))

        test("listNamespaces without a parent lists top-level namespaces only", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* catalog.createNamespace([...root, "child"])
            const top = yield* catalog.listNamespaces()
            assert.isTrue(
              top.some((ns) => sameNamespace(ns, root)),
              "the root is listed",
            )
            assert.isTrue(
              top.every((ns) => ns.length === 1),
              "only single-level namespaces",
            )
            const sorted = [...top].sort((a, b) => (a.join("\u001f") < b.join("\u001f") ? -1 : 1))
            assert.deepStrictEqual(top, sorted)
          }))

        test("listNamespaces under a missing parent fails with NotFound", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* expectReason(catalog.listNamespaces([...root, "missing"]), "NotFound")
          }))

        test("malformed namespaces fail with InvalidInput", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* expectReason(catalog.createNamespace([]), "InvalidInput")
            yield* expectReason(catalog.createNamespace([...root, ""]), "InvalidInput")
            yield* expectReason(catalog.loadNamespace([]), "InvalidInput")
            yield* expectReason(catalog.createNamespace([...root, "ok"], { "": "empty key" }), "InvalidInput")
          }))

        test("drop removes the namespace; it can then be created again", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const ns = [...root, "temp"]
            yield* catalog.createNamespace(ns, { a: "1" })
            yield* catalog.dropNamespace(ns)
            yield* expectReason(catalog.loadNamespace(ns), "NotFound")
            assert.deepStrictEqual(yield* catalog.listNamespaces(root), [])
            yield* expectReason(catalog.dropNamespace(ns), "NotFound")
            const again = yield* catalog.createNamespace(ns, { b: "2" })
            assert.deepStrictEqual(again.properties, { b: "2" })
            assert.deepStrictEqual((yield* catalog.loadNamespace(ns)).properties, { b: "2" })
          }))

        test("drop fails with NotEmpty while the namespace holds tables", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const table = { namespace: root, name: "t" }
            yield* catalog.registerTable(table, "file:///warehouse/t/metadata/00000.metadata.json")
            const error = yield* expectReason(catalog.dropNamespace(root), "NotEmpty")
            assert.isFalse(error.isRetryable)
            assert.deepStrictEqual(
              (yield* catalog.loadTable(table)).metadataLocation,
              "file:///warehouse/t/metadata/00000.metadata.json",
            )
            yield* catalog.dropTable(table)
            yield* catalog.dropNamespace(root)
            yield* expectReason(catalog.loadNamespace(root), "NotFound")
          }))

        test("drop fails with NotEmpty while the namespace has children", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* catalog.createNamespace([...root, "child"])
            yield* expectReason(catalog.dropNamespace(root), "NotEmpty")
            yield* catalog.loadNamespace(root)
            yield* catalog.dropNamespace([...root, "child"])
            yield* catalog.dropNamespace(root)
          }))
      })

      describe("namespace properties", () => {
        test("updates set and removals delete, reporting updated, removed and missing keys", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const ns = [...root, "p"]
            yield* catalog.createNamespace(ns, { keep: "k", change: "old", drop: "d" })
            const result = yield* catalog.updateNamespaceProperties(ns, {
              updates: { change: "new", add: "a" },
              removals: ["drop", "never-set"],
            })
            assert.deepStrictEqual(result, { updated: ["add", "change"], removed: ["drop"], missing: ["never-set"] })
            assert.deepStrictEqual((yield* catalog.loadNamespace(ns)).properties, {
              keep: "k",
              change: "new",
              add: "a",
            })
          }))

        test("an empty update changes nothing", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* catalog.updateNamespaceProperties(root, { updates: { a: "1" } })
            const result = yield* catalog.updateNamespaceProperties(root, {})
            assert.deepStrictEqual(result, { updated: [], removed: [], missing: [] })
            assert.deepStrictEqual((yield* catalog.loadNamespace(root)).properties, { a: "1" })
          }))

        test("expected values that hold let the update through", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* catalog.updateNamespaceProperties(root, { updates: { version: "1", owner: "a" } })
            yield* catalog.updateNamespaceProperties(root, {
              updates: { version: "2", claimed: "yes" },
              expected: { version: "1", owner: "a", claimed: null },
            })
            assert.deepStrictEqual((yield* catalog.loadNamespace(root)).properties, {
              version: "2",
              owner: "a",
              claimed: "yes",
            })
          }))

        test("an expected value that differs fails with Conflict and changes nothing", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* catalog.updateNamespaceProperties(root, { updates: { version: "1", owner: "a" } })
            const before = (yield* catalog.loadNamespace(root)).properties
            const stale = yield* expectReason(
              catalog.updateNamespaceProperties(root, {
                updates: { version: "2" },
                removals: ["owner"],
                expected: { version: "0" },
              }),
              "Conflict",
            )
            assert.isFalse(stale.isRetryable)
            yield* expectReason(
              catalog.updateNamespaceProperties(root, { updates: { x: "1" }, expected: { owner: null } }),
              "Conflict",
            )
            yield* expectReason(
              catalog.updateNamespaceProperties(root, { updates: { x: "1" }, expected: { unset: "v" } }),
              "Conflict",
            )
            assert.deepStrictEqual((yield* catalog.loadNamespace(root)).properties, before)
          }))

        test("updating a missing namespace fails with NotFound", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* expectReason(
              catalog.updateNamespaceProperties([...root, "missing"], { updates: { a: "1" } }),
              "NotFound",
            )
          }))

        test("a key both updated and removed fails with InvalidInput", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* expectReason(
              catalog.updateNamespaceProperties(root, { updates: { a: "1" }, removals: ["a"] }),
              "InvalidInput",
            )
            assert.deepStrictEqual((yield* catalog.loadNamespace(root)).properties, {})
          }))

        test("values round-trip unchanged: long, multi-line, quotes, unicode", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const values = {
              long: "x".repeat(900),
              lines: "line 1\nline 2\r\n\ttabbed",
              quotes: `it's "quoted" -- ; DROP TABLE iceberg_tables; %_\\`,
              unicode: "日本語 · emoji 🚀 · ümlaut",
            }
            yield* catalog.updateNamespaceProperties(root, { updates: values })
            assert.deepStrictEqual((yield* catalog.loadNamespace(root)).properties, values)
          }))
      })

      describe("tables", () => {
        test("register then load returns the metadata location", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const id = { namespace: root, name: "orders" }
            const registered = yield* catalog.registerTable(id, "s3://bucket/orders/metadata/v1.metadata.json")
            assert.deepStrictEqual(registered, {
              identifier: id,
              metadataLocation: "s3://bucket/orders/metadata/v1.metadata.json",
            })
            assert.deepStrictEqual(yield* catalog.loadTable(id), registered)
          }))

        test("registering an existing table fails with AlreadyExists and keeps the first location", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const id = { namespace: root, name: "orders" }
            yield* catalog.registerTable(id, "loc-1")
            yield* expectReason(catalog.registerTable(id, "loc-2"), "AlreadyExists")
            assert.strictEqual((yield* catalog.loadTable(id)).metadataLocation, "loc-1")
          }))

        test("registering in a missing namespace fails with NotFound", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* expectReason(
              catalog.registerTable({ namespace: [...root, "missing"], name: "t" }, "loc"),
              "NotFound",
            )
          }))

        test("loading a missing table fails with NotFound", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* expectReason(catalog.loadTable({ namespace: root, name: "missing" }), "NotFound")
            yield* expectReason(catalog.loadTable({ namespace: [...root, "missing"], name: "t" }), "NotFound")
          }))

        test("malformed identifiers and locations fail with InvalidInput", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* expectReason(catalog.registerTable({ namespace: root, name: "" }, "loc"), "InvalidInput")
            yield* expectReason(catalog.registerTable({ namespace: [], name: "t" }, "loc"), "InvalidInput")
            yield* expectReason(catalog.registerTable({ namespace: root, name: "t" }, ""), "InvalidInput")
          }))

        test("listTables lists the namespace's own tables, sorted, not its children's", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const child = [...root, "child"]
            yield* catalog.createNamespace(child)
            for (const name of ["b", "a", "c"]) yield* catalog.registerTable({ namespace: root, name }, `loc-${name}`)
            yield* catalog.registerTable({ namespace: child, name: "inner" }, "loc-inner")
            assert.deepStrictEqual(yield* catalog.listTables(root), [
              { namespace: root, name: "a" },
              { namespace: root, name: "b" },
              { namespace: root, name: "c" },
            ])
            assert.deepStrictEqual(yield* catalog.listTables(child), [{ namespace: child, name: "inner" }])
            yield* expectReason(catalog.listTables([...root, "missing"]), "NotFound")
          }))

        test("the same table name in two namespaces names two tables", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const other = [...root, "other"]
            yield* catalog.createNamespace(other)
            yield* catalog.registerTable({ namespace: root, name: "t" }, "loc-root")
            yield* catalog.registerTable({ namespace: other, name: "t" }, "loc-other")
            assert.strictEqual((yield* catalog.loadTable({ namespace: root, name: "t" })).metadataLocation, "loc-root")
            assert.strictEqual(
              (yield* catalog.loadTable({ namespace: other, name: "t" })).metadataLocation,
              "loc-other",
            )
            yield* catalog.dropTable({ namespace: other, name: "t" })
            assert.strictEqual((yield* catalog.loadTable({ namespace: root, name: "t" })).metadataLocation, "loc-root")
          }))

        test("dropTable removes the table; dropping it again fails with NotFound", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const id = { namespace: root, name: "t" }
            yield* catalog.registerTable(id, "loc")
            yield* catalog.dropTable(id)
            yield* expectReason(catalog.loadTable(id), "NotFound")
            assert.deepStrictEqual(yield* catalog.listTables(root), [])
            yield* expectReason(catalog.dropTable(id), "NotFound")
            yield* catalog.registerTable(id, "loc-again")
            assert.strictEqual((yield* catalog.loadTable(id)).metadataLocation, "loc-again")
          }))

        test("commitTable swaps the location and keeps the previous one", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const id = { namespace: root, name: "t" }
            yield* catalog.registerTable(id, "v1")
            const committed = yield* catalog.commitTable(id, {
              expectedMetadataLocation: "v1",
              newMetadataLocation: "v2",
            })
            assert.deepStrictEqual(committed, {
              identifier: id,
              metadataLocation: "v2",
              previousMetadataLocation: "v1",
            })
            assert.deepStrictEqual(yield* catalog.loadTable(id), committed)
            yield* catalog.commitTable(id, { expectedMetadataLocation: "v2", newMetadataLocation: "v3" })
            assert.deepStrictEqual(yield* catalog.loadTable(id), {
              identifier: id,
              metadataLocation: "v3",
              previousMetadataLocation: "v2",
            })
          }))

        test("commitTable from a stale location fails with Conflict and changes nothing", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const id = { namespace: root, name: "t" }
            yield* catalog.registerTable(id, "v1")
            yield* catalog.commitTable(id, { expectedMetadataLocation: "v1", newMetadataLocation: "v2" })
            const error = yield* expectReason(
              catalog.commitTable(id, { expectedMetadataLocation: "v1", newMetadataLocation: "v2-other" }),
              "Conflict",
            )
            assert.isFalse(error.isRetryable)
            assert.deepStrictEqual(yield* catalog.loadTable(id), {
              identifier: id,
              metadataLocation: "v2",
              previousMetadataLocation: "v1",
            })
          }))

        test("commitTable on a missing table fails with NotFound", () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* expectReason(
              catalog.commitTable(
                { namespace: root, name: "missing" },
                { expectedMetadataLocation: "a", newMetadataLocation: "b" },
              ),
              "NotFound",
            )
          }))
      })

      describe("races", () => {
        test(`${racers} concurrent creates of one namespace: exactly one succeeds`, () =>
          Effect.gen(function* () {
            const { root } = yield* freshRoot
            const ns = [...root, "contested"]
            const results = yield* race(yield* clients(racers), (c, i) =>
              c.createNamespace(ns, { owner: `racer-${i}` }),
            )
            const winners = successes(results)
            assert.strictEqual(winners.length, 1, "exactly one create succeeds")
            assertAllFailedWith(results, "AlreadyExists")
            const catalog = yield* Catalog
            const owner = (yield* catalog.loadNamespace(ns)).properties["owner"]
            assert.strictEqual(owner, winners[0]?.properties["owner"], "the winner's properties are stored")
          }))

        test(`${racers} concurrent creates of different namespaces all succeed`, () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const results = yield* race(yield* clients(racers), (c, i) =>
              c.createNamespace([...root, `n${String(i).padStart(3, "0")}`], { i: String(i) }),
            )
            assert.strictEqual(successes(results).length, racers)
            assert.strictEqual((yield* catalog.listNamespaces(root)).length, racers)
          }))

        test(`${racers} concurrent commits from one base: exactly one wins`, () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const id = { namespace: root, name: "t" }
            yield* catalog.registerTable(id, "base")
            const results = yield* race(yield* clients(racers), (c, i) =>
              c.commitTable(id, { expectedMetadataLocation: "base", newMetadataLocation: `next-${i}` }),
            )
            const winners = successes(results)
            assert.strictEqual(winners.length, 1, "exactly one commit wins")
            assertAllFailedWith(results, "Conflict")
            const table = yield* catalog.loadTable(id)
            assert.strictEqual(table.metadataLocation, winners[0]?.metadataLocation)
            assert.strictEqual(table.previousMetadataLocation, "base")
          }))

        test(`${racers} concurrent registrations of one table: exactly one succeeds`, () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const id: TableIdentifier = { namespace: root, name: "t" }
            const results = yield* race(yield* clients(racers), (c, i) => c.registerTable(id, `loc-${i}`))
            const winners = successes(results)
            assert.strictEqual(winners.length, 1)
            assertAllFailedWith(results, "AlreadyExists")
            assert.strictEqual((yield* catalog.loadTable(id)).metadataLocation, winners[0]?.metadataLocation)
          }))

        test(`${racers} concurrent compare-and-set property updates from one value: exactly one wins`, () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            yield* catalog.updateNamespaceProperties(root, { updates: { version: "0" } })
            const results = yield* race(yield* clients(racers), (c, i) =>
              c.updateNamespaceProperties(root, {
                updates: { version: "1", writer: `racer-${i}` },
                expected: { version: "0" },
              }),
            )
            assert.strictEqual(successes(results).length, 1)
            assertAllFailedWith(results, "Conflict")
            const props = (yield* catalog.loadNamespace(root)).properties
            assert.strictEqual(props["version"], "1")
          }))

        test(`${racers} concurrent claims of an absent property: exactly one wins`, () =>
          Effect.gen(function* () {
            const { catalog, root } = yield* freshRoot
            const results = yield* race(yield* clients(racers), (c, i) =>
              c.updateNamespaceProperties(root, { updates: { owner: `racer-${i}` }, expected: { owner: null } }),
            )
            assert.strictEqual(successes(results).length, 1)
            assertAllFailedWith(results, "Conflict")
            const winner = results.findIndex((r) => r._tag === "Success")
            assert.strictEqual((yield* catalog.loadNamespace(root)).properties["owner"], `racer-${winner}`)
          }))
      })
    })
  })
}

/** Fails the test unless `self` fails with a `CatalogError` whose reason is `tag`; returns that error. */
export const expectReason = <A, R>(
  self: Effect.Effect<A, CatalogError, R>,
  tag: ReasonTag,
): Effect.Effect<CatalogError, never, R> =>
  Effect.flatMap(Effect.result(self), (result) => {
    if (result._tag === "Success") return Effect.die(new Error(`expected a CatalogError (${tag}), got a success`))
    const error = result.failure
    assert.strictEqual(error._tag, "CatalogError")
    assert.strictEqual(error.reason._tag, tag, `expected reason ${tag}: ${error.message}`)
    assert.isString(error.message)
    return Effect.succeed(error)
  })

/**
 * Starts one fiber per client, holds them at a latch until all are forked, then lets them go at once, and returns
 * every outcome in client order.
 */
const race = <A>(
  clients: ReadonlyArray<CatalogShape>,
  f: (client: CatalogShape, index: number) => Effect.Effect<A, CatalogError>,
): Effect.Effect<ReadonlyArray<Result.Result<A, CatalogError>>> =>
  Effect.gen(function* () {
    const gate = yield* Latch.make()
    const fibers = yield* Effect.forEach(clients, (client, i) =>
      Effect.forkChild(Effect.andThen(gate.await, Effect.result(f(client, i)))),
    )
    yield* gate.open
    return yield* Fiber.joinAll(fibers)
  })

const successes = <A>(results: ReadonlyArray<Result.Result<A, CatalogError>>): ReadonlyArray<A> =>
  results.flatMap((r) => (r._tag === "Success" ? [r.success] : []))

const assertAllFailedWith = <A>(results: ReadonlyArray<Result.Result<A, CatalogError>>, tag: ReasonTag): void => {
  for (const r of results) {
    if (r._tag === "Failure") assert.strictEqual(r.failure.reason._tag, tag, r.failure.message)
  }
}

const sameNamespace = (a: Namespace, b: Namespace): boolean =>
  a.length === b.length && a.every((level, i) => level === b[i])
