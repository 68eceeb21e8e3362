/**
 * Writing a file whole or not at all: the content goes to a temporary file beside the target (unique to this
 * write), which is then renamed over it, so a reader never sees half a file; the temporary file is removed when the
 * rename fails. Parent directories are created. Used for everything the compiler and runtime write that others read:
 * artifacts, generated orchestration files, run state, Iceberg metadata.
 */

import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"

export const write = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  file: string,
  content: string | Uint8Array,
): Effect.Effect<void, PlatformError> =>
  Effect.gen(function* () {
    yield* fs.makeDirectory(path.dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`
    yield* typeof content === "string" ? fs.writeFileString(tmp, content) : fs.writeFile(tmp, content)
    yield* fs.rename(tmp, file).pipe(Effect.onError(() => fs.remove(tmp).pipe(Effect.ignore)))
  })

/** `value` as indented JSON with a final newline, written atomically. */
export const writeJson = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  file: string,
  value: unknown,
): Effect.Effect<void, PlatformError> => write(fs, path, file, `${JSON.stringify(value, null, 2)}\n`)
