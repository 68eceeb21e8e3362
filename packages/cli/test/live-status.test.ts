// The live status line, drawn on a fake terminal (a Writable with isTTY and columns) with time from TestClock:
// the frames it writes, and the screen they leave — which must be exactly what a pipe would have received.
import { join } from "node:path"
import { Writable } from "node:stream"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/testing/TestClock"
import { run } from "../src/Cli.ts"
import * as LiveStatus from "../src/LiveStatus.ts"
import { capture } from "./support/capture.ts"

const { ERASE } = LiveStatus

/** A terminal as the CLI sees `process.stdout`: a TTY with a width, recording every write. */
class FakeTTY extends Writable {
  readonly isTTY = true
  columns = 100
  readonly writes: Array<string> = []
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.writes.push(chunk.toString())
    done()
  }
  /** The visible lines after every write: `\r` + erase-line clears the current line, `\n` starts the next. */
  screen(): Array<string> {
    const done: Array<string> = []
    let current = ""
    const all = this.writes.join("")
    for (let i = 0; i < all.length; ) {
      if (all.startsWith(ERASE, i)) {
        current = ""
        i += ERASE.length
      } else {
        const ch = all.charAt(i)
        if (ch === "\n") {
          done.push(current)
          current = ""
        } else current += ch
        i += 1
      }
    }
    return [...done, current]
  }
  /** Everything written since the last call. */
  private seen = 0
  fresh(): Array<string> {
    const out = this.writes.slice(this.seen)
    this.seen = this.writes.length
    return out
  }
}

/** Starts a live line on a fresh fake terminal in a scope the test closes itself. */
const start = (options: Partial<LiveStatus.Options> & { columns?: number } = {}) =>
  Effect.gen(function* () {
    const tty = new FakeTTY()
    if (options.columns !== undefined) tty.columns = options.columns
    const scope = yield* Scope.make()
    const live = yield* LiveStatus.make({
      terminal: tty,
      color: false,
      title: "Compiling",
      showAfter: "1 second",
      interval: "100 millis",
      ...options,
    }).pipe(Scope.provide(scope))
    return { tty, live, close: Scope.close(scope, Exit.void) }
  })

