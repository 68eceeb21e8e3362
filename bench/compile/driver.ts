// `Compiler.compile(dir)` as the CLI's dbt stage calls it (NodeFileSystem + NodePath layers, write: true, process.env
// for env_var), for profiling and the bench cases; prints the counts.
//   (no flag)  render, graph and manifest only — no compile-time SQL check
//   --bind     also bind every model on a scratch in-memory DuckDB (two connections, one thread, bind-only), as
//              `floe compile` (whose file system, unlike this one's, reads files synchronously)
// Run: node bench/compile/driver.ts <dir> [--bind]
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Compiler } from "@floe/compiler"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const dir = process.argv[2] ?? "."
const bindSql = process.argv.includes("--bind")

const program = Effect.scoped(
  Effect.gen(function* () {
    // the CLI's scratch engine: an in-memory DuckDB named like the warehouse, two connections, one thread, bind-only
    // imported only when binding, so the no-binding case does not load DuckDB's native module
    const duckdb = bindSql ? yield* Effect.promise(() => import("@floe/compute-duckdb")) : undefined
    const scratch =
      duckdb === undefined
        ? undefined
        : yield* duckdb.DuckDBCompute.make({ database: "warehouse", connections: 2, threads: 1, bindOnly: true })
    return yield* Compiler.compile(dir, { env: process.env, write: true, compute: scratch })
  }),
).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
const r = await Effect.runPromise(program)
const errors = r.diagnostics.filter((d) => d.severity === "error")
console.log(JSON.stringify({ counts: r.counts, manifestPath: r.manifestPath, errors: errors.length }))
if (errors.length > 0) {
  for (const d of errors.slice(0, 10)) console.error(d.code, d.message)
  process.exit(1)
}
