/**
 * Starts Debian's `docker-registry` (the CNCF distribution registry) on 127.0.0.1 with a free port and a temp
 * directory, optionally with htpasswd (basic) authentication. Without the binary the caller skips, except under CI,
 * where a missing binary is a failure.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const REGISTRY_BIN = process.env["FLOE_DOCKER_REGISTRY"] ?? "/usr/bin/docker-registry"
export const HTPASSWD_BIN = "/usr/bin/htpasswd"

/** Whether the registry binary is installed; under CI its absence throws so the suite fails instead of skipping. */
export const registryAvailable = (): boolean => {
  const ok = existsSync(REGISTRY_BIN)
  if (!ok && process.env["CI"]) {
    throw new Error(`${REGISTRY_BIN} is missing: CI installs Debian's docker-registry package (see .ci/run)`)
  }
  return ok
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface Registry {
  readonly host: string
  readonly url: string
  readonly dir: string
  /** Milliseconds from spawn to the first answer of GET /v2/. */
  readonly startupMillis: number
  readonly stop: () => Promise<void>
}

/** Starts a registry; with `auth`, htpasswd (bcrypt, made with `htpasswd -B`) for that user. */
export const startRegistry = async (auth?: { username: string; password: string }): Promise<Registry> => {
  const dir = mkdtempSync(join(tmpdir(), "floe-registry-"))
  const port = await freePort()
  let authBlock = ""
  if (auth !== undefined) {
    if (!existsSync(HTPASSWD_BIN)) {
      if (process.env["CI"]) throw new Error(`${HTPASSWD_BIN} is missing: CI installs apache2-utils (see .ci/run)`)
      throw new Error("htpasswd (apache2-utils) is not installed")
    }
    const made = spawnSync(HTPASSWD_BIN, ["-Bbn", auth.username, auth.password], { encoding: "utf8" })
    if (made.status !== 0) throw new Error(`htpasswd failed: ${made.stderr}`)
    writeFileSync(join(dir, "htpasswd"), made.stdout)
    authBlock = `auth:\n  htpasswd: {realm: floe-test, path: ${join(dir, "htpasswd")}}\n`
  }
  writeFileSync(
    join(dir, "config.yml"),
    `version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: ${join(dir, "data")}}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:${port}
${authBlock}`,
  )
  const started = performance.now()
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", "ignore", "pipe"],
  })
  let stderr = ""
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString()
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const url = `http://127.0.0.1:${port}`
  // Bounded readiness poll: up to 20,000 HTTP attempts, each waiting for the registry's answer or refusal.
  let ready = false
  for (let attempt = 0; attempt < 20_000 && !ready && child.exitCode === null; attempt++) {
    try {
      const r = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) })
      ready = r.status === 200 || r.status === 401
    } catch {
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
  if (!ready) {
    child.kill("SIGKILL")
    throw new Error(`docker-registry did not start on ${url}: ${stderr}`)
  }
  const startupMillis = performance.now() - started
  return {
    host: `127.0.0.1:${port}`,
    url,
    dir,
    startupMillis,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM")
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
