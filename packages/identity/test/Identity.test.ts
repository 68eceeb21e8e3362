import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { SqlCatalog } from "@floe/catalog-sql"
import type { Odcs } from "@floe/contracts"
import { Catalog } from "@floe/spec"
import { CatalogMemory } from "@floe/spec/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { TestClock } from "effect/testing"
import { afterAll } from "vitest"
import { ContractRegistry, Identity } from "../src/index.ts"
import { raceRounds, spawnContender } from "./contenders.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "floe-identity-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const product = (repository: string, version = "1.0.0", owner = "data-team@example.com") => ({
  productId: "sales.my_product",
  name: "my-product",
  domain: "sales",
  owner,
  repository,
  version,
})

const contract = (version: string, columns: ReadonlyArray<string> = ["customer_id"]): Odcs.Contract => ({
  apiVersion: "v3.1.0",
  kind: "DataContract",
  id: "sales.my_product",
  name: "my-product",
  version,
  status: "active",
  schema: [
    {
      name: "customers",
      properties: columns.map((name) => ({ name, logicalType: "integer", required: name === "customer_id" })),
    },
  ],
})

const sqliteLayer = (name: string) => SqlCatalog.layerSqlite(path.join(dir, name))

describe("product ids", () => {
  it("are {domain}.{name} with '-' replaced by '_'", () => {
    assert.strictEqual(
      Identity.productIdOf({
        metadata: {
          name: "my-product",
          domain: "sales-eu",
          version: "1.0.0",
          owner: "a@example.com",
          repository: "r",
        },
      }),
      "sales_eu.my_product",
    )
  })

  it.effect("split into a two-level namespace; anything else is E603", () =>
    Effect.gen(function* () {
      const id = yield* Identity.parseProductId("sales.my_product")
      assert.deepStrictEqual(id.namespace, ["sales", "my_product"])
      for (const bad of ["sales", "sales.my.product", "Sales.x", "sales.my-product", ".x", ""]) {
        const error = yield* Effect.flip(Identity.parseProductId(bad))
        assert.strictEqual(error.code, "FLOE-E603", bad)
      }
    }),
  )
})

