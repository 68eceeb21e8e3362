/** Where the CLI writes, and whether it may use colour: injected so tests and embedders capture output. */

export interface Io {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly color: boolean
  readonly cwd: string
}

/** Colour when stdout is a terminal, unless NO_COLOR is set; FORCE_COLOR turns it on. */
export const wantsColor = (env: NodeJS.ProcessEnv, isTTY: boolean): boolean => {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true
  return isTTY && env.TERM !== "dumb"
}

const wrap = (open: number, close: number) => (on: boolean, s: string) =>
  on ? `\u001b[${open}m${s}\u001b[${close}m` : s

export const style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
}
