/**
 * @floe/spec/testing — conformance suites and in-memory layers for the plugin interfaces. Adapter packages run the
 * suites in their own tests; code that needs a catalog in a unit test uses the in-memory layer. Requires vitest.
 */
export * as CatalogConformance from "./CatalogConformance.ts"
export * as CatalogMemory from "./CatalogMemory.ts"
export * as ComputeConformance from "./ComputeConformance.ts"
export * as OrchestratorConformance from "./OrchestratorConformance.ts"
export * as PostgresServer from "./PostgresServer.ts"
