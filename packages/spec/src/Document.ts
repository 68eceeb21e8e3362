/**
 * Decoding Floe's YAML files into typed values with positioned diagnostics: `floe.yaml` (DataProduct) and platform
 * manifests. Pure: the caller supplies the bytes; `Loader` reads them from disk.
 */
import type { z } from "zod"
import { API_VERSION, DataProduct } from "./DataProduct.ts"
import { type Diagnostic, hasErrors, make, sort } from "./Diagnostic.ts"
import { formatPath, toDiagnostics } from "./internal/issues.ts"
import { credentialIn, isEnvironmentKey, isSecretKey, normaliseKey } from "./internal/secrets.ts"
import { PlatformManifest } from "./PlatformManifest.ts"
import * as Yaml from "./Yaml.ts"

/** The outcome of decoding a file: the value when there are no errors, and every diagnostic found. */
export interface Decoded<T> {
  readonly value: T | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /** The parsed YAML with positions, for callers that report further diagnostics against the same file. */
  readonly source: Yaml.YamlSource | undefined
}

type FileKind = "DataProduct" | "Manifest"

const KIND_FILES: Readonly<Record<FileKind, string>> = { DataProduct: "floe.yaml", Manifest: "a platform manifest" }

const checkHeader = (source: Yaml.YamlSource, kind: FileKind): Array<Diagnostic> => {
  const value = source.value as Record<string, unknown>
  const out: Array<Diagnostic> = []
  if (value.apiVersion !== undefined && value.apiVersion !== API_VERSION) {
    out.push(
      make(
        "FLOE-E107",
        `apiVersion ${JSON.stringify(value.apiVersion)} is not supported; this Floe reads ${API_VERSION}`,
        Yaml.locate(source, ["apiVersion"]),
      ),
    )
  }
  if (value.kind !== undefined && value.kind !== kind) {
    const other = (Object.keys(KIND_FILES) as Array<FileKind>).find((k) => k === value.kind)
    out.push(
      make(
        "FLOE-E107",
        `kind ${JSON.stringify(value.kind)} where ${KIND_FILES[kind]} needs kind: ${kind}`,
        Yaml.locate(source, ["kind"]),
        other
          ? `This looks like ${KIND_FILES[other]}; pass it where one is expected, or set kind: ${kind}.`
          : undefined,
      ),
    )
  }
  return out
}

/** Secret and environment-specific keys, and credential-looking values, in floe.yaml. */
const scanProduct = (source: Yaml.YamlSource, reported: Set<string>): Array<Diagnostic> => {
  const out: Array<Diagnostic> = []
  Yaml.forEachKey(source, (key, path) => {
    const parent = path[path.length - 2]
    // Column lists name data, not settings; labels are free-form metadata where only secrets are refused.
    if (parent === "columns") return "skip"
    const secret = isSecretKey(key)
    const environment = !secret && parent !== "labels" && isEnvironmentKey(key)
    if (secret || environment) {
      reported.add(formatPath(path))
      out.push(
        make(
          "FLOE-E130",
          secret
            ? `\`${formatPath(path)}\` holds a secret; floe.yaml is committed and must hold no secrets`
            : `\`${formatPath(path)}\` is an environment-specific connection setting; floe.yaml describes the product only`,
          Yaml.locate(source, path, "key"),
          secret
            ? `Remove \`${key}\` and keep the value in an environment variable; the platform manifest names it with \`${normaliseKey(key)}_env: VARIABLE\` under plugins.<kind>.config.`
            : `Move \`${key}\` to the platform manifest under plugins.<kind>.config (for example plugins.compute.config.${normaliseKey(key)}).`,
        ),
      )
      return "skip"
    }
    return undefined
  })
  out.push(...scanCredentials(source))
  return out
}

const scanCredentials = (source: Yaml.YamlSource): Array<Diagnostic> => {
  const out: Array<Diagnostic> = []
  Yaml.forEachString(source, (value, path) => {
    const what = credentialIn(value)
    if (what !== undefined) {
      out.push(make("FLOE-E131", `\`${formatPath(path)}\` holds ${what}`, Yaml.locate(source, path)))
    }
  })
  return out
}

const NAME_KEYED: ReadonlySet<string> = new Set(["custom_patterns", "layer_thresholds"])

/** Secrets written directly into a manifest (anywhere; `*_env` keys are the allowed way to name them). */
const scanManifest = (source: Yaml.YamlSource, reported: Set<string>): Array<Diagnostic> => {
  const out: Array<Diagnostic> = []
  Yaml.forEachKey(source, (key, path, value) => {
    // Maps keyed by folder or layer names hold data, not settings: a folder may well be called `secrets`.
    if (NAME_KEYED.has(String(path[path.length - 2] ?? ""))) return undefined
    if (!isSecretKey(key)) return undefined
    reported.add(formatPath(path))
    out.push(
      make(
        "FLOE-E132",
        `\`${formatPath(path)}\` sets a secret${typeof value === "string" && value.length > 0 ? " in clear text" : ""}; manifests are published and must hold no secrets`,
        Yaml.locate(source, path, "key"),
        `Replace \`${key}: …\` with \`${normaliseKey(key)}_env: NAME_OF_ENV_VAR\` and set that variable where Floe runs.`,
      ),
    )
    return "skip"
  })
  out.push(...scanCredentials(source))
  return out
}

const decodeWith = <S extends z.ZodType>(
  schema: S,
  kind: FileKind,
  scan: (source: Yaml.YamlSource, reported: Set<string>) => Array<Diagnostic>,
  input: string | Uint8Array,
  file: string,
): Decoded<z.output<S>> => {
  const parsed = Yaml.parse(input, file)
  const source = parsed.source
  if (source === undefined) return { value: undefined, diagnostics: parsed.diagnostics, source: undefined }
  const header = checkHeader(source, kind)
  if (header.length > 0) return { value: undefined, diagnostics: sort(header), source }
  const reported = new Set<string>()
  const diagnostics = scan(source, reported)
  const result = schema.safeParse(source.value, { reportInput: true })
  if (!result.success) diagnostics.push(...toDiagnostics(result.error.issues, source, schema, reported))
  const sorted = sort(diagnostics)
  return { value: result.success && !hasErrors(sorted) ? result.data : undefined, diagnostics: sorted, source }
}

/**
 * Decodes a `floe.yaml`. Reports YAML problems (E101–E106), header problems (E107), schema problems (E110–E129
 * with "did you mean" for near misses), secrets and environment settings (E130, E131). Never throws.
 */
export const decodeProduct = (input: string | Uint8Array, file = "floe.yaml"): Decoded<DataProduct> =>
  decodeWith(DataProduct, "DataProduct", scanProduct, input, file)

/**
 * Decodes a platform manifest. Reports the same YAML and schema problems as `decodeProduct`, and secrets written
 * into the manifest (E132) or credentials in values (E131). Never throws.
 */
export const decodeManifest = (input: string | Uint8Array, file = "platform.yaml"): Decoded<PlatformManifest> =>
  decodeWith(PlatformManifest, "Manifest", scanManifest, input, file)
