// The compile pipeline phase by phase (load, build, bind, manifest, stringify, write), in one process, to see which
// phase grows with N. Run: node bench/compile/phases.ts <dbt project dir> [--bind]
// (--bind: also Binder.bind on a scratch in-memory DuckDB with two connections, one thread, bind-only, as `floe compile`
// does)
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Binder, Graph, Manifest, Project } from "@floe/compiler"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const dir = process.argv[2] ?? "."
const layer = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)
const rows: Array<[string, number, number]> = []
let t = performance.now()
const lap = (phase: string) => {
  const now = performance.now()
  rows.push([phase, now - t, process.memoryUsage().heapUsed / 2 ** 20])
  t = now
}
const loaded = await Effect.runPromise(Project.load(dir).pipe(Effect.provide(layer)))
lap("Project.load")
const project = loaded.project
if (project === undefined) throw new Error("no project")
const built = await Effect.runPromise(Graph.build(project, {}))
lap("Graph.build")
if (process.argv.includes("--bind")) {
  const { DuckDBCompute } = await import("@floe/compute-duckdb")
  lap("import duckdb")
  const bound = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const compute = yield* DuckDBCompute.make({ database: "warehouse", connections: 2, threads: 1, bindOnly: true })
        lap("open duckdb")
        return yield* Binder.bind(project, built.graph, compute)
      }),
    ),
  )
  lap(`Binder.bind (${bound.bound} bound, ${bound.columns.size} with columns, ${bound.diagnostics.length} diag)`)
}
const manifest = Manifest.make(project, built.graph, { generatedAt: new Date().toISOString(), invocationId: "x" })
lap("Manifest.make")
const json = JSON.stringify(manifest)
lap("JSON.stringify")
mkdirSync(join(dir, "target"), { recursive: true })
writeFileSync(join(dir, "target", "phases-manifest.json"), json)
lap("write")
for (const [phase, ms, heap] of rows)
  console.log(`${phase.padEnd(16)} ${ms.toFixed(0).padStart(6)} ms   heap ${heap.toFixed(0)} MiB`)
console.log(`manifest ${(json.length / 2 ** 20).toFixed(1)} MiB, ${built.graph.nodes.size} nodes`)
