/** The `floe` executable. */
import { run } from "./Cli.ts"
import { wantsColor } from "./Io.ts"

const code = await run(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  color: wantsColor(process.env, process.stdout.isTTY === true),
  cwd: process.cwd(),
})
process.exitCode = code
