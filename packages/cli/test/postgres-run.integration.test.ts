// The golden demo on PostgreSQL: a platform manifest that chooses `compute: {type: postgres}` makes `floe run` build
// the same product on a real PostgreSQL server (started by the test) with the same row counts and test results as
// on the embedded DuckDB.
import { spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PostgresServer } from "@floe/spec/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const bin = join(import.meta.dirname, "..", "bin", "floe.js")
const example = join(import.meta.dirname, "..", "..", "..", "examples", "customer-360")

const copyDemo = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-pg-demo-"))
  for (const entry of ["floe.yaml", "datacontract.yaml", "platform", "models", "seeds", "tests"])
    cpSync(join(example, entry), join(dir, entry), { recursive: true })
  return dir
}

interface RunJson {
  status: string
  nodes: Array<{ unique_id: string; status: string; rows: number | null }>
  tests: Array<{ unique_id: string; status: string; failures: number | null }>
}

const binaries = PostgresServer.findBinaries()
let server: PostgresServer.Server | undefined

beforeAll(async () => {
  if (binaries === undefined) {
    if (process.env.CI) throw new Error("PostgreSQL binaries are missing: CI must install the postgresql package")
    return
  }
  server = await PostgresServer.start(binaries)
})

afterAll(async () => {
  await server?.stop()
})

describe.skipIf(binaries === undefined && !process.env.CI)("floe run on PostgreSQL, chosen by the platform", () => {
  it("builds the demo with the same rows and test results as DuckDB", () => {
    if (server === undefined) throw new Error("no server")
    const onDuck = copyDemo()
    const onPg = copyDemo()
    const enterprise = join(onPg, "platform", "enterprise.yaml")
    writeFileSync(
      enterprise,
      readFileSync(enterprise, "utf8").replace(
        "compute: { type: duckdb, config: { path: .floe/warehouse.duckdb, threads: 4 } }",
        `compute: { type: postgres, config: { host: "${server.host}", port: ${server.port}, database: ${server.database}, user: ${server.user}, password_env: FLOE_TEST_PG_PASSWORD, schema: customer_360 } }`,
      ),
    )
    const env = { ...process.env, NO_COLOR: "1", FLOE_TEST_PG_PASSWORD: server.password }
    const run = (dir: string) => spawnSync(process.execPath, [bin, "run", dir, "--json"], { encoding: "utf8", env })
    const duck = run(onDuck)
    const pg = run(onPg)
    expect(pg.status, pg.stdout + pg.stderr).toBe(0)
    expect(duck.status).toBe(0)
    const a = JSON.parse(duck.stdout) as RunJson
    const b = JSON.parse(pg.stdout) as RunJson
    const shape = (r: RunJson) => ({
      nodes: r.nodes.map((n) => [n.unique_id, n.status, n.rows]).sort(),
      tests: r.tests.map((t) => [t.unique_id, t.status, t.failures]).sort(),
    })
    expect(shape(b)).toEqual(shape(a))
    expect(b.nodes).toHaveLength(10)
    expect(b.tests.every((t) => t.status === "pass")).toBe(true)

    // The text output names the engine the platform chose; no password is printed.
    const text = spawnSync(process.execPath, [bin, "run", onPg], { encoding: "utf8", env })
    expect(text.stdout).toContain(`Compute: postgres (postgresql://${server.host}:${server.port}/${server.database})`)
    expect(text.stdout).not.toContain(server.password)
  })

  it("without the password variable the run stops with a connection error naming it", () => {
    if (server === undefined) throw new Error("no server")
    const dir = copyDemo()
    const enterprise = join(dir, "platform", "enterprise.yaml")
    writeFileSync(
      enterprise,
      readFileSync(enterprise, "utf8").replace(
        "compute: { type: duckdb, config: { path: .floe/warehouse.duckdb, threads: 4 } }",
        `compute: { type: postgres, config: { host: "${server.host}", port: ${server.port}, database: ${server.database}, user: ${server.user}, password_env: FLOE_TEST_PG_UNSET } }`,
      ),
    )
    const r = spawnSync(process.execPath, [bin, "run", dir], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    })
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/error FLOE-E801: the compute engine cannot be opened: .*FLOE_TEST_PG_UNSET/)
    expect(r.stdout).toContain("Pipeline FAILED: the compute engine cannot be opened")
  })
})
