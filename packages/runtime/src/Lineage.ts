/**
 * OpenLineage transports (console, file, HTTP) and the emitter the runtime uses. Emission never blocks a run: events
 * go through a bounded queue that a background fiber drains; a lineage outage costs retries and, at worst, dropped
 * events with a warning — never a failed or stalled model.
 */
import { OpenLineage } from "@floe/spec"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Latch from "effect/Latch"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Semaphore from "effect/Semaphore"

const { LineageError, LineageTransport } = OpenLineage
type RunEvent = OpenLineage.RunEvent

/** The default file transport location inside a product directory. */
export const DEFAULT_FILE = ".floe/lineage/events.ndjson"

/** Prints each event as one JSON line on stdout. */
export const layerConsole: Layer.Layer<OpenLineage.LineageTransport> = Layer.succeed(LineageTransport, {
  emit: (event) => Console.log(JSON.stringify(event)),
})

/**
 * A transport that can also deliver several events at once (the file transport: one append for all of them). The
 * emitter hands such a transport everything queued since its last delivery, so a run's thousand events cost a few
 * appends instead of an open, a write and a close each on Node's thread pool, the one DuckDB's queries run on.
 */
interface BatchTransport extends OpenLineage.LineageTransportShape {
  readonly emitAll: (events: ReadonlyArray<RunEvent>) => Effect.Effect<void, OpenLineage.LineageError>
}

const canBatch = (t: OpenLineage.LineageTransportShape): t is BatchTransport =>
  typeof (t as Partial<BatchTransport>).emitAll === "function"

/** Appends each event as one JSON line (NDJSON) to `file`, creating its directory. Appends are serialised. */
export const makeFile = Effect.fn("Lineage.makeFile")(function* (file: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const lock = yield* Semaphore.make(1)
  const io = (e: unknown) =>
    new LineageError({ reason: "Io", message: `cannot append to ${file}: ${String(e)}`, cause: e })
  // The directory is made once, not per event; if it disappears later, the failed append makes it again.
  let dirReady = false
  const makeDir = fs.makeDirectory(path.dirname(file), { recursive: true }).pipe(
    Effect.tap(() =>
      Effect.sync(() => {
        dirReady = true
      }),
    ),
  )
  const emitAll = (events: ReadonlyArray<RunEvent>) => {
    const append = fs.writeFileString(file, events.map((e) => `${JSON.stringify(e)}\n`).join(""), { flag: "a" })
    return lock.withPermits(1)(
      Effect.suspend(() => (dirReady ? append : makeDir.pipe(Effect.andThen(append)))).pipe(
        Effect.catch(() => makeDir.pipe(Effect.andThen(append))),
        Effect.mapError(io),
      ),
    )
  }
  const transport: BatchTransport = { emit: (event) => emitAll([event]), emitAll }
  return LineageTransport.of(transport)
})

export const layerFile = (file: string = DEFAULT_FILE) => Layer.effect(LineageTransport, makeFile(file))

export interface HttpOptions {
  /** The endpoint, e.g. http://marquez:5000/api/v1/lineage */
  readonly url: string
  /** Per-request timeout (default 5 s). */
  readonly timeout?: Duration.Input | undefined
  /** Retries after the first attempt for connection errors, timeouts, 429 and 5xx (default 3). */
  readonly retries?: number | undefined
  /** First backoff delay, doubled each retry (default 200 ms). */
  readonly backoff?: Duration.Input | undefined
  /** Sent as `Authorization: Bearer …`. */
  readonly apiKey?: Redacted.Redacted<string> | undefined
}

/**
 * POSTs each event to an OpenLineage HTTP endpoint, with a timeout and exponential backoff. A 4xx other than 429
 * is `Rejected` and not retried (the event itself is wrong); the rest are retried, then fail with the last error.
 */
