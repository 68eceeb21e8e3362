/**
 * @floe/platform-oci — Floe platform manifests as OCI artifacts: resolve, verify, cache and publish.
 */
export * as OciPlatformSource from "./OciPlatformSource.ts"
