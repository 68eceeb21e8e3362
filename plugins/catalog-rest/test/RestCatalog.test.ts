import { assert, describe, it } from "@effect/vitest"
import { CatalogConformance } from "@floe/spec/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll } from "vitest"
import { RestCatalog } from "../src/index.ts"
import { start, type TestServer } from "./rest-server.ts"

// Retries and lease waits without delays: tests never sleep on real time.
const fast = { retryBase: 0, leaseRetry: 0 } as const

let server: TestServer | undefined
let oauthServer: TestServer | undefined
beforeAll(async () => {
  server = await start({ warehouse: "lake", prefix: "ws-lake", client: { id: "floe", secret: "s3cret" } })
  oauthServer = await start({ warehouse: "lake", client: { id: "floe", secret: "s3cret", expiresIn: 3600 } })
})
afterAll(async () => {
  // No request the plugin sent may have failed the OpenAPI validation.
  assert.deepStrictEqual(server?.rejected, [])
  assert.deepStrictEqual(oauthServer?.rejected, [])
  await server?.close()
  await oauthServer?.close()
})

const config = (s: TestServer | undefined, extra: Partial<RestCatalog.RestCatalogConfig> = {}) => {
  if (s === undefined) throw new Error("the test server is not running")
  return {
    uri: s.uri,
    warehouse: "lake",
    credential: Redacted.make("floe:s3cret"),
    ...fast,
    ...extra,
  } satisfies RestCatalog.RestCatalogConfig
}

CatalogConformance.suite("RestCatalog against an OpenAPI-validating Iceberg REST server", {
  layer: Layer.unwrap(Effect.sync(() => RestCatalog.layer(config(server)))),
  client: Effect.suspend(() => RestCatalog.make(config(server))),
  racers: 8,
})

describe("RestCatalog: protocol", () => {
  it.effect("reads the prefix from /v1/config for the warehouse and uses it in every path", () =>
    Effect.gen(function* () {
      const catalog = yield* RestCatalog.make(config(server))
      yield* catalog.createNamespace(["prefixed"])
      const paths = server?.requests ?? []
      assert.isTrue(paths.some((p) => p === "GET /v1/config"))
      assert.isTrue(paths.includes("POST /v1/ws-lake/namespaces"))
      const wrong = yield* Effect.flip(RestCatalog.make(config(server, { warehouse: "nope" })))
      assert.strictEqual(wrong.reason._tag, "NotFound")
    }),
  )

  it.effect("OAuth2 client credentials: one token fetched and cached for many requests", () =>
    Effect.gen(function* () {
      const before = oauthServer?.tokensIssued() ?? 0
      const catalog = yield* RestCatalog.make(config(oauthServer))
      yield* catalog.createNamespace(["cached"])
      for (let i = 0; i < 5; i++) yield* catalog.loadNamespace(["cached"])
      assert.strictEqual((oauthServer?.tokensIssued() ?? 0) - before, 1)
    }),
  )

  it.effect("a token that expires at once is fetched again", () =>
    Effect.gen(function* () {
      const s = yield* Effect.acquireRelease(
        Effect.promise(() => start({ warehouse: "lake", client: { id: "floe", secret: "s3cret", expiresIn: 1 } })),
        (x) => Effect.promise(() => x.close()),
      )
      const catalog = yield* RestCatalog.make(config(s))
      yield* catalog.createNamespace(["short"])
      yield* catalog.loadNamespace(["short"])
      // expires_in 1s is inside the renewal margin: every request gets a fresh token.
      assert.isAtLeast(s.tokensIssued(), 3)
      assert.deepStrictEqual(s.rejected, [])
    }),
  )

  it.effect("wrong client credentials fail with PermissionDenied, and the secret is not in the message", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        RestCatalog.make(config(server, { credential: Redacted.make("floe:wrong-secret") })),
      )
      assert.strictEqual(error.reason._tag, "PermissionDenied")
      assert.notInclude(error.message, "wrong-secret")
    }),
  )

  it.effect("a fixed bearer token is sent as Authorization", () =>
    Effect.gen(function* () {
      const s = yield* Effect.acquireRelease(
        Effect.promise(() => start({ warehouse: "lake", token: "t0ken" })),
        (x) => Effect.promise(() => x.close()),
      )
      const ok = yield* RestCatalog.make({ uri: s.uri, warehouse: "lake", token: Redacted.make("t0ken"), ...fast })
      yield* ok.createNamespace(["bearer"])
      const denied = yield* Effect.flip(
        RestCatalog.make({ uri: s.uri, warehouse: "lake", token: Redacted.make("other"), ...fast }),
      )
      assert.strictEqual(denied.reason._tag, "PermissionDenied")
    }),
  )

  it.effect("retries 503 and 429 with backoff, then gives up Unavailable (retryable)", () =>
    Effect.gen(function* () {
      const catalog = yield* RestCatalog.make(config(server, { retries: 3 }))
      yield* catalog.createNamespace(["retried"])
      server?.failNext.push(503, 429, 503)
      assert.deepStrictEqual((yield* catalog.loadNamespace(["retried"])).properties, {})
      server?.failNext.push(503, 503, 503, 503)
      const error = yield* Effect.flip(catalog.loadNamespace(["retried"]))
      assert.strictEqual(error.reason._tag, "Unavailable")
      assert.isTrue(error.isRetryable)
      assert.deepStrictEqual(server?.failNext, [])
    }),
  )

  it.effect("a write answered 500 is not retried (it may have been applied)", () =>
    Effect.gen(function* () {
      const catalog = yield* RestCatalog.make(config(server, { retries: 3 }))
      server?.failNext.push(500)
      const error = yield* Effect.flip(catalog.createNamespace(["maybe"]))
      assert.strictEqual(error.reason._tag, "Unavailable")
      yield* catalog.createNamespace(["maybe"])
    }),
  )

  it.effect("lists across pages and hides the lease table", () =>
    Effect.gen(function* () {
      const catalog = yield* RestCatalog.make(config(server))
      yield* catalog.createNamespace(["paged"])
      for (let i = 0; i < 7; i++) {
        yield* catalog.createNamespace(["paged", `n${i}`])
        yield* catalog.registerTable({ namespace: ["paged"], name: `t${i}` }, `loc-${i}`)
      }
      assert.strictEqual((yield* catalog.listNamespaces(["paged"])).length, 7)
      yield* catalog.updateNamespaceProperties(["paged"], { updates: { a: "1" }, expected: { a: null } })
      assert.deepStrictEqual(
        (yield* catalog.listTables(["paged"])).map((t) => t.name),
        ["t0", "t1", "t2", "t3", "t4", "t5", "t6"],
      )
      yield* CatalogConformance.expectReason(
        catalog.registerTable({ namespace: ["paged"], name: RestCatalog.LEASE_TABLE }, "x"),
        "InvalidInput",
      )
    }),
  )

  it.effect("an unreachable server fails with Connection", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        RestCatalog.make({ uri: "http://127.0.0.1:1", warehouse: "lake", retries: 0, ...fast }),
      )
      assert.strictEqual(error.reason._tag, "Connection")
      const bad = yield* Effect.flip(RestCatalog.make({ uri: "ftp://x" }))
      assert.strictEqual(bad.reason._tag, "InvalidInput")
    }),
  )

  it.effect("the test server itself rejects requests the OpenAPI document does not allow", () =>
    Effect.gen(function* () {
      const s = yield* Effect.acquireRelease(
        Effect.promise(() => start({ warehouse: "lake" })),
        (x) => Effect.promise(() => x.close()),
      )
      const post = (path: string, body: unknown, method = "POST") =>
        Effect.promise(() =>
          fetch(`${s.uri}${path}`, {
            method,
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(body),
          }).then((r) => r.status),
        )
      assert.strictEqual(yield* post("/v1/ws1/namespaces", { namespace: "not-an-array" }), 400)
      assert.strictEqual(yield* post("/v1/ws1/namespaces", { namespace: ["ok"], properties: { k: 1 } }), 400)
      assert.strictEqual(yield* post("/v1/ws1/namespaces/a/register", { name: "t" }), 400)
      assert.strictEqual(yield* post("/v1/ws1/nowhere", {}), 400)
      assert.strictEqual(yield* post("/v1/ws1/namespaces", { namespace: ["ok"] }, "PUT"), 400)
      assert.strictEqual(s.rejected.length, 5)
      assert.strictEqual(yield* post("/v1/ws1/namespaces", { namespace: ["ok"] }), 200)
    }),
  )
})

