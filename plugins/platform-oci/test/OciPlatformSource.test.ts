/**
 * The bearer-token flow and tampering, against a small node:http registry on 127.0.0.1 that issues the
 * `WWW-Authenticate: Bearer` challenge as Docker Hub, GHCR and Harbor do.
 */
import { createHash } from "node:crypto"
import { createServer, type Server } from "node:http"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { PlatformRef, type PlatformSource } from "@floe/spec"
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { OciPlatformSource } from "../src/index.ts"

const MANIFEST = `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: acme, version: "1.0.0", owner: platform@example.com}
scope: enterprise
`
const sha = (s: string | Uint8Array) => `sha256:${createHash("sha256").update(s).digest("hex")}`
const BLOB = new TextEncoder().encode(MANIFEST)
const ociManifest = (layerDigest: string, mediaType = OciPlatformSource.ARTIFACT_TYPE) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OciPlatformSource.OCI_MANIFEST,
    artifactType: mediaType,
    config: { mediaType: OciPlatformSource.OCI_EMPTY, digest: sha("{}"), size: 2 },
    layers: [{ mediaType, digest: layerDigest, size: BLOB.byteLength }],
  })

let server: Server
let host = ""
const tokenRequests: Array<{ auth: string | undefined; scope: string | null; service: string | null }> = []

beforeAll(async () => {
  const good = ociManifest(sha(BLOB))
  const tampered = ociManifest(sha(BLOB))
  const notFloe = ociManifest(sha(BLOB), "application/vnd.example.other+json")
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`)
    if (url.pathname === "/token") {
      tokenRequests.push({
        auth: req.headers.authorization,
        scope: url.searchParams.get("scope"),
        service: url.searchParams.get("service"),
      })
      if (req.headers.authorization !== `Basic ${Buffer.from("robot:pw").toString("base64")}`) {
        res.writeHead(401).end()
        return
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token: "tok-123" }))
      return
    }
    if (req.headers.authorization !== "Bearer tok-123") {
      res
        .writeHead(401, {
          "WWW-Authenticate": `Bearer realm="http://${host}/token",service="test-registry",scope="repository:${url.pathname.split("/")[2]}:pull"`,
        })
        .end()
      return
    }
    const routes: Record<string, string | Uint8Array> = {
      "/v2/good/manifests/1": good,
      [`/v2/good/blobs/${sha(BLOB)}`]: BLOB,
      "/v2/tampered/manifests/1": tampered,
      [`/v2/tampered/blobs/${sha(BLOB)}`]: new TextEncoder().encode(MANIFEST.replace("acme", "evil")),
      "/v2/other/manifests/1": notFloe,
    }
    const body = routes[url.pathname]
    if (body === undefined) {
      res.writeHead(404).end()
      return
    }
    const headers: Record<string, string> = { "Content-Type": OciPlatformSource.OCI_MANIFEST }
    // A registry that lies about the manifest digest.
    if (url.pathname === "/v2/good/manifests/1") headers["Docker-Content-Digest"] = sha(good)
    res.writeHead(200, headers).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  host = `127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const oci = (s: string): PlatformRef.OciRef => {
  const r = PlatformRef.parse(s)
  if (r?._tag !== "oci") throw new Error(s)
  return r
}
const source = (config: OciPlatformSource.Config) =>
  Effect.runPromise(OciPlatformSource.make(config).pipe(Effect.provide(NodeServices.layer)))
const failure = async (e: Effect.Effect<unknown, PlatformSource.PlatformSourceError>) => {
  const r = await Effect.runPromise(Effect.result(e))
  if (r._tag === "Success") throw new Error("expected a failure")
  return r.failure
}

describe("OCI source: bearer tokens, digests, artifact type", () => {
  it("answers the Bearer challenge at the token endpoint with basic credentials and reuses the token", async () => {
    tokenRequests.length = 0
    const s = await source({ credentials: () => ({ username: "robot", password: "pw" }) })
    const got = await Effect.runPromise(s.resolve(oci(`oci://${host}/good:1`), { baseDir: "." }))
    expect(got.text).toBe(MANIFEST)
    expect(got.digest).toBe(sha(BLOB))
    expect(tokenRequests).toEqual([
      {
        auth: `Basic ${Buffer.from("robot:pw").toString("base64")}`,
        scope: "repository:good:pull",
        service: "test-registry",
      },
    ])
  })

  it("uses a fixed bearer token without asking the token endpoint", async () => {
    tokenRequests.length = 0
    const s = await source({ credentials: () => ({ token: "tok-123" }) })
    const got = await Effect.runPromise(s.resolve(oci(`oci://${host}/good:1`), { baseDir: "." }))
    expect(got.text).toBe(MANIFEST)
    expect(tokenRequests).toEqual([])
  })

  it("reports a refused token request as Unauthorized", async () => {
    const anonymous = await source({})
    const e = await failure(anonymous.resolve(oci(`oci://${host}/good:1`), { baseDir: "." }))
    expect(e.reason._tag).toBe("Unauthorized")
    expect(e.message).toContain("anonymous access")
  })

  it("refuses a blob whose bytes do not match its digest, and an artifact of another type", async () => {
    const s = await source({ credentials: () => ({ token: "tok-123" }) })
    const tampered = await failure(s.resolve(oci(`oci://${host}/tampered:1`), { baseDir: "." }))
    expect(tampered.reason._tag).toBe("DigestMismatch")
    const other = await failure(s.resolve(oci(`oci://${host}/other:1`), { baseDir: "." }))
    expect(other.reason._tag).toBe("InvalidArtifact")
    expect(other.message).toContain("not a Floe platform manifest")
    const pinned = await failure(s.resolve(oci(`oci://${host}/good@sha256:${"1".repeat(64)}`), { baseDir: "." }))
    expect(pinned.reason._tag).toBe("NotFound")
  })

  it("reports a registry that cannot be reached as Unavailable (retryable)", async () => {
    const s = await source({ fetch: () => Promise.reject(new TypeError("fetch failed")) })
    const e = await failure(s.resolve(oci("oci://127.0.0.1:9/x:1"), { baseDir: "." }))
    expect(e.reason._tag).toBe("Unavailable")
    expect(e.isRetryable).toBe(true)
  })

  it("parses WWW-Authenticate challenges", () => {
    expect(
      OciPlatformSource.parseChallenge(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull"',
      ),
    ).toEqual({
      scheme: "bearer",
      params: {
        realm: "https://auth.example.com/token",
        service: "registry.example.com",
        scope: "repository:a/b:pull",
      },
    })
    expect(OciPlatformSource.parseChallenge('Basic realm="x"')).toEqual({ scheme: "basic", params: { realm: "x" } })
  })
})
