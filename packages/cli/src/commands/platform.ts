/**
 * `floe platform push FILE oci://…` publishes a platform manifest to an OCI registry; `floe platform resolve REF`
 * resolves a manifest (file or oci://) and its parents and prints the chain, the mode and the effective rules.
 * Registry credentials come from FLOE_REGISTRY_USERNAME / FLOE_REGISTRY_PASSWORD or FLOE_REGISTRY_TOKEN; the
 * digest cache is FLOE_PLATFORM_CACHE, else $XDG_CACHE_HOME/floe/platforms or ~/.cache/floe/platforms.
 */
import { readFile } from "node:fs/promises"
import { resolve as resolvePath } from "node:path"
import { Platform } from "@floe/compiler"
import { OciPlatformSource } from "@floe/platform-oci"
import { Diagnostic, Document, PlatformRef } from "@floe/spec"
import * as Effect from "effect/Effect"
import { suggest, UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { platform as nodePlatform, ociConfig } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import { renderDiagnostics } from "../Render.ts"

type Args = { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> }

const SUBCOMMANDS = ["push", "resolve"]

const push = async (file: string, target: string, json: boolean, io: Io): Promise<number> => {
  const ref = PlatformRef.parse(target)
  if (ref?._tag !== "oci" || ref.digest !== undefined || !/:[^/]+$/.test(target.slice("oci://".length))) {
    throw new UsageError(`push needs a tagged target such as oci://registry.example.com/platform:1.0.0, got ${target}`)
  }
  let bytes: Uint8Array
  try {
    bytes = await readFile(resolvePath(io.cwd, file))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const d = Diagnostic.make("FLOE-E100", `${file} ${code === "ENOENT" ? "does not exist" : "cannot be read"}`, {
      file,
    })
    io.stdout(json ? `${JSON.stringify({ pushed: false, diagnostics: [d] })}\n` : `${renderDiagnostics([d], io)}\n`)
    return ExitCode.failed
  }
  const decoded = Document.decodeManifest(bytes, file)
  if (decoded.value === undefined) {
    io.stdout(
      json
        ? `${JSON.stringify({ pushed: false, diagnostics: decoded.diagnostics })}\n`
        : `${renderDiagnostics(decoded.diagnostics, io)}\n\n${style.red(io.color, "Push FAILED")}: ${file} has errors\n`,
    )
    return ExitCode.failed
  }
  const text = new TextDecoder().decode(bytes)
  const result = await Effect.runPromise(
    Effect.result(
      Effect.flatMap(OciPlatformSource.make(ociConfig(process.env, false)), (oci) => oci.push(ref, text)).pipe(
        Effect.provide(nodePlatform),
      ),
    ),
  )
  if (result._tag === "Failure") {
    const e = result.failure
    if (json) io.stdout(`${JSON.stringify({ pushed: false, error: { reason: e.reason._tag, message: e.message } })}\n`)
    else io.stdout(`${style.red(io.color, "Push FAILED")}: ${e.message}\n`)
    return ExitCode.failed
  }
  const p = result.success
  const m = decoded.value.metadata
  if (json) {
    io.stdout(
      `${JSON.stringify({ pushed: true, name: m.name, version: m.version, scope: decoded.value.scope, target, ...p })}\n`,
    )
  } else {
    io.stdout(
      [
        `${style.green(io.color, "✓")} Pushed ${m.name} ${m.version} (${decoded.value.scope}) to ${target}`,
        `  manifest digest: ${p.manifestDigest}`,
        `  content digest:  ${p.digest} (${p.size} bytes)`,
        `  pin it with:     ${p.ref}`,
        "",
      ].join("\n"),
    )
  }
  return ExitCode.ok
}

const resolve = async (ref: string, offline: boolean, json: boolean, io: Io): Promise<number> => {
  if (PlatformRef.parse(ref) === undefined) {
    throw new UsageError(`${ref} is neither oci://host/repository:tag nor a file path`)
  }
  const resolution = await Effect.runPromise(
    Effect.flatMap(OciPlatformSource.make(ociConfig(process.env, offline)), (oci) =>
      Platform.resolve(ref, { baseDir: io.cwd, root: io.cwd, sources: [oci], location: { file: "<command line>" } }),
    ).pipe(Effect.provide(nodePlatform)),
  )
  const p = resolution.platform
  const ok = p !== undefined && !Diagnostic.hasErrors(resolution.diagnostics)
  if (json) {
    io.stdout(
      `${JSON.stringify({
        resolved: ok,
        mode: p?.mode ?? null,
        chain: p?.chain ?? [],
        governance: p?.governance ?? null,
        plugins: p?.plugins ?? null,
        approved_plugins: p?.approvedPlugins ?? null,
        approved_products: p?.approvedProducts ?? null,
        diagnostics: resolution.diagnostics,
      })}\n`,
    )
    return ok ? ExitCode.ok : ExitCode.failed
  }
  const lines: Array<string> = []
  if (p !== undefined) {
    lines.push(`${style.bold(io.color, "Inheritance:")} ${Platform.describeChain(p)}  (mode: ${p.mode})`)
    for (const e of [...p.chain].reverse()) {
      lines.push(
        `  ${e.scope.padEnd(10)} ${e.name} ${e.version}`,
        `             ${e.resolved}`,
        `             ${e.digest}`,
      )
    }
    const g = p.governance
    lines.push(
      style.bold(io.color, "Effective rules:"),
      `  naming:          ${g.naming.pattern} (${g.naming.enforcement})`,
      `  quality gates:   ${g.quality_gates.minimum_test_coverage === undefined ? "no minimum" : `${g.quality_gates.minimum_test_coverage}% coverage`}${Object.entries(
        g.quality_gates.layer_thresholds,
      )
        .map(([l, v]) => `, ${l} ${v}%`)
        .join(
          "",
        )}${g.quality_gates.require_descriptions ? ", descriptions required" : ""} (${g.quality_gates.enforcement})`,
      `  classification:  ${g.classification.pii_patterns.length} PII pattern(s)${g.classification.require_classification ? ", required" : ""} (${g.classification.enforcement})`,
      `  data contracts:  ${g.data_contracts.required ? "required" : "optional"} (${g.data_contracts.enforcement})`,
    )
  }
  if (resolution.diagnostics.length > 0) lines.push(renderDiagnostics(resolution.diagnostics, io))
  lines.push(ok ? style.green(io.color, "Platform RESOLVED") : style.red(io.color, "Platform resolution FAILED"), "")
  io.stdout(lines.join("\n"))
  return ok ? ExitCode.ok : ExitCode.failed
}

/** Dispatches `floe platform push|resolve`. Usage errors throw `UsageError` (exit 2). */
export const platform = async (args: Args, io: Io): Promise<number> => {
  const [sub, ...rest] = args.positionals
  const json = args.flags.has("json")
  if (sub === "push") {
    if (rest.length !== 2) throw new UsageError("usage: floe platform push FILE oci://host/repository:tag")
    return push(rest[0] ?? "", rest[1] ?? "", json, io)
  }
  if (sub === "resolve") {
    if (rest.length !== 1) throw new UsageError("usage: floe platform resolve REF")
    return resolve(rest[0] ?? "", args.flags.has("offline"), json, io)
  }
  throw new UsageError(
    sub === undefined
      ? "floe platform needs a subcommand: push or resolve"
      : `unknown subcommand '${sub}'${suggest(sub, SUBCOMMANDS)}`,
  )
}
