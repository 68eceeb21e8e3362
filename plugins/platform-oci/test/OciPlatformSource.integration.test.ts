/**
 * Against a real registry: Debian's docker-registry (CNCF distribution 2.8), started by the test on 127.0.0.1.
 */
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { PlatformRef, type PlatformSource } from "@floe/spec"
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { OciPlatformSource } from "../src/index.ts"
import { type Registry, registryAvailable, startRegistry } from "./registry-server.ts"

const MANIFEST = `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: acme-enterprise, version: "2.0.0", owner: platform@example.com}
scope: enterprise
governance:
  naming: {enforcement: strict, pattern: medallion}
`

const run = <A>(e: Effect.Effect<A, unknown, never>) => Effect.runPromise(e)
const source = (config: OciPlatformSource.Config) =>
  OciPlatformSource.make(config).pipe(Effect.provide(NodeServices.layer))
const oci = (s: string): PlatformRef.OciRef => {
  const r = PlatformRef.parse(s)
  if (r?._tag !== "oci") throw new Error(`not an oci ref: ${s}`)
  return r
}
const failure = async (e: Effect.Effect<unknown, PlatformSource.PlatformSourceError>) => {
  const r = await Effect.runPromise(Effect.result(e))
  if (r._tag === "Success") throw new Error("expected a failure")
  return r.failure
}
const sha = (s: string | Uint8Array) => `sha256:${createHash("sha256").update(s).digest("hex")}`

const available = registryAvailable()