describe("ownership and registration", () => {
  it.effect("AVAILABLE → registered with floe.product.* properties under a domain namespace", () =>
    Effect.gen(function* () {
      const before = yield* Identity.validateProductIdentity("sales.my_product", "github.com/acme/my-product")
      assert.strictEqual(before.status, "AVAILABLE")
      yield* TestClock.adjust("90 seconds")
      const result = yield* Identity.register(product("github.com/acme/my-product"))
      assert.strictEqual(result.action, "registered")
      const catalog = yield* Catalog.Catalog
      assert.deepStrictEqual(yield* catalog.listNamespaces(), [["sales"]])
      assert.deepStrictEqual((yield* catalog.loadNamespace(["sales", "my_product"])).properties, {
        "floe.product.name": "my-product",
        "floe.product.domain": "sales",
        "floe.product.owner": "data-team@example.com",
        "floe.product.repo": "github.com/acme/my-product",
        "floe.product.version": "1.0.0",
        "floe.product.registered_at": "1970-01-01T00:01:30.000Z",
      })
      const after = yield* Identity.validateProductIdentity("sales.my_product", "github.com/acme/my-product")
      assert.strictEqual(after.status, "VALID")
    }).pipe(Effect.provide(CatalogMemory.layerMemory)),
  )

  it.effect("VALID → the version is updated, the registration time kept; the same version is unchanged", () =>
    Effect.gen(function* () {
      yield* Identity.register(product("github.com/acme/my-product"))
      yield* TestClock.adjust("1 hour")
      assert.strictEqual((yield* Identity.register(product("github.com/acme/my-product"))).action, "unchanged")
      const updated = yield* Identity.register(product("github.com/acme/my-product", "1.1.0"))
      assert.strictEqual(updated.action, "updated")
      const props = (yield* (yield* Catalog.Catalog).loadNamespace(["sales", "my_product"])).properties
      assert.strictEqual(props["floe.product.version"], "1.1.0")
      assert.strictEqual(props["floe.product.registered_at"], "1970-01-01T00:00:00.000Z")
    }).pipe(Effect.provide(CatalogMemory.layerMemory)),
  )

  it.effect("CONFLICT → E601 with the guide's text, and nothing changes", () =>
    Effect.gen(function* () {
      yield* Identity.register(product("github.com/acme/sales-analytics", "1.0.0", "analytics@example.com"))
      const status = yield* Identity.validateProductIdentity("sales.my_product", "github.com/acme/my-product")
      assert.strictEqual(status.status, "CONFLICT")
      const error = yield* Effect.flip(Identity.register(product("github.com/acme/my-product", "2.0.0")))
      assert.strictEqual(error.code, "FLOE-E601")
      const d = error.diagnostics[0]
      assert.strictEqual(
        d?.message,
        [
          "Namespace 'sales.my_product' owned by different repository",
          "  Owner: github.com/acme/sales-analytics",
          "  Expected: github.com/acme/my-product",
        ].join("\n"),
      )
      assert.strictEqual(
        d?.hint,
        "Choose a different product name or contact the namespace owner: analytics@example.com",
      )
      const props = (yield* (yield* Catalog.Catalog).loadNamespace(["sales", "my_product"])).properties
      assert.strictEqual(props["floe.product.version"], "1.0.0")
    }).pipe(Effect.provide(CatalogMemory.layerMemory)),
  )

  it.effect("an existing namespace no product owns is claimed by compare-and-set, keeping its properties", () =>
    Effect.gen(function* () {
      const catalog = yield* Catalog.Catalog
      yield* catalog.createNamespace(["sales"])
      yield* catalog.createNamespace(["sales", "my_product"], { comment: "made by the platform team" })
      const result = yield* Identity.register(product("github.com/acme/my-product"))
      assert.strictEqual(result.action, "registered")
      const props = (yield* catalog.loadNamespace(["sales", "my_product"])).properties
      assert.strictEqual(props["comment"], "made by the platform team")
      assert.strictEqual(props["floe.product.repo"], "github.com/acme/my-product")
    }).pipe(Effect.provide(CatalogMemory.layerMemory)),
  )

  it.effect("listProducts lists registered products only", () =>
    Effect.gen(function* () {
      const catalog = yield* Catalog.Catalog
      yield* catalog.createNamespace(["other"])
      yield* catalog.createNamespace(["other", "plain"])
      yield* Identity.register(product("github.com/acme/my-product"))
      yield* Identity.register({ ...product("github.com/acme/x"), productId: "finance.ledger", domain: "finance" })
      const listed = yield* Identity.listProducts()
      assert.deepStrictEqual(
        listed.map((p) => [p.productId, p.owner.repository]),
        [
          ["finance.ledger", "github.com/acme/x"],
          ["sales.my_product", "github.com/acme/my-product"],
        ],
      )
    }).pipe(Effect.provide(sqliteLayer("list.db"))),
  )

  it.effect("a catalog that cannot be opened is E604 through the layer's error, a failing one E604 here", () =>
    Effect.gen(function* () {
      const file = path.join(dir, "not-a-db.db")
      fs.writeFileSync(file, "not sqlite ".repeat(200))
      const error = yield* Effect.flip(
        Identity.validateProductIdentity("sales.my_product", "r").pipe(
          Effect.provide(
            Layer.succeed(
              Catalog.Catalog,
              Catalog.Catalog.of({
                ...(yield* CatalogMemory.make),
                loadNamespace: () =>
                  Effect.fail(
                    new Catalog.CatalogError({ reason: new Catalog.Unavailable({ message: "database is locked" }) }),
                  ),
              }),
            ),
          ),
        ),
      )
      assert.strictEqual(error.code, "FLOE-E604")
      assert.match(error.message, /database is locked \(Unavailable, retryable\)/)
    }),
  )
})

