/**
 * @floe/orchestrator-local — the embedded default orchestrator: keeps a product on its cron schedule in-process.
 */
export * as LocalOrchestrator from "./LocalOrchestrator.ts"
