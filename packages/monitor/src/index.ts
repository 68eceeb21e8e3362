/**
 * @floe/monitor — the ContractMonitor: scheduled freshness, schema-drift, quality and availability checks against
 * data contracts; violations as OpenLineage FAIL events, Prometheus metrics and routed alerts; enforcement modes.
 */
export * as Alerts from "./Alerts.ts"
export * as Check from "./Check.ts"
export * as Checks from "./Checks.ts"
export * as Enforcement from "./Enforcement.ts"
export * as Metrics from "./Metrics.ts"
export * as Monitor from "./Monitor.ts"
export * as Product from "./Product.ts"
export * as Target from "./Target.ts"
export * as Violations from "./Violations.ts"