describe("LiveStatus", () => {
  it.effect("a stage shorter than showAfter draws nothing: the output is what a pipe gets", () =>
    Effect.gen(function* () {
      const { tty, live, close } = yield* start()
      yield* TestClock.adjust("900 millis")
      live.print("[1/7] Resolving platform\n")
      yield* TestClock.adjust("50 millis")
      yield* close
      assert.deepStrictEqual(tty.writes, ["[1/7] Resolving platform\n"])
    }),
  )

  it.effect("after showAfter: a spinner frame with the elapsed time, redrawn in place every interval", () =>
    Effect.gen(function* () {
      const { tty, close } = yield* start()
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(tty.fresh(), [`${ERASE}⠋ Compiling 1.0s`])
      yield* TestClock.adjust("300 millis")
      assert.deepStrictEqual(tty.fresh(), [
        `${ERASE}⠙ Compiling 1.1s`,
        `${ERASE}⠹ Compiling 1.2s`,
        `${ERASE}⠸ Compiling 1.3s`,
      ])
      assert.deepStrictEqual(tty.screen(), ["⠸ Compiling 1.3s"])
      yield* close
      assert.deepStrictEqual(tty.fresh(), [ERASE], "closing erases the line")
      assert.deepStrictEqual(tty.screen(), [""])
    }),
  )

  it.effect("printed lines go above the line: erased, written, drawn again; nothing of it stays at the end", () =>
    Effect.gen(function* () {
      const { tty, live, close } = yield* start()
      yield* TestClock.adjust("1200 millis")
      tty.fresh()
      live.print("[1/7] Resolving platform\n  ✓ Platform resolved\n")
      assert.deepStrictEqual(tty.fresh(), [
        ERASE,
        "[1/7] Resolving platform\n  ✓ Platform resolved\n",
        "⠹ Compiling 1.2s",
      ])
      assert.deepStrictEqual(tty.screen(), ["[1/7] Resolving platform", "  ✓ Platform resolved", "⠹ Compiling 1.2s"])
      yield* live.onStage({ index: 1, total: 7, title: "Resolving platform" })
      assert.deepStrictEqual(tty.screen().at(-1), "", "a new stage hides the line until it too lasts showAfter")
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(tty.screen().at(-1), "⠹ Compiling: stage 2 of 7 1.0s")
      live.print("[2/7] Product identity\n")
      yield* live.onStage({ index: 7, total: 7, title: "Writing artifacts" })
      yield* TestClock.adjust("1500 millis")
      assert.deepStrictEqual(tty.screen().at(-1), "⠧ Compiling: finishing 1.5s")
      yield* close
      assert.deepStrictEqual(tty.screen(), [
        "[1/7] Resolving platform",
        "  ✓ Platform resolved",
        "[2/7] Product identity",
        "",
      ])
    }),
  )

  it.effect("printing an unfinished line (as Ctrl-C does before its message) erases the line until the next tick", () =>
    Effect.gen(function* () {
      const { tty, live, close } = yield* start()
      yield* TestClock.adjust("1 second")
      tty.fresh()
      live.print("")
      assert.deepStrictEqual(tty.fresh(), [ERASE, ""])
      assert.deepStrictEqual(tty.screen(), [""])
      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(tty.fresh(), [`${ERASE}⠙ Compiling 1.1s`])
      yield* close
    }),
  )

  it.effect("floe run's events: what is running, how many are done, then the tests", () =>
    Effect.gen(function* () {
      const { tty, live, close } = yield* start({ title: "Starting runtime" })
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(tty.screen().at(-1), "⠋ Starting runtime 1.0s")
      yield* live.onRun({ _tag: "RunStarted", runId: "r1", models: 4, tests: 2 })
      yield* live.onRun({ _tag: "NodeStarted", uniqueId: "seed.p.raw", name: "raw_orders" })
      yield* live.onRun({ _tag: "NodeStarted", uniqueId: "model.p.a", name: "bronze_orders" })
      yield* TestClock.adjust("1200 millis")
      assert.deepStrictEqual(
        tty.screen().at(-1),
        "⠹ Executing transforms 1.2s · 2 running: raw_orders, bronze_orders · 0/4 done",
      )
      yield* live.onRun({ _tag: "NodeFinished", outcome: outcome("raw_orders", "success") })
      assert.deepStrictEqual(
        tty.screen().at(-1),
        "⠹ Executing transforms 1.2s · 1 running: bronze_orders · 1/4 done",
        "an event redraws at once",
      )
      yield* live.onRun({ _tag: "NodeFinished", outcome: outcome("bronze_orders", "error") })
      for (const name of ["silver_a", "silver_b", "silver_c", "silver_d"])
        yield* live.onRun({ _tag: "NodeStarted", uniqueId: `model.p.${name}`, name })
      assert.deepStrictEqual(
        tty.screen().at(-1),
        "⠹ Executing transforms 1.2s · 4 running: silver_a, silver_b, silver_c +1 · 2/4 done, 1 failed",
      )
      yield* live.onRun({ _tag: "TestsStarted", count: 2 })
      yield* TestClock.adjust("2 seconds")
      yield* live.onRun({ _tag: "TestFinished", outcome: {} as never })
      assert.deepStrictEqual(tty.screen().at(-1), "⠹ Running quality checks 2.0s · 1/2 tests")
      yield* live.stage("Validating contracts")
      yield* TestClock.adjust("1100 millis")
      assert.deepStrictEqual(tty.screen().at(-1), "⠸ Validating contracts 1.1s")
      yield* close
      assert.deepStrictEqual(tty.screen(), [""])
    }),
  )

  it.effect("the line never reaches the last column: cut with …, and follows a resized window", () =>
    Effect.gen(function* () {
      const { tty, live, close } = yield* start({ columns: 30, title: "Starting runtime" })
      yield* live.onRun({ _tag: "NodeStarted", uniqueId: "model.p.a", name: "a_model_with_a_long_name" })
      yield* TestClock.adjust("1 second")
      const line = tty.screen().at(-1) ?? ""
      assert.strictEqual(line, "⠋ Executing transforms 1.0s …")
      assert.strictEqual(Array.from(line).length, 29)
      tty.columns = 200
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(tty.screen().at(-1), "⠙ Executing transforms 1.1s · 1 running: a_model_with_a_long_name")
      tty.columns = 0 // a terminal that does not know its size: 80 columns
      yield* live.onRun({ _tag: "NodeStarted", uniqueId: "model.p.b", name: "b".repeat(60) })
      assert.strictEqual(Array.from(tty.screen().at(-1) ?? "").length, 79)
      yield* close
    }),
  )

  it.effect("with colour: a cyan spinner and a dim tail; without (NO_COLOR): no colour codes at all", () =>
    Effect.gen(function* () {
      const coloured = yield* start({ color: true })
      const plain = yield* start({ color: false })
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(coloured.tty.fresh(), [`${ERASE}\u001b[36m⠋\u001b[39m Compiling\u001b[2m 1.0s\u001b[22m`])
      const written = plain.tty.writes.join("")
      assert.notMatch(written.replaceAll(ERASE, ""), /\u001b/)
      yield* coloured.close
      yield* plain.close
    }),
  )
})

