/**
 * Product identity in a catalog. A data product claims the namespace `[domain, name]` (its product id
 * `{domain}.{name}`, `-` → `_`) and records who owns it in `floe.product.*` namespace properties; the repository in
 * `floe.product.repo` decides ownership. Everything goes through the `Catalog` interface of `@floe/spec`, so the
 * same code claims a namespace in the embedded SQLite catalog, in PostgreSQL, or in an Iceberg REST catalog.
 *
 * Races are decided by the catalog: namespace creation is atomic (exactly one creator wins) and every later change
 * is a compare-and-set on the properties it read, re-read and re-decided when another writer got in first.
 */
import { Catalog, DataProduct, Diagnostic } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

/** The `floe.product.*` namespace properties a registration writes. */
export const PROPERTY = {
  name: "floe.product.name",
  domain: "floe.product.domain",
  owner: "floe.product.owner",
  repo: "floe.product.repo",
  version: "floe.product.version",
  registeredAt: "floe.product.registered_at",
} as const

/** How often a compare-and-set is re-read and retried after losing to another writer before giving up (E605). */
export const MAX_ATTEMPTS = 20

/** A product id split into the catalog namespace it claims. */
export interface ProductId {
  /** `sales.my_product` */
  readonly id: string
  readonly domain: string
  readonly name: string
  /** `["sales", "my_product"]`: two levels, so catalogs that forbid dots inside a level can store it. */
  readonly namespace: readonly [string, string]
}

/** What a product states about itself when it registers (from floe.yaml's `metadata`). */
export interface ProductRegistration {
  /** The product id, e.g. `sales.my_product` (see `productIdOf`). */
  readonly productId: string
  /** floe.yaml `metadata.name` as written (kebab case). */
  readonly name: string
  readonly domain: string
  /** The owner's e-mail address. */
  readonly owner: string
  /** The repository the product lives in, e.g. `github.com/acme/my-product`: the ownership key. */
  readonly repository: string
  readonly version: string
}

/** The registered owner of a namespace, read from its `floe.product.*` properties. */
export interface Owner {
  readonly repository: string
  readonly owner: string | undefined
  readonly version: string | undefined
  readonly registeredAt: string | undefined
}

/**
 * The outcome of the ownership check: `AVAILABLE` (no Floe product owns the namespace), `VALID` (this repository
 * owns it) or `CONFLICT` (another repository owns it).
 */
export type IdentityStatus =
  | { readonly status: "AVAILABLE"; readonly productId: ProductId }
  | { readonly status: "VALID"; readonly productId: ProductId; readonly owner: Owner }
  | { readonly status: "CONFLICT"; readonly productId: ProductId; readonly owner: Owner }

/** What `register` did: `registered` a new namespace, or `updated` / `unchanged` this repository's one. */
export interface RegisterResult {
  readonly productId: ProductId
  readonly action: "registered" | "updated" | "unchanged"
  readonly properties: Catalog.Properties
}

/**
 * The one error of this package: a diagnostic (`FLOE-E6xx`, or the contracts gate's `FLOE-E52x`) in the user's
 * words, with the catalog error underneath when the catalog failed.
 */
export class IdentityError extends Data.TaggedError("IdentityError")<{
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  readonly cause?: Catalog.CatalogError | undefined
}> {
  override get message(): string {
    return this.diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n")
  }
  /** The code of the first diagnostic, e.g. `FLOE-E601`. */
  get code(): string {
    return this.diagnostics[0]?.code ?? "FLOE-E604"
  }
}

/** The product id of a floe.yaml, `{domain}.{name}` with `-` → `_` (the rule of `@floe/spec`'s DataProduct). */
export const productIdOf = (product: Pick<DataProduct.DataProduct, "metadata">): string =>
  DataProduct.productId(product)

/**
 * Splits and checks a product id: two non-empty levels of lower-case letters, digits and `_`, joined by one dot.
 * Fails with E603 otherwise.
 */
