// A throwaway PostgreSQL server for the integration tests, from the Debian `postgresql` package's binaries:
// initdb into a temporary directory, listen on 127.0.0.1 at a free port with the unix socket in that directory,
// stop and delete everything afterwards. PostgreSQL refuses to run as root, so under root the commands run as the
// `postgres` user (which the Debian package creates) and the directory is handed to it.
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

/** The newest `/usr/lib/postgresql/<version>/bin` holding initdb and pg_ctl, or undefined. */
export const findBinaries = (): string | undefined => {
  const root = "/usr/lib/postgresql"
  if (!fs.existsSync(root)) return undefined
  const versions = fs
    .readdirSync(root)
    .filter(
      (v) => fs.existsSync(path.join(root, v, "bin", "initdb")) && fs.existsSync(path.join(root, v, "bin", "pg_ctl")),
    )
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
  const newest = versions[0]
  return newest === undefined ? undefined : path.join(root, newest, "bin")
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface Server {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly database: string
  readonly stop: () => Promise<void>
}

/**
 * Starts a server with password (SCRAM) authentication over TCP for the superuser `postgres`, whose password is
 * returned. Rejects with the server log when it does not come up.
 */
export const start = async (bin: string): Promise<Server> => {
  const asRoot = process.getuid?.() === 0
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "floe-pg-"))
  const data = path.join(dir, "data")
  const log = path.join(dir, "server.log")
  const password = `pw-${globalThis.crypto.randomUUID()}`
  const pwfile = path.join(dir, "pwfile")
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 })
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"])
    const { stdout: gid } = await run("id", ["-g", "postgres"])
    const uid = Number(stdout.trim())
    fs.chownSync(dir, uid, Number(gid.trim()))
    fs.chownSync(pwfile, uid, Number(gid.trim()))
  }
  const pg = (tool: string, args: ReadonlyArray<string>) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", path.join(bin, tool), ...args], { cwd: dir })
      : run(path.join(bin, tool), [...args], { cwd: dir })

  await pg("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    `--pwfile=${pwfile}`,
    "--auth-host=scram-sha-256",
    "--auth-local=trust",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
    "--no-instructions",
  ])
  const port = await freePort()
  // fsync off: these databases are thrown away; it changes durability on power loss, not transaction semantics.
  const options = `-p ${port} -h 127.0.0.1 -k ${dir} -c fsync=off -c max_connections=200`
  try {
    await pg("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start"])
  } catch (error) {
    const serverLog = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "(no log)"
    fs.rmSync(dir, { recursive: true, force: true })
    throw new Error(`PostgreSQL did not start: ${String(error)}\n${serverLog}`)
  }
  return {
    host: "127.0.0.1",
    port,
    user: "postgres",
    password,
    database: "postgres",
    stop: async () => {
      try {
        await pg("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
