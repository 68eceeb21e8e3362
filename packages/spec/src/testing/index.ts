/**
 * @floe/spec/testing — conformance suites and in-memory layers for the plugin interfaces. Adapter packages run the
 * suites in their own tests. Requires vitest and @effect/vitest.
 */
export * as ComputeConformance from "./ComputeConformance.ts"
