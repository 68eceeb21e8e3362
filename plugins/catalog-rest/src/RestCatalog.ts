/**
 * The `Catalog` interface of `@floe/spec` on an Iceberg REST catalog (Apache Polaris, Lakekeeper, Nessie,
 * Gravitino) through `iceberg-js`: the `/v1/config` prefix for a warehouse, namespaces and their properties,
 * tables registered by metadata location, bearer tokens or the OAuth2 client-credentials flow, retries on 429/5xx.
 *
 * What the REST protocol cannot express is built from what it can, and only holds among Floe clients:
 * - compare-and-set on namespace properties and on a table's metadata location: the REST API has neither, so the
 *   writer first takes a lease — registering the hidden table `__floe_lock` in the namespace, which is atomic (409
 *   for everyone else) — then reads, compares and writes, then drops the lease. A lease older than `leaseTtl`
 *   (a writer that crashed) is broken by the next writer.
 * - committing a new metadata location re-registers the table with `overwrite: true` under that lease; the previous
 *   location is read back from the metadata log.
 */
import { Catalog } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { IcebergError, IcebergRestCatalog } from "iceberg-js"
import { type Auth, makeAuth } from "./internal/auth.ts"

/** The hidden table that serves as a namespace's write lease. Never listed. */
export const LEASE_TABLE = "__floe_lock"

export interface RestCatalogConfig {
  /** The catalog's base URL, without `/v1`, e.g. `https://polaris.example.com/api/catalog`. */
  readonly uri: string
  /** The warehouse (Polaris: the catalog name) sent to `/v1/config`; its `overrides.prefix` prefixes every path. */
  readonly warehouse?: string | undefined
  /** A fixed bearer token. */
  readonly token?: Redacted.Redacted<string> | undefined
  /** OAuth2 client credentials `client_id:client_secret`, exchanged for a token at `oauth2ServerUri`. */
  readonly credential?: Redacted.Redacted<string> | undefined
  /** The token endpoint. Default `{uri}/v1/oauth/tokens` (what Polaris serves). */
  readonly oauth2ServerUri?: string | undefined
  /** The OAuth2 scope. Default `PRINCIPAL_ROLE:ALL` (Polaris). */
  readonly scope?: string | undefined
  /** Retries after 429, 5xx or a failed connection. Default 4. */
  readonly retries?: number | undefined
  /** The first retry delay, doubled each time. Default 200 milliseconds; tests pass 0. */
  readonly retryBase?: Duration.Input | undefined
  /** How long to wait between attempts to take a namespace's write lease. Default 25 milliseconds; tests pass 0. */
  readonly leaseRetry?: Duration.Input | undefined
  /** How many attempts to take a lease before failing `Unavailable`. Default 2000. */
  readonly leaseAttempts?: number | undefined
  /** A lease older than this was left by a crashed writer and is broken. Default 30 seconds. */
  readonly leaseTtl?: Duration.Input | undefined
  /** The `fetch` to use (default the global one). */
  readonly fetch?: typeof fetch | undefined
  /**
   * Ask the catalog to vend storage credentials with every table load (`X-Iceberg-Access-Delegation:
   * vended-credentials`); `loadTable` returns them as `TableInfo.storage`. Default true.
   */
  readonly vendedCredentials?: boolean | undefined
}

/**
 * The storage properties for a table at `location`: the `storage-credentials` entry with the longest prefix of
 * the location (the spec says to check these first), else the table `config` the catalog returned.
 */
export const storageFor = (
  location: string | undefined,
  credentials:
    | ReadonlyArray<{ readonly prefix: string; readonly config: Readonly<Record<string, string>> }>
    | undefined,
  config: Readonly<Record<string, string>> | undefined,
): Catalog.Properties | undefined => {
  const best = (credentials ?? [])
    .filter((c) => location?.startsWith(c.prefix))
    .sort((a, b) => b.prefix.length - a.prefix.length)[0]
  if (best !== undefined) return { ...best.config }
  return config !== undefined && Object.keys(config).length > 0 ? { ...config } : undefined
}

type Entity = "namespace" | "table"