describe("contract versions", () => {
  const registered = Identity.register(product("github.com/acme/my-product"))

  it.effect(
    "registers {domain}.{product}/{contract}:{version} with its canonical hash; the same again is unchanged",
    () =>
      Effect.gen(function* () {
        yield* registered
        const first = yield* ContractRegistry.registerContract("sales.my_product", contract("1.0.0"))
        assert.strictEqual(first.ref, "sales.my_product/my_product:1.0.0")
        assert.strictEqual(first.action, "registered")
        assert.match(first.hash, /^sha256:[0-9a-f]{64}$/)
        const again = yield* ContractRegistry.registerContract("sales.my_product", contract("1.0.0"))
        assert.strictEqual(again.action, "unchanged")
        const latest = yield* ContractRegistry.latestContract("sales.my_product", "my_product")
        assert.strictEqual(latest?.version, "1.0.0")
        assert.strictEqual(latest?.hash, first.hash)
        assert.deepStrictEqual(latest?.document?.schema, contract("1.0.0").schema)
      }).pipe(Effect.provide(sqliteLayer("contracts-1.db"))),
  )

  it.effect("the same version with another hash is E602 (versions are immutable)", () =>
    Effect.gen(function* () {
      yield* registered
      yield* ContractRegistry.registerContract("sales.my_product", contract("1.0.0"))
      const error = yield* Effect.flip(
        ContractRegistry.registerContract("sales.my_product", contract("1.0.0", ["customer_id", "email"])),
      )
      assert.strictEqual(error.code, "FLOE-E602")
      assert.match(error.message, /sales\.my_product\/my_product:1\.0\.0 is already registered with a different hash/)
    }).pipe(Effect.provide(sqliteLayer("contracts-2.db"))),
  )

  it.effect("a new version is gated against the latest registered one: E520 for a breaking minor bump", () =>
    Effect.gen(function* () {
      yield* registered
      yield* ContractRegistry.registerContract("sales.my_product", contract("1.0.0", ["customer_id", "email"]))
      // Removing a column is breaking: 1.1.0 is refused, 2.0.0 passes.
      const error = yield* Effect.flip(
        ContractRegistry.registerContract("sales.my_product", contract("1.1.0", ["customer_id"])),
      )
      assert.strictEqual(error.code, "FLOE-E520")
      const ok = yield* ContractRegistry.registerContract("sales.my_product", contract("2.0.0", ["customer_id"]))
      assert.strictEqual(ok.previous, "1.0.0")
      assert.isTrue(ok.changes.some((c) => c.level === "major"))
      // An added optional column needs at least a minor bump.
      const patch = yield* Effect.flip(
        ContractRegistry.registerContract("sales.my_product", contract("2.0.1", ["customer_id", "note"])),
      )
      assert.strictEqual(patch.code, "FLOE-E521")
      yield* ContractRegistry.registerContract("sales.my_product", contract("2.1.0", ["customer_id", "note"]))
      const all = yield* ContractRegistry.listContracts("sales.my_product")
      assert.deepStrictEqual(
        all.map((c) => c.ref),
        ["sales.my_product/my_product:1.0.0", "sales.my_product/my_product:2.0.0", "sales.my_product/my_product:2.1.0"],
      )
      assert.strictEqual((yield* ContractRegistry.latestContract("sales.my_product", "my_product"))?.version, "2.1.0")
    }).pipe(Effect.provide(sqliteLayer("contracts-3.db"))),
  )

  it.effect("a large contract is stored in chunks the JDBC layout can hold and read back whole", () =>
    Effect.gen(function* () {
      yield* registered
      const columns = Array.from({ length: 400 }, (_, i) => `column_${i}_${"x".repeat(i % 37)}`)
      yield* ContractRegistry.registerContract("sales.my_product", contract("1.0.0", ["customer_id", ...columns]))
      const latest = yield* ContractRegistry.latestContract("sales.my_product", "my_product")
      assert.strictEqual(latest?.document?.schema?.[0]?.properties?.length, 401)
    }).pipe(Effect.provide(sqliteLayer("contracts-4.db"))),
  )

  it.effect("contracts of an unregistered product are E606", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(ContractRegistry.registerContract("sales.nobody", contract("1.0.0")))
      assert.strictEqual(error.code, "FLOE-E606")
    }).pipe(Effect.provide(CatalogMemory.layerMemory)),
  )

  it.effect("concurrent registrations of two versions from one predecessor: both gated, latest moves once each", () =>
    Effect.gen(function* () {
      yield* registered
      yield* ContractRegistry.registerContract("sales.my_product", contract("1.0.0"))
      const results = yield* Effect.all(
        [
          Effect.result(ContractRegistry.registerContract("sales.my_product", contract("1.1.0", ["customer_id", "a"]))),
          Effect.result(ContractRegistry.registerContract("sales.my_product", contract("1.1.0", ["customer_id", "b"]))),
        ],
        { concurrency: "unbounded" },
      )
      // One 1.1.0 wins; the other is then the same version with another hash.
      assert.deepStrictEqual(results.map((r) => (r._tag === "Success" ? r.success.action : r.failure.code)).sort(), [
        "FLOE-E602",
        "registered",
      ])
    }).pipe(Effect.provide(CatalogMemory.layerMemory)),
  )
})

