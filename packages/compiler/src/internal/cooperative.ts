/**
 * Runs a synchronous generator of work steps as an Effect that yields to other fibers between steps, so long CPU
 * work (rendering, the manifest) lets the compile-time binding's fiber send the engine its next script.
 */
import * as Effect from "effect/Effect"

export const runSteps = <A>(start: () => Generator<unknown, A>): Effect.Effect<A> =>
  Effect.suspend(() => {
    const steps = start()
    return Effect.gen(function* () {
      let step = steps.next()
      while (step.done !== true) {
        yield* Effect.yieldNow
        step = steps.next()
      }
      return step.value
    })
  })
