/**
 * @floe/orchestrator-dagster — generates Dagster definitions (a small Python package) from a compiled product.
 */
export * as DagsterOrchestrator from "./DagsterOrchestrator.ts"
