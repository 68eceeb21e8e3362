/**
 * The `Catalog` plugin interface: namespaces with string properties and tables registered by metadata location,
 * shaped after the Iceberg catalog API. `@floe/identity` claims product namespaces and registers contract versions
 * through it; adapters (`@floe/catalog-sql`, `@floe/catalog-rest`, the in-memory one in `@floe/spec/testing`)
 * implement it and run the shared conformance suite. This module declares types and errors only; it does no I/O.
 *
 * Semantics every adapter keeps:
 * - A namespace is a non-empty array of non-empty levels (`["sales", "orders"]`). Creating a child requires its
 *   parent to exist; creation is atomic, so of several concurrent creators exactly one succeeds.
 * - Dropping a namespace fails with `NotEmpty` while it holds tables or child namespaces.
 * - `updateNamespaceProperties` may carry `expected` values: the update applies only when the current values match
 *   (compare-and-set), otherwise it fails with `Conflict` and changes nothing.
 * - `commitTable` swaps the metadata location only when the current one equals `expectedMetadataLocation`.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** A namespace: its levels from the root, e.g. `["sales", "my_product"]`. */
export type Namespace = ReadonlyArray<string>

/** A table: the namespace that holds it and its name within that namespace. */
export interface TableIdentifier {
  readonly namespace: Namespace
  readonly name: string
}

/** Namespace properties: string keys to string values. */
export type Properties = Readonly<Record<string, string>>

/** A namespace as loaded: its levels and its user-visible properties (adapter bookkeeping keys are hidden). */
export interface NamespaceInfo {
  readonly namespace: Namespace
  readonly properties: Properties
}

/** A registered table and where its current (and, after a commit, previous) metadata file lives. */
export interface TableInfo {
  readonly identifier: TableIdentifier
  readonly metadataLocation: string
  readonly previousMetadataLocation?: string
  /**
   * Storage properties the catalog vends for the table's location (an Iceberg REST catalog's `storage-credentials`
   * for the longest matching prefix, else its table `config`), e.g. `s3.access-key-id`. Writers pass them on.
   */
  readonly storage?: Properties
}

/** The change `updateNamespaceProperties` applies. A key may not appear in both `updates` and `removals`. */
export interface PropertiesUpdate {
  readonly updates?: Properties
  readonly removals?: ReadonlyArray<string>
  /**
   * Compare-and-set precondition: for each key, the value it must currently have, or `null` when it must be absent.
   * Checked atomically with the update; a mismatch fails with `Conflict` and changes nothing.
   */
  readonly expected?: Readonly<Record<string, string | null>>
}

/** What `updateNamespaceProperties` did, keys sorted: set, removed, and asked to remove but absent. */
export interface PropertiesUpdateResult {
  readonly updated: ReadonlyArray<string>
  readonly removed: ReadonlyArray<string>
  readonly missing: ReadonlyArray<string>
}

