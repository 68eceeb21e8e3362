// PostgreSQL integration: starts a real server from the Debian `postgresql` package (PostgresServer from @floe/spec/testing) and runs
// the conformance suite and client races against it. CI installs the package; there a missing server is a failure.
import { assert, describe, it } from "@effect/vitest"
import type { Catalog } from "@floe/spec"
import { CatalogConformance, PostgresServer } from "@floe/spec/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll } from "vitest"
import { SqlCatalog } from "../src/index.ts"

const { findBinaries, start } = PostgresServer
type Server = PostgresServer.Server

const bin = findBinaries()
const MISSING =
  "no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; install them with `apt-get install postgresql`"

let server: Server | undefined

const config = (overrides: Partial<SqlCatalog.PostgresConfig> = {}): SqlCatalog.PostgresConfig => {
  if (server === undefined) throw new Error("the PostgreSQL server is not running")
  return {
    _tag: "Postgres",
    host: server.host,
    port: server.port,
    user: server.user,
    database: server.database,
    password: Redacted.make(server.password),
    ...overrides,
  }
}

if (bin === undefined) {
  if (process.env["CI"] && process.env["CI"] !== "false") {
    describe("SqlCatalog on PostgreSQL", () => {
      it("has PostgreSQL binaries to start a server with", () => {
        assert.fail(`${MISSING} (CI must run these tests, so this is a failure, not a skip)`)
      })
    })
  } else {
    process.stderr.write(`SqlCatalog PostgreSQL integration tests skipped: ${MISSING}\n`)
    describe.skip(`SqlCatalog on PostgreSQL — skipped: ${MISSING}`, () => {
      it("runs the conformance suite against a real server", () => {})
    })
  }
} else {
  describe("SqlCatalog on PostgreSQL", () => {
    beforeAll(async () => {
      server = await start(bin)
    }, 120_000)
    afterAll(async () => {
      await server?.stop()
    }, 60_000)

    // Built lazily (when the suite's layer is built), after beforeAll has started the server.
    CatalogConformance.suite("conformance", {
      layer: Layer.unwrap(Effect.sync(() => SqlCatalog.layer(config({ catalogName: "conformance" })))),
      // Every racer gets its own pool, so the races are decided inside PostgreSQL.
      client: Effect.suspend(() => SqlCatalog.make(config({ catalogName: "conformance", maxConnections: 2 }))),
      racers: 24,
    })

    describe("clients racing", () => {
      const CLIENTS = 12
      const clients = (catalogName: string) =>
        Effect.forEach(Array.from({ length: CLIENTS }), () =>
          SqlCatalog.make(config({ catalogName, maxConnections: 2 })),
        )

      it.live(
        `${CLIENTS} clients committing with reload-and-retry lose no update: one linear chain of commits`,
        () =>
          Effect.gen(function* () {
            const catalogs = yield* clients("chain")
            const first = catalogs[0] as Catalog.CatalogShape
            const id = { namespace: ["chain"], name: "t" }
            yield* first.createNamespace(["chain"])
            yield* first.registerTable(id, "base")
            const PER_CLIENT = 8
            // Each client commits PER_CLIENT times, reloading and retrying whenever another client got in first.
            const commitsOf = (catalog: Catalog.CatalogShape, client: number) =>
              Effect.forEach(
                Array.from({ length: PER_CLIENT }, (_, i) => i),
                (step) => {
                  const attempt: Effect.Effect<Catalog.TableInfo, Catalog.CatalogError> = Effect.flatMap(
                    catalog.loadTable(id),
                    (current) =>
                      catalog
                        .commitTable(id, {
                          expectedMetadataLocation: current.metadataLocation,
                          newMetadataLocation: `c${client}-s${step}`,
                        })
                        .pipe(Effect.catchReason("CatalogError", "Conflict", () => attempt)),
                  )
                  return attempt
                },
              )
            const results = (yield* Effect.forEach(catalogs, commitsOf, { concurrency: "unbounded" })).flat()
            assert.strictEqual(results.length, CLIENTS * PER_CLIENT)
            // Follow the chain from "base": every successful commit must extend the one before it.
            const next = new Map(results.map((r) => [r.previousMetadataLocation, r.metadataLocation]))
            assert.strictEqual(next.size, results.length, "no two commits started from the same location")
            let at = "base"
            let length = 0
            while (next.has(at)) {
              at = next.get(at) as string
              length++
            }
            assert.strictEqual(length, CLIENTS * PER_CLIENT)
            assert.strictEqual((yield* first.loadTable(id)).metadataLocation, at)
          }),
        120_000,
      )

      it.live(
        `${CLIENTS} clients creating the same 20 namespaces in turn: exactly one wins each`,
        () =>
          Effect.gen(function* () {
            const catalogs = yield* clients("rounds")
            for (let round = 0; round < 20; round++) {
              const outcomes = yield* Effect.forEach(
                catalogs,
                (catalog, i) => Effect.result(catalog.createNamespace([`round_${round}`], { owner: `client-${i}` })),
                { concurrency: "unbounded" },
              )
              const winners = outcomes.flatMap((o, i) => (o._tag === "Success" ? [i] : []))
              assert.strictEqual(winners.length, 1, `round ${round}`)
              for (const o of outcomes)
                if (o._tag === "Failure") assert.strictEqual(o.failure.reason._tag, "AlreadyExists")
              const stored = yield* (catalogs[0] as Catalog.CatalogShape).loadNamespace([`round_${round}`])
              assert.strictEqual(stored.properties["owner"], `client-${winners[0]}`)
            }
          }),
        120_000,
      )
    })

    describe("the server side", () => {
      it.live("created the JDBC tables with their primary keys", () =>
        Effect.gen(function* () {
          yield* SqlCatalog.make(config({ catalogName: "layout" }))
          const { default: pg } = yield* Effect.promise(() => import("pg"))
          const client = new pg.Client({ ...config(), password: server?.password })
          yield* Effect.acquireRelease(
            Effect.promise(() => client.connect()),
            () => Effect.promise(() => client.end()),
          )
          const { rows } = yield* Effect.promise(() =>
            client.query(
              `SELECT table_name, column_name, data_type, character_maximum_length AS len, is_nullable
                 FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name LIKE 'iceberg_%'
                ORDER BY table_name, ordinal_position`,
            ),
          )
          assert.deepStrictEqual(
            rows.map((r) => `${r.table_name}.${r.column_name} ${r.data_type}(${r.len}) ${r.is_nullable}`),
            [
              "iceberg_namespace_properties.catalog_name character varying(255) NO",
              "iceberg_namespace_properties.namespace character varying(255) NO",
              "iceberg_namespace_properties.property_key character varying(255) NO",
              "iceberg_namespace_properties.property_value character varying(1000) YES",
              "iceberg_tables.catalog_name character varying(255) NO",
              "iceberg_tables.table_namespace character varying(255) NO",
              "iceberg_tables.table_name character varying(255) NO",
              "iceberg_tables.metadata_location character varying(1000) YES",
              "iceberg_tables.previous_metadata_location character varying(1000) YES",
              "iceberg_tables.iceberg_type character varying(5) YES",
            ],
          )
        }),
      )

      it.live("several clients opening a fresh database at once all succeed", () =>
        Effect.gen(function* () {
          const catalogs = yield* Effect.forEach(
            Array.from({ length: 8 }),
            () => SqlCatalog.make(config({ catalogName: "opening" })),
            { concurrency: "unbounded" },
          )
          assert.strictEqual(catalogs.length, 8)
        }),
      )

      it.live("a wrong password fails with PermissionDenied", () =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(SqlCatalog.make(config({ password: Redacted.make("wrong") })))
          assert.strictEqual(error.reason._tag, "PermissionDenied")
          assert.isFalse(error.isRetryable)
          assert.notInclude(error.message, server?.password ?? "-")
        }),
      )

      it.live("a port nobody listens on fails with Connection", () =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(SqlCatalog.make(config({ port: 1, connectTimeout: "5 seconds" })))
          assert.strictEqual(error.reason._tag, "Connection")
          assert.isTrue(error.isRetryable)
        }),
      )
    })
  })
}
