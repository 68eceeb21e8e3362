/**
 * Contract versions registered in the catalog: `{domain}.{product}/{contract}:{version}` with its canonical hash.
 * A version is immutable: registering it again with another hash is refused (E602). The latest registered version
 * is what the contracts semver gate compares a new version against, so a breaking change cannot be registered
 * under a minor version.
 *
 * Storage: namespace properties of the product's namespace, so any `Catalog` adapter holds them and one
 * compare-and-set registers a version atomically (tables would need metadata files Floe does not write):
 * - `floe.contract.<contract>.latest` — the newest registered version (the compare-and-set point);
 * - `floe.contract.<contract>@<version>.hash` — `sha256:…` of the canonical contract;
 * - `floe.contract.<contract>@<version>.registered_at` — ISO time;
 * - `floe.contract.<contract>@<version>.doc.<i>` and `.doc.chunks` — the canonical contract JSON, deflated and
 *   base64-encoded in chunks of at most 900 characters (the JDBC layout's values hold 1000), so the gate can diff
 *   against it later.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib"
import { Canonical, Diff, type Odcs } from "@floe/contracts"
import { Catalog, Diagnostic } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { catalogFailure, contention, IdentityError, MAX_ATTEMPTS, PROPERTY, parseProductId } from "./Identity.ts"

const CHUNK = 900

/** A registered contract version. */
export interface RegisteredContract {
  /** `sales.my_product/my_product:1.0.0` */
  readonly ref: string
  readonly contract: string
  readonly version: string
  readonly hash: string
  readonly registeredAt: string | undefined
  /** The contract as registered (canonical form), when its document could be read back. */
  readonly document: Odcs.Contract | undefined
}

/** What `registerContract` did. */
export interface ContractRegistration {
  readonly ref: string
  readonly action: "registered" | "unchanged"
  readonly hash: string
  /** The version it was gated against, when there was one. */
  readonly previous: string | undefined
  /** The gate's changes against the previous version (empty without one). */
  readonly changes: ReadonlyArray<Diff.Change>
}

/** The contract name used in keys and refs: the contract's `name` (else the last part of its id), `-` → `_`. */
export const contractName = (contract: Pick<Odcs.Contract, "name" | "id">): string => {
  const raw = contract.name ?? contract.id.split(".").pop() ?? contract.id
  const name = raw
    .toLowerCase()
    .replaceAll(/[^a-z0-9_]/g, "_")
    .replace(/^_+|_+$/g, "")
  return name.length > 0 ? name : "contract"
}

const key = {
  latest: (c: string) => `floe.contract.${c}.latest`,
  hash: (c: string, v: string) => `floe.contract.${c}@${v}.hash`,
  registeredAt: (c: string, v: string) => `floe.contract.${c}@${v}.registered_at`,
  chunks: (c: string, v: string) => `floe.contract.${c}@${v}.doc.chunks`,
  chunk: (c: string, v: string, i: number) => `floe.contract.${c}@${v}.doc.${i}`,
}

/** `{domain}.{product}/{contract}:{version}` */
export const contractRef = (productId: string, contract: string, version: string): string =>
  `${productId}/${contract}:${version}`

const encodeDocument = (contract: Odcs.Contract): ReadonlyArray<string> => {
  const packed = deflateRawSync(Buffer.from(Canonical.canonicalJson(Canonical.normalise(contract)), "utf8")).toString(
    "base64",
  )
  const parts: Array<string> = []
  for (let i = 0; i < packed.length; i += CHUNK) parts.push(packed.slice(i, i + CHUNK))
  return parts
}

const decodeDocument = (properties: Catalog.Properties, c: string, v: string): Odcs.Contract | undefined => {
  const n = Number(properties[key.chunks(c, v)])
  if (!Number.isInteger(n) || n < 1) return undefined
  let packed = ""
  for (let i = 0; i < n; i++) {
    const part = properties[key.chunk(c, v, i)]
    if (part === undefined) return undefined
    packed += part
  }
  try {
    const value: unknown = JSON.parse(inflateRawSync(Buffer.from(packed, "base64")).toString("utf8"))
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Odcs.Contract) : undefined
  } catch {
    return undefined
  }
}

const read = (properties: Catalog.Properties, productId: string, c: string, v: string): RegisteredContract => ({
  ref: contractRef(productId, c, v),
  contract: c,
  version: v,
  hash: properties[key.hash(c, v)] ?? "",
  registeredAt: properties[key.registeredAt(c, v)],
  document: decodeDocument(properties, c, v),
})

const loadProduct = (productId: string, doing: string) =>
  Effect.gen(function* () {
    const id = yield* parseProductId(productId)
    const catalog = yield* Catalog.Catalog
    const info = yield* catalog.loadNamespace(id.namespace).pipe(
      Effect.catchReason("CatalogError", "NotFound", () =>
        Effect.fail(
          new IdentityError({
            diagnostics: [
              Diagnostic.make(
                "FLOE-E606",
                `Product '${id.id}' is not registered in the catalog, so its contracts cannot be ${doing}`,
              ),
            ],
          }),
        ),
      ),
      Effect.mapError((e) => (e instanceof IdentityError ? e : catalogFailure(`reading '${id.id}'`)(e))),
    )
    return { id, catalog, properties: info.properties }
  })

