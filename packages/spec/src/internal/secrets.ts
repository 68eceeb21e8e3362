/**
 * Secret and environment-specific settings. floe.yaml is committed and describes the product only; connection
 * settings live in the platform manifest and secrets in environment variables named by `*_env` keys.
 */

/** Keys that hold connection settings: allowed in a platform manifest, never in floe.yaml. */
export const ENVIRONMENT_KEYS: ReadonlySet<string> = new Set([
  "host",
  "hostname",
  "port",
  "user",
  "username",
  "endpoint",
  "url",
  "uri",
  "dsn",
  "jdbc_url",
  "connection_string",
  "connection_url",
  "connection_uri",
  "conn_str",
])

/** Keys that hold secrets: never written in any Floe file. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "password",
  "passwd",
  "pwd",
  "pass",
  "secret",
  "secrets",
  "credential",
  "credentials",
  "token",
  "access_token",
  "refresh_token",
  "auth_token",
  "api_token",
  "session_token",
  "sas_token",
  "bearer_token",
  "api_key",
  "apikey",
  "access_key",
  "access_key_id",
  "secret_key",
  "secret_access_key",
  "client_secret",
  "private_key",
  "account_key",
  "authorization",
])

/** Normalises `apiKey`, `API-Key`, `api.key` to `api_key`. */
export const normaliseKey = (key: string): string =>
  key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[-. ]/g, "_")

export const isSecretKey = (key: string): boolean => SECRET_KEYS.has(normaliseKey(key))
export const isEnvironmentKey = (key: string): boolean => ENVIRONMENT_KEYS.has(normaliseKey(key))

const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i
const AWS_ACCESS_KEY = /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----/
const GITHUB_TOKEN = /\bgh[pousr]_[A-Za-z0-9]{36,}\b/

/** What kind of credential a value appears to hold, if any. */
export const credentialIn = (value: string): string | undefined => {
  if (URL_WITH_PASSWORD.test(value)) return "a URL with a password"
  if (AWS_ACCESS_KEY.test(value)) return "an AWS access key"
  if (PRIVATE_KEY_BLOCK.test(value)) return "a private key"
  if (GITHUB_TOKEN.test(value)) return "a GitHub token"
  return undefined
}
