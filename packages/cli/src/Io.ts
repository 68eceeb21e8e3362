/** Where the CLI writes, and whether it may use colour: injected so tests and embedders capture output. */

export interface Io {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly color: boolean
  readonly cwd: string
  /**
   * The terminal behind `stdout`, for the live status line of long commands (`LiveStatus`): the binary passes
   * `process.stdout`, which draws only when it is a TTY. Absent (tests, embedders capturing output): no live line.
   */
  readonly terminal?: Terminal | undefined
}

/** A terminal stream such as `process.stdout`: whether it is a TTY, its width, and how to write to it. */
export interface Terminal {
  readonly isTTY?: boolean | undefined
  /** Width in characters; read at every frame, so a resized window is followed. Default 80. */
  readonly columns?: number | undefined
  readonly write: (chunk: string) => unknown
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