/**
 * The latest registered version of a product's contract, or `undefined` when none is registered. The semver gate
 * compares a new version against this one. Fails with E603, E604, or E606 when the product is not registered.
 */
export const latestContract = Effect.fn("Identity.latestContract")(function* (productId: string, contract: string) {
  const { id, properties } = yield* loadProduct(productId, "read")
  const version = properties[key.latest(contract)]
  return version === undefined ? undefined : read(properties, id.id, contract, version)
})

/**
 * Every registered contract version of a product, sorted by contract name then version (semver order). Fails with
 * E603, E604, or E606 when the product is not registered.
 */
export const listContracts = Effect.fn("Identity.listContracts")(function* (productId: string) {
  const { id, properties } = yield* loadProduct(productId, "listed")
  return contractsIn(id.id, properties)
})

/** The contract versions recorded in a product namespace's properties (see `listContracts`). Pure. */
export const contractsIn = (productId: string, properties: Catalog.Properties): ReadonlyArray<RegisteredContract> => {
  const out: Array<RegisteredContract> = []
  for (const k of Object.keys(properties)) {
    const m = /^floe\.contract\.([^@]+)@(.+)\.hash$/.exec(k)
    if (m?.[1] !== undefined && m[2] !== undefined) out.push(read(properties, productId, m[1], m[2]))
  }
  const order = (v: string) => Diff.parseVersion(v) ?? [Number.MAX_SAFE_INTEGER, 0, 0]
  return out.sort((a, b) => {
    if (a.contract !== b.contract) return a.contract < b.contract ? -1 : 1
    const x = order(a.version)
    const y = order(b.version)
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0)
  })
}

/**
 * Registers `contract` (its `version` and canonical hash) under the registered product `productId`. The same
 * version with the same hash is `unchanged`; with another hash it fails with E602 (versions are immutable). A new
 * version must pass the semver gate against the latest registered one (E520–E523 from `@floe/contracts`). Written
 * by compare-and-set on the latest version, so concurrent registrations of different versions cannot both pass the
 * gate against the same predecessor. Fails with E602, E52x, E603, E604, E605, or E606 when the product is not
 * registered.
 */
export const registerContract = Effect.fn("Identity.registerContract")(function* (
  productId: string,
  contract: Odcs.Contract,
) {
  const c = contractName(contract)
  const v = contract.version
  const ref = contractRef(productId, c, v)
  const hash = Canonical.hash(contract)
  const doc = encodeDocument(contract)
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { id, catalog, properties } = yield* loadProduct(productId, "registered")
    const failed = catalogFailure(`registering contract ${ref}`)
    const existing = properties[key.hash(c, v)]
    const latest = properties[key.latest(c)]
    if (existing !== undefined) {
      if (existing === hash) {
        return { ref, action: "unchanged", hash, previous: latest, changes: [] } as ContractRegistration
      }
      return yield* new IdentityError({
        diagnostics: [
          Diagnostic.make(
            "FLOE-E602",
            `Contract ${ref} is already registered with a different hash\n  Registered: ${existing}\n  Now:        ${hash}`,
          ),
        ],
      })
    }
    let changes: ReadonlyArray<Diff.Change> = []
    if (latest !== undefined) {
      const before = decodeDocument(properties, c, latest)
      if (before !== undefined) {
        const gate = Diff.gate(before, contract)
        if (!gate.passed) return yield* new IdentityError({ diagnostics: gate.diagnostics })
        changes = gate.changes
      } else if (Diff.bumpOf(latest, v) === "none") {
        // The previous document is unreadable (written by another tool): at least keep versions increasing.
        return yield* new IdentityError({
          diagnostics: [
            Diagnostic.make("FLOE-E522", `version ${latest} → ${v} does not increase the registered version`),
          ],
        })
      }
    }
    const now = new Date(yield* Clock.currentTimeMillis).toISOString()
    const updates: Record<string, string> = {
      [key.hash(c, v)]: hash,
      [key.registeredAt(c, v)]: now,
      [key.chunks(c, v)]: String(doc.length),
    }
    doc.forEach((part, i) => {
      updates[key.chunk(c, v, i)] = part
    })
    // Only move `latest` forward: registering an older patch after a newer one keeps the newer as latest.
    const newer = latest === undefined || (Diff.bumpOf(latest, v) ?? "none") !== "none"
    if (newer) updates[key.latest(c)] = v
    const written = yield* catalog
      .updateNamespaceProperties(id.namespace, {
        updates,
        expected: {
          [key.latest(c)]: latest ?? null,
          [key.hash(c, v)]: null,
          [PROPERTY.repo]: properties[PROPERTY.repo] ?? null,
        },
      })
      .pipe(
        Effect.map(() => true),
        Effect.catchReason("CatalogError", "Conflict", () => Effect.succeed(false)),
        Effect.mapError(failed),
      )
    if (written) return { ref, action: "registered", hash, previous: latest, changes } as ContractRegistration
  }
  return yield* contention(`Registering contract ${ref}`)
})
