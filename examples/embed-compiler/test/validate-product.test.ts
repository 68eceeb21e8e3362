import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { render, validateProduct } from "../src/validate-product.ts"

const here = join(import.meta.dirname, "..")
const examples = join(here, "..")

const script = (...args: Array<string>) =>
  spawnSync(process.execPath, [join(here, "src", "validate-product.ts"), ...args], { cwd: here, encoding: "utf8" })

describe("examples/embed-compiler", () => {
  it("validates the golden demo in-process: four stages, no diagnostics", async () => {
    const report = await validateProduct(join(examples, "customer-360"))
    expect(report.passed).toBe(true)
    expect(report.product).toEqual({ name: "customer-360", version: "1.0.0" })
    expect(report.stages.map((s) => s.index)).toEqual([1, 2, 3, 4])
    expect(report.diagnostics.filter((d) => d.severity === "error")).toEqual([])
    expect(render(report)).toMatch(/customer-360 1\.0\.0: passed\n$/)
  })

  it("the script prints each diagnostic with its file, line and resolution, and exits 1 on failure", () => {
    const failed = script("../governance-failures")
    expect(failed.stderr).toBe("")
    expect(failed.status).toBe(1)
    expect(failed.stdout).toContain("[4/4] Checking platform compliance: FAILED")
    expect(failed.stdout).toMatch(
      /\.\.\/governance-failures\/models\/silver\/stg_payments\.sql:\d+:\d+: error FLOE-E201: /,
    )
    expect(failed.stdout).toMatch(/\n {2}Resolution: /)
    expect(failed.stdout).toMatch(/payments-sandbox 0\.1\.0: failed with \d+ errors\n$/)

    const passed = script("../customer-360")
    expect(passed.status).toBe(0)
    expect(passed.stdout).toMatch(/customer-360 1\.0\.0: passed/)
  })

  it("a missing product is a diagnostic (FLOE-E100), not an exception", async () => {
    const missing = await validateProduct(join(examples, "no-such-product"))
    expect(missing.passed).toBe(false)
    expect(missing.diagnostics.map((d) => d.code)).toContain("FLOE-E100")
  })
})
