// examples/customer-360 end to end on PostgreSQL through the runtime, compared with the same run on DuckDB: every
// seed and model succeeds with the same row counts, and every test has the same status and failure count. Starts
// its own PostgreSQL (PostgresServer from @floe/spec/testing); under CI a missing server is a failure, not a skip.
import { cpSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, expect, it } from "@effect/vitest"
import { Compiler } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Run } from "@floe/runtime"
import { Compute, Loader } from "@floe/spec"
import { PostgresServer } from "@floe/spec/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll } from "vitest"
import { PostgresCompute } from "../src/index.ts"

const { findBinaries, start } = PostgresServer
type Server = PostgresServer.Server

const bin = findBinaries()
const EXAMPLE = resolve(import.meta.dirname, "../../../examples/customer-360")
const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

let server: Server | undefined

/** Compiles the example for `target` in a fresh copy and runs it on `compute`. */
const runExample = (
  target: { readonly type: string; readonly database: string; readonly schema: string },
  compute: Layer.Layer<Compute.Compute, Compute.ComputeError>,
) =>
  Effect.gen(function* () {
    const dir = mkdtempSync(join(tmpdir(), `floe-c360-${target.type}-`))
    cpSync(EXAMPLE, dir, {
      recursive: true,
      filter: (src) => !/node_modules|[/\\]target$|[/\\]\.floe$/.test(src),
    })
    const loaded = yield* Loader.loadProduct(dir)
    const product = loaded.value
    if (product === undefined) return assert.fail(`the example does not load: ${JSON.stringify(loaded.diagnostics)}`)
    const compiled = yield* Compiler.compile(dir, { product, target, env: {} })
    if (compiled.project === undefined || compiled.graph === undefined) {
      return assert.fail(`the example does not compile: ${JSON.stringify(compiled.diagnostics)}`)
    }
    const { project, graph } = compiled
    const runOnce = () =>
      Run.run({
        project,
        graph,
        threads: 4,
        renderOptions: { target, env: {} },
        dir,
        namespace: "sales.customer_360",
        productName: product.metadata.name,
        floeVersion: "test",
      })
    const result = yield* runOnce()
    // a second run takes the incremental path (silver_transactions merges on its unique key)
    const again = yield* runOnce()
    // the mart itself, row for row
    const engine = yield* Compute.Compute
    const gold = [...graph.nodes.values()].find((n) => n.name === "gold_customer_360")
    const mart =
      gold === undefined
        ? []
        : yield* engine.query(
            `SELECT * FROM ${engine.render({ database: gold.database, schema: gold.schema, identifier: gold.alias })} ORDER BY customer_id`,
          )
    return { result, again, mart }
  }).pipe(Effect.provide(Layer.merge(compute, platform)))

const summary = (result: Run.Result) => ({
  status: result.status,
  nodes: Object.fromEntries(
    [...result.nodes].sort((a, b) => a.name.localeCompare(b.name)).map((n) => [n.name, [n.status, n.rows]]),
  ),
  tests: Object.fromEntries(
    [...result.tests].sort((a, b) => a.name.localeCompare(b.name)).map((t) => [t.name, [t.status, t.failures]]),
  ),
})

if (bin === undefined) {
  if (process.env["CI"] && process.env["CI"] !== "false") {
    describe("customer-360 on PostgreSQL", () => {
      it("has PostgreSQL binaries to start a server with", () => {
        assert.fail("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (CI must run these tests)")
      })
    })
  } else {
    describe.skip("customer-360 on PostgreSQL — skipped: no PostgreSQL binaries", () => {
      it("runs the example", () => {})
    })
  }
} else {
  describe("customer-360 on PostgreSQL", () => {
    beforeAll(async () => {
      server = await start(bin)
    }, 120_000)
    afterAll(async () => {
      await server?.stop()
    }, 60_000)

    it.live(
      "builds every seed and model with DuckDB's row counts and test results, twice (the second run incremental)",
      () =>
        Effect.gen(function* () {
          const s = server as Server
          const {
            result: duck,
            again: duckAgain,
            mart: duckMart,
          } = yield* runExample(
            { type: "duckdb", database: "warehouse", schema: "main" },
            DuckDBCompute.layer({ database: "warehouse", connections: 4 }),
          )
          const {
            result: pg,
            again: pgAgain,
            mart: pgMart,
          } = yield* runExample(
            { type: "postgres", database: s.database, schema: "public" },
            PostgresCompute.layer({
              host: s.host,
              port: s.port,
              user: s.user,
              database: s.database,
              password: Redacted.make(s.password),
            }),
          )
          const failures = pg.nodes.filter((n) => n.status !== "success").map((n) => `${n.name}: ${n.message}`)
          const testErrors = pg.tests.filter((t) => t.status === "error").map((t) => `${t.name}: ${t.message}`)
          expect({ failures, testErrors }).toEqual({ failures: [], testErrors: [] })
          console.log(JSON.stringify({ pg: summary(pg), duck: summary(duck) }, null, 1))
          expect(summary(pg)).toEqual(summary(duck))
          expect(summary(pgAgain)).toEqual(summary(duckAgain))
          expect(pgAgain.status).toBe("success")
          expect(pg.nodes.length).toBeGreaterThan(0)
          expect(pg.tests.length).toBeGreaterThan(0)
          expect(pgMart).toHaveLength(500)
          expect(pgMart).toEqual(duckMart)
        }),
      240_000,
    )
  })
}
