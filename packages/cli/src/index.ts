/** @floe/cli — the reference host. `Cli.run` runs the command line in-process with injected output. */
export * as Cli from "./Cli.ts"
export * as Io from "./Io.ts"