/** Maps a failed call to a `CatalogError` reason: 404, 409 and the rest by status, network failures `Connection`. */
export const toCatalogError = (
  error: unknown,
  context: {
    readonly entity: Entity
    readonly name: string
    readonly on409: "AlreadyExists" | "Conflict" | "NotEmpty"
  },
): Catalog.CatalogError => {
  if (error instanceof Catalog.CatalogError) return error
  if (error instanceof IcebergError) {
    const message = `${error.message} (HTTP ${error.status}${error.icebergType ? ` ${error.icebergType}` : ""})`
    const s = error.status
    if (s === 0) {
      return new Catalog.CatalogError({
        reason: new Catalog.Connection({ message: `Cannot reach the REST catalog: ${error.message}`, cause: error }),
      })
    }
    if (s === 404) return Catalog.notFound(context.entity, context.name, message)
    if (s === 409) {
      if (context.on409 === "AlreadyExists") return Catalog.alreadyExists(context.entity, context.name)
      if (context.on409 === "NotEmpty") return Catalog.notEmpty(context.name)
      return Catalog.conflict(context.entity, context.name, message)
    }
    if (s === 401 || s === 403 || s === 419) {
      return new Catalog.CatalogError({ reason: new Catalog.PermissionDenied({ message, cause: error }) })
    }
    if (s === 400 || s === 406 || s === 422) return Catalog.invalidInput(message)
    if (s === 429 || s >= 500) {
      return new Catalog.CatalogError({ reason: new Catalog.Unavailable({ message, cause: error }) })
    }
    return new Catalog.CatalogError({ reason: new Catalog.Unknown({ message, cause: error }) })
  }
  const message = error instanceof Error ? error.message : String(error)
  return new Catalog.CatalogError({
    reason: new Catalog.Connection({ message: `Cannot reach the REST catalog: ${message}`, cause: error }),
  })
}

/**
 * Connects to the REST catalog described by `config` (reads `/v1/config` for the prefix, and with a credential
 * fetches a token) and returns the `Catalog` on it. Fails with `Connection` when the server cannot be reached,
 * `PermissionDenied` when it refuses the credentials, `InvalidInput` for a bad URI.
 */
