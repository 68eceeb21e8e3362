#!/usr/bin/env node
/** The `floe` executable. */
import { run } from "./Cli.ts"
import { wantsColor } from "./Io.ts"

// `floe validate --json | head` closes the pipe early: that is the reader's choice, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0)
    throw e
  })
}

const code = await run(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  color: wantsColor(process.env, process.stdout.isTTY === true),
  cwd: process.cwd(),
})
process.exitCode = code
