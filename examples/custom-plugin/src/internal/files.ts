/**
 * The file operations the adapter is built from, each an Effect that fails only with `CatalogError`: read a JSON
 * file (absent → `undefined`), write one atomically (a temporary file in the same directory, flushed, then renamed
 * over the target, so a reader sees the old content or the new, never a torn file), list a directory, remove.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Catalog } from "@floe/spec"
import * as Effect from "effect/Effect"

type Errno = NodeJS.ErrnoException

const errno = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause ? String((cause as Errno).code) : undefined

/**
 * Maps a Node file-system error to the `CatalogError` reason a caller can act on: permissions are not retryable,
 * a full descriptor table or a busy file is (`Unavailable`), a root that is not a directory means the catalog cannot
 * be opened (`Connection`), anything else is `Unknown` with the error kept as `cause`.
 */
export const toCatalogError = (cause: unknown, what: string): Catalog.CatalogError => {
  const code = errno(cause)
  const detail = cause instanceof Error ? cause.message : String(cause)
  const message = `${what}: ${detail}`
  switch (code) {
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new Catalog.CatalogError({ reason: new Catalog.PermissionDenied({ message, cause }) })
    case "EMFILE":
    case "ENFILE":
    case "EBUSY":
    case "EAGAIN":
      return new Catalog.CatalogError({ reason: new Catalog.Unavailable({ message, cause }) })
    case "ENOTDIR":
      return new Catalog.CatalogError({ reason: new Catalog.Connection({ message, cause }) })
    default:
      return new Catalog.CatalogError({ reason: new Catalog.Unknown({ message, cause }) })
  }
}

const attempt = <A>(what: string, f: () => Promise<A>): Effect.Effect<A, Catalog.CatalogError> =>
  Effect.tryPromise({ try: f, catch: (cause) => toCatalogError(cause, what) })

/** Like `attempt`, but `ENOENT` (or `ENOTDIR`: a path through a missing directory) succeeds with `undefined`. */
const orAbsent = <A>(what: string, f: () => Promise<A>): Effect.Effect<A | undefined, Catalog.CatalogError> =>
  attempt(what, () =>
    f().catch((cause: unknown) => {
      const code = errno(cause)
      if (code === "ENOENT" || code === "ENOTDIR") return undefined
      throw cause
    }),
  )

/** The parsed JSON in `file`, or `undefined` when it does not exist. Fails `Unknown` when it is not JSON. */
export const readJson = (file: string): Effect.Effect<unknown, Catalog.CatalogError> =>
  Effect.flatMap(
    orAbsent(`reading ${file}`, () => fs.readFile(file, "utf8")),
    (text): Effect.Effect<unknown, Catalog.CatalogError> =>
      text === undefined
        ? Effect.succeed(undefined)
        : Effect.try({
            try: () => JSON.parse(text) as unknown,
            catch: (cause) =>
              new Catalog.CatalogError({
                reason: new Catalog.Unknown({ message: `${file} is not valid JSON; the catalog is damaged`, cause }),
              }),
          }),
  )

/** Whether `file` exists. */
export const exists = (file: string): Effect.Effect<boolean, Catalog.CatalogError> =>
  Effect.map(
    orAbsent(`checking ${file}`, () => fs.stat(file)),
    (stat) => stat !== undefined,
  )

/** The entries of `dir` (empty when it does not exist). */
export const list = (
  dir: string,
): Effect.Effect<ReadonlyArray<{ name: string; isDirectory: boolean }>, Catalog.CatalogError> =>
  Effect.map(
    orAbsent(`listing ${dir}`, () => fs.readdir(dir, { withFileTypes: true })),
    (entries) => (entries ?? []).map((e) => ({ name: e.name, isDirectory: e.isDirectory() })),
  )

/** Creates `dir` and its parents. */
export const makeDirectory = (dir: string): Effect.Effect<void, Catalog.CatalogError> =>
  attempt(`creating ${dir}`, () => fs.mkdir(dir, { recursive: true }).then(() => undefined))

/** Removes `file`; `false` when it did not exist. */
export const remove = (file: string): Effect.Effect<boolean, Catalog.CatalogError> =>
  Effect.map(
    orAbsent(`removing ${file}`, () => fs.unlink(file).then(() => true)),
    (removed) => removed === true,
  )

/** Removes `dir` and everything beneath it (no error when absent). */
export const removeTree = (dir: string): Effect.Effect<void, Catalog.CatalogError> =>
  attempt(`removing ${dir}`, () => fs.rm(dir, { recursive: true, force: true }))

const randomSuffix = (): string => globalThis.crypto.randomUUID().slice(0, 12)

/**
 * Writes `value` as JSON to `file` atomically: into `.tmp-<random>` next to it, flushed to disk when `durable`,
 * then renamed over `file` (a single atomic step on POSIX file systems and NTFS); with `durable` the directory is
 * flushed too, so the rename itself survives a power cut. On failure the temporary file is removed.
 */
export const writeJsonAtomic = (
  file: string,
  value: unknown,
  durable: boolean,
): Effect.Effect<void, Catalog.CatalogError> => {
  const dir = path.dirname(file)
  const temp = path.join(dir, `.tmp-${randomSuffix()}`)
  const write = async () => {
    const handle = await fs.open(temp, "wx")
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, "utf8")
      if (durable) await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(temp, file)
    if (durable) await syncDirectory(dir)
  }
  return attempt(`writing ${file}`, () =>
    write().catch(async (cause: unknown) => {
      await fs.rm(temp, { force: true })
      throw cause
    }),
  )
}

/** Flushes a directory's entries. Windows cannot open a directory for this; there the rename is left to NTFS. */
const syncDirectory = async (dir: string): Promise<void> => {
  let handle: fs.FileHandle | undefined
  try {
    handle = await fs.open(dir, "r")
    await handle.sync()
  } catch (cause) {
    if (process.platform !== "win32") throw cause
  } finally {
    await handle?.close()
  }
}
