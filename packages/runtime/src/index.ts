/** @floe/runtime — executes compiled Floe products. */

export * as Iceberg from "./Iceberg.ts"
export * as Lineage from "./Lineage.ts"
export * as Publish from "./Publish.ts"
export * as Run from "./Run.ts"
export * as RunResults from "./RunResults.ts"
export * as RunState from "./RunState.ts"
export * as Scheduler from "./Scheduler.ts"
export * as TestBatch from "./TestBatch.ts"
export * as TestResult from "./TestResult.ts"
