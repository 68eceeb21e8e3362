// PostgreSQL integration: starts a real server from the Debian `postgresql` package (PostgresServer from @floe/spec/testing) and runs
// the compute conformance suite and PostgreSQL-specific tests against it. CI installs the package; there a missing
// server is a failure, not a skip.
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, expect, it } from "@effect/vitest"
import { EngineTypes } from "@floe/contracts"
import type { Compute } from "@floe/spec"
import { ComputeConformance, PostgresServer } from "@floe/spec/testing"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll } from "vitest"
import { PostgresCompute } from "../src/index.ts"

const { findBinaries, start } = PostgresServer
type Server = PostgresServer.Server

const bin = findBinaries()
const MISSING =
  "no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; install them with `apt-get install postgresql`"

let server: Server | undefined

const config = (overrides: Partial<PostgresCompute.Config> = {}): PostgresCompute.Config => {
  if (server === undefined) throw new Error("the PostgreSQL server is not running")
  return {
    host: server.host,
    port: server.port,
    user: server.user,
    database: server.database,
    password: Redacted.make(server.password),
    ...overrides,
  }
}

// A query that runs for minutes: a nested loop over 10^10 rows, checking for cancellation as it goes.
const SLOW = "SELECT count(*) AS n FROM generate_series(1, 100000) a, generate_series(1, 100000) b"

/** Runs `f` with a compute of its own on the test server. */
const withCompute = <A, E>(
  f: (compute: PostgresCompute.PostgresComputeShape, schema: string) => Effect.Effect<A, E>,
  overrides: Partial<PostgresCompute.Config> = {},
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const compute = yield* PostgresCompute.make(config(overrides))
      const schema = `floe_pg_${Math.random().toString(36).slice(2, 8)}`
      yield* compute.ensureSchema({ schema })
      return yield* f(compute, schema)
    }),
  )

