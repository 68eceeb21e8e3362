// Stand-in for `floe compile <dir>` while the CLI command is being wired: calls Compiler.compile exactly as the CLI
// does (NodeFileSystem + NodePath layers, write: true, process.env for env_var) and prints the counts.
//   (no flag)    render, graph and manifest only — no compile-time SQL check
//   --bind       also bind every model on a scratch in-memory DuckDB, as `floe compile` does
//   --bind-fast  the same, with describeRelation answered by preparing `SELECT * FROM <relation>` instead of
//                querying information_schema (which scans every table: quadratic in the number of models) —
//                the fix proposed for Binder/DuckDBCompute, measured here without touching either
// Run: node bench/compile/driver.ts <dir> [--bind | --bind-fast]
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Compiler } from "@floe/compiler"
import type { DuckDBCompute } from "@floe/compute-duckdb"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const dir = process.argv[2] ?? "."
const fast = process.argv.includes("--bind-fast")
const bindSql = fast || process.argv.includes("--bind")

/** describeRelation through a prepared statement: one catalog lookup instead of a scan of information_schema. */
type ComputeShape = Effect.Success<ReturnType<typeof DuckDBCompute.make>>

const preparedDescribe = (compute: ComputeShape): ComputeShape => ({
  ...compute,
  describeRelation: (relation) =>
    compute.describeQuery(`SELECT * FROM ${compute.render(relation)}`).pipe(
      // the binder only describes tables it has just created; CTAS columns are always nullable
      Effect.map((columns) => ({ kind: "table" as const, columns: columns.map((c) => ({ ...c, nullable: true })) })),
      Effect.catch(() => Effect.succeed(undefined)),
    ),
})

const program = Effect.scoped(
  Effect.gen(function* () {
    // the CLI's scratch engine: an in-memory DuckDB named like the warehouse, two connections
    // imported only when binding, so the no-binding case does not load DuckDB's native module
    const duckdb = bindSql ? yield* Effect.promise(() => import("@floe/compute-duckdb")) : undefined
    const scratch =
      duckdb === undefined ? undefined : yield* duckdb.DuckDBCompute.make({ database: "warehouse", connections: 2 })
    const compute = scratch !== undefined && fast ? preparedDescribe(scratch) : scratch
    return yield* Compiler.compile(dir, { env: process.env, write: true, compute })
  }),
).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
const r = await Effect.runPromise(program)
const errors = r.diagnostics.filter((d) => d.severity === "error")
console.log(JSON.stringify({ counts: r.counts, manifestPath: r.manifestPath, errors: errors.length }))
if (errors.length > 0) {
  for (const d of errors.slice(0, 10)) console.error(d.code, d.message)
  process.exit(1)
}
