// One contender in the multi-process registration race. Opens the FileCatalog in argv[2] and prints "ready"; then,
// for every line "go N" on stdin, registers the product sales.race_N from repository argv[3] with @floe/identity
// and prints the outcome as one line: the action ("registered", "updated", "unchanged") or the diagnostic code.
import * as readline from "node:readline"
import { Identity } from "@floe/identity"
import { Catalog } from "@floe/spec"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import { FileCatalog } from "../src/index.ts"

const [directory, repository] = process.argv.slice(2)
if (directory === undefined || repository === undefined) {
  process.stderr.write("usage: register-worker.ts DIRECTORY REPOSITORY\n")
  process.exit(2)
}

const program = Effect.gen(function* () {
  const catalog = yield* FileCatalog.make({ directory })
  const rounds = yield* Queue.unbounded<string, Cause.Done>()
  const lines = readline.createInterface({ input: process.stdin })
  lines.on("line", (line) => Queue.offerUnsafe(rounds, line.replace(/^go /, "")))
  lines.on("close", () => Queue.endUnsafe(rounds))
  yield* Effect.sync(() => process.stdout.write("ready\n"))
  while (true) {
    const round = yield* Effect.option(Queue.take(rounds))
    if (round._tag === "None") return
    const result = yield* Effect.result(
      Identity.register({
        productId: `sales.race_${round.value}`,
        name: `race-${round.value}`,
        domain: "sales",
        owner: `${repository.replaceAll("/", "-")}@example.com`,
        repository,
        version: "1.0.0",
      }).pipe(Effect.provideService(Catalog.Catalog, catalog)),
    )
    const outcome = result._tag === "Success" ? result.success.action : result.failure.code
    yield* Effect.sync(() => process.stdout.write(`${outcome}\n`))
  }
})

Effect.runPromise(program).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  },
)
