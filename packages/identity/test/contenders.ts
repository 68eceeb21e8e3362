// Real `node` processes racing to register products (register-worker.ts), released into each round together.
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { SqlCatalog } from "@floe/catalog-sql"

const worker = fileURLToPath(new URL("./register-worker.ts", import.meta.url))

/** A running contender: send it a round, read its outcome line. */
export interface Contender {
  readonly repository: string
  readonly round: (n: number) => Promise<string>
  readonly close: () => Promise<void>
}

export const spawnContender = (
  config: SqlCatalog.SqlCatalogConfig,
  repository: string,
  password?: string,
): Promise<Contender> =>
  new Promise((resolve, reject) => {
    const env = password === undefined ? process.env : { ...process.env, FLOE_TEST_PG_PASSWORD: password }
    const child: ChildProcess = spawn(
      process.execPath,
      ["--no-warnings", worker, JSON.stringify({ ...config, password: undefined }), repository],
      { stdio: ["pipe", "pipe", "pipe"], env },
    )
    const waiting: Array<(line: string) => void> = []
    let buffered = ""
    let err = ""
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString()
      let newline = buffered.indexOf("\n")
      while (newline >= 0) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        waiting.shift()?.(line)
        newline = buffered.indexOf("\n")
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

/**
 * Runs `rounds` rounds of `contenders` registering sales.race_N at once and returns each round's outcomes, in
 * contender order.
 */
export const raceRounds = async (
  contenders: ReadonlyArray<Contender>,
  rounds: number,
): Promise<ReadonlyArray<ReadonlyArray<string>>> => {
  const out: Array<ReadonlyArray<string>> = []
  for (let round = 0; round < rounds; round++) out.push(await Promise.all(contenders.map((c) => c.round(round))))
  return out
}
