// Writes small dbt projects into temp dirs and runs them end to end on a DuckDB file.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Graph, Project } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Compute, type OpenLineage } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Run } from "../../src/index.ts"

export const writeProject = (
  files: Readonly<Record<string, string>>,
  dir = mkdtempSync(join(tmpdir(), "floe-run-")),
): string => {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true })
    writeFileSync(join(dir, rel), text)
  }
  return dir
}

export interface Harness {
  readonly dir: string
  readonly events: Array<OpenLineage.RunEvent>
  readonly progress: Array<Run.Progress>
}

/** Loads and builds the project in `dir`, then runs it with a DuckDB file at `<dir>/.floe/warehouse.duckdb`. */
export const runProject = (
  h: Harness,
  extra: Partial<Pick<Run.Options, "selected" | "fullRefresh" | "threads" | "warnError" | "fuseTests">> = {},
  /** Sees every statement the run sends through `Compute.query`. */
  onQuery?: (sql: string) => void,
) =>
  Effect.gen(function* () {
    const loaded = yield* Project.load(h.dir)
    if (loaded.project === undefined) return yield* Effect.die(new Error(JSON.stringify(loaded.diagnostics)))
    const built = yield* Graph.build(loaded.project)
    const errors = [...loaded.diagnostics, ...built.diagnostics].filter((d) => d.severity === "error")
    if (errors.length > 0) return yield* Effect.die(new Error(JSON.stringify(errors)))
    const transport: OpenLineage.LineageTransportShape = {
      emit: (e) =>
        Effect.sync(() => {
          h.events.push(e)
        }),
    }
    const emitter: Run.Options["emitter"] = {
      emit: (e) => transport.emit(e).pipe(Effect.orDie),
      flush: () => Effect.void,
      dropped: () => 0,
    }
    return yield* Run.run({
      project: loaded.project,
      graph: built.graph,
      threads: 2,
      dir: h.dir,
      namespace: "sales.shop",
      productName: "shop",
      floeVersion: "0.1.0",
      emitter,
      onProgress: (e) =>
        Effect.sync(() => {
          h.progress.push(e)
        }),
      ...extra,
    })
  }).pipe(
    Effect.scoped,
    Effect.provide(
      Layer.mergeAll(
        Layer.effect(
          Compute.Compute,
          Effect.map(
            DuckDBCompute.make({ path: join(h.dir, ".floe", "warehouse.duckdb") }),
            (c): Compute.ComputeShape =>
              onQuery === undefined
                ? c
                : {
                    ...c,
                    query: (sql) => {
                      onQuery(sql)
                      return c.query(sql)
                    },
                  },
          ),
        ),
        NodeFileSystem.layer,
        NodePath.layer,
      ),
    ),
  )

export const harness = (files: Readonly<Record<string, string>>): Harness => {
  const dir = writeProject({ "dbt_project.yml": "name: shop\nversion: '1.0.0'\nprofile: shop\n", ...files })
  mkdirSync(join(dir, ".floe"), { recursive: true })
  return { dir, events: [], progress: [] }
}

/** Rows of a relation in the warehouse of `dir`. */
export const rows = (dir: string, sql: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const compute = yield* DuckDBCompute.make({ path: join(dir, ".floe", "warehouse.duckdb") })
      return yield* compute.query(sql)
    }),
  )
