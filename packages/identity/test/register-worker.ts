// One contender in the multi-process registration race. Opens the catalog described by the JSON in argv[2] (a
// SqlCatalog config; a PostgreSQL password arrives in FLOE_TEST_PG_PASSWORD) and prints "ready"; then, for every
// line "go N" on stdin, registers the product sales.race_N from repository argv[3] and prints the outcome as one
// line: the action ("registered", "updated", "unchanged") or the diagnostic code. Exits on end of input.
import * as readline from "node:readline"
import { SqlCatalog } from "@floe/catalog-sql"
import { Catalog } from "@floe/spec"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import { Identity } from "../src/index.ts"

const [configJson, repository] = process.argv.slice(2)
if (configJson === undefined || repository === undefined) {
  process.stderr.write("usage: register-worker.ts CONFIG_JSON REPOSITORY\n")
  process.exit(2)
}
const parsed = JSON.parse(configJson) as SqlCatalog.SqlCatalogConfig
const password = process.env["FLOE_TEST_PG_PASSWORD"]
const config: SqlCatalog.SqlCatalogConfig =
  parsed._tag === "Postgres" && password !== undefined ? { ...parsed, password: Redacted.make(password) } : parsed

const program = Effect.gen(function* () {
  const catalog = yield* SqlCatalog.make(config)
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

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  },
)
