/**
 * @floe/contracts — ODCS v3 data contracts: lint against the official JSON Schemas, normalise the lifecycle
 * guide's shorthand, generate contracts from output ports and model columns, merge with an explicit
 * datacontract.yaml, check that the contract matches the output ports, canonical hash, diff and the semver gate.
 */
export * as EngineTypes from "./EngineTypes.ts"
export * as Lint from "./Lint.ts"
export * as Odcs from "./Odcs.ts"
export * as Shorthand from "./Shorthand.ts"
