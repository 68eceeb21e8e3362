import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Compute } from "@floe/spec"
import * as Effect from "effect/Effect"
import { DuckDBCompute } from "../src/index.ts"

describe("DuckDB file databases", () => {
  it.effect("keeps tables across reopening the file", () =>
    Effect.gen(function* () {
      const path = join(mkdtempSync(join(tmpdir(), "floe-duck-")), "warehouse.duckdb")
      const relation = { database: "warehouse", schema: "main", identifier: "kept" }
      yield* Effect.scoped(
        Effect.gen(function* () {
          const compute = yield* DuckDBCompute.make({ path })
          yield* compute.materialize({ kind: "table", relation, sql: "SELECT 7 AS lucky" })
        }),
      )
      const rows = yield* Effect.scoped(
        Effect.gen(function* () {
          const compute = yield* DuckDBCompute.make({ path })
          return yield* compute.query(`SELECT * FROM ${compute.render(relation)}`)
        }),
      )
      expect(rows).toEqual([{ lucky: 7 }])
    }),
  )

  it.effect("reports an unopenable database as a Connection error", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.scoped(DuckDBCompute.make({ path: "/proc/floe-cannot-write-here/x.duckdb" })),
      )
      expect(error).toBeInstanceOf(Compute.ComputeError)
      expect(error.reason).toBe("Connection")
      expect(error.isRetryable).toBe(true)
    }),
  )

  it.effect("names an in-memory database so SQL written for the warehouse binds without touching it", () =>
    Effect.gen(function* () {
      const rows = yield* Effect.scoped(
        Effect.gen(function* () {
          const compute = yield* DuckDBCompute.make({ database: "warehouse", connections: 2 })
          const relation = { database: "warehouse", schema: "main", identifier: "t" }
          yield* compute.materialize({ kind: "table", relation, sql: "SELECT 1 AS a" })
          // every pooled connection uses the named database
          return yield* Effect.all(
            [compute.query('SELECT * FROM "t"'), compute.query("SELECT current_database() AS d")],
            {
              concurrency: 2,
            },
          )
        }),
      )
      expect(rows).toEqual([[{ a: 1 }], [{ d: "warehouse" }]])
    }),
  )

  it("maps DuckDB's error classes to reasons", () => {
    const cases: ReadonlyArray<readonly [string, Compute.ComputeErrorReason]> = [
      ['Parser Error: syntax error at or near "selec"', "Syntax"],
      ['Binder Error: Referenced column "x" not found', "Binder"],
      ["Catalog Error: Table with name nope does not exist!", "NotFound"],
      ["Constraint Error: Duplicate key", "Constraint"],
      ["Conversion Error: Could not convert string 'x' to INT32", "Conversion"],
      ["TransactionContext Error: Catalog write-write conflict on alter", "Conflict"],
      ["INTERRUPT Error: Interrupted!", "Interrupted"],
      ["Out of Memory Error: could not allocate", "Resource"],
      ['IO Error: No files found that match the pattern "x.csv"', "NotFound"],
      ["Something else entirely", "Unknown"],
    ]
    for (const [message, reason] of cases) expect(DuckDBCompute.toComputeError(new Error(message)).reason).toBe(reason)
  })
})
