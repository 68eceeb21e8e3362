/**
 * @floe/contracts — ODCS v3 data contracts: lint against the official JSON Schemas, normalise the lifecycle
 * guide's shorthand, generate contracts from output ports and model columns, merge with an explicit
 * datacontract.yaml, check that the contract matches the output ports, canonical hash, diff and the semver gate.
 */
export * as Canonical from "./Canonical.ts"
export * as Diff from "./Diff.ts"
export * as EngineTypes from "./EngineTypes.ts"
export * as Format from "./Format.ts"
export * as Generate from "./Generate.ts"
export * as Lint from "./Lint.ts"
export * as Merge from "./Merge.ts"
export * as Models from "./Models.ts"
export * as Odcs from "./Odcs.ts"
export * as Shorthand from "./Shorthand.ts"
export * as Stage from "./Stage.ts"
