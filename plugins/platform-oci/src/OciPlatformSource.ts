/**
 * Platform manifests as OCI artifacts. Resolves `oci://host[:port]/repository[:tag]` and `oci://…@sha256:<digest>`
 * through the OCI distribution API, verifies every digest, keeps what it read in a cache addressed by digest (so a
 * rerun works offline, tags included), and publishes manifests with `push`.
 *
 * The artifact (OCI image manifest, image-spec 1.1 artifact guidance):
 * ```json
 * { "schemaVersion": 2,
 *   "mediaType": "application/vnd.oci.image.manifest.v1+json",
 *   "artifactType": "application/vnd.floe.platform.manifest.v1+yaml",
 *   "config": { "mediaType": "application/vnd.oci.empty.v1+json", "digest": "sha256:44136f…", "size": 2 },
 *   "layers": [ { "mediaType": "application/vnd.floe.platform.manifest.v1+yaml", "digest": "sha256:…",
 *                 "size": 812, "annotations": { "org.opencontainers.image.title": "platform.yaml" } } ],
 *   "annotations": { "dev.floe.platform.name": "acme-enterprise", "dev.floe.platform.version": "2.0.0" } }
 * ```
 * The one layer holds the manifest YAML. When reading, an artifact whose config has the Floe media type (the
 * OCI 1.0 style some tools write) is accepted too.
 *
 * Authentication: anonymous; HTTP basic; bearer tokens through the registry's `WWW-Authenticate: Bearer
 * realm=…,service=…,scope=…` challenge (the token endpoint is asked with the basic credentials when there are
 * some, anonymously otherwise); or a fixed bearer token.
 *
 * Cache layout under `cacheDir` (default `~/.cache/floe/platforms`): `sha256/<hex>` holds every manifest and blob
 * by digest; `tags/<registry>/<repository>/<tag>` holds the manifest digest a tag pointed at when last read.
 */
import { createHash } from "node:crypto"
import { Document, PlatformRef, PlatformSource } from "@floe/spec"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"

export const ARTIFACT_TYPE = PlatformSource.MANIFEST_MEDIA_TYPE
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json"
const EMPTY_CONFIG = new TextEncoder().encode("{}")
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024
const MAX_BLOB_BYTES = 1024 * 1024

/** Credentials for one registry. Secrets come from the environment or a credential helper, never from files. */
export type Credentials = { readonly username: string; readonly password: string } | { readonly token: string }

export interface Config {
  /** Where the digest-addressed cache lives; no cache when undefined. */
  readonly cacheDir?: string | undefined
  /** Credentials for a registry (`host[:port]`), or undefined for anonymous access. */
  readonly credentials?: ((registry: string) => Credentials | undefined) | undefined
  /**
   * Registries spoken to over plain HTTP. Default: loopback hosts (`localhost`, `127.0.0.1`, `[::1]`) only, as
   * container tools do; every other registry is HTTPS.
   */
  readonly plainHttp?: ReadonlyArray<string> | undefined
  /** Never touch the network: resolve from the cache only. */
  readonly offline?: boolean | undefined
  /** Per request; default 30 seconds. */
  readonly timeoutMillis?: number | undefined
  /** The fetch implementation (tests, proxies); default the global one. */
  readonly fetch?: typeof globalThis.fetch | undefined
}

/** What `push` published. */
export interface Pushed {
  /** `sha256:…` of the OCI manifest: the digest a product pins. */
  readonly manifestDigest: string
  /** `sha256:…` of the manifest YAML (the layer). */
  readonly digest: string
  /** `oci://host/repo@sha256:<manifest digest>`. */
  readonly ref: string
  readonly size: number
}

export interface OciPlatformSource extends PlatformSource.PlatformSourceShape {
  /**
   * Publishes the manifest YAML `text` at `ref` (a tag): uploads the layer and the empty config blob (monolithic
   * POST + PUT, skipped when the registry has them), then PUTs the OCI manifest by tag. Refuses a manifest with
   * errors (`InvalidArtifact`). Fails with `PlatformSourceError`.
   */
  readonly push: (ref: PlatformRef.OciRef, text: string) => Effect.Effect<Pushed, PlatformSource.PlatformSourceError>
}

