// Authorization headers for iceberg-js: a fixed bearer token, or the OAuth2 client-credentials flow Polaris uses
// (POST {tokenUri}, form-encoded grant_type=client_credentials, client_id, client_secret, scope), the token cached
// until shortly before it expires and fetched once for concurrent callers. Secrets stay Redacted until sent.

import * as Redacted from "effect/Redacted"
import { IcebergError } from "iceberg-js"

export interface AuthOptions {
  readonly token?: Redacted.Redacted<string> | undefined
  readonly credential?: Redacted.Redacted<string> | undefined
  readonly tokenUri: string
  readonly scope: string
  readonly fetch: typeof fetch
}

export interface Auth {
  readonly headers: () => Promise<Record<string, string>>
}

/** Tokens are renewed this long before they expire, so a request never leaves with a token about to lapse. */
const EARLY_MS = 30_000

export const makeAuth = (options: AuthOptions): Auth => {
  const fixed = options.token
  if (options.credential === undefined) {
    return {
      headers: async () => (fixed === undefined ? {} : { Authorization: `Bearer ${Redacted.value(fixed)}` }),
    }
  }
  const credential = options.credential
  let cached: { readonly token: string; readonly expiresAt: number } | undefined
  let inflight: Promise<string> | undefined

  const fetchToken = async (): Promise<string> => {
    const secret = Redacted.value(credential)
    const colon = secret.indexOf(":")
    const [clientId, clientSecret] = colon < 0 ? ["", secret] : [secret.slice(0, colon), secret.slice(colon + 1)]
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      scope: options.scope,
    })
    const response = await options.fetch(options.tokenUri, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: body.toString(),
    })
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    const record = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {}
    if (!response.ok || typeof record["access_token"] !== "string") {
      const reason = typeof record["error"] === "string" ? record["error"] : `HTTP ${response.status}`
      // 400 invalid_client / 401 from the token endpoint both mean the credential is wrong.
      throw new IcebergError(`OAuth2 token request to ${options.tokenUri} failed: ${reason}`, {
        status: response.ok || response.status === 400 ? 401 : response.status,
      })
    }
    const expiresIn = typeof record["expires_in"] === "number" ? record["expires_in"] : 3600
    cached = { token: record["access_token"], expiresAt: Date.now() + expiresIn * 1000 - EARLY_MS }
    return record["access_token"]
  }

  return {
    headers: async () => {
      if (cached !== undefined && Date.now() < cached.expiresAt) return { Authorization: `Bearer ${cached.token}` }
      inflight ??= fetchToken().finally(() => {
        inflight = undefined
      })
      return { Authorization: `Bearer ${await inflight}` }
    },
  }
}
