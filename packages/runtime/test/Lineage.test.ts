import { mkdtempSync, readFileSync } from "node:fs"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { describe, expect, it } from "@effect/vitest"
import { OpenLineage } from "@floe/spec"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { TestClock } from "effect/testing"
import { Lineage } from "../src/index.ts"

const event = (n: number): OpenLineage.RunEvent => ({
  eventType: "COMPLETE",
  eventTime: new Date(Date.UTC(2026, 10, 28, 6, 0, n)).toISOString(),
  producer: OpenLineage.DEFAULT_PRODUCER,
  schemaURL: OpenLineage.RUN_EVENT_SCHEMA_URL,
  run: { runId: OpenLineage.uuidv7(1_764_309_600_000 + n, new Uint8Array(10).fill(n)) },
  job: { namespace: "sales", name: `customer_360.model_${n}` },
})

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void

/** A real HTTP server on 127.0.0.1 that records requests; closed with the scope. */
const server = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.callback<{ url: string; requests: Array<{ body: string; auth: string | undefined }> }>((resume) => {
      const requests: Array<{ body: string; auth: string | undefined }> = []
      const s = createServer((req, res) => {
        let body = ""
        req.on("data", (c: Buffer) => {
          body += c.toString("utf8")
        })
        req.on("end", () => {
          requests.push({ body, auth: req.headers.authorization })
          handler(req, body, res)
        })
      })
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address() as AddressInfo
        resume(Effect.succeed(Object.assign({ url: `http://127.0.0.1:${port}/api/v1/lineage`, requests }, { s })))
      })
    }),
    (srv) =>
      Effect.callback<void>((resume) => {
        const s = (srv as unknown as { s: ReturnType<typeof createServer> }).s
        s.closeAllConnections()
        s.close(() => resume(Effect.void))
      }),
  )

describe("file transport", () => {
  it.effect("appends one JSON line per event, creating the directory, also when emits race", () =>
    Effect.gen(function* () {
      const file = join(mkdtempSync(join(tmpdir(), "floe-lineage-")), ".floe", "lineage", "events.ndjson")
      const transport = yield* Lineage.makeFile(file)
      yield* Effect.forEach([1, 2, 3, 4, 5, 6, 7, 8], (n) => transport.emit(event(n)), { concurrency: "unbounded" })
      const lines = readFileSync(file, "utf8").trimEnd().split("\n")
      expect(lines).toHaveLength(8)
      expect(lines.map((l) => (JSON.parse(l) as OpenLineage.RunEvent).job.name).sort()).toEqual(
        [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `customer_360.model_${n}`),
      )
    }).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))),
  )

  it.effect("through the emitter: every event, in emit order, written by the time flush returns", () =>
    Effect.gen(function* () {
      const file = join(mkdtempSync(join(tmpdir(), "floe-lineage-")), "events.ndjson")
      yield* Effect.scoped(
        Effect.gen(function* () {
          const emitter = yield* Lineage.makeEmitter()
          // queued faster than one append each can keep up with: the emitter hands them over in batches
          for (let n = 0; n < 300; n++) yield* emitter.emit(event(n))
          yield* emitter.flush()
          const lines = readFileSync(file, "utf8").trimEnd().split("\n")
          expect(lines.map((l) => (JSON.parse(l) as OpenLineage.RunEvent).job.name)).toEqual(
            Array.from({ length: 300 }, (_, n) => `customer_360.model_${n}`),
          )
          expect(emitter.dropped()).toBe(0)
        }),
      ).pipe(Effect.provide(Lineage.layerFile(file)))
    }).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))),
  )
})

describe("HTTP transport", () => {
  it.live("POSTs the event as JSON with the bearer token", () =>
    Effect.gen(function* () {
      const srv = yield* server((_req, _body, res) => res.writeHead(201).end())
      const transport = Lineage.makeHttp({ url: srv.url, apiKey: Redacted.make("s3cret") })
      yield* transport.emit(event(1))
      expect(srv.requests).toHaveLength(1)
      expect(JSON.parse(srv.requests[0]?.body ?? "")).toEqual(event(1))
      expect(srv.requests[0]?.auth).toBe("Bearer s3cret")
    }),
  )

  it.live("retries 503 and 429, then succeeds", () =>
    Effect.gen(function* () {
      let calls = 0
      const srv = yield* server((_req, _body, res) => {
        calls++
        res.writeHead(calls === 1 ? 503 : calls === 2 ? 429 : 200).end()
      })
      yield* Lineage.makeHttp({ url: srv.url, backoff: 0 }).emit(event(2))
      expect(srv.requests).toHaveLength(3)
    }),
  )

  it.live("does not retry a 400: the event itself is wrong", () =>
    Effect.gen(function* () {
      const srv = yield* server((_req, _body, res) => res.writeHead(400).end("bad event"))
      const error = yield* Effect.flip(Lineage.makeHttp({ url: srv.url, backoff: 0 }).emit(event(3)))
      expect(error.reason).toBe("Rejected")
      expect(error.isRetryable).toBe(false)
      expect(srv.requests).toHaveLength(1)
    }),
  )

  it.live("gives up after its retries against an endpoint that stays down", () =>
    Effect.gen(function* () {
      const srv = yield* server((_req, _body, res) => res.writeHead(502).end())
      const error = yield* Effect.flip(Lineage.makeHttp({ url: srv.url, backoff: 0, retries: 2 }).emit(event(4)))
      expect(error.reason).toBe("Connection")
      expect(srv.requests).toHaveLength(3)
    }),
  )

  it.effect("times out a request that gets no answer", () =>
    Effect.gen(function* () {
      const received = yield* Deferred.make<void>()
      const srv = yield* server(() => {
        Deferred.doneUnsafe(received, Effect.void)
      })
      const fiber = yield* Effect.forkChild(
        Lineage.makeHttp({ url: srv.url, timeout: "5 seconds", retries: 0 }).emit(event(5)),
      )
      yield* Deferred.await(received)
      yield* TestClock.adjust("5 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error.reason).toBe("Timeout")
    }),
  )
})

describe("emitter", () => {
  const hanging: OpenLineage.LineageTransportShape = { emit: () => Effect.never }

  it.effect("never blocks the caller, even when the transport hangs, and drops beyond capacity", () =>
    Effect.gen(function* () {
      const emitter = yield* Lineage.makeEmitter(2).pipe(Effect.provideService(OpenLineage.LineageTransport, hanging))
      for (let n = 0; n < 10; n++) yield* emitter.emit(event(n))
      // two wait in the queue and at most one is with the transport (if the drain fiber has started): the rest
      // were dropped, and none of the ten emits waited
      expect(emitter.dropped()).toBeGreaterThanOrEqual(7)
      expect(emitter.dropped()).toBeLessThanOrEqual(8)
    }),
  )

  it.effect("delivers every event in order and flush waits for them; failures are counted, not raised", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const transport: OpenLineage.LineageTransportShape = {
        emit: (e) =>
          e.job.name.endsWith("_3")
            ? Effect.fail(new OpenLineage.LineageError({ reason: "Connection", message: "down" }))
            : Effect.sync(() => {
                seen.push(e.job.name)
              }),
      }
      const emitter = yield* Lineage.makeEmitter().pipe(Effect.provideService(OpenLineage.LineageTransport, transport))
      for (let n = 1; n <= 5; n++) yield* emitter.emit(event(n))
      yield* emitter.flush()
      expect(seen).toEqual([1, 2, 4, 5].map((n) => `customer_360.model_${n}`))
      expect(emitter.dropped()).toBe(1)
    }),
  )
})