/** `$XDG_CACHE_HOME/floe/platforms`, or `~/.cache/floe/platforms`. */
export const defaultCacheDir = (env: Readonly<Record<string, string | undefined>>, home: string): string =>
  `${env["XDG_CACHE_HOME"] || `${home}/.cache`}/floe/platforms`

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`

/** Splits a `WWW-Authenticate` header into its scheme and parameters. */
export const parseChallenge = (
  header: string,
): { readonly scheme: string; readonly params: Readonly<Record<string, string>> } | undefined => {
  const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header)
  if (m === null) return undefined
  const params: Record<string, string> = {}
  const re = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/g
  const rest = m[2] ?? ""
  for (let p = re.exec(rest); p !== null; p = re.exec(rest)) {
    const key = p[1]
    if (key !== undefined) params[key.toLowerCase()] = (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1")
  }
  return { scheme: (m[1] ?? "").toLowerCase(), params }
}

interface Descriptor {
  readonly mediaType: string
  readonly digest: string
  readonly size: number
}

const isDescriptor = (u: unknown): u is Descriptor => {
  if (u === null || typeof u !== "object") return false
  const d = u as Record<string, unknown>
  return (
    typeof d["mediaType"] === "string" &&
    typeof d["digest"] === "string" &&
    /^sha256:[a-f0-9]{64}$/.test(d["digest"]) &&
    typeof d["size"] === "number" &&
    Number.isInteger(d["size"]) &&
    d["size"] >= 0
  )
}

/** The descriptor of the manifest YAML inside an OCI manifest, or why there is none. */
export const manifestLayer = (json: unknown): Descriptor | string => {
  if (json === null || typeof json !== "object") return "the OCI manifest is not a JSON object"
  const m = json as Record<string, unknown>
  if (m["schemaVersion"] !== 2) return "the OCI manifest's schemaVersion is not 2"
  const layers = Array.isArray(m["layers"]) ? m["layers"].filter(isDescriptor) : []
  const layer = layers.find((l) => l.mediaType === ARTIFACT_TYPE)
  if (layer !== undefined) return layer
  if (isDescriptor(m["config"]) && m["config"].mediaType === ARTIFACT_TYPE) return m["config"]
  const type = typeof m["artifactType"] === "string" ? m["artifactType"] : undefined
  return `the artifact is not a Floe platform manifest (artifactType ${type ?? "absent"}; no layer of type ${ARTIFACT_TYPE})`
}

interface Response {
  readonly status: number
  readonly headers: Headers
  readonly body: Uint8Array
}

/**
 * Builds the OCI source. Requires `FileSystem` and `Path` for the cache. Resolution fails with
 * `PlatformSourceError`: `InvalidRef` (not an oci:// reference), `NotFound` (unknown repository, tag or digest, and
 * nothing cached), `Unauthorized` (401/403 after authenticating), `DigestMismatch`, `InvalidArtifact` (not a Floe
 * manifest artifact, too large, not UTF-8), `Unavailable` (network errors, 5xx, timeouts, with nothing cached).
 */
export const make = (config: Config = {}): Effect.Effect<OciPlatformSource, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const S = PlatformSource
    const doFetch = config.fetch ?? globalThis.fetch
    const timeout = config.timeoutMillis ?? 30_000
    const tokens = new Map<string, string>()

    const baseUrl = (registry: string): string => {
      const host = registry.replace(/:\d+$/, "")
      const plain =
        config.plainHttp?.includes(registry) ?? (host === "localhost" || host === "127.0.0.1" || host === "[::1]")
      return `${plain ? "http" : "https"}://${registry}`
    }

    const unavailable = (ref: string, message: string, cause?: unknown) =>
      S.fail(new S.Unavailable({ message, ref, ...(cause === undefined ? {} : { cause }) }))

    const send = (url: string, init: RequestInit, ref: string, maxBytes: number) =>
      Effect.tryPromise({
        try: async (signal): Promise<Response> => {
          const r = await doFetch(url, { ...init, signal, redirect: "follow" })
          const length = Number(r.headers.get("content-length") ?? "0")
          if (length > maxBytes) {
            await r.body?.cancel()
            throw new RangeError(`the response is ${length} bytes; the limit is ${maxBytes}`)
          }
          const body = new Uint8Array(await r.arrayBuffer())
          if (body.byteLength > maxBytes)
            throw new RangeError(`the response is ${body.byteLength} bytes; the limit is ${maxBytes}`)
          return { status: r.status, headers: r.headers, body }
        },
        catch: (e) =>
          e instanceof RangeError
            ? S.fail(new S.InvalidArtifact({ message: `${url}: ${e.message}`, ref }))
            : unavailable(
                ref,
                `cannot reach ${url}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`,
                e,
              ),
      }).pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () => Effect.fail(unavailable(ref, `${url} did not answer within ${timeout} ms`)),
        }),
      )

    const basic = (c: Credentials | undefined) =>
      c !== undefined && "username" in c
        ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`
        : undefined

    /** Sends a request, answering one authentication challenge (basic or bearer) when the registry sends one. */
    const request = Effect.fn("OciPlatformSource.request")(function* (
      registry: string,
      repository: string,
      url: string,
      init: RequestInit,
      ref: string,
      push: boolean,
      maxBytes = MAX_MANIFEST_BYTES,
    ) {
      const creds = config.credentials?.(registry)
      const scopeKey = `${registry}/${repository}/${push ? "push" : "pull"}`
      const withAuth = (auth: string | undefined): RequestInit => ({
        ...init,
        headers: { ...(init.headers as Record<string, string> | undefined), ...(auth ? { Authorization: auth } : {}) },
      })
      const initial =
        creds !== undefined && "token" in creds
          ? `Bearer ${creds.token}`
          : tokens.has(scopeKey)
            ? `Bearer ${tokens.get(scopeKey)}`
            : undefined
      const first = yield* send(url, withAuth(initial), ref, maxBytes)
      if (first.status !== 401) return first
      const challenge = parseChallenge(first.headers.get("www-authenticate") ?? "")
      if (challenge?.scheme === "basic") {
        const auth = basic(creds)
        if (auth === undefined) {
          return yield* S.fail(
            new S.Unauthorized({
              message: `${registry} asks for a user name and password and none are configured`,
              ref,
            }),
          )
        }
        return yield* send(url, withAuth(auth), ref, maxBytes)
      }
      if (challenge?.scheme === "bearer" && challenge.params["realm"]) {
        const realm = challenge.params["realm"]
        let tokenUrl: URL
        try {
          tokenUrl = new URL(realm)
        } catch {
          return yield* S.fail(
            new S.Unauthorized({ message: `${registry} names a token realm that is not a URL: ${realm}`, ref }),
          )
        }
        if (challenge.params["service"]) tokenUrl.searchParams.set("service", challenge.params["service"])
        tokenUrl.searchParams.set(
          "scope",
          challenge.params["scope"] ?? `repository:${repository}:${push ? "pull,push" : "pull"}`,
        )
        const auth = basic(creds)
        const answer = yield* send(
          tokenUrl.toString(),
          auth ? { headers: { Authorization: auth } } : {},
          ref,
          1024 * 1024,
        )
        if (answer.status !== 200) {
          return yield* S.fail(
            new S.Unauthorized({
              message: `the token service of ${registry} refused ${auth ? "the credentials" : "anonymous access"} (HTTP ${answer.status})`,
              ref,
            }),
          )
        }
        let token: unknown
        try {
          const json = JSON.parse(new TextDecoder().decode(answer.body)) as Record<string, unknown>
          token = json["token"] ?? json["access_token"]
        } catch {
          token = undefined
        }
        if (typeof token !== "string" || token.length === 0) {
          return yield* S.fail(
            new S.Unauthorized({ message: `the token service of ${registry} returned no token`, ref }),
          )
        }
        tokens.set(scopeKey, token)
        return yield* send(url, withAuth(`Bearer ${token}`), ref, maxBytes)
      }
      return first
    })

    const failFor = (r: Response, ref: string, what: string) => {
      if (r.status === 401 || r.status === 403) {
        return S.fail(new S.Unauthorized({ message: `the registry refused access to ${what} (HTTP ${r.status})`, ref }))
      }
      if (r.status === 404) return S.fail(new S.NotFound({ message: `${what} does not exist (HTTP 404)`, ref }))
      if (r.status >= 500 || r.status === 429) {
        return unavailable(ref, `the registry answered HTTP ${r.status} for ${what}`)
      }
      return S.fail(new S.InvalidArtifact({ message: `the registry answered HTTP ${r.status} for ${what}`, ref }))
    }

    // ---- cache -------------------------------------------------------------------------------------------------
    const blobPath = (digest: string) =>
      config.cacheDir === undefined ? undefined : path.join(config.cacheDir, "sha256", digest.slice("sha256:".length))
    const tagPath = (ref: PlatformRef.OciRef) =>
      config.cacheDir === undefined || ref.tag === undefined
        ? undefined
        : path.join(config.cacheDir, "tags", ref.registry.replace(":", "_"), ...ref.repository.split("/"), ref.tag)
    const writeAtomic = (file: string, bytes: Uint8Array) =>
      Effect.gen(function* () {
        yield* fs.makeDirectory(path.dirname(file), { recursive: true })
        const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
        yield* fs.writeFile(tmp, bytes)
        yield* fs.rename(tmp, file)
      }).pipe(Effect.ignore)
    const readCached = (digest: string) =>
      Effect.gen(function* () {
        const file = blobPath(digest)
        if (file === undefined) return undefined
        const bytes = yield* fs.readFile(file).pipe(Effect.orElseSucceed(() => undefined))
        // A cached file that no longer hashes to its name is ignored (and replaced on the next download).
        return bytes !== undefined && sha256(bytes) === digest ? bytes : undefined
      })

    const decodeText = (bytes: Uint8Array, ref: string) => {
      try {
        return Effect.succeed(new TextDecoder("utf-8", { fatal: true }).decode(bytes))
      } catch {
        return Effect.fail(S.fail(new S.InvalidArtifact({ message: "the platform manifest is not UTF-8 text", ref })))
      }
    }

    /** Reads the manifest YAML a verified OCI manifest points at: from the cache, else from the registry. */
    const fromManifest = (
      ref: PlatformRef.OciRef,
      written: string,
      manifestBytes: Uint8Array,
      manifestDigest: string,
    ) =>
      Effect.gen(function* () {
        let json: unknown
        try {
          json = JSON.parse(new TextDecoder().decode(manifestBytes))
        } catch {
          return yield* S.fail(new S.InvalidArtifact({ message: "the OCI manifest is not JSON", ref: written }))
        }
        const layer = manifestLayer(json)
        if (typeof layer === "string") return yield* S.fail(new S.InvalidArtifact({ message: layer, ref: written }))
        if (layer.size > MAX_BLOB_BYTES) {
          return yield* S.fail(
            new S.InvalidArtifact({
              message: `the platform manifest is ${layer.size} bytes; the limit is ${MAX_BLOB_BYTES}`,
              ref: written,
            }),
          )
        }
        let bytes = yield* readCached(layer.digest)
        if (bytes === undefined) {
          if (config.offline) {
            return yield* S.fail(
              new S.NotFound({ message: `${layer.digest} is not in the cache (offline)`, ref: written }),
            )
          }
          const url = `${baseUrl(ref.registry)}/v2/${ref.repository}/blobs/${layer.digest}`
          const r = yield* request(ref.registry, ref.repository, url, {}, written, false, MAX_BLOB_BYTES)
          if (r.status !== 200) return yield* failFor(r, written, `blob ${layer.digest}`)
          const actual = sha256(r.body)
          if (actual !== layer.digest) {
            return yield* S.fail(
              new S.DigestMismatch({
                message: `the platform manifest's bytes hash to ${actual}, not ${layer.digest}`,
                ref: written,
                expected: layer.digest,
                actual,
              }),
            )
          }
          bytes = r.body
          const file = blobPath(layer.digest)
          if (file !== undefined) yield* writeAtomic(file, bytes)
        }
        const text = yield* decodeText(bytes, written)
        return {
          text,
          digest: layer.digest,
          ref: `oci://${ref.registry}/${ref.repository}@${manifestDigest}`,
        } satisfies PlatformSource.Resolved
      })

    const resolve = Effect.fn("OciPlatformSource.resolve")(function* (
      ref: PlatformRef.PlatformRef,
      _options: PlatformSource.ResolveOptions,
    ) {
      if (ref._tag !== "oci") {
        return yield* S.fail(new S.InvalidRef({ message: `${ref.path} is not an oci:// reference`, ref: ref.path }))
      }
      const written = PlatformRef.formatOci(ref)
      // A digest names immutable content: the cache answers without asking the registry.
      if (ref.digest !== undefined) {
        const cached = yield* readCached(ref.digest)
        if (cached !== undefined) return yield* fromManifest(ref, written, cached, ref.digest)
      }
      const tagFile = tagPath(ref)
      const fromCachedTag = Effect.gen(function* () {
        if (tagFile === undefined || ref.digest !== undefined) return undefined
        const digest = yield* fs.readFileString(tagFile).pipe(Effect.orElseSucceed(() => ""))
        if (!/^sha256:[a-f0-9]{64}$/.test(digest.trim())) return undefined
        const bytes = yield* readCached(digest.trim())
        return bytes === undefined ? undefined : yield* fromManifest(ref, written, bytes, digest.trim())
      })
      if (config.offline) {
        const hit = yield* fromCachedTag
        if (hit !== undefined) return hit
        return yield* S.fail(new S.NotFound({ message: `${written} is not in the cache (offline)`, ref: written }))
      }
      const url = `${baseUrl(ref.registry)}/v2/${ref.repository}/manifests/${ref.digest ?? ref.tag ?? "latest"}`
      const got = yield* Effect.result(
        request(ref.registry, ref.repository, url, { headers: { Accept: OCI_MANIFEST } }, written, false),
      )
      if (got._tag === "Failure") {
        // The registry cannot be reached: a tag read before still resolves, to the digest it pointed at then.
        if (got.failure.reason._tag === "Unavailable") {
          const hit = yield* fromCachedTag
          if (hit !== undefined) return hit
        }
        return yield* got.failure
      }
      const r = got.success
      if (r.status !== 200) return yield* failFor(r, written, `manifest ${ref.digest ?? ref.tag}`)
      const actual = sha256(r.body)
      const claimed = r.headers.get("docker-content-digest") ?? undefined
      const expected = ref.digest ?? claimed
      if (expected !== undefined && expected !== actual) {
        return yield* S.fail(
          new S.DigestMismatch({
            message: `the OCI manifest's bytes hash to ${actual}, not ${expected}`,
            ref: written,
            expected,
            actual,
          }),
        )
      }
      const resolved = yield* fromManifest(ref, written, r.body, actual)
      const manifestFile = blobPath(actual)
      if (manifestFile !== undefined) yield* writeAtomic(manifestFile, r.body)
      if (tagFile !== undefined && ref.digest === undefined)
        yield* writeAtomic(tagFile, new TextEncoder().encode(actual))
      return resolved
    })

    const uploadBlob = (ref: PlatformRef.OciRef, written: string, bytes: Uint8Array, digest: string) =>
      Effect.gen(function* () {
        const base = baseUrl(ref.registry)
        const head = yield* request(
          ref.registry,
          ref.repository,
          `${base}/v2/${ref.repository}/blobs/${digest}`,
          { method: "HEAD" },
          written,
          true,
        )
        if (head.status === 200) return
        const start = yield* request(
          ref.registry,
          ref.repository,
          `${base}/v2/${ref.repository}/blobs/uploads/`,
          { method: "POST" },
          written,
          true,
        )
        if (start.status !== 202) return yield* failFor(start, written, "a blob upload")
        const location = start.headers.get("location")
        if (location === null) {
          return yield* S.fail(
            new S.InvalidArtifact({ message: "the registry started an upload without a Location", ref: written }),
          )
        }
        const upload = new URL(location, base)
        upload.searchParams.set("digest", digest)
        const put = yield* request(
          ref.registry,
          ref.repository,
          upload.toString(),
          {
            method: "PUT",
            headers: { "Content-Type": "application/octet-stream", "Content-Length": String(bytes.byteLength) },
            body: bytes,
          },
          written,
          true,
        )
        if (put.status !== 201) return yield* failFor(put, written, `blob ${digest}`)
      })

    const push = Effect.fn("OciPlatformSource.push")(function* (ref: PlatformRef.OciRef, text: string) {
      const written = PlatformRef.formatOci(ref)
      if (ref.tag === undefined || ref.digest !== undefined) {
        return yield* S.fail(
          new S.InvalidRef({ message: "push needs a tag (oci://host/repo:tag), not a digest", ref: written }),
        )
      }
      const decoded = Document.decodeManifest(text, written)
      if (decoded.value === undefined) {
        const first = decoded.diagnostics.find((d) => d.severity === "error")
        return yield* S.fail(
          new S.InvalidArtifact({
            message: `the platform manifest has errors${first ? `: ${first.code} ${first.message}${first.line ? ` (line ${first.line})` : ""}` : ""}`,
            ref: written,
          }),
        )
      }
      const bytes = new TextEncoder().encode(text)
      if (bytes.byteLength > MAX_BLOB_BYTES) {
        return yield* S.fail(
          new S.InvalidArtifact({ message: `the manifest is larger than ${MAX_BLOB_BYTES} bytes`, ref: written }),
        )
      }
      const digest = sha256(bytes)
      const emptyDigest = sha256(EMPTY_CONFIG)
      yield* uploadBlob(ref, written, EMPTY_CONFIG, emptyDigest)
      yield* uploadBlob(ref, written, bytes, digest)
      const manifest = new TextEncoder().encode(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: ARTIFACT_TYPE,
          config: { mediaType: OCI_EMPTY, digest: emptyDigest, size: EMPTY_CONFIG.byteLength },
          layers: [
            {
              mediaType: ARTIFACT_TYPE,
              digest,
              size: bytes.byteLength,
              annotations: { "org.opencontainers.image.title": "platform.yaml" },
            },
          ],
          annotations: {
            "dev.floe.platform.name": decoded.value.metadata.name,
            "dev.floe.platform.version": decoded.value.metadata.version,
            "dev.floe.platform.scope": decoded.value.scope,
          },
        }),
      )
      const manifestDigest = sha256(manifest)
      const r = yield* request(
        ref.registry,
        ref.repository,
        `${baseUrl(ref.registry)}/v2/${ref.repository}/manifests/${ref.tag}`,
        { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: manifest },
        written,
        true,
      )
      if (r.status !== 201) return yield* failFor(r, written, `manifest ${ref.tag}`)
      const file = blobPath(digest)
      if (file !== undefined) yield* writeAtomic(file, bytes)
      return {
        manifestDigest,
        digest,
        ref: `oci://${ref.registry}/${ref.repository}@${manifestDigest}`,
        size: bytes.byteLength,
      } satisfies Pushed
    })

    return { scheme: "oci" as const, resolve, push }
  })

/** A layer providing the OCI source as the host's `PlatformSource`. */
export const layer = (
  config: Config = {},
): Layer.Layer<PlatformSource.PlatformSource, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    PlatformSource.PlatformSource,
    Effect.map(make(config), (s) => PlatformSource.PlatformSource.of(s)),
  )
