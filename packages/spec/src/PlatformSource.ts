/**
 * The `PlatformSource` plugin interface: where platform manifests come from. A source turns a platform reference
 * (`oci://registry/repo:tag`, `oci://…@sha256:…`, or a file path relative to the file that holds the reference)
 * into the manifest's text and the sha256 digest of its bytes. The compiler has the file source built in;
 * `@floe/platform-oci` implements the OCI one. This module declares types and errors only; it does no I/O.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { PlatformRef } from "./PlatformRef.ts"

/** A resolved manifest. */
export interface Resolved {
  /** The manifest YAML, decoded as UTF-8. */
  readonly text: string
  /** `sha256:<hex>` of the manifest's bytes: what a product pins and what the resolved chain records. */
  readonly digest: string
  /**
   * The reference pinned to what was read: for OCI `oci://host/repo@sha256:<manifest digest>` (a tag resolved to
   * the digest it pointed at), for a file its absolute path.
   */
  readonly ref: string
}

export interface ResolveOptions {
  /** The directory of the file that holds the reference; relative file references resolve against it. */
  readonly baseDir: string
  /** File references may not leave this directory (default: `baseDir`). */
  readonly root?: string | undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: one PlatformSourceError, the reason says why.
// ---------------------------------------------------------------------------------------------------------------

/** The reference is malformed, names a scheme this source does not serve, or is a path Floe refuses to read. */
export class InvalidRef extends Schema.TaggedError<InvalidRef>("@floe/spec/PlatformSource/InvalidRef")("InvalidRef", {
  message: Schema.String,
  ref: Schema.String,
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** No manifest at the reference: a missing file, an unknown repository, tag or digest. */
export class NotFound extends Schema.TaggedError<NotFound>("@floe/spec/PlatformSource/NotFound")("NotFound", {
  message: Schema.String,
  ref: Schema.String,
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The registry refused the credentials (or asked for some and none were configured). */
export class Unauthorized extends Schema.TaggedError<Unauthorized>("@floe/spec/PlatformSource/Unauthorized")(
  "Unauthorized",
  { message: Schema.String, ref: Schema.String },
) {
  get isRetryable(): boolean {
    return false
  }
}

/** The bytes received do not hash to the digest that named them. */
export class DigestMismatch extends Schema.TaggedError<DigestMismatch>("@floe/spec/PlatformSource/DigestMismatch")(
  "DigestMismatch",
  { message: Schema.String, ref: Schema.String, expected: Schema.String, actual: Schema.String },
) {
  get isRetryable(): boolean {
    return false
  }
}

/** What was found is not a Floe platform manifest artifact (wrong media type, too large, not UTF-8). */
export class InvalidArtifact extends Schema.TaggedError<InvalidArtifact>("@floe/spec/PlatformSource/InvalidArtifact")(
  "InvalidArtifact",
  { message: Schema.String, ref: Schema.String },
) {
  get isRetryable(): boolean {
    return false
  }
}

/** The registry or file system could not be reached, or answered with a server error. Retryable. */
export class Unavailable extends Schema.TaggedError<Unavailable>("@floe/spec/PlatformSource/Unavailable")(
  "Unavailable",
  { message: Schema.String, ref: Schema.String, cause: Schema.optional(Schema.Defect()) },
) {
  get isRetryable(): boolean {
    return true
  }
}

/** Why resolving (or publishing) a platform manifest failed. */
export type PlatformSourceErrorReason =
  | InvalidRef
  | NotFound
  | Unauthorized
  | DigestMismatch
  | InvalidArtifact
  | Unavailable

/** Schema of the reason union (for encoding errors, e.g. in `--json` output). */
export const PlatformSourceErrorReason = Schema.Union([
  InvalidRef,
  NotFound,
  Unauthorized,
  DigestMismatch,
  InvalidArtifact,
  Unavailable,
])

/** The one error a `PlatformSource` fails with. Catch the tag and branch on `reason._tag`. */
export class PlatformSourceError extends Schema.TaggedError<PlatformSourceError>(
  "@floe/spec/PlatformSource/PlatformSourceError",
)("PlatformSourceError", { reason: PlatformSourceErrorReason }) {
  override get message(): string {
    return this.reason.message
  }

  /** Whether the same request may succeed when retried later. */
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
}

/** Whether `u` is a `PlatformSourceError`. */
export const isPlatformSourceError = (u: unknown): u is PlatformSourceError => u instanceof PlatformSourceError

// ---------------------------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------------------------

/** A source of platform manifests for one reference scheme. */
export interface PlatformSourceShape {
  /** The references this source serves. */
  readonly scheme: PlatformRef["_tag"]
  /**
   * Reads the manifest a reference names and returns its text, the digest of its bytes and the pinned reference.
   * Fails with `PlatformSourceError`: `InvalidRef` for a reference of another scheme or a refused path, `NotFound`,
   * `Unauthorized`, `DigestMismatch`, `InvalidArtifact`, `Unavailable`.
   */
  readonly resolve: (ref: PlatformRef, options: ResolveOptions) => Effect.Effect<Resolved, PlatformSourceError>
}

/**
 * The `PlatformSource` service: the source a host adds to the built-in file source, typically the OCI one from
 * `@floe/platform-oci`. `PlatformSource.of({...})` builds an implementation.
 */
export class PlatformSource extends Context.Service<PlatformSource, PlatformSourceShape>()(
  "@floe/spec/PlatformSource",
) {}

/** The media type of a Floe platform manifest stored as an OCI artifact (its config and its one layer). */
export const MANIFEST_MEDIA_TYPE = "application/vnd.floe.platform.manifest.v1+yaml"

/** Builds a `PlatformSourceError` from one of its reasons. */
export const fail = (reason: PlatformSourceErrorReason): PlatformSourceError => new PlatformSourceError({ reason })
