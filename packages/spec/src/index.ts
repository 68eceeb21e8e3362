/**
 * @floe/spec — the Floe file formats as zod schemas, YAML loading with source positions, the diagnostic model and
 * code registry, and generated JSON Schemas.
 */
export * as Catalog from "./Catalog.ts"
export * as CompiledArtifacts from "./CompiledArtifacts.ts"
export * as Compute from "./Compute.ts"
export * as DataProduct from "./DataProduct.ts"
export * as Diagnostic from "./Diagnostic.ts"
export * as DiagnosticCodes from "./DiagnosticCodes.ts"
export * as Document from "./Document.ts"
export * as Duration from "./Duration.ts"
export * as Fields from "./Fields.ts"
export * as JsonSchemas from "./JsonSchemas.ts"
export * as Loader from "./Loader.ts"
export * as OpenLineage from "./OpenLineage.ts"
export * as Orchestrator from "./Orchestrator.ts"
export * as Pattern from "./Pattern.ts"
export * as PlatformManifest from "./PlatformManifest.ts"
export * as PlatformRef from "./PlatformRef.ts"
export * as PlatformSource from "./PlatformSource.ts"
export * as Suggest from "./Suggest.ts"
export * as Yaml from "./Yaml.ts"
