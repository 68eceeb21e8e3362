import { spawn, spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const bin = join(import.meta.dirname, "..", "bin", "floe.js")
const example = join(import.meta.dirname, "..", "..", "..", "examples", "customer-360")

/** A fresh copy of the golden demo product (sources only: no .floe/ or target/). */
const copyDemo = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-serve-"))
  for (const entry of ["floe.yaml", "datacontract.yaml", "platform", "models", "seeds", "tests"])
    cpSync(join(example, entry), join(dir, entry), { recursive: true })
  return dir
}

const floe = (...args: Array<string>) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })

// The schedule itself (DST, overlap, catch-up, drain/cancel) is tested with TestClock in @floe/orchestrator-local;
// here the CLI is checked end to end without waiting for a real tick.
describe("floe serve", () => {
  it("--once-now runs one tick through floe run's pipeline and logs start, result, duration and next run", () => {
    const dir = copyDemo()
    const r = floe("serve", dir, "--once-now")
    expect(r.status, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain("▶ Run started")
    expect(r.stdout).toContain("[2/4] Executing transforms")
    expect(r.stdout).toMatch(/✓ Run succeeded in [\d.]+m?s: 10 nodes, 17 tests/)
    expect(r.stdout).toMatch(/Next run: \d{4}-\d\d-\d\d 06:00 Europe\/London \(0[56]:00Z\)/)
    expect(existsSync(join(dir, ".floe", "warehouse.duckdb"))).toBe(true)
  })

  it("--json prints one event per line", () => {
    const dir = copyDemo()
    const r = floe("serve", dir, "--once-now", "--json")
    expect(r.status, r.stdout + r.stderr).toBe(0)
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; status?: string; at?: string })
    expect(events.map((e) => e.event)).toEqual(["run_started", "run_finished", "next_run"])
    expect(events[1]?.status).toBe("success")
    const next = new Date(events[2]?.at ?? "")
    expect([5, 6]).toContain(next.getUTCHours())
  })

  it("fails with exit 1 when the product has no schedule", () => {
    const dir = copyDemo()
    const yaml = readFileSync(join(dir, "floe.yaml"), "utf8").replace(/schedule:\n(?: {2}.*\n)+/, "")
    writeFileSync(join(dir, "floe.yaml"), yaml)
    const r = floe("serve", dir)
    expect(r.status, r.stdout + r.stderr).toBe(1)
    expect(r.stderr).toContain("no schedule")
  })

  it("waits for the next tick and stops cleanly on Ctrl-C", async () => {
    const dir = copyDemo()
    const child = spawn(process.execPath, [bin, "serve", dir], { env: { ...process.env, NO_COLOR: "1" } })
    let stdout = ""
    let signalled = false
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString()
        if (!signalled && stdout.includes("Next run:")) {
          signalled = true
          child.kill("SIGINT")
        }
      })
      child.on("exit", (c) => resolve(c))
    })
    expect(code, stdout).toBe(0)
    expect(stdout).toContain("Serving")
    expect(stdout).toContain("on 0 6 * * * (Europe/London)")
    expect(stdout).toContain("Stopped after 0 runs (0 skipped)")
  })

  it("rejects an unknown --catch-up policy as a usage error", () => {
    const r = floe("serve", ".", "--catch-up", "always")
    expect(r.status).toBe(2)
  })
})
