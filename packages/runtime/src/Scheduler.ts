/**
 * Runs a DAG of nodes with bounded parallelism: a node starts when all its parents have finished; a node whose
 * parent failed (or was skipped) is skipped, and work elsewhere in the graph goes on. Interrupting the schedule
 * interrupts the nodes that are running (compute cancels their statements) and starts nothing new.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Semaphore from "effect/Semaphore"

export type Outcome<R> =
  | { readonly _tag: "Done"; readonly result: R; readonly blocksChildren: boolean }
  | { readonly _tag: "Skipped"; readonly because: string }

export interface Options<R> {
  /** Node ids in any order. */
  readonly nodes: ReadonlyArray<string>
  /** Parents of a node; parents outside `nodes` are ignored (they are not part of this run). */
  readonly parents: (id: string) => ReadonlyArray<string>
  /** At most this many nodes run at once (at least 1). */
  readonly concurrency: number
  /** Runs one node. It must not fail: failures are results that say whether they block the children. */
  readonly run: (id: string) => Effect.Effect<{ readonly result: R; readonly blocksChildren: boolean }>
  /** Called as each node ends (done or skipped), in completion order. */
  readonly onOutcome?: ((id: string, outcome: Outcome<R>) => Effect.Effect<void>) | undefined
}

/**
 * Schedules the DAG and returns every node's outcome. A node skipped because of a failure names the failed node
 * (the nearest one: a skipped parent passes on its own reason). Cycles must be rejected before: a node in a cycle
 * would wait forever.
 */
export const run = <R>(options: Options<R>): Effect.Effect<ReadonlyMap<string, Outcome<R>>> =>
  Effect.gen(function* () {
    const inRun = new Set(options.nodes)
    const done = new Map<string, Deferred.Deferred<Outcome<R>>>()
    for (const id of options.nodes) done.set(id, yield* Deferred.make<Outcome<R>>())
    const permits = yield* Semaphore.make(Math.max(1, options.concurrency))
    const outcomes = new Map<string, Outcome<R>>()

    const settle = (id: string, outcome: Outcome<R>) =>
      Effect.gen(function* () {
        outcomes.set(id, outcome)
        if (options.onOutcome) yield* options.onOutcome(id, outcome)
        const d = done.get(id)
        if (d) yield* Deferred.succeed(d, outcome)
      })

    const node = (id: string) =>
      Effect.gen(function* () {
        const parents = options.parents(id).filter((p) => inRun.has(p) && p !== id)
        for (const p of parents) {
          const d = done.get(p)
          if (d === undefined) continue
          const parent = yield* Deferred.await(d)
          if (parent._tag === "Skipped") return yield* settle(id, { _tag: "Skipped", because: parent.because })
          if (parent.blocksChildren) return yield* settle(id, { _tag: "Skipped", because: p })
        }
        const r = yield* permits.withPermits(1)(options.run(id))
        return yield* settle(id, { _tag: "Done", result: r.result, blocksChildren: r.blocksChildren })
      })

    yield* Effect.forEach(options.nodes, node, { concurrency: "unbounded", discard: true })
    return outcomes
  })
