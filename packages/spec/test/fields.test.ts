import { describe, expect, it } from "vitest"
import {
  CronExpression,
  codeForPattern,
  expandCron,
  isContainedPath,
  isTimeZone,
  KebabName,
  SemVer,
  TableRef,
} from "../src/Fields.ts"
import { credentialIn, isEnvironmentKey, isSecretKey, normaliseKey } from "../src/internal/secrets.ts"
import { closest } from "../src/Suggest.ts"

describe("Fields", () => {
  it.each([
    ["models/", true],
    ["models", true],
    ["./models/staging", true],
    ["a/../b", true],
    ["a/b/../../c", true],
    ["models\\staging", true],
    ["..", false],
    ["../x", false],
    ["a/../../x", false],
    ["./..", false],
    ["a\\..\\..\\x", false],
    ["/etc", false],
    ["\\\\server\\share", false],
    ["C:\\models", false],
    ["c:models", false],
    ["~/models", false],
    ["", false],
    ["models\u0000", false],
    ["models\n", false],
    ["a".repeat(1025), false],
  ])("isContainedPath(%j) is %s", (path, ok) => {
    expect(isContainedPath(path)).toBe(ok)
  })

  it.each([
    ["UTC", true],
    ["Europe/Berlin", true],
    ["America/Argentina/Buenos_Aires", true],
    ["Etc/GMT-14", true],
    ["Mars/Olympus_Mons", false],
    ["", false],
    ["Europe/", false],
    ["/UTC", false],
    ["+01:00", false],
    ["Europe/Berlin ", false],
  ])("isTimeZone(%j) is %s", (zone, ok) => {
    expect(isTimeZone(zone)).toBe(ok)
  })

  it("expands cron macros case-insensitively and trims other expressions", () => {
    expect(expandCron("@daily")).toBe("0 0 * * *")
    expect(expandCron(" @Hourly ")).toBe("0 * * * *")
    expect(expandCron("@weekly")).toBe("0 0 * * 0")
    expect(expandCron("@annually")).toBe(expandCron("@yearly"))
    expect(expandCron("  0 6 * * *  ")).toBe("0 6 * * *")
    expect(expandCron("@reboot")).toBe("@reboot")
  })

  it("carries the diagnostic code of a failed cron check", () => {
    const r = CronExpression.safeParse("0 6 * *")
    expect(r.success).toBe(false)
    expect((r.error?.issues[0] as { params?: unknown } | undefined)?.params).toEqual({ floeCode: "FLOE-E123" })
    expect(CronExpression.safeParse(`0 6 * * *${" ".repeat(300)}`).success).toBe(false)
  })

  it("maps each coded regex to its diagnostic code", () => {
    const patternOf = (schema: typeof KebabName, bad: string) => {
      const issue = schema.safeParse(bad).error?.issues[0]
      return issue && "pattern" in issue ? String(issue.pattern) : ""
    }
    expect(codeForPattern(patternOf(KebabName, "Bad"))).toBe("FLOE-E120")
    expect(codeForPattern(patternOf(SemVer, "1.0"))).toBe("FLOE-E121")
    expect(codeForPattern(patternOf(TableRef, "x"))).toBe("FLOE-E127")
    expect(codeForPattern("/^$/")).toBeUndefined()
  })

  it.each([
    ["a", true],
    ["customer-360", true],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
    ["1abc", false],
    ["-abc", false],
    ["abc-", false],
    ["a--b", false],
    ["a_b", false],
  ])("KebabName accepts %j: %s", (name, ok) => {
    expect(KebabName.safeParse(name).success).toBe(ok)
  })

  it.each([
    ["1.0.0", true],
    ["0.0.1", true],
    ["1.0.0-rc.1", true],
    ["1.0.0-alpha+build.5", true],
    ["10.20.30", true],
    ["1.0", false],
    ["v1.0.0", false],
    ["01.0.0", false],
    ["1.0.0-", false],
    ["1.0.0-01", false],
  ])("SemVer accepts %j: %s", (version, ok) => {
    expect(SemVer.safeParse(version).success).toBe(ok)
  })

  it.each([
    ["gold.customers", true],
    ["gold.my_product.customers", true],
    ["_x.Y1", true],
    ["customers", false],
    ["a.b.c.d", false],
    ["gold..customers", false],
    ["gold.1customers", false],
  ])("TableRef accepts %j: %s", (table, ok) => {
    expect(TableRef.safeParse(table).success).toBe(ok)
  })
})

describe("secret and environment keys", () => {
  it.each([
    ["apiKey", "api_key"],
    ["API-Key", "api_key"],
    ["api.key", "api_key"],
    ["client secret", "client_secret"],
    ["accessKeyId", "access_key_id"],
    ["password_env", "password_env"],
  ])("normalises %j to %j", (key, normalised) => {
    expect(normaliseKey(key)).toBe(normalised)
  })

  it("recognises secrets in any spelling but not their *_env references", () => {
    for (const key of ["password", "PASSWORD", "apiKey", "Client-Secret", "privateKey", "sasToken", "authorization"])
      expect(isSecretKey(key)).toBe(true)
    for (const key of ["password_env", "passwordEnv", "token_env", "tokenizer", "key", "secretive", "name"])
      expect(isSecretKey(key)).toBe(false)
  })

  it("recognises connection settings", () => {
    for (const key of ["host", "Hostname", "port", "jdbcUrl", "connection-string", "DSN"])
      expect(isEnvironmentKey(key)).toBe(true)
    for (const key of ["region", "hosted", "support", "password"]) expect(isEnvironmentKey(key)).toBe(false)
  })

  it.each([
    ["postgres://u:p@h/db", "a URL with a password"],
    ["see https://user:pa55@example.com/x for details", "a URL with a password"],
    ["AKIAIOSFODNN7EXAMPLE", "an AWS access key"],
    ["ASIAIOSFODNN7EXAMPLE", "an AWS access key"],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIB", "a private key"],
    ["-----BEGIN PRIVATE KEY-----", "a private key"],
    [`ghp_${"a1B2".repeat(9)}`, "a GitHub token"],
  ])("finds a credential in %j", (value, what) => {
    expect(credentialIn(value)).toBe(what)
  })

  it.each([
    "postgres://u@h/db",
    "https://example.com/a:b@c",
    "mailto:data-team@example.com",
    "github.com/acme/my-product",
    "AKIA123",
    "-----BEGIN PUBLIC KEY-----",
    "ghp_short",
  ])("finds no credential in %j", (value) => {
    expect(credentialIn(value)).toBeUndefined()
  })
})

describe("closest", () => {
  const keys = ["apiVersion", "kind", "metadata", "platform", "transforms", "schedule", "output_ports", "quality"]

  it.each([
    ["shedule", "schedule"],
    ["transform", "transforms"],
    ["outputPorts", "output_ports"],
    ["output-ports", "output_ports"],
    ["meta_data", "metadata"],
    ["APIVERSION", "apiVersion"],
    ["kin", "kind"],
  ])("suggests %j for %j", (input, expected) => {
    expect(closest(input, keys)).toBe(expected)
  })

  it.each(["owner", "zzzzzz", "sla", ""])("suggests nothing for %j", (input) => {
    expect(closest(input, keys)).toBeUndefined()
  })

  it("suggests nothing when there are no candidates", () => {
    expect(closest("kind", [])).toBeUndefined()
  })
})
