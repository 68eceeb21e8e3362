/**
 * Field schemas shared by the Floe file formats. Each check that has its own diagnostic code carries it, so a
 * failed check becomes that code (not a generic "invalid value") when decoded through `Document.decode`.
 */
import * as Cron from "effect/Cron"
import { z } from "zod"
import type { DiagnosticCode } from "./DiagnosticCodes.ts"
import { parseDuration, parsePercentage } from "./Duration.ts"
import * as Pattern from "./Pattern.ts"
import * as PlatformRef from "./PlatformRef.ts"

const codeByPattern = new Map<string, DiagnosticCode>()

/** The diagnostic code registered for a regex check, by the pattern text zod reports in its issue. */
export const codeForPattern = (pattern: string): DiagnosticCode | undefined => codeByPattern.get(pattern)

const coded = (re: RegExp, code: DiagnosticCode, message: string) => {
  codeByPattern.set(re.toString(), code)
  return z.string().regex(re, { error: message })
}

/** A refinement whose failure reports `code`. */
export const refineCoded = <T extends z.ZodType>(
  schema: T,
  code: DiagnosticCode,
  ok: (v: z.output<T>) => boolean,
  message: (v: z.output<T>) => string,
) =>
  schema.check((ctx) => {
    if (!ok(ctx.value))
      ctx.issues.push({ code: "custom", message: message(ctx.value), input: ctx.value, params: { floeCode: code } })
  })

export const KebabName = coded(
  /^(?=.{1,63}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/,
  "FLOE-E120",
  "must be kebab-case (lower-case letters, digits, single hyphens), start with a letter, and be at most 63 characters",
).meta({ description: "kebab-case, at most 63 characters", examples: ["customer-360"] })

export const SemVer = coded(
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/,
  "FLOE-E121",
  "must be a semantic version such as 1.0.0",
).meta({ description: "semantic version", examples: ["1.0.0"] })

export const Email = z.email({ error: "must be an email address" }).meta({ examples: ["data-team@example.com"] })

/** Lower-case identifier: domains, layers, plugin types. */
export const Identifier = coded(
  /^[a-z][a-z0-9_-]{0,62}$/,
  "FLOE-E113",
  "must start with a lower-case letter and hold only lower-case letters, digits, '_' and '-' (at most 63 characters)",
)

export const TableRef = coded(
  /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){1,2}$/,
  "FLOE-E127",
  "must be a dotted table name such as gold.my_product.customers",
).meta({ examples: ["gold.my_product.customers"] })

export const Duration = refineCoded(
  z.string(),
  "FLOE-E125",
  (s) => parseDuration(s) !== undefined,
  (s) => `"${s}" is not a duration like 6h, 30m or PT6H`,
).meta({ description: 'short ("6h", "30m", "1d") or ISO-8601 ("PT6H") duration', examples: ["6h", "PT6H"] })

export const Percentage = refineCoded(
  z.string(),
  "FLOE-E126",
  (s) => parsePercentage(s) !== undefined,
  (s) => `"${s}" is not a percentage between 0% and 100%`,
).meta({ description: 'a percentage such as "99.9%"', examples: ["99.9%"] })

const CRON_MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
}

/** Expands cron macros (`@daily` …) to their five-field form; other expressions are returned trimmed. */
export const expandCron = (expression: string): string =>
  CRON_MACROS[expression.trim().toLowerCase()] ?? expression.trim()

export const CronExpression = refineCoded(
  z.string(),
  "FLOE-E123",
  (s) => s.length <= 256 && Cron.parse(expandCron(s))._tag === "Success",
  (s) => `"${s}" is not a valid cron expression`,
).meta({
  description: "cron expression: 5 fields, 6 with seconds, or @hourly/@daily/@weekly/@monthly/@yearly",
  examples: ["0 6 * * *"],
})

/** True when `zone` is an IANA time zone name this runtime knows. */
export const isTimeZone = (zone: string): boolean => {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

export const TimeZone = refineCoded(z.string(), "FLOE-E124", isTimeZone, (s) => `"${s}" is not an IANA time zone`).meta(
  {
    description: "IANA time zone name",
    examples: ["UTC", "Europe/Berlin"],
  },
)

export const PlatformRefString = refineCoded(
  z.string(),
  "FLOE-E128",
  (s) => PlatformRef.parse(s) !== undefined,
  (s) => `"${s}" is neither oci://host/repository:tag nor a file path`,
).meta({ description: "oci://host[:port]/repository[:tag|@sha256:digest] or a path relative to this file" })

/** True when `p` is a relative path that stays inside its base directory. */
export const isContainedPath = (p: string): boolean => {
  if (p.length === 0 || p.length > 1024 || /[\u0000-\u001f]/.test(p)) return false
  if (p.startsWith("/") || p.startsWith("\\") || /^[a-zA-Z]:/.test(p) || p.startsWith("~")) return false
  let depth = 0
  for (const part of p.split(/[\\/]+/)) {
    if (part === "..") depth--
    else if (part !== "." && part !== "") depth++
    if (depth < 0) return false
  }
  return true
}

export const RelativePath = refineCoded(
  z.string(),
  "FLOE-E133",
  isContainedPath,
  (s) => `"${s}" must be a relative path inside the product directory`,
).meta({ examples: ["models/"] })

export const RegexPattern = refineCoded(
  z.string(),
  "FLOE-E134",
  (s) => Pattern.check(s) === undefined,
  (s) => `pattern "${s.slice(0, 80)}" is refused: ${Pattern.check(s) ?? ""}`,
)

export const Enforcement = z.enum(["off", "warn", "strict"]).meta({ description: "off < warn < strict" })
export const ContractEnforcement = z
  .enum(["off", "warn", "alert_only", "block"])
  .meta({ description: "off < warn < alert_only < block" })

export const Percent = z.number().min(0).max(100)
