// Publishing with the JDBC-style catalog tables in a real PostgreSQL (the Debian `postgresql` package's server,
// started by PostgresServer from @floe/spec/testing): the row points at the newest metadata file, and writers racing
// on one table serialise through the compare-and-set without losing a snapshot. CI installs the package; there a
// missing server is a failure.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { SqlCatalog } from "@floe/catalog-sql"
import { Catalog, Compute } from "@floe/spec"
import { PostgresServer } from "@floe/spec/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll } from "vitest"
import { Iceberg, Publish } from "../src/index.ts"
import { harness } from "./support/project.ts"
import { difference, liveFiles, metadataAt, platform, product, runAndPublish, SHOP } from "./support/publish.ts"

const bin = PostgresServer.findBinaries()
const MISSING = "no PostgreSQL binaries under /usr/lib/postgresql/*/bin; install them with `apt-get install postgresql`"
let server: PostgresServer.Server | undefined

const catalog = (name: string) =>
  Effect.suspend(() => {
    if (server === undefined) return Effect.die(new Error("the PostgreSQL server is not running"))
    return SqlCatalog.make({
      _tag: "Postgres",
      host: server.host,
      port: server.port,
      user: server.user,
      database: server.database,
      password: Redacted.make(server.password),
      catalogName: name,
    })
  })

if (bin === undefined) {
  if (process.env["CI"] && process.env["CI"] !== "false") {
    describe("Publish with the SQL catalog on PostgreSQL", () => {
      it("has PostgreSQL binaries to start a server with", () => {
        expect.fail(`${MISSING} (CI must run these tests)`)
      })
    })
  } else {
    process.stderr.write(`Publish PostgreSQL integration tests skipped: ${MISSING}\n`)
    describe.skip(`Publish with the SQL catalog on PostgreSQL — skipped: ${MISSING}`, () => {
      it("publishes to a real server", () => {})
    })
  }
} else {
  describe("Publish with the SQL catalog on PostgreSQL", () => {
    beforeAll(async () => {
      server = await PostgresServer.start(bin)
    })
    afterAll(async () => {
      await server?.stop()
    })

    it.effect("commits each port's table in iceberg_tables and reads it back exactly", () =>
      Effect.gen(function* () {
        const h = harness(SHOP)
        const first = yield* runAndPublish(h, { catalog: catalog("pg_first") })
        expect(first.publications.customers?.status).toBe("created")
        const second = yield* runAndPublish(h, { catalog: catalog("pg_first") })
        expect(second.publications.customers?.status).toBe("overwritten")
        const row = yield* second.raw.loadTable({ namespace: ["sales", "shop"], name: "customers" })
        expect(row.metadataLocation).toBe(second.publications.customers?.metadataLocation)
        expect(row.previousMetadataLocation).toBe(first.publications.customers?.metadataLocation)
        const metadata = metadataAt(row.metadataLocation)
        expect(metadata.snapshots).toHaveLength(2)
        const { files } = yield* liveFiles(metadata)
        expect(yield* difference(second.compute, '"warehouse"."main"."customer_totals"', files)).toEqual([0, 0])
      }).pipe(Effect.scoped, Effect.provide(platform)),
    )

    it.effect("four writers publishing one table at once all land, one snapshot each, in one line of history", () =>
      Effect.gen(function* () {
        const h = harness(SHOP)
        const first = yield* runAndPublish(h, { catalog: catalog("pg_race") })
        // Four independent catalog clients (own connection pools), racing on the same rows.
        const clients = yield* Effect.all([1, 2, 3, 4].map(() => catalog("pg_race")))
        const outcomes = yield* Effect.all(
          clients.map((c) =>
            Publish.publish({
              product: product(),
              dir: h.dir,
              graph: first.graph,
              result: first.result,
              maxAttempts: 10,
            }).pipe(Effect.provideService(Compute.Compute, first.compute), Effect.provideService(Catalog.Catalog, c)),
          ),
          { concurrency: "unbounded" },
        )
        expect(outcomes.map((o) => o.find((p) => p.port === "customers")?.status)).toEqual([
          "overwritten",
          "overwritten",
          "overwritten",
          "overwritten",
        ])
        const row = yield* first.raw.loadTable({ namespace: ["sales", "shop"], name: "customers" })
        const metadata = metadataAt(row.metadataLocation)
        expect(metadata.snapshots).toHaveLength(5)
        expect(metadata.snapshots.map((s) => s["sequence-number"])).toEqual([1, 2, 3, 4, 5])
        metadata.snapshots.slice(1).forEach((s, i) => {
          expect(s["parent-snapshot-id"]).toBe(metadata.snapshots[i]?.["snapshot-id"])
        })
        // Every metadata file in the log is whole JSON: no writer left a half-written one in the history.
        for (const m of metadata["metadata-log"]) {
          const older = JSON.parse(readFileSync(new URL(m["metadata-file"]), "utf8")) as Iceberg.TableMetadata
          expect(older["format-version"]).toBe(2)
        }
        expect(Iceberg.currentSnapshot(metadata)?.summary["total-records"]).toBe("3")
      }).pipe(Effect.scoped, Effect.provide(platform)),
    )
  })
}
