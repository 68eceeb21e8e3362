/**
 * @floe/compiler — the native dbt engine: project loading, Jinja rendering, the DAG and manifest.json v12.
 */

export * as AtomicFile from "./AtomicFile.ts"
export * as Binder from "./Binder.ts"
export * as CompilePipeline from "./CompilePipeline.ts"
export * as Compiler from "./Compiler.ts"
export * as Governance from "./Governance.ts"
export * as Graph from "./Graph.ts"
export * as Jinja from "./Jinja.ts"
export * as Manifest from "./Manifest.ts"
export * as ModelOutputs from "./ModelOutputs.ts"
export * as Orchestration from "./Orchestration.ts"
export * as Platform from "./Platform.ts"
export * as Project from "./Project.ts"
export * as Rerender from "./Rerender.ts"
export * as Selection from "./Selection.ts"
export * as Validate from "./Validate.ts"
