/**
 * References to platform manifests: `oci://host[:port]/repository[:tag]`, `oci://…@sha256:<digest>`, or a file path
 * (relative to the file that holds the reference).
 */

export interface OciRef {
  readonly _tag: "oci"
  readonly registry: string
  readonly repository: string
  readonly tag: string | undefined
  readonly digest: string | undefined
}

export interface FileRef {
  readonly _tag: "file"
  readonly path: string
}

export type PlatformRef = OciRef | FileRef

const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*(?::\d{1,5})?$|^\[[0-9a-fA-F:]+\](?::\d{1,5})?$/
// The OCI distribution spec's repository name grammar.
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/
const DIGEST = /^sha256:[a-f0-9]{64}$/

/**
 * Parses a platform reference. Returns undefined for anything that is neither a well-formed OCI reference nor a
 * plain file path (other URL schemes, empty strings, control characters).
 */
export const parse = (ref: string): PlatformRef | undefined => {
  if (ref.length === 0 || ref.length > 1024 || /[\u0000-\u001f]/.test(ref)) return undefined
  if (ref.startsWith("oci://")) {
    const rest = ref.slice("oci://".length)
    const slash = rest.indexOf("/")
    if (slash <= 0) return undefined
    const registry = rest.slice(0, slash)
    let path = rest.slice(slash + 1)
    let digest: string | undefined
    let tag: string | undefined
    const at = path.indexOf("@")
    if (at >= 0) {
      digest = path.slice(at + 1)
      path = path.slice(0, at)
      if (!DIGEST.test(digest)) return undefined
    }
    const colon = path.lastIndexOf(":")
    if (colon >= 0) {
      tag = path.slice(colon + 1)
      path = path.slice(0, colon)
      if (!TAG.test(tag)) return undefined
    }
    if (!HOST.test(registry) || !REPOSITORY.test(path)) return undefined
    const port = /:(\d+)$/.exec(registry)?.[1]
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined
    if (tag === undefined && digest === undefined) tag = "latest"
    return { _tag: "oci", registry, repository: path, tag, digest }
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(ref)) return undefined
  return { _tag: "file", path: ref }
}

/** Renders an OCI reference back to its `oci://` form. */
export const formatOci = (ref: OciRef): string =>
  `oci://${ref.registry}/${ref.repository}${ref.tag === undefined ? "" : `:${ref.tag}`}${ref.digest === undefined ? "" : `@${ref.digest}`}`