if (bin === undefined) {
  if (process.env["CI"] && process.env["CI"] !== "false") {
    describe("PostgresCompute", () => {
      it("has PostgreSQL binaries to start a server with", () => {
        assert.fail(`${MISSING} (CI must run these tests, so this is a failure, not a skip)`)
      })
    })
  } else {
    process.stderr.write(`PostgresCompute integration tests skipped: ${MISSING}\n`)
    describe.skip(`PostgresCompute — skipped: ${MISSING}`, () => {
      it("runs the conformance suite against a real server", () => {})
    })
  }
} else {
  describe("PostgresCompute", () => {
    beforeAll(async () => {
      server = await start(bin)
    }, 120_000)
    afterAll(async () => {
      await server?.stop()
    }, 60_000)

    // Built lazily (when the suite's layer is built), after beforeAll has started the server.
    ComputeConformance.suite(
      "postgres",
      Layer.unwrap(Effect.sync(() => PostgresCompute.layer(config({ connections: 4 })))),
      {
        slowQuery: SLOW,
        integerTypes: ["INTEGER", "BIGINT"],
        stringTypes: ["TEXT", "CHARACTER VARYING"],
      },
    )

    it.live("loads seeds through COPY with inferred and declared types", () =>
      withCompute((compute, schema) =>
        Effect.gen(function* () {
          const dir = mkdtempSync(join(tmpdir(), "floe-pg-seed-"))
          const file = join(dir, "s.csv")
          writeFileSync(
            file,
            [
              "small,big,ratio,flag,day,at,label,empty,code",
              '1,9000000000,1.5,TRUE,2024-01-02,2024-01-02 03:04:05,"quoted, with comma",,007',
              '2,-1,2,false,2024-02-29,2024-02-29T23:59:59.5,"say ""hi""",,010',
              "3,,,,,,,,",
              "",
            ].join("\r\n"),
          )
          const relation = { schema, identifier: "typed" }
          expect(yield* compute.loadCsv({ relation, file, columnTypes: { CODE: "varchar(3)" } })).toEqual({ rows: 3 })
          const info = yield* compute.describeRelation(relation)
          expect(Object.fromEntries((info?.columns ?? []).map((c) => [c.name, c.type]))).toEqual({
            small: "integer",
            big: "bigint",
            ratio: "double precision",
            flag: "boolean",
            day: "date",
            at: "timestamp without time zone",
            label: "text",
            empty: "text",
            code: "character varying(3)",
          })
          const rows = yield* compute.query(`SELECT * FROM ${compute.render(relation)} ORDER BY small`)
          expect(rows[0]).toEqual({
            small: 1,
            big: 9000000000,
            ratio: 1.5,
            flag: true,
            day: new Date("2024-01-02T00:00:00Z"),
            at: new Date("2024-01-02T03:04:05Z"),
            label: "quoted, with comma",
            empty: null,
            code: "007",
          })
          expect(rows[1]?.label).toBe('say "hi"')
          expect(rows[2]).toMatchObject({ small: 3, big: null, flag: null, label: null })
          // a tab-delimited reload replaces the table
          writeFileSync(file, "a\tb\nx\t1\n")
          expect(yield* compute.loadCsv({ relation, file, delimiter: "\t" })).toEqual({ rows: 1 })
          expect(yield* compute.query(`SELECT * FROM ${compute.render(relation)}`)).toEqual([{ a: "x", b: 1 }])
        }),
      ),
    )

    it.live("describeQuery binds without executing", () =>
      withCompute((compute, schema) =>
        Effect.gen(function* () {
          // fails when run, binds fine
          expect(
            yield* compute.describeQuery("SELECT 1/0 AS boom, 'a'::varchar(5) AS v, 1.5::numeric(10,2) AS n"),
          ).toEqual([
            { name: "boom", type: "integer" },
            { name: "v", type: "character varying(5)" },
            { name: "n", type: "numeric(10,2)" },
          ])
          // a statement with side effects is not run
          const t = compute.render({ schema, identifier: "side" })
          yield* compute.execute(`CREATE TABLE ${t} (id integer)`)
          expect(yield* compute.describeQuery(`INSERT INTO ${t} VALUES (1) RETURNING id`)).toEqual([
            { name: "id", type: "integer" },
          ])
          expect(yield* compute.describeQuery(`DELETE FROM ${t}`)).toEqual([])
          expect(yield* compute.query(`SELECT count(*) AS n FROM ${t}`)).toEqual([{ n: 0 }])
          // a slow query describes at once
          const started = Date.now()
          yield* compute.describeQuery(SLOW)
          expect(Date.now() - started).toBeLessThan(10_000)
        }),
      ),
    )

    it.live("every type PostgreSQL reports maps to an ODCS logical type", () =>
      withCompute((compute) =>
        Effect.gen(function* () {
          const cols = yield* compute.describeQuery(
            `SELECT 1::smallint AS i2, 1::integer AS i4, 1::bigint AS i8, 1.5::real AS f4, 1.5::double precision AS f8,
                    1.5::numeric(12,3) AS num, 'a'::text AS t, 'a'::varchar(9) AS vc, 'a'::char(2) AS ch, true AS b,
                    DATE '2024-01-01' AS d, TIMESTAMP '2024-01-01 00:00' AS ts, now() AS tstz, TIME '01:02' AS tm,
                    '{}'::jsonb AS j, gen_random_uuid() AS u, ARRAY[1, 2] AS arr, '1 day'::interval AS iv, '\\x00'::bytea AS by`,
          )
          const logical = Object.fromEntries(
            cols.map((c) => [c.name, EngineTypes.toLogical(c.type)?.logicalType ?? `unmapped ${c.type}`]),
          )
          expect(logical).toEqual({
            i2: "integer",
            i4: "integer",
            i8: "integer",
            f4: "number",
            f8: "number",
            num: "number",
            t: "string",
            vc: "string",
            ch: "string",
            b: "boolean",
            d: "date",
            ts: "timestamp",
            tstz: "timestamp",
            tm: "time",
            j: "string",
            u: "string",
            arr: "array",
            iv: "string",
            by: "string",
          })
        }),
      ),
    )

    it.live("statement_timeout fails a long statement with Timeout, retryable", () =>
      withCompute(
        (compute) =>
          Effect.gen(function* () {
            const error = yield* Effect.flip(compute.query(SLOW))
            expect(error.reason).toBe("Timeout")
            expect(error.isRetryable).toBe(true)
            expect(yield* compute.query("SELECT 1 AS ok")).toEqual([{ ok: 1 }])
          }),
        { statementTimeout: "300 millis", connections: 1 },
      ),
    )

    it.live("interruption cancels the running statement on the server", () =>
      withCompute(
        (compute) =>
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(compute.query(SLOW))
            yield* Effect.sleep("300 millis")
            const exit = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
            assert.isTrue(Exit.isFailure(exit))
            // nothing of ours still runs on the server, and the single pooled connection is free again
            const active = yield* compute.query(
              "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%generate_series(1, 100000)%' AND pid <> pg_backend_pid()",
            )
            expect(active).toEqual([{ n: 0 }])
          }),
        { connections: 1 },
      ),
    )

    it.live("merge with a composite key and predicates; schemas created concurrently", () =>
      withCompute((compute, schema) =>
        Effect.gen(function* () {
          yield* Effect.forEach(Array.from({ length: 8 }), () => compute.ensureSchema({ schema: "raced" }), {
            concurrency: "unbounded",
          })
          const relation = { schema, identifier: "mk" }
          const incremental = (sql: string, predicates?: ReadonlyArray<string>): Compute.Materialization => ({
            kind: "incremental",
            relation,
            sql,
            strategy: "merge",
            uniqueKey: ["k1", "k2"],
            onSchemaChange: "ignore",
            fullRefresh: false,
            predicates,
          })
          yield* compute.materialize(
            incremental("SELECT 1 AS k1, 'a' AS k2, 'old' AS v UNION ALL SELECT 1, 'b', 'old'"),
          )
          const r = yield* compute.materialize(
            incremental("SELECT 1 AS k1, 'b' AS k2, 'new' AS v UNION ALL SELECT 2, 'a', 'new'"),
          )
          expect(r).toMatchObject({ action: "incremental", rows: 2 })
          // a predicate that excludes k2 = 'a' from matching: that row is inserted again rather than updated
          yield* compute.materialize(
            incremental("SELECT 1 AS k1, 'a' AS k2, 'pred' AS v", [`floe_dest.${compute.quote("k2")} <> 'a'`]),
          )
          expect(yield* compute.query(`SELECT * FROM ${compute.render(relation)} ORDER BY k1, k2, v`)).toEqual([
            { k1: 1, k2: "a", v: "old" },
            { k1: 1, k2: "a", v: "pred" },
            { k1: 1, k2: "b", v: "new" },
            { k1: 2, k2: "a", v: "new" },
          ])
        }),
      ),
    )

    it.live(
      "an interrupted build cancels the running CREATE and keeps the table; dependent views are kept across rebuilds",
      () =>
        withCompute(
          (compute, schema) =>
            Effect.gen(function* () {
              const t = { schema, identifier: "kept" }
              yield* compute.materialize({ kind: "table", relation: t, sql: "SELECT 1 AS n" })
              const fiber = yield* Effect.forkChild(
                compute.materialize({ kind: "table", relation: t, sql: `SELECT * FROM (${SLOW}) AS slow` }),
              )
              yield* Effect.sleep("300 millis")
              yield* Fiber.interrupt(fiber)
              expect(yield* compute.query(`SELECT * FROM ${compute.render(t)}`)).toEqual([{ n: 1 }])
              // a view over a view: replacing the inner one (even with other columns) succeeds
              const inner = { schema, identifier: "inner_v" }
              const outer = { schema, identifier: "outer_v" }
              yield* compute.materialize({ kind: "view", relation: inner, sql: "SELECT 1 AS a" })
              yield* compute.materialize({
                kind: "view",
                relation: outer,
                sql: `SELECT a FROM ${compute.render(inner)}`,
              })
              yield* compute.materialize({ kind: "view", relation: inner, sql: "SELECT 2 AS a, 'x' AS b" })
              expect(yield* compute.query(`SELECT * FROM ${compute.render(inner)}`)).toEqual([{ a: 2, b: "x" }])
              // the dependent view was re-created over the new one
              expect(yield* compute.query(`SELECT * FROM ${compute.render(outer)}`)).toEqual([{ a: 2 }])
              // a table with a view over it (and a view over that): rebuilt, both views kept
              const base = { schema, identifier: "base_t" }
              const mid = { schema, identifier: "mid_v" }
              const top = { schema, identifier: "top_v" }
              yield* compute.materialize({ kind: "table", relation: base, sql: "SELECT 1 AS a, 1 AS gone" })
              yield* compute.materialize({ kind: "view", relation: mid, sql: `SELECT a FROM ${compute.render(base)}` })
              yield* compute.materialize({
                kind: "view",
                relation: top,
                sql: `SELECT a + 1 AS b FROM ${compute.render(mid)}`,
              })
              const gone = { schema, identifier: "gone_v" }
              yield* compute.materialize({
                kind: "view",
                relation: gone,
                sql: `SELECT gone FROM ${compute.render(base)}`,
              })
              yield* compute.materialize({ kind: "table", relation: base, sql: "SELECT 5 AS a" })
              expect(yield* compute.query(`SELECT * FROM ${compute.render(top)}`)).toEqual([{ b: 6 }])
              // a view reading a column the new table lacks no longer binds: it stays dropped, the build succeeds
              expect(yield* compute.describeRelation(gone)).toBeUndefined()
              // seeds reloads keep dependents too
              const dir = mkdtempSync(join(tmpdir(), "floe-pg-dep-"))
              const file = join(dir, "s.csv")
              writeFileSync(file, "a\n1\n")
              const seed = { schema, identifier: "seed_t" }
              yield* compute.loadCsv({ relation: seed, file })
              const overSeed = { schema, identifier: "over_seed" }
              yield* compute.materialize({
                kind: "view",
                relation: overSeed,
                sql: `SELECT a FROM ${compute.render(seed)}`,
              })
              writeFileSync(file, "a\n7\n")
              yield* compute.loadCsv({ relation: seed, file })
              expect(yield* compute.query(`SELECT * FROM ${compute.render(overSeed)}`)).toEqual([{ a: 7 }])
            }),
          { connections: 2 },
        ),
    )

    it.live("maps SQLSTATEs to reasons", () =>
      withCompute((compute, schema) =>
        Effect.gen(function* () {
          const reason = (sql: string) => Effect.flip(compute.execute(sql)).pipe(Effect.map((e) => e.reason))
          const t = compute.render({ schema, identifier: "k" })
          yield* compute.execute(`CREATE TABLE ${t} (id integer PRIMARY KEY)`)
          yield* compute.execute(`INSERT INTO ${t} VALUES (1)`)
          expect(yield* compute.query("SELECT 1 AS a; SELECT 2 AS b")).toEqual([{ b: 2 }])
          expect(yield* compute.query(`UPDATE ${t} SET id = id`)).toEqual([])
          expect(yield* reason("SELEC 1")).toBe("Syntax")
          expect(yield* reason(`SELECT * FROM ${compute.render({ schema, identifier: "nope" })}`)).toBe("NotFound")
          expect(yield* reason(`SELECT nope FROM ${t}`)).toBe("Binder")
          expect(yield* reason(`INSERT INTO ${t} VALUES (1)`)).toBe("Constraint")
          expect(yield* reason("SELECT 'x'::integer")).toBe("Conversion")
          expect(yield* reason("SELECT 1/0")).toBe("Conversion")
          const cases: ReadonlyArray<readonly [string, Compute.ComputeErrorReason]> = [
            ["40001", "Conflict"],
            ["40P01", "Conflict"],
            ["08006", "Connection"],
            ["53100", "Resource"],
            ["XX000", "Unknown"],
          ]
          for (const [code, expected] of cases) {
            expect(PostgresCompute.toComputeError(Object.assign(new Error("x"), { code })).reason).toBe(expected)
          }
        }),
      ),
    )

    it.live("models land in the configured schema; a wrong password is a Connection error", () =>
      Effect.gen(function* () {
        const rows = yield* withCompute(
          (compute) =>
            Effect.gen(function* () {
              expect(compute.schema).toBe("landing")
              yield* compute.ensureSchema({ schema: "landing" })
              yield* compute.execute("CREATE TABLE unqualified AS SELECT 1 AS x")
              return yield* compute.query(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'unqualified'",
              )
            }),
          { schema: "landing" },
        )
        expect(rows).toEqual([{ table_schema: "landing" }])
        const error = yield* Effect.flip(
          Effect.scoped(PostgresCompute.make(config({ password: Redacted.make("wrong") }))),
        )
        expect(error.reason).toBe("Connection")
        expect(error.message).not.toContain(server?.password ?? "?")
      }),
    )

    it.effect("reads the password from the variable password_env names", () =>
      Effect.gen(function* () {
        const cfg = yield* PostgresCompute.fromManifest(
          { host: "db", port: "5433", user: "u", password_env: "PG_PW", schema: "marts" },
          { PG_PW: "secret" },
        )
        expect(cfg.port).toBe(5433)
        expect(cfg.password && Redacted.value(cfg.password)).toBe("secret")
        expect(String(cfg.password)).not.toContain("secret")
        const missing = yield* Effect.flip(PostgresCompute.fromManifest({ password_env: "PG_PW" }, {}))
        expect(missing.message).toMatch(/PG_PW/)
        const timed = yield* PostgresCompute.fromManifest({ statement_timeout: "30 minutes" }, {})
        expect(timed.statementTimeout && Duration.toMillis(timed.statementTimeout)).toBe(1_800_000)
        expect((yield* PostgresCompute.fromManifest({ statement_timeout: 5000 }, {})).statementTimeout).toBeDefined()
        const bad = yield* Effect.flip(PostgresCompute.fromManifest({ statement_timeout: "soon" }, {}))
        expect(bad.message).toMatch(/statement_timeout/)
        const inline = yield* Effect.flip(
          PostgresCompute.fromManifest({ password: "oops" } as PostgresCompute.ManifestConfig, {}),
        )
        expect(inline.message).toMatch(/password_env/)
      }),
    )
  })
}
