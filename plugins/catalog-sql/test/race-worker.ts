// One contender in the multi-process race: opens the SQLite catalog, reports "ready", waits for "go" on stdin,
// then tries to create the namespaces PREFIX0 … PREFIX(COUNT-1) one after another and prints, as one JSON line,
// the reason tag of each attempt ("ok" when it created the namespace). Many rounds give the processes many chances
// to overlap, which a single create per process rarely does.
import * as readline from "node:readline"
import * as Effect from "effect/Effect"
import { SqlCatalog } from "../src/index.ts"

const [file, prefix, count, id] = process.argv.slice(2)
if (file === undefined || prefix === undefined || count === undefined || id === undefined) {
  process.stderr.write("usage: race-worker.ts FILE PREFIX COUNT ID\n")
  process.exit(2)
}

const waitForGo = Effect.callback<void>((resume) => {
  const lines = readline.createInterface({ input: process.stdin })
  lines.on("line", (line) => {
    if (line.trim() === "go") {
      lines.close()
      resume(Effect.void)
    }
  })
})

const program = Effect.gen(function* () {
  const catalog = yield* SqlCatalog.make({ _tag: "Sqlite", path: file })
  yield* Effect.sync(() => process.stdout.write("ready\n"))
  yield* waitForGo
  const outcomes: Array<string> = []
  for (let i = 0; i < Number(count); i++) {
    const result = yield* Effect.result(catalog.createNamespace([`${prefix}${i}`], { owner: id }))
    outcomes.push(result._tag === "Success" ? "ok" : result.failure.reason._tag)
  }
  const outcome = { id, outcomes }
  yield* Effect.sync(() => process.stdout.write(`${JSON.stringify(outcome)}\n`))
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  },
)