describe("RestCatalog: vended credentials", () => {
  it.effect("loadTable asks for vended credentials and returns the most specific ones as storage", () =>
    Effect.gen(function* () {
      const vending = yield* Effect.promise(() =>
        start({
          warehouse: "lake",
          vend: { prefix: "memory://orders", config: { "s3.access-key-id": "AKIA-ORDERS" } },
        }),
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => vending.close()))
      const catalog = yield* RestCatalog.make({ uri: vending.uri, warehouse: "lake", ...fast })
      yield* catalog.createNamespace(["sales"])
      yield* catalog.registerTable(
        { namespace: ["sales"], name: "orders" },
        "file:///wh/orders/metadata/00000-a.metadata.json",
      )
      const loaded = yield* catalog.loadTable({ namespace: ["sales"], name: "orders" })
      // The table lives at memory://orders: the longer, matching prefix wins over the memory:// decoy.
      assert.deepStrictEqual(loaded.storage, { "s3.access-key-id": "AKIA-ORDERS" })
      assert.include(vending.delegations, "vended-credentials")

      // Opting out sends no delegation header and gets no credentials.
      const before = vending.delegations.length
      const plain = yield* RestCatalog.make({ uri: vending.uri, warehouse: "lake", vendedCredentials: false, ...fast })
      const again = yield* plain.loadTable({ namespace: ["sales"], name: "orders" })
      assert.strictEqual(again.storage, undefined)
      assert.strictEqual(vending.delegations.length, before)
      assert.deepStrictEqual(vending.rejected, [])
    }).pipe(Effect.scoped),
  )

  it("picks the longest matching prefix, else the table config", () => {
    const creds = [
      { prefix: "s3://lake/", config: { k: "lake" } },
      { prefix: "s3://lake/sales/", config: { k: "sales" } },
      { prefix: "s3://other/", config: { k: "other" } },
    ]
    assert.deepStrictEqual(RestCatalog.storageFor("s3://lake/sales/orders", creds, {}), { k: "sales" })
    assert.deepStrictEqual(RestCatalog.storageFor("s3://lake/hr/people", creds, {}), { k: "lake" })
    assert.deepStrictEqual(RestCatalog.storageFor("gs://x/y", creds, { "gcs.oauth2.token": "t" }), {
      "gcs.oauth2.token": "t",
    })
    assert.strictEqual(RestCatalog.storageFor("gs://x/y", creds, {}), undefined)
  })
})
