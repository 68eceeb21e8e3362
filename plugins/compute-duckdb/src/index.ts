/** @floe/compute-duckdb — DuckDB compute for Floe, the embedded default engine. */
export * as DuckDBCompute from "./DuckDBCompute.ts"
