import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// The registry helper of @floe/platform-oci's own integration tests.
import { type Registry, registryAvailable, startRegistry } from "../../../plugins/platform-oci/test/registry-server.ts"
import { capture } from "./support/capture.ts"

const example = fileURLToPath(new URL("../../../examples/customer-360", import.meta.url))

const runCli = (argv: ReadonlyArray<string>, cwd = process.cwd()) => capture(argv, { cwd })

describe("floe platform resolve (files)", () => {
  it("prints the chain Enterprise → Domain with digests and the effective rules", async () => {
    const r = await runCli(["platform", "resolve", "platform/domain-sales.yaml"], example)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Inheritance: acme-enterprise 2.0.0 → sales-domain 1.1.0 → Product  (mode: mesh)")
    expect(r.stdout).toMatch(
      /enterprise +acme-enterprise 2\.0\.0\n {13}.*platform\/enterprise\.yaml\n {13}sha256:[0-9a-f]{64}/,
    )
    expect(r.stdout).toContain("naming:          medallion (strict)")
    expect(r.stdout).toContain("quality gates:   20% coverage, silver 40%, gold 25% (strict)")
    expect(r.stdout).toContain("Platform RESOLVED")
  })

  it("--json gives the chain and the rules", async () => {
    const r = await runCli(["platform", "resolve", "platform/domain-sales.yaml", "--json"], example)
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.resolved).toBe(true)
    expect(out.chain.map((e: { name: string }) => e.name)).toEqual(["sales-domain", "acme-enterprise"])
    expect(out.approved_plugins.compute).toEqual(["duckdb"])
  })

  it("reports a weakening naming both files, and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "floe-cli-platform-"))
    writeFileSync(
      join(dir, "enterprise.yaml"),
      'apiVersion: floe.dev/v1\nkind: Manifest\nmetadata: {name: e, version: "1.0.0", owner: p@example.com}\nscope: enterprise\ngovernance: {naming: {enforcement: strict}}\n',
    )
    writeFileSync(
      join(dir, "domain.yaml"),
      'apiVersion: floe.dev/v1\nkind: Manifest\nmetadata: {name: d, version: "1.0.0", owner: p@example.com}\nscope: domain\nparent: {ref: enterprise.yaml}\ngovernance: {naming: {enforcement: "off"}}\n',
    )
    const r = await runCli(["platform", "resolve", "domain.yaml"], dir)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("error FLOE-E712:")
    expect(r.stdout).toContain(`${join(dir, "domain.yaml")} weakens governance.naming.enforcement`)
    expect(r.stdout).toContain(join(dir, "enterprise.yaml"))
    expect(r.stdout).toContain("Platform resolution FAILED")
  })

  it("refuses a missing file and usage mistakes", async () => {
    const missing = await runCli(["platform", "resolve", "nope.yaml"], example)
    expect(missing.code).toBe(1)
    expect(missing.stdout).toContain("FLOE-E701")
    expect((await runCli(["platform"])).code).toBe(2)
    expect((await runCli(["platform", "pull"])).stderr).toContain("unknown subcommand 'pull'")
    expect((await runCli(["platform", "push", "x.yaml", `oci://r.example.com/p@sha256:${"0".repeat(64)}`])).code).toBe(
      2,
    )
    expect((await runCli(["platform", "resolve", "https://example.com/x"])).code).toBe(2)
  })

  it("push refuses an invalid manifest before touching the network", async () => {
    const dir = mkdtempSync(join(tmpdir(), "floe-cli-platform-"))
    writeFileSync(join(dir, "bad.yaml"), "apiVersion: floe.dev/v1\nkind: Manifest\nscope: enterprise\n")
    const r = await runCli(["platform", "push", "bad.yaml", "oci://127.0.0.1:9/platform:1"], dir)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("FLOE-E111")
    expect(r.stdout).toContain("Push FAILED")
  })
})

describe.skipIf(!registryAvailable())("floe platform push and resolve against docker-registry", () => {
  let registry: Registry
  const saved = process.env["FLOE_PLATFORM_CACHE"]
  let cache = ""
  beforeAll(async () => {
    registry = await startRegistry()
    cache = mkdtempSync(join(tmpdir(), "floe-cli-cache-"))
    process.env["FLOE_PLATFORM_CACHE"] = cache
  })
  afterAll(async () => {
    if (saved === undefined) delete process.env["FLOE_PLATFORM_CACHE"]
    else process.env["FLOE_PLATFORM_CACHE"] = saved
    await registry?.stop()
  })

  it("publishes the customer-360 enterprise manifest, resolves it, and resolves it again offline", async () => {
    const target = `oci://${registry.host}/platform/enterprise:2.0.0`
    const pushed = await runCli(["platform", "push", "platform/enterprise.yaml", target], example)
    expect(pushed.code).toBe(0)
    expect(pushed.stdout).toContain(`✓ Pushed acme-enterprise 2.0.0 (enterprise) to ${target}`)
    const pin = /pin it with: +(\S+)/.exec(pushed.stdout)?.[1] ?? ""
    expect(pin).toMatch(new RegExp(`^oci://${registry.host}/platform/enterprise@sha256:[0-9a-f]{64}$`))

    const resolved = await runCli(["platform", "resolve", target, "--json"])
    expect(resolved.code).toBe(0)
    const out = JSON.parse(resolved.stdout)
    expect(out.mode).toBe("centralized")
    expect(out.chain[0]).toMatchObject({ name: "acme-enterprise", version: "2.0.0", ref: target, resolved: pin })
    expect(existsSync(join(cache, "sha256", out.chain[0].digest.slice("sha256:".length)))).toBe(true)

    const offline = await runCli(["platform", "resolve", pin, "--offline"])
    expect(offline.code).toBe(0)
    expect(offline.stdout).toContain("Platform RESOLVED")
  })
})
