// Runs the CLI in-process, as the binary would, and captures what it prints and its exit code.
import { run } from "../../src/Cli.ts"

export interface Captured {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const capture = async (
  argv: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly color?: boolean } = {},
): Promise<Captured> => {
  let stdout = ""
  let stderr = ""
  const code = await run(argv, {
    stdout: (s) => {
      stdout += s
    },
    stderr: (s) => {
      stderr += s
    },
    color: options.color ?? false,
    cwd: options.cwd ?? process.cwd(),
  })
  return { code, stdout, stderr }
}
