// One contender in the multi-process race. Opens the SQLite catalog and prints "ready"; then, for every line
// "go N" on stdin, tries to create the namespace PREFIX+N and prints the outcome ("ok" or the failure's reason tag)
// as one line; exits on end of input. The parent releases all contenders into each round together, so every round
// is a fresh race between processes.
import * as readline from "node:readline"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import { SqlCatalog } from "../src/index.ts"

const [file, prefix, id] = process.argv.slice(2)
if (file === undefined || prefix === undefined || id === undefined) {
  process.stderr.write("usage: race-worker.ts FILE PREFIX ID\n")
  process.exit(2)
}

const program = Effect.gen(function* () {
  const catalog = yield* SqlCatalog.make({ _tag: "Sqlite", path: file })
  const rounds = yield* Queue.unbounded<string, Cause.Done>()
  const lines = readline.createInterface({ input: process.stdin })
  lines.on("line", (line) => Queue.offerUnsafe(rounds, line.replace(/^go /, "")))
  lines.on("close", () => Queue.endUnsafe(rounds))
  yield* Effect.sync(() => process.stdout.write("ready\n"))
  while (true) {
    const round = yield* Effect.option(Queue.take(rounds))
    if (round._tag === "None") return
    const result = yield* Effect.result(catalog.createNamespace([`${prefix}${round.value}`], { owner: id }))
    const outcome = result._tag === "Success" ? "ok" : result.failure.reason._tag
    yield* Effect.sync(() => process.stdout.write(`${outcome}\n`))
  }
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  },
)