// ---------------------------------------------------------------------------------------------------------------
// Real processes racing on one SQLite file
// ---------------------------------------------------------------------------------------------------------------

const PROCESSES = 6
const ROUNDS = 15

describe("registration races between node processes on SQLite", () => {
  it(`${PROCESSES} repositories register the same product at once, ${ROUNDS} rounds: exactly one wins each`, {
    timeout: 120_000,
  }, async () => {
    const config: SqlCatalog.SqlCatalogConfig = { _tag: "Sqlite", path: path.join(dir, "race", "catalog.db") }
    const contenders = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => spawnContender(config, `github.com/acme/repo-${i}`)),
    )
    try {
      const rounds = await raceRounds(contenders, ROUNDS)
      const winners: Array<string> = []
      for (const [round, outcomes] of rounds.entries()) {
        const won = outcomes.flatMap((o, i) => (o === "registered" ? [contenders[i]?.repository ?? ""] : []))
        assert.strictEqual(won.length, 1, `round ${round}: ${JSON.stringify(outcomes)}`)
        assert.deepStrictEqual(
          outcomes.filter((o) => o !== "registered"),
          Array.from({ length: PROCESSES - 1 }, () => "FLOE-E601"),
          `round ${round}`,
        )
        winners.push(won[0] ?? "")
      }
      const owners = await Effect.runPromise(
        Effect.scoped(
          Effect.flatMap(SqlCatalog.make(config), (c) =>
            Effect.forEach(winners, (_, round) => c.loadNamespace(["sales", `race_${round}`])),
          ),
        ),
      )
      for (const [round, ns] of owners.entries()) {
        assert.strictEqual(ns.properties["floe.product.repo"], winners[round])
      }
    } finally {
      await Promise.all(contenders.map((c) => c.close()))
    }
  })

  it(`${PROCESSES} processes of the same repository register at once: one registers, the rest find it VALID`, {
    timeout: 120_000,
  }, async () => {
    const config: SqlCatalog.SqlCatalogConfig = { _tag: "Sqlite", path: path.join(dir, "race", "same.db") }
    const contenders = await Promise.all(
      Array.from({ length: PROCESSES }, () => spawnContender(config, "github.com/acme/same")),
    )
    try {
      for (const [round, outcomes] of (await raceRounds(contenders, 5)).entries()) {
        assert.strictEqual(outcomes.filter((o) => o === "registered").length, 1, `round ${round}`)
        assert.deepStrictEqual(
          outcomes.filter((o) => o !== "registered"),
          Array.from({ length: PROCESSES - 1 }, () => "unchanged"),
          `round ${round}`,
        )
      }
    } finally {
      await Promise.all(contenders.map((c) => c.close()))
    }
  })
})
