// Queries that run at once share the cores: while k > 1 run, DuckDB's threads are lowered so that the statements'
// own threads plus DuckDB's workers do not exceed the threads the adapter was given; they are restored after.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { DuckDBCompute } from "../src/index.ts"

const threads = "SELECT current_setting('threads') AS n"
// Long enough that the second query starts while the first still runs (a scan, not a sleep).
const slowThreads = "SELECT current_setting('threads') AS n, (SELECT count(*) FROM range(100000000)) AS c"

describe("DuckDB: threads while queries run at once", () => {
  it.effect("lowers DuckDB's threads while two queries run and restores them when none does", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const compute = yield* DuckDBCompute.make({ threads: 2, connections: 2 })
        const seen = (rows: ReadonlyArray<Record<string, unknown>>) => Number(rows[0]?.["n"])
        expect(seen(yield* compute.query(threads))).toBe(2)
        const both = yield* Effect.all([compute.query(slowThreads), compute.query(slowThreads)], { concurrency: 2 })
        // The second started beside the first, so it ran with one thread; the first may have read the setting
        // before or after that (which one is a race, so only the lowered one is certain).
        expect(Math.min(...both.map(seen))).toBe(1)
        expect(seen(yield* compute.query(threads))).toBe(2)
      }),
    ),
  )

  it.effect("leaves DuckDB's threads alone when given one thread", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const compute = yield* DuckDBCompute.make({ threads: 1, connections: 2 })
        const both = yield* Effect.all([compute.query(slowThreads), compute.query(slowThreads)], { concurrency: 2 })
        expect(both.map((r) => Number(r[0]?.["n"]))).toEqual([1, 1])
      }),
    ),
  )
})
