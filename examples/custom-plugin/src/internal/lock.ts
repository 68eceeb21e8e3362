/**
 * The catalog's write lock: the file `catalog.lock`, created with `O_CREAT | O_EXCL` (`open(…, "wx")`), which the
 * operating system grants to exactly one creator — across fibers, clients and processes alike. The holder writes
 * `{pid, host, token, acquiredAt}` into it and removes it when done; a waiter retries with a short, jittered backoff
 * and gives up with `Unavailable` (retryable) after the lock timeout.
 *
 * A holder that crashed leaves the file behind. Such a lock is stale when its process is gone (same host), or when
 * it is older than `staleAfter` (another host, or an unreadable file): writes last milliseconds, so a lock held for
 * that long is abandoned. Stale locks are broken under a second lock, `catalog.lock.break`, after checking that the
 * file is still the one judged stale — so two waiters never both break a lock, and neither removes a fresh one.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import { Catalog } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import { toCatalogError } from "./files.ts"

export interface LockOptions {
  readonly file: string
  /** How long to wait for the lock before failing `Unavailable`. */
  readonly timeoutMs: number
  /** A lock older than this is abandoned and may be broken. */
  readonly staleAfterMs: number
}

const Holder = Schema.Struct({
  pid: Schema.Number,
  host: Schema.String,
  token: Schema.String,
  acquiredAt: Schema.String,
})
type Holder = typeof Holder.Type
const decodeHolder = Schema.decodeUnknownOption(Schema.fromJsonString(Holder))

/** What a lock file holds, as far as it can be read: the raw text identifies this very lock, not just any lock. */
interface Observed {
  readonly identity: string
  readonly holder: Holder | undefined
  readonly ageMs: number
}

const observe = async (file: string, now: number): Promise<Observed | undefined> => {
  try {
    const [stat, text] = await Promise.all([fs.stat(file), fs.readFile(file, "utf8")])
    const holder = decodeHolder(text)
    return {
      identity: `${stat.ino}:${text}`,
      holder: holder._tag === "Some" ? holder.value : undefined,
      ageMs: now - stat.mtimeMs,
    }
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw cause
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    // EPERM: the process exists but belongs to another user.
    return (cause as NodeJS.ErrnoException).code === "EPERM"
  }
}

const isStale = (lock: Observed, staleAfterMs: number): boolean =>
  lock.ageMs > staleAfterMs ||
  (lock.holder !== undefined && lock.holder.host === os.hostname() && !alive(lock.holder.pid))

/** Creates `file` exclusively with `content`; `false` when it already exists. */
const createExclusive = async (file: string, content: string): Promise<boolean> => {
  let handle: fs.FileHandle
  try {
    handle = await fs.open(file, "wx")
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "EEXIST") return false
    throw cause
  }
  try {
    await handle.writeFile(content, "utf8")
  } finally {
    await handle.close()
  }
  return true
}

/** Removes the lock judged stale, if it is still that lock. Another waiter breaking it at the same time wins. */
const breakStale = async (file: string, stale: Observed, now: number): Promise<void> => {
  const breaker = `${file}.break`
  if (!(await createExclusive(breaker, String(process.pid)))) {
    // A breaker holds this for microseconds; one older than a few seconds crashed mid-way.
    const other = await fs.stat(breaker).catch(() => undefined)
    if (other !== undefined && now - other.mtimeMs > 5_000) await fs.rm(breaker, { force: true })
    return
  }
  try {
    const current = await observe(file, now)
    if (current !== undefined && current.identity === stale.identity) await fs.rm(file, { force: true })
  } finally {
    await fs.rm(breaker, { force: true })
  }
}

/**
 * Acquires the lock, returning the token that proves ownership to `release`. Fails `Unavailable` after the timeout
 * (naming the holder), or with the mapped file-system error.
 */
export const acquire = (options: LockOptions): Effect.Effect<string, Catalog.CatalogError> =>
  Effect.gen(function* () {
    const token = globalThis.crypto.randomUUID()
    const start = yield* Clock.currentTimeMillis
    const content = (at: number) =>
      JSON.stringify({ pid: process.pid, host: os.hostname(), token, acquiredAt: new Date(at).toISOString() })
    for (let round = 0; ; round++) {
      const now = yield* Clock.currentTimeMillis
      const outcome = yield* Effect.tryPromise({
        try: async (): Promise<"acquired" | Observed | undefined> => {
          if (await createExclusive(options.file, content(now))) return "acquired"
          const held = await observe(options.file, now)
          if (held !== undefined && isStale(held, options.staleAfterMs)) await breakStale(options.file, held, now)
          return held
        },
        catch: (cause) => toCatalogError(cause, `locking ${options.file}`),
      })
      if (outcome === "acquired") return token
      if (now - start >= options.timeoutMs) {
        const by = outcome?.holder
        return yield* Effect.fail(
          unavailable(
            `The catalog is locked: ${options.file} is held${by ? ` by process ${by.pid} on ${by.host} since ${by.acquiredAt}` : ""}; waited ${options.timeoutMs} ms. If that process is gone, remove the file.`,
          ),
        )
      }
      // 1, 2, 4 … 32 ms, with jitter so that waiters released together do not collide again in lock-step.
      const jitter = yield* Random.nextBetween(0.5, 1.5)
      yield* Effect.sleep(Math.min(32, 2 ** Math.min(round, 5)) * jitter)
    }
  })

/** Releases the lock if this token still holds it (a lock broken as stale belongs to someone else now). */
export const release = (file: string, token: string): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.promise(async () => {
      const held = await observe(file, now).catch(() => undefined)
      if (held?.holder?.token === token) await fs.rm(file, { force: true })
    }),
  )

const unavailable = (message: string): Catalog.CatalogError =>
  new Catalog.CatalogError({ reason: new Catalog.Unavailable({ message }) })
