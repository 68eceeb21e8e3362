/** @floe/runtime — executes compiled Floe products. */
export * as Lineage from "./Lineage.ts"