export const parseProductId = (productId: string): Effect.Effect<ProductId, IdentityError> => {
  const m = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$/.exec(productId)
  if (m === null || m[1] === undefined || m[2] === undefined) {
    return Effect.fail(
      new IdentityError({
        diagnostics: [
          Diagnostic.make(
            "FLOE-E603",
            `'${productId}' is not a product id: expected {domain}.{name} of lower-case letters, digits and '_'`,
          ),
        ],
      }),
    )
  }
  return Effect.succeed({ id: productId, domain: m[1], name: m[2], namespace: [m[1], m[2]] })
}

/** Wraps a catalog failure as E604 (or E605 when compare-and-set kept losing), naming what was being done. */
export const catalogFailure =
  (doing: string) =>
  (error: Catalog.CatalogError): IdentityError =>
    new IdentityError({
      diagnostics: [
        Diagnostic.make(
          "FLOE-E604",
          `Catalog error while ${doing}: ${error.message} (${error.reason._tag}${error.isRetryable ? ", retryable" : ""})`,
        ),
      ],
      cause: error,
    })

export const contention = (what: string): IdentityError =>
  new IdentityError({
    diagnostics: [
      Diagnostic.make(
        "FLOE-E605",
        `${what}: other writers changed the namespace ${MAX_ATTEMPTS} times in a row while this one tried to update it`,
      ),
    ],
  })

const ownerOf = (properties: Catalog.Properties): Owner | undefined => {
  const repository = properties[PROPERTY.repo]
  if (repository === undefined) return undefined
  return {
    repository,
    owner: properties[PROPERTY.owner],
    version: properties[PROPERTY.version],
    registeredAt: properties[PROPERTY.registeredAt],
  }
}

/** The E601 conflict diagnostic with the lifecycle guide's wording. */
export const conflictDiagnostic = (productId: ProductId, owner: Owner, repository: string): Diagnostic.Diagnostic =>
  Diagnostic.make(
    "FLOE-E601",
    [
      `Namespace '${productId.id}' owned by different repository`,
      `  Owner: ${owner.repository}`,
      `  Expected: ${repository}`,
    ].join("\n"),
    {},
    `Choose a different product name or contact the namespace owner: ${owner.owner ?? "(no owner recorded)"}`,
  )

/** Loads the namespace's properties, or `undefined` when it does not exist. */
const loadProperties = (catalog: Catalog.CatalogShape, namespace: Catalog.Namespace) =>
  catalog.loadNamespace(namespace).pipe(
    Effect.map((info): Catalog.Properties | undefined => info.properties),
    Effect.catchReason("CatalogError", "NotFound", () => Effect.succeed(undefined)),
  )

const decide = (productId: ProductId, repository: string, properties: Catalog.Properties | undefined) => {
  const owner = properties === undefined ? undefined : ownerOf(properties)
  if (owner === undefined) return { status: "AVAILABLE", productId } as const
  if (owner.repository === repository) return { status: "VALID", productId, owner } as const
  return { status: "CONFLICT", productId, owner } as const
}

/**
 * Checks who owns the product's namespace: AVAILABLE when no Floe product has claimed it (it may not exist yet),
 * VALID when `repository` owns it, CONFLICT when another repository does. Reads only. Fails with E603 for a
 * malformed product id and E604 when the catalog fails.
 */
export const validateProductIdentity = Effect.fn("Identity.validateProductIdentity")(function* (
  productId: string,
  repository: string,
) {
  const id = yield* parseProductId(productId)
  const catalog = yield* Catalog.Catalog
  const properties = yield* loadProperties(catalog, id.namespace).pipe(
    Effect.mapError(catalogFailure(`reading namespace '${id.id}'`)),
  )
  return decide(id, repository, properties) as IdentityStatus
})

/**
 * Registers the product: AVAILABLE → creates the domain namespace (if absent) and the product namespace with the
 * `floe.product.*` properties (or claims an existing namespace no product owns); VALID → updates the version
 * metadata by compare-and-set; CONFLICT → fails with E601. When another process wins a race in between, the
 * decision is made again on what it wrote, so of several repositories registering at once exactly one succeeds.
 * Fails with E601, E603, E604 (catalog failure) or E605 (the namespace kept changing).
 */
