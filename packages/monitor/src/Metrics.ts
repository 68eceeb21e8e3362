/**
 * Prometheus metrics (prom-client) for contract checks and runs, in their own registry, and the `/metrics` HTTP
 * endpoint (node:http). Names follow Prometheus conventions: the `floe_` prefix, base units, `_total` counters,
 * `_timestamp_seconds` for times, ratios 0–1.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { Run } from "@floe/runtime"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Counter, Gauge, Histogram, Registry } from "prom-client"
import { type CheckResult, violations } from "./Check.ts"

export interface Metrics {
  readonly registry: Registry
  /** Records one check result: duration, last-check time, the gauge of its type and its violations. */
  readonly recordCheck: (result: CheckResult) => void
  /** Records a run of the product `product` (models, rows, durations, failures). */
  readonly recordRun: (product: string, result: Run.Result, finishedAtMillis: number) => void
  /** The text exposition. */
  readonly exposition: () => Effect.Effect<string>
}

/** Creates the metrics in a fresh registry (never prom-client's global one, so hosts can embed several). */
export const make = (): Metrics => {
  const registry = new Registry()
  const registers = [registry]
  const violationsTotal = new Counter({
    name: "floe_contract_violations_total",
    help: "Contract violations found by the monitor, by contract, check type and severity.",
    labelNames: ["contract", "type", "severity"] as const,
    registers,
  })
  const duration = new Histogram({
    name: "floe_contract_check_duration_seconds",
    help: "How long contract checks take.",
    labelNames: ["contract", "type"] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  })
  const freshness = new Gauge({
    name: "floe_contract_freshness_seconds",
    help: "Age of the newest data of a contract's freshness element, in seconds.",
    labelNames: ["contract"] as const,
    registers,
  })
  const availability = new Gauge({
    name: "floe_contract_availability_ratio",
    help: "Share of successful availability probes over the window (0-1).",
    labelNames: ["contract"] as const,
    registers,
  })
  const score = new Gauge({
    name: "floe_contract_quality_score",
    help: "Share of a contract's quality rules and model tests that pass (0-1).",
    labelNames: ["contract"] as const,
    registers,
  })
  const lastCheck = new Gauge({
    name: "floe_contract_last_check_timestamp_seconds",
    help: "When a contract check last finished, as a Unix timestamp.",
    labelNames: ["contract", "type"] as const,
    registers,
  })
  const models = new Counter({
    name: "floe_run_models_total",
    help: "Models and seeds executed by floe run, by product and status.",
    labelNames: ["product", "status"] as const,
    registers,
  })
  const rows = new Counter({
    name: "floe_run_rows_total",
    help: "Rows written by models and seeds.",
    labelNames: ["product"] as const,
    registers,
  })
  const modelSeconds = new Histogram({
    name: "floe_run_model_duration_seconds",
    help: "How long each model or seed took to build.",
    labelNames: ["product"] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
    registers,
  })
  const runSeconds = new Gauge({
    name: "floe_run_duration_seconds",
    help: "How long the last run of a product took.",
    labelNames: ["product"] as const,
    registers,
  })
  const failures = new Counter({
    name: "floe_run_failures_total",
    help: "Failed models and failed or errored tests, by product and kind (model, test).",
    labelNames: ["product", "kind"] as const,
    registers,
  })
  const runs = new Counter({
    name: "floe_runs_total",
    help: "Runs by product and status.",
    labelNames: ["product", "status"] as const,
    registers,
  })
  const lastRun = new Gauge({
    name: "floe_run_last_timestamp_seconds",
    help: "When the last run of a product finished, as a Unix timestamp.",
    labelNames: ["product"] as const,
    registers,
  })
  return {
    registry,
    recordCheck: (r) => {
      const labels = { contract: r.contract, type: r.type }
      duration.observe(labels, r.seconds)
      lastCheck.set(labels, r.checkedAt / 1000)
      if (r.value !== undefined) {
        const gauge = { freshness, availability, quality: score, schema: undefined }[r.type]
        gauge?.set({ contract: r.contract }, r.value)
      }
      for (const v of violations(r)) violationsTotal.inc({ contract: v.contract, type: v.type, severity: v.severity })
    },
    recordRun: (product, result, finishedAtMillis) => {
      runs.inc({ product, status: result.status })
      runSeconds.set({ product }, result.seconds)
      lastRun.set({ product }, finishedAtMillis / 1000)
      for (const n of result.nodes) {
        models.inc({ product, status: n.status })
        if (n.rows !== undefined) rows.inc({ product }, n.rows)
        if (n.status !== "skipped") modelSeconds.observe({ product }, n.seconds)
        if (n.status === "error") failures.inc({ product, kind: "model" })
      }
      for (const t of result.tests)
        if (t.status === "fail" || t.status === "error") failures.inc({ product, kind: "test" })
    },
    exposition: () => Effect.promise(() => registry.metrics()),
  }
}

/** Why the metrics endpoint could not start (the address is taken or invalid). */
export class ServeError extends Data.TaggedError("ServeError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** Parses `host:port` (`127.0.0.1:9464`, `[::1]:9464`, `:9464`). */
export const parseAddress = (address: string): { host: string; port: number } | undefined => {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address.trim())
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? (m[2] === "" ? "0.0.0.0" : (m[2] ?? "0.0.0.0")), port }
}

/**
 * Serves `GET /metrics` (text exposition, `text/plain; version=0.0.4`) on `host:port` until the scope closes.
 * Port 0 picks a free port; the bound address is returned. Fails with `ServeError` when it cannot listen.
 */
export const serve = (
  metrics: Metrics,
  options: { readonly host: string; readonly port: number },
): Effect.Effect<{ readonly host: string; readonly port: number; readonly url: string }, ServeError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<Server, ServeError>((resume) => {
      const server = createServer((req, res) => {
        if (req.method !== "GET" || (req.url ?? "/").split("?")[0] !== "/metrics") {
          res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n")
          return
        }
        metrics.registry.metrics().then(
          (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
          (e: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${String(e)}\n`),
        )
      })
      server.once("error", (e) =>
        resume(
          Effect.fail(
            new ServeError({ message: `cannot listen on ${options.host}:${options.port}: ${e.message}`, cause: e }),
          ),
        ),
      )
      server.listen(options.port, options.host, () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      }),
  ).pipe(
    Effect.map((server) => {
      const a = server.address() as AddressInfo
      const host = a.family === "IPv6" ? `[${a.address}]` : a.address
      return { host: a.address, port: a.port, url: `http://${host}:${a.port}/metrics` }
    }),
  )
