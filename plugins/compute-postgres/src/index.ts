/** @floe/compute-postgres — PostgreSQL compute for Floe. */
export * as PostgresCompute from "./PostgresCompute.ts"