/** The compare-and-set `commitTable` performs. */
export interface TableCommit {
  readonly expectedMetadataLocation: string
  readonly newMetadataLocation: string
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: one CatalogError, the reason says why.
// ---------------------------------------------------------------------------------------------------------------

const Entity = Schema.Literals(["namespace", "table"])

/** The namespace or table does not exist (or, for a child namespace, its parent does not). Not retryable. */
export class NotFound extends Schema.TaggedError<NotFound>("@floe/spec/Catalog/NotFound")("NotFound", {
  message: Schema.String,
  entity: Entity,
  name: Schema.String,
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** Another writer created the namespace or table first. Not retryable. */
export class AlreadyExists extends Schema.TaggedError<AlreadyExists>("@floe/spec/Catalog/AlreadyExists")(
  "AlreadyExists",
  { message: Schema.String, entity: Entity, name: Schema.String },
) {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * A compare-and-set precondition did not hold: the expected property values or metadata location differ from the
 * current ones. Retrying the same request fails again; reload, recompute and try anew.
 */
export class Conflict extends Schema.TaggedError<Conflict>("@floe/spec/Catalog/Conflict")("Conflict", {
  message: Schema.String,
  entity: Entity,
  name: Schema.String,
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The namespace still holds tables or child namespaces. Not retryable. */
export class NotEmpty extends Schema.TaggedError<NotEmpty>("@floe/spec/Catalog/NotEmpty")("NotEmpty", {
  message: Schema.String,
  name: Schema.String,
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The catalog's backing store cannot be reached or opened. Retryable. */
export class Connection extends Schema.TaggedError<Connection>("@floe/spec/Catalog/Connection")("Connection", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect()),
}) {
  get isRetryable(): boolean {
    return true
  }
}

/** The store is reachable but busy: locked, overloaded, or too many serialization retries. Retryable. */
export class Unavailable extends Schema.TaggedError<Unavailable>("@floe/spec/Catalog/Unavailable")("Unavailable", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect()),
}) {
  get isRetryable(): boolean {
    return true
  }
}

/** The credentials are missing, wrong, or lack the permission for the operation. Not retryable. */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>("@floe/spec/Catalog/PermissionDenied")(
  "PermissionDenied",
  { message: Schema.String, cause: Schema.optional(Schema.Defect()) },
) {
  get isRetryable(): boolean {
    return false
  }
}

/** The request itself is malformed: an empty namespace level, a reserved property key, a value too long. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>("@floe/spec/Catalog/InvalidInput")("InvalidInput", {
  message: Schema.String,
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** Anything the adapter could not classify. Not retryable. */
export class Unknown extends Schema.TaggedError<Unknown>("@floe/spec/Catalog/Unknown")("Unknown", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect()),
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** Why a catalog operation failed. */
export type CatalogErrorReason =
  | NotFound
  | AlreadyExists
  | Conflict
  | NotEmpty
  | Connection
  | Unavailable
  | PermissionDenied
  | InvalidInput
  | Unknown

/** Schema of the reason union (for encoding errors, e.g. in `--json` output). */
export const CatalogErrorReason = Schema.Union([
  NotFound,
  AlreadyExists,
  Conflict,
  NotEmpty,
  Connection,
  Unavailable,
  PermissionDenied,
  InvalidInput,
  Unknown,
])

/**
 * The one error every `Catalog` operation fails with. Catch the tag `CatalogError` and branch on `reason._tag`, or
 * use `Effect.catchReason("CatalogError", "AlreadyExists", …)`.
 */
export class CatalogError extends Schema.TaggedError<CatalogError>("@floe/spec/Catalog/CatalogError")("CatalogError", {
  reason: CatalogErrorReason,
}) {
  override get message(): string {
    return this.reason.message
  }

  /** Whether the same request may succeed when retried later. */
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
}

/** Whether `u` is a `CatalogError`. */
export const isCatalogError = (u: unknown): u is CatalogError => u instanceof CatalogError

// ---------------------------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------------------------

/** The operations of a catalog. Every operation fails only with `CatalogError`. */
export interface CatalogShape {
  /**
   * Creates a namespace with `properties` (default none). Atomic: of concurrent creators exactly one succeeds, the
   * others fail with `AlreadyExists`. Fails `NotFound` when a multi-level namespace's parent does not exist.
   */
  readonly createNamespace: (
    namespace: Namespace,
    properties?: Properties,
  ) => Effect.Effect<NamespaceInfo, CatalogError>
  /** Loads a namespace's properties. Fails `NotFound`. */
  readonly loadNamespace: (namespace: Namespace) => Effect.Effect<NamespaceInfo, CatalogError>
  /**
   * Lists the direct children of `parent`, or the top-level namespaces without one, sorted. Fails `NotFound` when
   * `parent` does not exist.
   */
  readonly listNamespaces: (parent?: Namespace) => Effect.Effect<ReadonlyArray<Namespace>, CatalogError>
  /** Drops an empty namespace. Fails `NotFound`, or `NotEmpty` while it holds tables or child namespaces. */
  readonly dropNamespace: (namespace: Namespace) => Effect.Effect<void, CatalogError>
  /**
   * Sets and removes properties atomically, after checking `expected` (compare-and-set). Fails `NotFound`,
   * `Conflict` when an expected value differs, `InvalidInput` when a key is both updated and removed.
   */
  readonly updateNamespaceProperties: (
    namespace: Namespace,
    update: PropertiesUpdate,
  ) => Effect.Effect<PropertiesUpdateResult, CatalogError>
  /**
   * Registers a table whose metadata lives at `metadataLocation`. Fails `NotFound` when the namespace does not
   * exist, `AlreadyExists` when the table does.
   */
  readonly registerTable: (
    identifier: TableIdentifier,
    metadataLocation: string,
  ) => Effect.Effect<TableInfo, CatalogError>
  /** Loads a table's metadata location. Fails `NotFound`. */
  readonly loadTable: (identifier: TableIdentifier) => Effect.Effect<TableInfo, CatalogError>
  /** Lists the tables directly in `namespace`, sorted by name. Fails `NotFound` when the namespace does not exist. */
  readonly listTables: (namespace: Namespace) => Effect.Effect<ReadonlyArray<TableIdentifier>, CatalogError>
  /** Removes a table from the catalog (its files are left alone). Fails `NotFound`. */
  readonly dropTable: (identifier: TableIdentifier) => Effect.Effect<void, CatalogError>
  /**
   * Points the table at `newMetadataLocation` if it still points at `expectedMetadataLocation`; the old location
   * becomes `previousMetadataLocation`. Of concurrent commits from the same base exactly one wins. Fails `NotFound`,
   * or `Conflict` when the current location differs.
   */
  readonly commitTable: (identifier: TableIdentifier, commit: TableCommit) => Effect.Effect<TableInfo, CatalogError>
}

/** The `Catalog` service. Adapters provide it; `Catalog.of({...})` builds an implementation. */
export class Catalog extends Context.Service<Catalog, CatalogShape>()("@floe/spec/Catalog") {}

// ---------------------------------------------------------------------------------------------------------------
// Helpers adapters share (pure)
// ---------------------------------------------------------------------------------------------------------------

/** The namespace as people write it: levels joined with `.`. For messages only; levels may themselves hold dots. */
export const formatNamespace = (namespace: Namespace): string => namespace.join(".")

/** The table as people write it: `namespace.name`. For messages only. */
export const formatTable = (identifier: TableIdentifier): string => [...identifier.namespace, identifier.name].join(".")

/** Builds a `CatalogError` whose reason is `NotFound`. */
export const notFound = (entity: "namespace" | "table", name: string, message?: string): CatalogError =>
  new CatalogError({
    reason: new NotFound({ entity, name, message: message ?? `${capitalize(entity)} '${name}' does not exist` }),
  })

/** Builds a `CatalogError` whose reason is `AlreadyExists`. */
export const alreadyExists = (entity: "namespace" | "table", name: string): CatalogError =>
  new CatalogError({
    reason: new AlreadyExists({ entity, name, message: `${capitalize(entity)} '${name}' already exists` }),
  })

/** Builds a `CatalogError` whose reason is `Conflict`. */
export const conflict = (entity: "namespace" | "table", name: string, message: string): CatalogError =>
  new CatalogError({ reason: new Conflict({ entity, name, message }) })

/** Builds a `CatalogError` whose reason is `NotEmpty`. */
export const notEmpty = (name: string, message?: string): CatalogError =>
  new CatalogError({ reason: new NotEmpty({ name, message: message ?? `Namespace '${name}' is not empty` }) })

/** Builds a `CatalogError` whose reason is `InvalidInput`. */
export const invalidInput = (message: string): CatalogError =>
  new CatalogError({ reason: new InvalidInput({ message }) })

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

/**
 * Checks the shape every adapter requires of a namespace: at least one level, no empty level. Returns the
 * `InvalidInput` error, or `undefined` when the namespace is well-formed.
 */
export const checkNamespace = (namespace: Namespace): CatalogError | undefined => {
  if (!Array.isArray(namespace) || namespace.length === 0) return invalidInput("A namespace needs at least one level")
  for (const level of namespace) {
    if (typeof level !== "string" || level.length === 0) {
      return invalidInput(`Namespace '${formatNamespace(namespace)}' has an empty level`)
    }
  }
  return undefined
}

/** Checks a table identifier: a well-formed namespace and a non-empty name. */
export const checkTable = (identifier: TableIdentifier): CatalogError | undefined =>
  checkNamespace(identifier.namespace) ??
  (typeof identifier.name !== "string" || identifier.name.length === 0
    ? invalidInput(`Table name in '${formatNamespace(identifier.namespace)}' is empty`)
    : undefined)

/**
 * Checks a properties update: keys non-empty, no key both updated and removed, values strings. Returns the
 * `InvalidInput` error or `undefined`.
 */
export const checkUpdate = (update: PropertiesUpdate): CatalogError | undefined => {
  const removals = new Set(update.removals ?? [])
  for (const [key, value] of Object.entries(update.updates ?? {})) {
    if (key.length === 0) return invalidInput("A property key is empty")
    if (typeof value !== "string") return invalidInput(`Property '${key}' must be a string`)
    if (removals.has(key)) return invalidInput(`Property '${key}' is both updated and removed`)
  }
  for (const key of removals) if (key.length === 0) return invalidInput("A property key to remove is empty")
  return undefined
}

/** Compares namespaces level by level, for sorting. */
export const compareNamespaces = (a: Namespace, b: Namespace): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? ""
    const y = b[i] ?? ""
    if (x !== y) return x < y ? -1 : 1
  }
  return a.length - b.length
}

/** Checks a metadata location: a non-empty string. */
export const checkLocation = (location: string): CatalogError | undefined =>
  typeof location === "string" && location.length > 0 ? undefined : invalidInput("A metadata location is empty")

/**
 * The first `expected` property that does not hold in `current`, described for a `Conflict` message, or
 * `undefined` when all hold. `null` expects the key to be absent.
 */
export const firstMismatch = (
  current: ReadonlyMap<string, string>,
  expected: Readonly<Record<string, string | null>>,
): string | undefined => {
  const show = (v: string | null | undefined) => (v === null || v === undefined ? "absent" : `'${v}'`)
  for (const [key, want] of Object.entries(expected)) {
    const have = current.get(key)
    if (want === null ? have !== undefined : have !== want)
      return `Property '${key}' is ${show(have)}, expected ${show(want)}`
  }
  return undefined
}
