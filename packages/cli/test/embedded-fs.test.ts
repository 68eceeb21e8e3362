// The CLI's file system: Node's, with whole-file reads done synchronously (a compile reads every file of the
// product). Failures must still be the PlatformErrors the compiler turns into FLOE-E100 diagnostics.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { platform } from "../src/Embedded.ts"

const read = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    return yield* Effect.result(fs.readFile(path))
  }).pipe(Effect.provide(platform))

describe("the CLI's file system", () => {
  const dir = mkdtempSync(join(tmpdir(), "floe-fs-"))
  writeFileSync(join(dir, "a.sql"), "select 1 -- é\n")
  mkdirSync(join(dir, "models"))

  it.effect("reads a file's bytes", () =>
    Effect.gen(function* () {
      const r = yield* read(join(dir, "a.sql"))
      expect(r._tag).toBe("Success")
      if (r._tag === "Success") expect(new TextDecoder().decode(r.success)).toBe("select 1 -- é\n")
      const text = yield* Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(join(dir, "a.sql"))).pipe(
        Effect.provide(platform),
      )
      expect(text).toBe("select 1 -- é\n")
    }),
  )

  it.effect("fails with NotFound for a missing file and BadResource for a directory, naming the path", () =>
    Effect.gen(function* () {
      const missing = yield* read(join(dir, "nope.sql"))
      const folder = yield* read(join(dir, "models"))
      const reasons = [missing, folder].map((r) =>
        r._tag === "Failure" && r.failure.reason._tag !== "BadArgument"
          ? [r.failure.reason._tag, r.failure.reason.method, r.failure.reason.pathOrDescriptor]
          : r._tag,
      )
      expect(reasons).toEqual([
        ["NotFound", "readFile", join(dir, "nope.sql")],
        ["BadResource", "readFile", join(dir, "models")],
      ])
    }),
  )

  it.effect("lists a tree recursively as Node does, and fails with NotFound for a missing folder", () =>
    Effect.gen(function* () {
      mkdirSync(join(dir, "models", "staging", "deep"), { recursive: true })
      writeFileSync(join(dir, "models", "staging", "stg.sql"), "select 1")
      writeFileSync(join(dir, "models", "staging", "deep", "x.yml"), "version: 2")
      const listed = yield* Effect.flatMap(FileSystem.FileSystem, (fs) =>
        Effect.all([
          fs.readDirectory(dir, { recursive: true }),
          fs.readDirectory(join(dir, "models")),
          Effect.result(fs.readDirectory(join(dir, "nope"), { recursive: true })),
        ]),
      ).pipe(Effect.provide(platform))
      const [tree, flat, missing] = listed
      expect([...tree].sort()).toEqual(readdirSync(dir, { recursive: true }).sort())
      expect(tree).toContain(join("models", "staging", "deep", "x.yml"))
      expect(flat).toEqual(["staging"])
      expect(missing._tag === "Failure" && missing.failure.reason._tag).toBe("NotFound")
    }),
  )
})
