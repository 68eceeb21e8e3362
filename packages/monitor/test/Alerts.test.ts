import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { TestClock } from "effect/testing"
import { Alerts, type Check } from "../src/index.ts"

const violation = (over: Partial<Check.Violation> = {}): Check.Violation => ({
  _tag: "Violation",
  contract: "sales.customer_360",
  version: "1.0.0",
  type: "freshness",
  severity: "error",
  message: "Data is 8.2h old, exceeding the 6h freshness SLA",
  element: "customers.updated_at",
  expected: "<= 6h",
  actual: "8.2h",
  ...over,
})

/** A channel that records what it is asked to send. */
const recorder = () => {
  const sent: Array<Alerts.Alert> = []
  const channel: Alerts.Channel = { name: "recorder", send: (a) => Effect.sync(() => void sent.push(a)) }
  return { sent, channel }
}

describe("router", () => {
  it.effect("minimum severity and contract filter", () =>
    Effect.gen(function* () {
      const { sent, channel } = recorder()
      const router = Alerts.makeRouter({ channels: [channel], minSeverity: "error", contracts: ["sales.*"] })
      expect((yield* router.route(violation({ severity: "warning" }), "sales.customer_360"))._tag).toBe("BelowSeverity")
      expect((yield* router.route(violation({ contract: "finance.ledger" }), "finance.ledger"))._tag).toBe("Filtered")
      expect((yield* router.route(violation({ severity: "critical" }), "sales.customer_360"))._tag).toBe("Sent")
      expect(sent).toHaveLength(1)
    }),
  )

  it.effect("the same violation is alerted once per de-duplication window (TestClock)", () =>
    Effect.gen(function* () {
      const { sent, channel } = recorder()
      const router = Alerts.makeRouter({ channels: [channel], dedupWindow: "1 hour" })
      expect((yield* router.route(violation(), "ns"))._tag).toBe("Sent")
      yield* TestClock.adjust("15 minutes")
      // A later measurement of the same broken promise is a duplicate, even though `actual` changed.
      expect((yield* router.route(violation({ actual: "8.5h" }), "ns"))._tag).toBe("Duplicate")
      // A different element is not.
      expect((yield* router.route(violation({ element: "customers" }), "ns"))._tag).toBe("Sent")
      yield* TestClock.adjust("46 minutes")
      expect((yield* router.route(violation({ actual: "9.3h" }), "ns"))._tag).toBe("Sent")
      expect(sent.map((a) => a.violation.actual)).toEqual(["8.2h", "8.2h", "9.3h"])
    }),
  )

  it.effect("rate limit per contract (TestClock)", () =>
    Effect.gen(function* () {
      const { sent, channel } = recorder()
      const router = Alerts.makeRouter({
        channels: [channel],
        dedupWindow: "0 millis",
        rateLimit: { max: 2, per: "10 minutes" },
      })
      const outcomes: Array<string> = []
      for (let i = 0; i < 3; i++) outcomes.push((yield* router.route(violation({ element: `e${i}` }), "ns"))._tag)
      // Another contract has its own budget.
      outcomes.push((yield* router.route(violation({ contract: "sales.orders" }), "ns"))._tag)
      yield* TestClock.adjust("10 minutes")
      outcomes.push((yield* router.route(violation({ element: "e3" }), "ns"))._tag)
      expect(outcomes).toEqual(["Sent", "Sent", "RateLimited", "Sent", "Sent"])
      expect(sent).toHaveLength(4)
    }),
  )

  it.effect("a failing channel does not stop the others; the outcome names the failure", () =>
    Effect.gen(function* () {
      const { sent, channel } = recorder()
      const broken: Alerts.Channel = {
        name: "broken",
        send: () => Effect.fail(new Alerts.AlertError({ channel: "broken", reason: "Rejected", message: "nope" })),
      }
      const outcome = yield* Alerts.makeRouter({ channels: [broken, channel] }).route(violation(), "ns")
      expect(outcome._tag === "Sent" && outcome.failed.map((e) => e.channel)).toEqual(["broken"])
      expect(sent).toHaveLength(1)
    }),
  )
})

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void

/** A real HTTP server on 127.0.0.1, closed with the scope. */
const server = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.callback<{ url: string; bodies: Array<string>; close: () => Promise<void> }>((resume) => {
      const bodies: Array<string> = []
      const s = createServer((req, res) => {
        let body = ""
        req.on("data", (c: Buffer) => {
          body += c.toString("utf8")
        })
        req.on("end", () => {
          bodies.push(body)
          handler(req, body, res)
        })
      })
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address() as AddressInfo
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${port}/hooks/floe`,
            bodies,
            close: () =>
              new Promise<void>((r) => {
                s.closeAllConnections()
                s.close(() => r())
              }),
          }),
        )
      })
    }),
    (srv) => Effect.promise(() => srv.close()),
  )

describe("webhook channel", () => {
  it.live("POSTs the violation as JSON, retrying 5xx until it is accepted", () =>
    Effect.gen(function* () {
      let calls = 0
      const srv = yield* server((_req, _body, res) => {
        calls++
        res.writeHead(calls < 3 ? 503 : 204).end()
      })
      const channel = Alerts.webhook({ url: srv.url, retries: 3, backoff: "0 millis" })
      yield* channel.send({ violation: violation(), namespace: "sales.customer_360", at: Date.UTC(2026, 10, 28) })
      expect(srv.bodies).toHaveLength(3)
      const body = JSON.parse(srv.bodies[2] ?? "{}")
      expect(body).toMatchObject({
        kind: "floe.contract_violation",
        namespace: "sales.customer_360",
        contract: "sales.customer_360",
        type: "freshness",
        severity: "error",
        element: "customers.updated_at",
        at: "2026-11-28T00:00:00.000Z",
      })
      expect(body._tag).toBeUndefined()
    }).pipe(Effect.scoped),
  )

  it.live("a 4xx is rejected without retries; retries are bounded", () =>
    Effect.gen(function* () {
      const rejecting = yield* server((_req, _body, res) => res.writeHead(400).end())
      const e1 = yield* Effect.flip(
        Alerts.webhook({ url: rejecting.url, backoff: "0 millis" }).send({
          violation: violation(),
          namespace: "n",
          at: 0,
        }),
      )
      expect(e1.reason).toBe("Rejected")
      expect(rejecting.bodies).toHaveLength(1)
      const failing = yield* server((_req, _body, res) => res.writeHead(500).end())
      const e2 = yield* Effect.flip(
        Alerts.webhook({ url: failing.url, retries: 2, backoff: "0 millis" }).send({
          violation: violation(),
          namespace: "n",
          at: 0,
        }),
      )
      expect(e2.reason).toBe("Connection")
      expect(failing.bodies).toHaveLength(3)
    }).pipe(Effect.scoped),
  )

  it.live("times out a server that does not answer", () =>
    Effect.gen(function* () {
      const silent = yield* server(() => undefined)
      const e = yield* Effect.flip(
        Alerts.webhook({ url: silent.url, timeout: "150 millis", retries: 1, backoff: "0 millis" }).send({
          violation: violation(),
          namespace: "n",
          at: 0,
        }),
      )
      expect(e.reason).toBe("Timeout")
      expect(silent.bodies).toHaveLength(2)
    }).pipe(Effect.scoped),
  )
})