const outcome = (name: string, status: "success" | "error") =>
  ({ uniqueId: `model.p.${name}`, name, status, seconds: 0.1 }) as never

describe("LiveStatus.wanted: only on a terminal, never with --json or --quiet, never on TERM=dumb", () => {
  const tty = new FakeTTY()
  const flags = { json: false, quiet: false }
  it("decides", () => {
    assert.isTrue(LiveStatus.wanted(tty, flags, {}))
    assert.isTrue(LiveStatus.wanted(tty, flags, { NO_COLOR: "1" }), "NO_COLOR only takes the colour away")
    assert.isFalse(LiveStatus.wanted(undefined, flags, {}))
    assert.isFalse(LiveStatus.wanted({ isTTY: false, write: () => true }, flags, {}), "a pipe")
    assert.isFalse(LiveStatus.wanted(tty, { json: true, quiet: false }, {}))
    assert.isFalse(LiveStatus.wanted(tty, { json: false, quiet: true }, {}))
    assert.isFalse(LiveStatus.wanted(tty, flags, { TERM: "dumb" }))
  })
})

describe("the CLI on a terminal", () => {
  const repo = join(import.meta.dirname, "..", "..", "..")
  /** Runs the CLI with stdout and the terminal being one fake TTY, as the binary does with process.stdout. */
  const onTerminal = async (argv: ReadonlyArray<string>) => {
    const tty = new FakeTTY()
    let stderr = ""
    const code = await run(argv, {
      stdout: (s) => tty.write(s),
      stderr: (s) => {
        stderr += s
      },
      color: false,
      cwd: repo,
      terminal: tty,
    })
    await new Promise((resolve) => setImmediate(resolve))
    return { code, tty, stderr }
  }
  const product = join(repo, "examples", "customer-360")
  const times = (s: string) => s.replace(/\(\d+(\.\d+)?m?s(, from cache)?\)/g, "(…)")

  it("floe validate: the screen ends exactly as the piped output", { timeout: 60_000 }, async () => {
    const piped = await capture(["validate", product], { cwd: repo })
    const shown = await onTerminal(["validate", product])
    assert.strictEqual(shown.code, 0, shown.stderr)
    assert.strictEqual(piped.code, 0)
    assert.strictEqual(times(shown.tty.screen().join("\n")), times(piped.stdout))
  })

  it("--json on a terminal: one JSON document, no status line", { timeout: 60_000 }, async () => {
    const shown = await onTerminal(["validate", product, "--json"])
    const written = shown.tty.writes.join("")
    assert.notInclude(written, ERASE)
    assert.strictEqual((JSON.parse(written) as { passed: boolean }).passed, true)
  })
})
