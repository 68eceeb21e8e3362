/**
 * `floe contract lint FILE`, `floe contract diff OLD NEW` and `floe contract fmt FILE --to odcs`: the
 * @floe/contracts operations on single files, rendered as text or, with --json, as one JSON object.
 */
import { readFile, writeFile } from "node:fs/promises"
import { resolve } from "node:path"
import { Canonical, Diff, Format, Lint } from "@floe/contracts"
import { Diagnostic } from "@floe/spec"
import { suggest, UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { type Io, style } from "../Io.ts"
import { renderDiagnostics } from "../Render.ts"

type Args = { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> }

const SUBCOMMANDS = ["lint", "diff", "fmt"]

const read = async (
  file: string,
  io: Io,
): Promise<{ readonly bytes: Uint8Array | undefined; readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic> }> => {
  try {
    return { bytes: await readFile(resolve(io.cwd, file)), diagnostics: [] }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory, not a file" : "cannot be read"
    return { bytes: undefined, diagnostics: [Diagnostic.make("FLOE-E100", `${file} ${why}`, { file })] }
  }
}

const lintFile = async (file: string, io: Io): Promise<Lint.Linted | ReadonlyArray<Diagnostic.Diagnostic>> => {
  const r = await read(file, io)
  return r.bytes === undefined ? r.diagnostics : Lint.lint(r.bytes, file)
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`

const summary = (diagnostics: ReadonlyArray<Diagnostic.Diagnostic>): string => {
  const errors = diagnostics.filter((d) => d.severity === "error").length
  return count(errors, "error")
}

const lint = async (file: string, json: boolean, io: Io): Promise<number> => {
  const r = await lintFile(file, io)
  const linted = Array.isArray(r) ? undefined : (r as Lint.Linted)
  const diagnostics = linted?.diagnostics ?? (r as ReadonlyArray<Diagnostic.Diagnostic>)
  const contract = linted?.contract
  const valid = contract !== undefined
  if (json) {
    io.stdout(
      `${JSON.stringify({
        file,
        valid,
        apiVersion: contract?.apiVersion ?? null,
        shorthand: linted?.shorthand ?? false,
        hash: contract ? Canonical.hash(contract) : null,
        diagnostics,
      })}\n`,
    )
    return valid ? ExitCode.ok : ExitCode.failed
  }
  const c = io.color
  const lines: Array<string> = []
  if (contract) lines.push(`${style.green(c, "✓")} ${file} valid (ODCS ${contract.apiVersion})`)
  else lines.push(`${style.red(c, "✗")} ${file}: ${summary(diagnostics)}`)
  if (diagnostics.length > 0) lines.push(renderDiagnostics(diagnostics, io))
  io.stdout(`${lines.join("\n")}\n`)
  return valid ? ExitCode.ok : ExitCode.failed
}

const LEVEL_LABEL: Readonly<Record<Diff.Level, string>> = { major: "MAJOR", minor: "MINOR", patch: "PATCH" }

const diff = async (oldFile: string, newFile: string, json: boolean, io: Io): Promise<number> => {
  const [a, b] = await Promise.all([lintFile(oldFile, io), lintFile(newFile, io)])
  const la = Array.isArray(a) ? undefined : (a as Lint.Linted)
  const lb = Array.isArray(b) ? undefined : (b as Lint.Linted)
  if (la?.contract === undefined || lb?.contract === undefined) {
    const diagnostics = [
      ...(la?.diagnostics ?? (a as ReadonlyArray<Diagnostic.Diagnostic>)),
      ...(lb?.diagnostics ?? (b as ReadonlyArray<Diagnostic.Diagnostic>)),
    ].filter((d) => d.severity === "error")
    if (json) io.stdout(`${JSON.stringify({ passed: false, changes: [], requiredBump: null, diagnostics })}\n`)
    else
      io.stdout(
        `${style.red(io.color, "✗")} cannot diff: ${summary(diagnostics)}\n${renderDiagnostics(diagnostics, io)}\n`,
      )
    return ExitCode.failed
  }
  const g = Diff.gate(la.contract, lb.contract, { file: newFile, locate: lb.locate })
  if (json) {
    io.stdout(
      `${JSON.stringify({
        old: { file: oldFile, version: la.contract.version },
        new: { file: newFile, version: lb.contract.version },
        changes: g.changes,
        requiredBump: g.requiredBump,
        actualBump: g.actualBump ?? null,
        passed: g.passed,
        diagnostics: g.diagnostics,
      })}\n`,
    )
    return g.passed ? ExitCode.ok : ExitCode.failed
  }
  const c = io.color
  const lines = [`${style.bold(c, `${oldFile} ${la.contract.version} → ${newFile} ${lb.contract.version}`)}`]
  if (g.changes.length === 0) lines.push("  no changes")
  for (const ch of g.changes) {
    const label = LEVEL_LABEL[ch.level]
    const colored = ch.level === "major" ? style.red(c, label) : ch.level === "minor" ? style.yellow(c, label) : label
    lines.push(`  ${colored}  ${ch.message}`)
  }
  lines.push(
    "",
    `requiredBump: ${g.requiredBump}${g.actualBump === undefined ? "" : ` (version bump: ${g.actualBump})`}`,
  )
  if (g.passed) lines.push(`${style.green(c, "✓")} version satisfies the semver gate`)
  else lines.push(`${style.red(c, "✗")} version does not satisfy the semver gate`, renderDiagnostics(g.diagnostics, io))
  io.stdout(`${lines.join("\n")}\n`)
  return g.passed ? ExitCode.ok : ExitCode.failed
}

const fmt = async (file: string, json: boolean, io: Io): Promise<number> => {
  const r = await read(file, io)
  const out =
    r.bytes === undefined ? { text: undefined, diagnostics: r.diagnostics, changed: false } : Format.fmt(r.bytes, file)
  if (out.text !== undefined && out.changed) await writeFile(resolve(io.cwd, file), out.text)
  const ok = out.text !== undefined
  if (json) {
    io.stdout(`${JSON.stringify({ file, rewritten: ok && out.changed, diagnostics: out.diagnostics })}\n`)
    return ok ? ExitCode.ok : ExitCode.failed
  }
  const c = io.color
  const head = ok
    ? `${style.green(c, "✓")} ${file} ${out.changed ? "rewritten as ODCS" : "is already formatted ODCS"}`
    : `${style.red(c, "✗")} ${file} not rewritten: ${summary(out.diagnostics)}`
  io.stdout(`${head}${out.diagnostics.length > 0 ? `\n${renderDiagnostics(out.diagnostics, io)}` : ""}\n`)
  return ok ? ExitCode.ok : ExitCode.failed
}

/** Dispatches `floe contract <lint|diff|fmt> …`. Usage errors throw UsageError (exit 2). */
export const contract = async (args: Args, io: Io): Promise<number> => {
  const [sub, ...files] = args.positionals
  const json = args.flags.has("json")
  const to = args.flags.get("to")
  if (sub === undefined) throw new UsageError(`contract needs a subcommand: ${SUBCOMMANDS.join(", ")}`)
  if (to !== undefined && sub !== "fmt") throw new UsageError("--to is an option of `floe contract fmt`")
  switch (sub) {
    case "lint":
      if (files.length !== 1) throw new UsageError("usage: floe contract lint FILE [--json]")
      return lint(files[0] ?? "", json, io)
    case "diff":
      if (files.length !== 2) throw new UsageError("usage: floe contract diff OLD NEW [--json]")
      return diff(files[0] ?? "", files[1] ?? "", json, io)
    case "fmt":
      if (files.length !== 1) throw new UsageError("usage: floe contract fmt FILE --to odcs")
      if (to !== "odcs")
        throw new UsageError(
          to === undefined ? "fmt needs --to odcs" : `cannot format to '${String(to)}'; the only target is odcs`,
        )
      return fmt(files[0] ?? "", json, io)
    default:
      throw new UsageError(`unknown contract subcommand '${sub}'${suggest(sub, SUBCOMMANDS)}`)
  }
}
