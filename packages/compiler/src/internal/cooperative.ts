/**
 * Runs a synchronous generator of work steps as an Effect that yields to other fibers between steps, so long CPU
 * work (rendering, the manifest) lets the compile-time binding's fiber send the engine its next script.
 */
import * as Effect from "effect/Effect"

/**
 * How long the work runs before it yields (ms). Each yield is a turn of the event loop, where the engine's replies
 * are handled: the binding waits at most about this long for its next step (a wait on the engine can need several
 * turns: a connection back to the pool, the statement, its reply), and a yield costs a few microseconds.
 */
const SLICE_MS = 4

export const runSteps = <A>(start: () => Generator<unknown, A>): Effect.Effect<A> =>
  Effect.suspend(() => {
    const steps = start()
    return Effect.gen(function* () {
      let last = performance.now()
      let step = steps.next()
      while (step.done !== true) {
        const now = performance.now()
        if (now - last >= SLICE_MS) {
          yield* Effect.yieldNow
          last = performance.now()
        }
        step = steps.next()
      }
      return step.value
    })
  })
