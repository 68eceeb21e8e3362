import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { Scheduler } from "../src/index.ts"

// a → b → d, a → c → d, e (independent), f → g
const EDGES: Readonly<Record<string, ReadonlyArray<string>>> = { b: ["a"], c: ["a"], d: ["b", "c"], g: ["f"] }
const NODES = ["d", "g", "c", "b", "a", "e", "f"]
const parents = (id: string) => EDGES[id] ?? []

const yieldTimes = (n: number) => Effect.forEach(Array.from({ length: n }), () => Effect.yieldNow, { discard: true })

describe("Scheduler", () => {
  it.effect("starts a node only after all its parents have finished", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      yield* Scheduler.run({
        nodes: NODES,
        parents,
        concurrency: 3,
        run: (id) =>
          Effect.sync(() => events.push(`start ${id}`)).pipe(
            Effect.andThen(yieldTimes(3)),
            Effect.andThen(Effect.sync(() => events.push(`end ${id}`))),
            Effect.as({ result: id, blocksChildren: false }),
          ),
      })
      for (const [child, ps] of Object.entries(EDGES)) {
        for (const p of ps) expect(events.indexOf(`end ${p}`)).toBeLessThan(events.indexOf(`start ${child}`))
      }
      expect(events.filter((e) => e.startsWith("start"))).toHaveLength(NODES.length)
    }),
  )

  it.effect("never runs more nodes at once than allowed", () =>
    Effect.gen(function* () {
      for (const concurrency of [1, 2, 4]) {
        let running = 0
        let peak = 0
        yield* Scheduler.run({
          nodes: Array.from({ length: 12 }, (_, i) => `n${i}`),
          parents: () => [],
          concurrency,
          run: () =>
            Effect.sync(() => {
              running++
              peak = Math.max(peak, running)
            }).pipe(
              Effect.andThen(yieldTimes(5)),
              Effect.andThen(
                Effect.sync(() => {
                  running--
                }),
              ),
              Effect.as({ result: null, blocksChildren: false }),
            ),
        })
        expect(peak).toBe(concurrency)
      }
    }),
  )

  it.effect("skips the descendants of a failed node, naming it, and goes on elsewhere", () =>
    Effect.gen(function* () {
      const ran: Array<string> = []
      const outcomes = yield* Scheduler.run({
        nodes: NODES,
        parents,
        concurrency: 2,
        run: (id) =>
          Effect.sync(() => {
            ran.push(id)
            return { result: id === "b" ? "error" : "ok", blocksChildren: id === "b" }
          }),
      })
      expect(outcomes.get("d")).toEqual({ _tag: "Skipped", because: "b" })
      expect(outcomes.get("c")).toEqual({ _tag: "Done", result: "ok", blocksChildren: false })
      expect(outcomes.get("b")).toEqual({ _tag: "Done", result: "error", blocksChildren: true })
      expect(ran.sort()).toEqual(["a", "b", "c", "e", "f", "g"])
    }),
  )

  it.effect("passes the original failure down a chain of skips", () =>
    Effect.gen(function* () {
      const outcomes = yield* Scheduler.run({
        nodes: ["x", "y", "z"],
        parents: (id) => (id === "y" ? ["x"] : id === "z" ? ["y"] : []),
        concurrency: 1,
        run: (id) => Effect.succeed({ result: id, blocksChildren: id === "x" }),
      })
      expect(outcomes.get("z")).toEqual({ _tag: "Skipped", because: "x" })
    }),
  )

  it.effect("interrupting stops running nodes and starts nothing new", () =>
    Effect.gen(function* () {
      const started: Array<string> = []
      const fiber = yield* Effect.forkChild(
        Scheduler.run({
          nodes: ["slow", "after"],
          parents: (id) => (id === "after" ? ["slow"] : []),
          concurrency: 2,
          run: (id) =>
            Effect.sync(() => started.push(id)).pipe(
              Effect.andThen(Effect.never),
              Effect.as({ result: id, blocksChildren: false }),
            ),
        }),
      )
      yield* yieldTimes(10)
      yield* Fiber.interrupt(fiber)
      expect(started).toEqual(["slow"])
    }),
  )
})