export const make = (config: RestCatalogConfig): Effect.Effect<Catalog.CatalogShape, Catalog.CatalogError> =>
  Effect.gen(function* () {
    const base = URL.parse(config.uri)
    if (base === null || (base.protocol !== "http:" && base.protocol !== "https:")) {
      return yield* Catalog.invalidInput(`REST catalog URI '${config.uri}' is not an http(s) URL`)
    }
    const uri = config.uri.replace(/\/+$/, "")
    const fetchFn = config.fetch ?? globalThis.fetch
    const schedule = Schedule.exponential(config.retryBase ?? "200 millis")
    const retries = config.retries ?? 4
    const auth: Auth = makeAuth({
      token: config.token,
      credential: config.credential,
      tokenUri: config.oauth2ServerUri ?? `${uri}/v1/oauth/tokens`,
      scope: config.scope ?? "PRINCIPAL_ROLE:ALL",
      fetch: fetchFn,
    })
    const client = new IcebergRestCatalog({
      baseUrl: uri,
      ...(config.warehouse === undefined ? {} : { warehouse: config.warehouse }),
      auth: { type: "custom", getHeaders: auth.headers },
      fetch: fetchFn,
      ...(config.vendedCredentials === false ? {} : { accessDelegation: ["vended-credentials" as const] }),
    })

    /** One REST call, its failure mapped, retried while retryable (429/5xx/connection) when `retry` allows it. */
    const call = <A>(
      run: () => Promise<A>,
      context: {
        readonly entity: Entity
        readonly name: string
        readonly on409?: "AlreadyExists" | "Conflict" | "NotEmpty"
      },
      retry: "always" | "when-not-processed" = "always",
    ): Effect.Effect<A, Catalog.CatalogError> =>
      Effect.tryPromise({
        try: run,
        catch: (e) => toCatalogError(e, { on409: "Conflict", ...context }),
      }).pipe(
        Effect.retry({
          schedule,
          times: retries,
          // A write that failed with 500/502/504 may have been applied: only retry what surely was not.
          while: (e) =>
            e.isRetryable &&
            (retry === "always" ||
              e.reason._tag === "Connection" ||
              (e.reason._tag === "Unavailable" &&
                e.reason.cause instanceof IcebergError &&
                (e.reason.cause.status === 429 || e.reason.cause.status === 503))),
        }),
      )

    // Fail fast on a wrong URL, warehouse or credential.
    yield* call(() => client.loadConfig(), { entity: "namespace", name: "(config)" })

    const ns = (namespace: Catalog.Namespace) => ({ namespace: [...namespace] })
    const nsName = Catalog.formatNamespace

    const leaseTtl = Duration.toMillis(config.leaseTtl ?? "30 seconds")
    const leaseSchedule = Schedule.spaced(config.leaseRetry ?? "25 millis")
    const leaseAttempts = config.leaseAttempts ?? 2000

    /** Runs `body` while holding the namespace's lease (see the module comment). */
    const withLease = <A>(namespace: Catalog.Namespace, body: Effect.Effect<A, Catalog.CatalogError>) => {
      const id = { namespace: [...namespace], name: LEASE_TABLE }
      const name = nsName(namespace)
      const acquire = Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const token = `floe-lease:${now}:${globalThis.crypto.randomUUID()}`
        const taken = yield* call(
          () => client.registerTable(ns(namespace), { name: LEASE_TABLE, "metadata-location": token }),
          { entity: "namespace", name, on409: "AlreadyExists" },
          "when-not-processed",
        ).pipe(
          Effect.as(true),
          Effect.catchReason("CatalogError", "AlreadyExists", () => Effect.succeed(false)),
        )
        if (taken) return token
        // Held by someone else: break it when its holder is long gone, then try again.
        const held = yield* call(() => client.loadTableResult(id), { entity: "table", name }).pipe(
          Effect.map((r) => r?.["metadata-location"]),
          Effect.catchReason("CatalogError", "NotFound", () => Effect.succeed(undefined)),
        )
        const since = Number(held?.split(":")[1])
        if (held !== undefined && Number.isFinite(since) && now - since > leaseTtl) {
          yield* call(() => client.dropTable(id), { entity: "table", name }).pipe(
            Effect.catchReason("CatalogError", "NotFound", () => Effect.void),
          )
        }
        return yield* Catalog.conflict("namespace", name, `Namespace '${name}' is being written by another client`)
      }).pipe(
        Effect.retry({
          schedule: leaseSchedule,
          times: leaseAttempts,
          while: (e) => e.reason._tag === "Conflict",
        }),
        Effect.catchReason("CatalogError", "Conflict", () =>
          Effect.fail(
            new Catalog.CatalogError({
              reason: new Catalog.Unavailable({ message: `Namespace '${name}' stayed locked by other writers` }),
            }),
          ),
        ),
      )
      const release = () => call(() => client.dropTable(id), { entity: "table", name }).pipe(Effect.ignore)
      return Effect.acquireUseRelease(acquire, () => body, release)
    }

    const loadNamespace = (namespace: Catalog.Namespace) =>
      call(() => client.loadNamespaceMetadata(ns(namespace)), { entity: "namespace", name: nsName(namespace) }).pipe(
        Effect.map(
          (m): Catalog.NamespaceInfo => ({ namespace: [...namespace], properties: { ...(m.properties ?? {}) } }),
        ),
      )

    const listAll = <T, P extends { readonly nextPageToken?: string | undefined }>(
      page: (token: string | undefined) => Effect.Effect<P, Catalog.CatalogError>,
      items: (p: P) => ReadonlyArray<T>,
    ) =>
      Effect.gen(function* () {
        const out: Array<T> = []
        let token: string | undefined
        do {
          const p = yield* page(token)
          out.push(...items(p))
          token = p.nextPageToken ?? undefined
        } while (token !== undefined && token !== "")
        return out
      })

    const loadTable = (identifier: Catalog.TableIdentifier) =>
      call(() => client.loadTableResult({ namespace: [...identifier.namespace], name: identifier.name }), {
        entity: "table",
        name: Catalog.formatTable(identifier),
      }).pipe(
        Effect.flatMap((r) => {
          const location = r?.["metadata-location"]
          if (r === null || location === undefined) {
            return Effect.fail(
              new Catalog.CatalogError({
                reason: new Catalog.Unknown({
                  message: `Table '${Catalog.formatTable(identifier)}' has no metadata location`,
                }),
              }),
            )
          }
          const log = r.metadata["metadata-log"] ?? []
          const previous = log[log.length - 1]?.["metadata-file"]
          const storage = storageFor(r.metadata.location, r["storage-credentials"], r.config)
          return Effect.succeed<Catalog.TableInfo>({
            identifier: { namespace: [...identifier.namespace], name: identifier.name },
            metadataLocation: location,
            ...(previous === undefined ? {} : { previousMetadataLocation: previous }),
            ...(storage === undefined ? {} : { storage }),
          })
        }),
      )

    const check = (e: Catalog.CatalogError | undefined) => (e === undefined ? Effect.void : Effect.fail(e))
    const checkTableName = (identifier: Catalog.TableIdentifier) =>
      identifier.name === LEASE_TABLE
        ? Effect.fail(Catalog.invalidInput(`'${LEASE_TABLE}' is reserved for Floe's write lease`))
        : Effect.void

    return Catalog.Catalog.of({
      createNamespace: (namespace, properties = {}) =>
        check(Catalog.checkNamespace(namespace) ?? Catalog.checkUpdate({ updates: properties })).pipe(
          Effect.andThen(
            call(
              () => client.createNamespace(ns(namespace), { properties: { ...properties } }),
              { entity: "namespace", name: nsName(namespace), on409: "AlreadyExists" },
              "when-not-processed",
            ),
          ),
          Effect.map(() => ({ namespace: [...namespace], properties: { ...properties } })),
        ),
      loadNamespace: (namespace) =>
        check(Catalog.checkNamespace(namespace)).pipe(Effect.andThen(loadNamespace(namespace))),
      listNamespaces: (parent) =>
        (parent === undefined ? Effect.void : check(Catalog.checkNamespace(parent))).pipe(
          Effect.andThen(
            listAll(
              (pageToken) =>
                call(
                  () =>
                    client.listNamespaces({
                      ...(parent === undefined ? {} : { parent: ns(parent) }),
                      ...(pageToken === undefined ? {} : { pageToken }),
                    }),
                  { entity: "namespace", name: parent === undefined ? "(root)" : nsName(parent) },
                ),
              (p) => p.namespaces.map((n) => n.namespace as Catalog.Namespace),
            ),
          ),
          Effect.map((all) => [...all].sort(Catalog.compareNamespaces)),
        ),
      dropNamespace: (namespace) =>
        check(Catalog.checkNamespace(namespace)).pipe(
          Effect.andThen(
            call(
              () => client.dropNamespace(ns(namespace)),
              { entity: "namespace", name: nsName(namespace), on409: "NotEmpty" },
              "when-not-processed",
            ),
          ),
        ),
      updateNamespaceProperties: (namespace, update) =>
        Effect.gen(function* () {
          yield* check(Catalog.checkNamespace(namespace))
          yield* check(Catalog.checkUpdate(update))
          const name = nsName(namespace)
          const write = call(
            () =>
              client.updateNamespaceProperties(ns(namespace), {
                ...(update.updates === undefined ? {} : { updates: { ...update.updates } }),
                ...(update.removals === undefined ? {} : { removals: [...update.removals] }),
              }),
            { entity: "namespace", name },
          ).pipe(
            Effect.map(
              (r): Catalog.PropertiesUpdateResult => ({
                updated: [...r.updated].sort(),
                removed: [...r.removed].sort(),
                missing: [...(r.missing ?? [])].sort(),
              }),
            ),
          )
          const expected = update.expected
          if (expected === undefined || Object.keys(expected).length === 0) return yield* write
          return yield* withLease(
            namespace,
            Effect.gen(function* () {
              const current = yield* loadNamespace(namespace)
              const mismatch = Catalog.firstMismatch(new Map(Object.entries(current.properties)), expected)
              if (mismatch !== undefined) return yield* Catalog.conflict("namespace", name, mismatch)
              return yield* write
            }),
          )
        }),
      registerTable: (identifier, metadataLocation) =>
        Effect.gen(function* () {
          yield* check(Catalog.checkTable(identifier))
          yield* check(Catalog.checkLocation(metadataLocation))
          yield* checkTableName(identifier)
          yield* call(
            () =>
              client.registerTable(ns(identifier.namespace), {
                name: identifier.name,
                "metadata-location": metadataLocation,
              }),
            { entity: "table", name: Catalog.formatTable(identifier), on409: "AlreadyExists" },
            "when-not-processed",
          )
          return { identifier: { namespace: [...identifier.namespace], name: identifier.name }, metadataLocation }
        }),
      loadTable: (identifier) =>
        check(Catalog.checkTable(identifier)).pipe(
          Effect.andThen(checkTableName(identifier)),
          Effect.andThen(loadTable(identifier)),
        ),
      listTables: (namespace) =>
        check(Catalog.checkNamespace(namespace)).pipe(
          Effect.andThen(
            listAll(
              (pageToken) =>
                call(() => client.listTables(ns(namespace), pageToken === undefined ? {} : { pageToken }), {
                  entity: "namespace",
                  name: nsName(namespace),
                }),
              (p) => p.identifiers,
            ),
          ),
          Effect.map((ids) =>
            ids
              .filter((t) => t.name !== LEASE_TABLE)
              .map((t): Catalog.TableIdentifier => ({ namespace: [...t.namespace], name: t.name }))
              .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
          ),
        ),
      dropTable: (identifier) =>
        check(Catalog.checkTable(identifier)).pipe(
          Effect.andThen(checkTableName(identifier)),
          Effect.andThen(
            call(
              () => client.dropTable({ namespace: [...identifier.namespace], name: identifier.name }, { purge: false }),
              { entity: "table", name: Catalog.formatTable(identifier) },
              "when-not-processed",
            ),
          ),
        ),
      commitTable: (identifier, commit) =>
        Effect.gen(function* () {
          yield* check(Catalog.checkTable(identifier))
          yield* check(Catalog.checkLocation(commit.newMetadataLocation))
          yield* checkTableName(identifier)
          const name = Catalog.formatTable(identifier)
          // Fail fast (NotFound, or a stale base) before taking the lease.
          const before = yield* loadTable(identifier)
          const stale = (at: string) =>
            Catalog.conflict("table", name, `Table '${name}' is at '${at}', not '${commit.expectedMetadataLocation}'`)
          if (before.metadataLocation !== commit.expectedMetadataLocation) return yield* stale(before.metadataLocation)
          return yield* withLease(
            identifier.namespace,
            Effect.gen(function* () {
              const current = yield* loadTable(identifier)
              if (current.metadataLocation !== commit.expectedMetadataLocation) {
                return yield* stale(current.metadataLocation)
              }
              yield* call(
                () =>
                  client.registerTable(ns(identifier.namespace), {
                    name: identifier.name,
                    "metadata-location": commit.newMetadataLocation,
                    overwrite: true,
                  }),
                { entity: "table", name },
                "when-not-processed",
              )
              return {
                identifier: { namespace: [...identifier.namespace], name: identifier.name },
                metadataLocation: commit.newMetadataLocation,
                previousMetadataLocation: commit.expectedMetadataLocation,
              } satisfies Catalog.TableInfo
            }),
          )
        }),
    })
  })