export const makeHttp = (options: HttpOptions): OpenLineage.LineageTransportShape => {
  const timeout = Duration.fromInputUnsafe(options.timeout ?? "5 seconds")
  const post = (event: RunEvent) =>
    Effect.tryPromise({
      try: (signal) =>
        fetch(options.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(options.apiKey ? { authorization: `Bearer ${Redacted.value(options.apiKey)}` } : {}),
          },
          body: JSON.stringify(event),
          signal,
        }),
      catch: (e) =>
        new LineageError({ reason: "Connection", message: `POST ${options.url} failed: ${String(e)}`, cause: e }),
    }).pipe(
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () =>
          Effect.fail(
            new LineageError({
              reason: "Timeout",
              message: `POST ${options.url} timed out after ${Duration.format(timeout)}`,
            }),
          ),
      }),
      Effect.flatMap((response) => {
        // Drain the body so the connection can be reused.
        const drained = Effect.promise(() => response.arrayBuffer().catch(() => undefined))
        if (response.ok) return Effect.asVoid(drained)
        const retryable = response.status === 429 || response.status >= 500
        return drained.pipe(
          Effect.andThen(
            Effect.fail(
              new LineageError({
                reason: retryable ? "Connection" : "Rejected",
                message: `POST ${options.url} answered ${response.status} ${response.statusText}`,
              }),
            ),
          ),
        )
      }),
    )
  return {
    emit: (event) =>
      post(event).pipe(
        Effect.retry({
          schedule: Schedule.exponential(options.backoff ?? "200 millis"),
          times: options.retries ?? 3,
          while: (e: OpenLineage.LineageError) => e.isRetryable,
        }),
      ),
  }
}

export const layerHttp = (options: HttpOptions) => Layer.succeed(LineageTransport, makeHttp(options))

export interface Emitter {
  /** Queues an event; never fails and never waits for the transport. */
  readonly emit: (event: RunEvent) => Effect.Effect<void>
  /** Waits (up to `timeout`) until queued events have been handed to the transport. */
  readonly flush: (timeout?: Duration.Input) => Effect.Effect<void>
  /** Events dropped because the queue was full or the transport failed after its retries. */
  readonly dropped: () => number
}

/**
 * Starts the background emitter for the current `LineageTransport`. The queue holds `capacity` events; beyond that
 * new events are dropped (and counted) rather than slowing the run. The drain fiber ends with the scope.
 */
export const makeEmitter = Effect.fn("Lineage.makeEmitter")(function* (capacity = 10_000) {
  const transport = yield* LineageTransport
  const queue = yield* Queue.dropping<RunEvent>(capacity)
  // Open while nothing is queued or being sent; `flush` waits on it.
  const idle = yield* Latch.make(true)
  let pending = 0
  let dropped = 0
  const settle = (n: number) =>
    Effect.suspend(() => {
      pending -= n
      return pending === 0 ? Effect.asVoid(idle.open) : Effect.void
    })
  const deliver = (events: ReadonlyArray<RunEvent>, send: Effect.Effect<void, OpenLineage.LineageError>) =>
    send.pipe(
      Effect.catch((e) =>
        Effect.sync(() => {
          dropped += events.length
        }).pipe(Effect.andThen(Effect.logWarning(`OpenLineage event not delivered: ${e.message}`))),
      ),
      Effect.ensuring(settle(events.length)),
    )
  // Everything queued since the last delivery: in one go to a transport that can batch, else one by one, in order.
  const drain = Effect.flatMap(Queue.takeAll(queue), (events) =>
    canBatch(transport)
      ? deliver(events, transport.emitAll(events))
      : Effect.forEach(events, (event) => deliver([event], transport.emit(event)), { discard: true }),
  )
  yield* Effect.forkScoped(Effect.forever(drain))
  const emitter: Emitter = {
    emit: (event) =>
      Effect.suspend(() => {
        pending++
        return idle.close.pipe(
          Effect.andThen(Queue.offer(queue, event)),
          Effect.flatMap((accepted) =>
            accepted
              ? Effect.void
              : Effect.sync(() => {
                  dropped++
                }).pipe(Effect.andThen(settle(1))),
          ),
        )
      }),
    flush: (timeout = "10 seconds") =>
      idle.await.pipe(Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.void })),
    dropped: () => dropped,
  }
  return emitter
})