describe.skipIf(!available)("OCI source against docker-registry (anonymous)", () => {
  let registry: Registry
  beforeAll(async () => {
    registry = await startRegistry()
    console.info(`docker-registry ready in ${registry.startupMillis.toFixed(0)} ms`)
  })
  afterAll(async () => {
    await registry?.stop()
  })

  it("pushes by tag, resolves by tag and by digest, and verifies the digest of the bytes", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "floe-oci-cache-"))
    const s = await run(source({ cacheDir }))
    const t0 = performance.now()
    const pushed = await run(s.push(oci(`oci://${registry.host}/platform/enterprise:2.0.0`), MANIFEST))
    const pushMs = performance.now() - t0
    expect(pushed.digest).toBe(sha(MANIFEST))
    expect(pushed.ref).toBe(`oci://${registry.host}/platform/enterprise@${pushed.manifestDigest}`)

    // The registry stored an OCI image manifest with the Floe artifact type.
    const raw = await fetch(`${registry.url}/v2/platform/enterprise/manifests/2.0.0`, {
      headers: { Accept: OciPlatformSource.OCI_MANIFEST },
    })
    const body = new Uint8Array(await raw.arrayBuffer())
    expect(sha(body)).toBe(pushed.manifestDigest)
    const json = JSON.parse(new TextDecoder().decode(body))
    expect(json).toMatchObject({
      mediaType: OciPlatformSource.OCI_MANIFEST,
      artifactType: "application/vnd.floe.platform.manifest.v1+yaml",
      config: { mediaType: "application/vnd.oci.empty.v1+json", size: 2 },
      layers: [{ mediaType: "application/vnd.floe.platform.manifest.v1+yaml", digest: pushed.digest }],
      annotations: { "dev.floe.platform.name": "acme-enterprise", "dev.floe.platform.version": "2.0.0" },
    })

    const fresh = await run(source({ cacheDir: mkdtempSync(join(tmpdir(), "floe-oci-cache-")) }))
    const t1 = performance.now()
    const byTag = await run(fresh.resolve(oci(`oci://${registry.host}/platform/enterprise:2.0.0`), { baseDir: "." }))
    const resolveMs = performance.now() - t1
    expect(byTag).toEqual({ text: MANIFEST, digest: sha(MANIFEST), ref: pushed.ref })
    const byDigest = await run(
      fresh.resolve(oci(`oci://${registry.host}/platform/enterprise@${pushed.manifestDigest}`), { baseDir: "." }),
    )
    expect(byDigest.text).toBe(MANIFEST)
    console.info(`push ${pushMs.toFixed(0)} ms, resolve by tag (cold cache) ${resolveMs.toFixed(0)} ms`)
  })

  it("caches by digest: an offline rerun resolves the tag and the digest", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "floe-oci-cache-"))
    const s = await run(source({ cacheDir }))
    const pushed = await run(s.push(oci(`oci://${registry.host}/platform/cached:1`), MANIFEST))
    await run(s.resolve(oci(`oci://${registry.host}/platform/cached:1`), { baseDir: "." }))
    const hex = pushed.digest.slice("sha256:".length)
    expect(readFileSync(join(cacheDir, "sha256", hex), "utf8")).toBe(MANIFEST)
    expect(existsSync(join(cacheDir, "sha256", pushed.manifestDigest.slice("sha256:".length)))).toBe(true)

    const offline = await run(source({ cacheDir, offline: true }))
    const again = await run(offline.resolve(oci(`oci://${registry.host}/platform/cached:1`), { baseDir: "." }))
    expect(again.text).toBe(MANIFEST)
    expect(again.ref).toBe(pushed.ref)
    const pinned = await run(offline.resolve(oci(pushed.ref), { baseDir: "." }))
    expect(pinned.digest).toBe(pushed.digest)
    // A registry that cannot be reached falls back to the tag remembered in the cache.
    const unreachable = await run(source({ cacheDir, fetch: () => Promise.reject(new TypeError("fetch failed")) }))
    const fallback = await run(unreachable.resolve(oci(`oci://${registry.host}/platform/cached:1`), { baseDir: "." }))
    expect(fallback.ref).toBe(pushed.ref)
    const unknown = await failure(offline.resolve(oci(`oci://${registry.host}/platform/never:1`), { baseDir: "." }))
    expect(unknown.reason._tag).toBe("NotFound")
  })

  it("reports unknown tags and repositories as NotFound, a wrong digest pin as NotFound or DigestMismatch", async () => {
    const s = await run(source({}))
    const missing = await failure(s.resolve(oci(`oci://${registry.host}/platform/nothing:1`), { baseDir: "." }))
    expect(missing.reason._tag).toBe("NotFound")
    const wrong = await failure(
      s.resolve(oci(`oci://${registry.host}/platform/enterprise@sha256:${"0".repeat(64)}`), { baseDir: "." }),
    )
    expect(["NotFound", "DigestMismatch"]).toContain(wrong.reason._tag)
  })

  it("refuses to push a manifest with errors", async () => {
    const s = await run(source({}))
    const bad = await failure(s.push(oci(`oci://${registry.host}/platform/bad:1`), MANIFEST.replace("2.0.0", "two")))
    expect(bad.reason._tag).toBe("InvalidArtifact")
    expect(bad.message).toContain("FLOE-E121")
  })
})

describe.skipIf(!available)("OCI source against docker-registry with htpasswd (basic auth)", () => {
  let registry: Registry
  beforeAll(async () => {
    registry = await startRegistry({ username: "floe", password: "s3cret-pass" })
  })
  afterAll(async () => {
    await registry?.stop()
  })

  it("pushes and resolves with credentials, and reports missing or wrong ones as Unauthorized", async () => {
    const ok = await run(source({ credentials: () => ({ username: "floe", password: "s3cret-pass" }) }))
    const pushed = await run(ok.push(oci(`oci://${registry.host}/platform/secure:1`), MANIFEST))
    const got = await run(ok.resolve(oci(`oci://${registry.host}/platform/secure:1`), { baseDir: "." }))
    expect(got.digest).toBe(pushed.digest)

    const anonymous = await run(source({}))
    const none = await failure(anonymous.resolve(oci(`oci://${registry.host}/platform/secure:1`), { baseDir: "." }))
    expect(none.reason._tag).toBe("Unauthorized")
    expect(none.message).toContain("none are configured")
    const wrong = await run(source({ credentials: () => ({ username: "floe", password: "nope" }) }))
    const refused = await failure(wrong.resolve(oci(`oci://${registry.host}/platform/secure:1`), { baseDir: "." }))
    expect(refused.reason._tag).toBe("Unauthorized")
  })
})