export const register = Effect.fn("Identity.register")(function* (product: ProductRegistration) {
  const id = yield* parseProductId(product.productId)
  const catalog = yield* Catalog.Catalog
  const failed = catalogFailure(`registering '${id.id}'`)
  const now = new Date(yield* Clock.currentTimeMillis).toISOString()
  const wanted: Record<string, string> = {
    [PROPERTY.name]: product.name,
    [PROPERTY.domain]: product.domain,
    [PROPERTY.owner]: product.owner,
    [PROPERTY.repo]: product.repository,
    [PROPERTY.version]: product.version,
    [PROPERTY.registeredAt]: now,
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const properties = yield* loadProperties(catalog, id.namespace).pipe(Effect.mapError(failed))
    const status = decide(id, product.repository, properties)
    if (status.status === "CONFLICT") {
      return yield* new IdentityError({ diagnostics: [conflictDiagnostic(id, status.owner, product.repository)] })
    }
    if (status.status === "AVAILABLE" && properties === undefined) {
      yield* catalog.createNamespace([id.domain], {}).pipe(
        Effect.catchReason("CatalogError", "AlreadyExists", () => Effect.void),
        Effect.mapError(failed),
      )
      const created = yield* catalog.createNamespace(id.namespace, wanted).pipe(
        Effect.map((info) => info.properties),
        Effect.catchReason("CatalogError", "AlreadyExists", () => Effect.succeed(undefined)),
        Effect.mapError(failed),
      )
      if (created !== undefined) return { productId: id, action: "registered", properties: created } as RegisterResult
      continue // someone else created it first: decide again on what they wrote
    }
    // The namespace exists: claim it (no owner yet) or update our own version, both conditional on what was read.
    const current = properties ?? {}
    const changes: Record<string, string> = { ...wanted }
    if (status.status === "VALID") {
      // Keep the first registration time; only the version metadata moves.
      delete changes[PROPERTY.registeredAt]
      if (Object.entries(changes).every(([k, v]) => current[k] === v)) {
        return { productId: id, action: "unchanged", properties: current } as RegisterResult
      }
    }
    const expected: Record<string, string | null> = {
      [PROPERTY.repo]: current[PROPERTY.repo] ?? null,
      [PROPERTY.version]: current[PROPERTY.version] ?? null,
    }
    const updated = yield* catalog.updateNamespaceProperties(id.namespace, { updates: changes, expected }).pipe(
      Effect.map(() => true),
      Effect.catchReason("CatalogError", "Conflict", () => Effect.succeed(false)),
      // Dropped between our read and write: start again.
      Effect.catchReason("CatalogError", "NotFound", () => Effect.succeed(false)),
      Effect.mapError(failed),
    )
    if (updated) {
      return {
        productId: id,
        action: status.status === "VALID" ? "updated" : "registered",
        properties: { ...current, ...changes },
      } as RegisterResult
    }
  }
  return yield* contention(`Registering '${id.id}'`)
})

/** A registered product as `floe catalog ls` shows it. */
export interface RegisteredProduct {
  readonly productId: string
  readonly name: string | undefined
  readonly owner: Owner
  readonly properties: Catalog.Properties
}

/**
 * Lists every registered product in the catalog: the second-level namespaces whose properties carry
 * `floe.product.repo`, sorted by product id. Fails with E604 when the catalog fails.
 */
export const listProducts = Effect.fn("Identity.listProducts")(function* () {
  const catalog = yield* Catalog.Catalog
  const failed = catalogFailure("listing products")
  const out: Array<RegisteredProduct> = []
  const domains = yield* catalog.listNamespaces().pipe(Effect.mapError(failed))
  for (const domain of domains) {
    const children = yield* catalog.listNamespaces(domain).pipe(
      Effect.catchReason("CatalogError", "NotFound", () => Effect.succeed([])),
      Effect.mapError(failed),
    )
    for (const ns of children) {
      const properties = yield* loadProperties(catalog, ns).pipe(Effect.mapError(failed))
      const owner = properties === undefined ? undefined : ownerOf(properties)
      if (owner === undefined || properties === undefined) continue
      out.push({ productId: ns.join("."), name: properties[PROPERTY.name], owner, properties })
    }
  }
  return out.sort((a, b) =>
    a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0,
  ) as ReadonlyArray<RegisteredProduct>
})
