/**
 * Alert routing: which violations reach people, and how. A router filters by minimum severity and contract,
 * drops repeats of the same violation within the de-duplication window, and limits alerts per contract; channels
 * deliver (a webhook with timeout and retries, the console). Time comes from the Effect Clock, so tests drive the
 * windows with TestClock.
 */
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { type Severity, severityRank, type Violation } from "./Check.ts"

export interface Alert {
  readonly violation: Violation
  /** The product id the contract belongs to. */
  readonly namespace: string
  /** Epoch milliseconds. */
  readonly at: number
}

/** The one error of alert channels. `Rejected` (a 4xx other than 429) is not retried. */
export class AlertError extends Data.TaggedError("AlertError")<{
  readonly channel: string
  readonly reason: "Connection" | "Timeout" | "Rejected"
  readonly message: string
  readonly cause?: unknown
}> {
  get isRetryable(): boolean {
    return this.reason !== "Rejected"
  }
}

export interface Channel {
  readonly name: string
  readonly send: (alert: Alert) => Effect.Effect<void, AlertError>
}

/** The JSON body a webhook receives. */
export const payload = (a: Alert) => ({
  kind: "floe.contract_violation",
  namespace: a.namespace,
  at: new Date(a.at).toISOString(),
  ...a.violation,
  _tag: undefined,
})

/** Prints each alert as the guide's WARNING block. */
export const consoleChannel: Channel = {
  name: "console",
  send: (a) =>
    Console.log(
      [
        `${a.violation.severity.toUpperCase()}: Contract violation`,
        `  Contract: ${a.violation.contract} ${a.violation.version}`,
        `  Type: ${a.violation.type}`,
        `  Message: ${a.violation.message}`,
      ].join("\n"),
    ),
}

export interface WebhookOptions {
  readonly url: string
  /** Per-attempt timeout (default 5 s). */
  readonly timeout?: Duration.Input | undefined
  /** Retries after the first attempt on connection errors, timeouts, 429 and 5xx (default 3). */
  readonly retries?: number | undefined
  /** First backoff delay, doubled each retry (default 500 ms). */
  readonly backoff?: Duration.Input | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly name?: string | undefined
}

/** POSTs each alert as JSON to `url`, with a timeout per attempt and exponential backoff between retries. */
export const webhook = (options: WebhookOptions): Channel => {
  const name = options.name ?? `webhook ${options.url}`
  const timeout = Duration.fromInputUnsafe(options.timeout ?? "5 seconds")
  const post = (a: Alert) =>
    Effect.tryPromise({
      try: (signal) =>
        fetch(options.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...options.headers },
          body: JSON.stringify(payload(a)),
          signal,
        }),
      catch: (e) =>
        new AlertError({ channel: name, reason: "Connection", message: `POST ${options.url} failed: ${String(e)}` }),
    }).pipe(
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () =>
          Effect.fail(
            new AlertError({
              channel: name,
              reason: "Timeout",
              message: `POST ${options.url} timed out after ${Duration.format(timeout)}`,
            }),
          ),
      }),
      Effect.flatMap((response) => {
        const drained = Effect.promise(() => response.arrayBuffer().catch(() => undefined))
        if (response.ok) return Effect.asVoid(drained)
        const retryable = response.status === 429 || response.status >= 500
        return drained.pipe(
          Effect.andThen(
            Effect.fail(
              new AlertError({
                channel: name,
                reason: retryable ? "Connection" : "Rejected",
                message: `POST ${options.url} answered ${response.status}`,
              }),
            ),
          ),
        )
      }),
    )
  return {
    name,
    send: (a) =>
      post(a).pipe(
        Effect.retry({
          schedule: Schedule.exponential(options.backoff ?? "500 millis"),
          times: options.retries ?? 3,
          while: (e: AlertError) => e.isRetryable,
        }),
      ),
  }
}

export interface RouterOptions {
  readonly channels: ReadonlyArray<Channel>
  /** Violations below this severity are not alerted (default `warning`). */
  readonly minSeverity?: Severity | undefined
  /** Contract ids (`*` wildcards allowed) to alert on; all when absent. */
  readonly contracts?: ReadonlyArray<string> | undefined
  /** The same violation (contract, check, element, severity, expectation) is alerted once per window (default 1 h). */
  readonly dedupWindow?: Duration.Input | undefined
  /** At most `max` alerts per contract per `per` (default 10 per hour). */
  readonly rateLimit?: { readonly max: number; readonly per: Duration.Input } | undefined
}

export type RouteOutcome =
  | { readonly _tag: "Sent"; readonly failed: ReadonlyArray<AlertError> }
  | { readonly _tag: "BelowSeverity" }
  | { readonly _tag: "Filtered" }
  | { readonly _tag: "Duplicate" }
  | { readonly _tag: "RateLimited" }

export interface Router {
  /** Decides and, when it passes, delivers to every channel. Never fails: channel errors are in the outcome. */
  readonly route: (violation: Violation, namespace: string) => Effect.Effect<RouteOutcome>
}

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replaceAll(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`)

/** Creates a router with its own de-duplication and rate-limit state. */
export const makeRouter = (options: RouterOptions): Router => {
  const minRank = severityRank(options.minSeverity ?? "warning")
  const filters = options.contracts?.map(glob)
  const dedupMs = Duration.toMillis(options.dedupWindow ?? "1 hour")
  const limit = options.rateLimit ?? { max: 10, per: "1 hour" }
  const perMs = Duration.toMillis(limit.per)
  const lastSent = new Map<string, number>()
  const sentAt = new Map<string, Array<number>>()
  return {
    route: (v, namespace) =>
      Effect.gen(function* () {
        if (severityRank(v.severity) < minRank) return { _tag: "BelowSeverity" } as const
        if (filters !== undefined && !filters.some((re) => re.test(v.contract))) return { _tag: "Filtered" } as const
        const now = yield* Clock.currentTimeMillis
        const key = [v.contract, v.type, v.element ?? "", v.severity, v.expected ?? ""].join("\u0000")
        const previous = lastSent.get(key)
        if (previous !== undefined && now - previous < dedupMs) return { _tag: "Duplicate" } as const
        const recent = (sentAt.get(v.contract) ?? []).filter((t) => now - t < perMs)
        if (recent.length >= limit.max) {
          sentAt.set(v.contract, recent)
          return { _tag: "RateLimited" } as const
        }
        recent.push(now)
        sentAt.set(v.contract, recent)
        lastSent.set(key, now)
        const alert: Alert = { violation: v, namespace, at: now }
        const results = yield* Effect.forEach(options.channels, (c) => Effect.flip(c.send(alert)).pipe(Effect.option), {
          concurrency: "unbounded",
        })
        const failed = results.flatMap((r) => (r._tag === "Some" ? [r.value] : []))
        for (const e of failed) yield* Effect.logWarning(`alert not delivered: ${e.message}`)
        return { _tag: "Sent", failed } as const
      }),
  }
}
