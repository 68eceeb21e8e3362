/**
 * A small argument parser: the CLI's cold start matters (`floe --help` under 250 ms), so no framework is loaded
 * before a command is chosen. Unknown flags are usage errors with a "did you mean".
 */
import { closest } from "@floe/spec/Suggest"

export interface FlagSpec {
  readonly name: string
  readonly takesValue: boolean
  readonly short?: string
}

export interface Parsed {
  readonly positionals: ReadonlyArray<string>
  readonly flags: ReadonlyMap<string, string | true>
}

export class UsageError extends Error {
  override readonly name = "UsageError"
}

/** Suggests the closest of `candidates` to a mistyped word, for usage errors. */
export const suggest = (input: string, candidates: ReadonlyArray<string>): string => {
  const guess = closest(input, candidates)
  return guess === undefined ? "" : ` — did you mean '${guess}'?`
}

/** Parses `argv` against the flags a command accepts. Throws UsageError for unknown flags or missing values. */
export const parse = (argv: ReadonlyArray<string>, specs: ReadonlyArray<FlagSpec>): Parsed => {
  const positionals: Array<string> = []
  const flags = new Map<string, string | true>()
  const byName = new Map(specs.map((s) => [s.name, s]))
  const byShort = new Map(specs.flatMap((s) => (s.short ? [[s.short, s] as const] : [])))
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=")
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2)
      const spec = byName.get(name)
      if (!spec) {
        throw new UsageError(
          `unknown option '--${name}'${suggest(
            `--${name}`,
            specs.map((s) => `--${s.name}`),
          )}`,
        )
      }
      if (spec.takesValue) {
        const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i]
        if (value === undefined || (eq < 0 && value.startsWith("--")))
          throw new UsageError(`option '--${name}' needs a value`)
        flags.set(name, value)
      } else {
        if (eq >= 0) throw new UsageError(`option '--${name}' takes no value`)
        flags.set(name, true)
      }
    } else if (arg.startsWith("-") && arg.length > 1) {
      const spec = byShort.get(arg.slice(1))
      if (!spec) throw new UsageError(`unknown option '${arg}'`)
      if (spec.takesValue) {
        const value = argv[++i]
        if (value === undefined) throw new UsageError(`option '${arg}' needs a value`)
        flags.set(spec.name, value)
      } else flags.set(spec.name, true)
    } else positionals.push(arg)
  }
  return { positionals, flags }
}
