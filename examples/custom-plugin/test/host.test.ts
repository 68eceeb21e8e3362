// The adapter wired into a host: @floe/identity's `register` (what `floe compile` runs in stage 2) on the
// FileCatalog — from the host script on the golden demo product, and from node processes racing to claim the same
// product names, where the lock file alone decides: exactly one repository wins each name.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { afterAll } from "vitest"
import { FileCatalog } from "../src/index.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "floe-file-catalog-host-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const here = path.dirname(fileURLToPath(import.meta.url))
const host = path.join(here, "..", "host", "register-product.ts")
const worker = path.join(here, "register-worker.ts")
const customer360 = path.join(here, "..", "..", "customer-360")

describe("host/register-product.ts", () => {
  const register = (catalog: string, ...extra: Array<string>) =>
    spawnSync(process.execPath, ["--no-warnings", host, customer360, catalog, ...extra], { encoding: "utf8" })

  it("registers the golden demo product; again is unchanged; another repository gets FLOE-E601", () => {
    const catalog = path.join(dir, "demo")
    const first = register(catalog)
    assert.strictEqual(first.status, 0, first.stderr)
    assert.match(first.stdout, /^registered sales\.customer_360 in /)
    assert.match(first.stdout, /sales\.customer_360 {2}\S+ {2}github\.com\//)
    const ns = path.join(catalog, "namespaces", "sales", "customer_360", "namespace.json")
    const stored = JSON.parse(fs.readFileSync(ns, "utf8")) as { properties: Record<string, string> }
    assert.strictEqual(stored.properties["floe.product.name"], "customer-360")

    const again = register(catalog)
    assert.strictEqual(again.status, 0, again.stderr)
    assert.match(again.stdout, /^unchanged sales\.customer_360/)

    const other = register(catalog, "--repository", "github.com/someone-else/customer-360")
    assert.strictEqual(other.status, 1)
    assert.match(other.stderr, /FLOE-E601: Namespace 'sales\.customer_360' owned by different repository/)
    assert.match(other.stderr, /Resolution: Choose a different product name or contact the namespace owner/)
  })
})

/** A running contender: send it a round, read its outcome line. */
interface Contender {
  readonly repository: string
  readonly round: (n: number) => Promise<string>
  readonly close: () => Promise<void>
}

const spawnContender = (directory: string, repository: string): Promise<Contender> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ["--no-warnings", worker, directory, repository], {
      stdio: ["pipe", "pipe", "pipe"],
    })
    const waiting: Array<(line: string) => void> = []
    let buffered = ""
    let err = ""
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString()
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        waiting.shift()?.(line)
      }
    })
    const exited = new Promise<number | null>((done) => child.on("close", done))
    void exited.then((code) => {
      if (code !== 0) reject(new Error(`contender ${repository} exited with ${code}: ${err}`))
      for (const w of waiting.splice(0)) w(`exited ${code}: ${err}`)
    })
    const next = () => new Promise<string>((r) => waiting.push(r))
    void next().then((line) => {
      if (line !== "ready") return reject(new Error(`contender ${repository} said ${line}`))
      resolve({
        repository,
        round: (n) => {
          const answer = next()
          child.stdin?.write(`go ${n}\n`)
          return answer
        },
        close: async () => {
          child.stdin?.end()
          await exited
        },
      })
    })
  })

const PROCESSES = 6
const ROUNDS = 10

describe("registration races between node processes on one directory", () => {
  it(`${PROCESSES} repositories register the same product at once, ${ROUNDS} rounds: exactly one wins each`, {
    timeout: 120_000,
  }, async () => {
    const directory = path.join(dir, "race")
    const contenders = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => spawnContender(directory, `github.com/acme/repo-${i}`)),
    )
    try {
      const winners: Array<string> = []
      for (let round = 0; round < ROUNDS; round++) {
        const outcomes = await Promise.all(contenders.map((c) => c.round(round)))
        const won = outcomes.flatMap((o, i) => (o === "registered" ? [contenders[i]?.repository ?? ""] : []))
        assert.strictEqual(won.length, 1, `round ${round}: ${JSON.stringify(outcomes)}`)
        assert.deepStrictEqual(
          outcomes.filter((o) => o !== "registered"),
          Array.from({ length: PROCESSES - 1 }, () => "FLOE-E601"),
          `round ${round}`,
        )
        winners.push(won[0] ?? "")
      }
      const stored = await Effect.runPromise(
        Effect.flatMap(FileCatalog.make({ directory }), (catalog) =>
          Effect.forEach(winners, (_, round) => catalog.loadNamespace(["sales", `race_${round}`])),
        ),
      )
      for (const [round, ns] of stored.entries()) assert.strictEqual(ns.properties["floe.product.repo"], winners[round])
      assert.isFalse(fs.existsSync(path.join(directory, "catalog.lock")), "no lock left behind")
    } finally {
      await Promise.all(contenders.map((c) => c.close()))
    }
  })
})
