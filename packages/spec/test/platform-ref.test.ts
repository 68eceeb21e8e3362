import { describe, expect, it } from "vitest"
import { formatOci, type OciRef, parse } from "../src/PlatformRef.ts"

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`

describe("PlatformRef.parse", () => {
  it.each<[string, Omit<OciRef, "_tag">]>([
    [
      "oci://registry.example.com/platform:v1.0.0",
      { registry: "registry.example.com", repository: "platform", tag: "v1.0.0", digest: undefined },
    ],
    [
      "oci://registry.example.com/acme/data/platform:2024.06",
      { registry: "registry.example.com", repository: "acme/data/platform", tag: "2024.06", digest: undefined },
    ],
    [
      "oci://localhost:5000/platform:latest",
      { registry: "localhost:5000", repository: "platform", tag: "latest", digest: undefined },
    ],
    [
      "oci://registry.example.com:443/team/platform",
      { registry: "registry.example.com:443", repository: "team/platform", tag: "latest", digest: undefined },
    ],
    [
      `oci://ghcr.io/acme/platform@${DIGEST}`,
      { registry: "ghcr.io", repository: "acme/platform", tag: undefined, digest: DIGEST },
    ],
    [
      `oci://ghcr.io/acme/platform:v2@${DIGEST}`,
      { registry: "ghcr.io", repository: "acme/platform", tag: "v2", digest: DIGEST },
    ],
    [
      "oci://[::1]:5000/platform:dev",
      { registry: "[::1]:5000", repository: "platform", tag: "dev", digest: undefined },
    ],
    [
      "oci://r.example.com/my_platform-x__y.z:1.0.0-rc.1_b",
      { registry: "r.example.com", repository: "my_platform-x__y.z", tag: "1.0.0-rc.1_b", digest: undefined },
    ],
  ])("parses %s", (ref, expected) => {
    expect(parse(ref)).toEqual({ _tag: "oci", ...expected })
  })

  it("defaults the tag to latest only when there is neither tag nor digest", () => {
    expect(parse("oci://r.example.com/p")).toMatchObject({ tag: "latest", digest: undefined })
    expect(parse(`oci://r.example.com/p@${DIGEST}`)).toMatchObject({ tag: undefined, digest: DIGEST })
  })

  it.each(["../platform/manifest.yaml", "platform.yaml", "./x/y.yml", "/abs/manifest.yaml", "C:\\manifests\\p.yaml"])(
    "treats %s as a file path",
    (ref) => {
      expect(parse(ref)).toEqual({ _tag: "file", path: ref })
    },
  )

  it.each([
    ["", "empty"],
    ["http://registry.example.com/platform.yaml", "http:// is refused"],
    ["https://registry.example.com/platform.yaml", "https:// is refused"],
    ["file:///etc/platform.yaml", "other URL schemes are refused"],
    ["s3://bucket/platform.yaml", "other URL schemes are refused"],
    ["oci://", "no host"],
    ["oci:///platform:v1", "empty host"],
    ["oci://registry.example.com", "no repository"],
    ["oci://registry.example.com/", "empty repository"],
    ["oci://bad_host/platform:v1", "underscore in host"],
    ["oci://-bad.example.com/platform:v1", "label starting with a hyphen"],
    ["oci://bad-.example.com/platform:v1", "label ending with a hyphen"],
    ["oci://registry..example.com/platform:v1", "empty label"],
    [`oci://${"a".repeat(64)}.example.com/platform:v1`, "label longer than 63"],
    ["oci://registry.example.com:port/platform:v1", "non-numeric port"],
    ["oci://registry.example.com:123456/platform:v1", "six-digit port"],
    ["oci://user@registry.example.com/platform:v1", "credentials in the host"],
    ["oci://registry.example.com/Platform:v1", "upper-case repository"],
    ["oci://registry.example.com/plat--form/:v1", "trailing slash in repository"],
    ["oci://registry.example.com/platform:", "empty tag"],
    ["oci://registry.example.com/platform:-v1", "tag starting with a hyphen"],
    [`oci://registry.example.com/platform:${"v".repeat(129)}`, "tag longer than 128"],
    ["oci://registry.example.com/platform@sha256:abc", "short digest"],
    [`oci://registry.example.com/platform@sha512:${"a".repeat(128)}`, "other digest algorithm"],
    [`oci://registry.example.com/platform@sha256:${"A".repeat(64)}`, "upper-case digest"],
    ["oci://registry.example.com/platform:v1\n", "control character"],
    [`../${"x".repeat(1030)}`, "longer than 1024"],
  ])("refuses %j (%s)", (ref) => {
    expect(parse(ref)).toBeUndefined()
  })
})

describe("PlatformRef.formatOci", () => {
  it.each([
    "oci://registry.example.com/platform:v1.0.0",
    "oci://localhost:5000/acme/platform:dev",
    `oci://ghcr.io/acme/platform@${DIGEST}`,
    `oci://ghcr.io/acme/platform:v2@${DIGEST}`,
  ])("round-trips %s", (ref) => {
    const parsed = parse(ref)
    expect(parsed?._tag).toBe("oci")
    if (parsed?._tag === "oci") expect(formatOci(parsed)).toBe(ref)
  })

  it("makes the implied latest tag explicit", () => {
    const parsed = parse("oci://r.example.com/p")
    if (parsed?._tag !== "oci") throw new Error("expected an OCI reference")
    expect(formatOci(parsed)).toBe("oci://r.example.com/p:latest")
  })
})