/** A layer providing `Catalog` on the REST catalog of `config`. Fails as `make` does. */
export const layer = (config: RestCatalogConfig): Layer.Layer<Catalog.Catalog, Catalog.CatalogError> =>
  Layer.effect(Catalog.Catalog, make(config))

/**
 * Configuration from the environment: `FLOE_CATALOG_URI` (required), `FLOE_CATALOG_WAREHOUSE`,
 * `FLOE_CATALOG_CREDENTIAL` (`client_id:client_secret`, redacted) or `FLOE_CATALOG_TOKEN` (redacted),
 * `FLOE_CATALOG_OAUTH2_URI`, `FLOE_CATALOG_SCOPE`.
 */
export const config = Config.all({
  uri: Config.String("FLOE_CATALOG_URI"),
  warehouse: Config.option(Config.String("FLOE_CATALOG_WAREHOUSE")),
  credential: Config.option(Config.Redacted("FLOE_CATALOG_CREDENTIAL")),
  token: Config.option(Config.Redacted("FLOE_CATALOG_TOKEN")),
  oauth2ServerUri: Config.option(Config.String("FLOE_CATALOG_OAUTH2_URI")),
  scope: Config.option(Config.String("FLOE_CATALOG_SCOPE")),
})

/** A layer providing `Catalog` from `config` (the `FLOE_CATALOG_*` environment variables). */
export const layerConfig = (from: typeof config = config): Layer.Layer<Catalog.Catalog, Catalog.CatalogError> =>
  Layer.effect(
    Catalog.Catalog,
    Effect.gen(function* () {
      const v = yield* Effect.mapError(from, (e) => Catalog.invalidInput(`Catalog configuration: ${e.message}`))
      return yield* make({
        uri: v.uri,
        warehouse: Option.getOrUndefined(v.warehouse),
        credential: Option.getOrUndefined(v.credential),
        token: Option.getOrUndefined(v.token),
        oauth2ServerUri: Option.getOrUndefined(v.oauth2ServerUri),
        scope: Option.getOrUndefined(v.scope),
      })
    }),
  )
