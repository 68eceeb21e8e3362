// PostgreSQL integration: starts a real server (PostgresServer from @floe/spec/testing) and races node processes registering the same
// product from different repositories in one PostgreSQL catalog. CI installs PostgreSQL; there a missing server is
// a failure, locally a skip.
import { assert, describe, it } from "@effect/vitest"
import type { SqlCatalog } from "@floe/catalog-sql"
import { PostgresServer } from "@floe/spec/testing"
import { afterAll, beforeAll } from "vitest"
import { raceRounds, spawnContender } from "./contenders.ts"

const { findBinaries, start } = PostgresServer
type Server = PostgresServer.Server

const bin = findBinaries()
const MISSING =
  "no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; install them with `apt-get install postgresql`"

const PROCESSES = 6
const ROUNDS = 15

if (bin === undefined) {
  if (process.env["CI"] && process.env["CI"] !== "false") {
    describe("identity on PostgreSQL", () => {
      it("has PostgreSQL binaries to start a server with", () => {
        assert.fail(`${MISSING} (CI must run these tests, so this is a failure, not a skip)`)
      })
    })
  } else {
    process.stderr.write(`identity PostgreSQL integration tests skipped: ${MISSING}\n`)
    describe.skip(`identity on PostgreSQL — skipped: ${MISSING}`, () => {
      it("races registrations between processes", () => {})
    })
  }
} else {
  describe("identity on PostgreSQL", () => {
    let server: Server | undefined
    beforeAll(async () => {
      server = await start(bin)
    }, 120_000)
    afterAll(async () => {
      await server?.stop()
    }, 60_000)

    it(`${PROCESSES} repositories register the same product at once, ${ROUNDS} rounds: exactly one wins each`, {
      timeout: 120_000,
    }, async () => {
      if (server === undefined) throw new Error("the PostgreSQL server is not running")
      const config: SqlCatalog.SqlCatalogConfig = {
        _tag: "Postgres",
        host: server.host,
        port: server.port,
        user: server.user,
        database: server.database,
        catalogName: "identity_race",
        maxConnections: 2,
      }
      const pw = server.password
      const contenders = await Promise.all(
        Array.from({ length: PROCESSES }, (_, i) => spawnContender(config, `github.com/acme/repo-${i}`, pw)),
      )
      try {
        for (const [round, outcomes] of (await raceRounds(contenders, ROUNDS)).entries()) {
          assert.strictEqual(outcomes.filter((o) => o === "registered").length, 1, `round ${round}: ${outcomes}`)
          assert.deepStrictEqual(
            outcomes.filter((o) => o !== "registered"),
            Array.from({ length: PROCESSES - 1 }, () => "FLOE-E601"),
            `round ${round}`,
          )
        }
      } finally {
        await Promise.all(contenders.map((c) => c.close()))
      }
    })
  })
}
