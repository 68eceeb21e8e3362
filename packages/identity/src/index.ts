/**
 * `@floe/identity`: product ids, namespace ownership (AVAILABLE / VALID / CONFLICT), registration with `floe.*`
 * properties and contract versions, all through the `Catalog` interface of `@floe/spec`.
 */
export * as ContractRegistry from "./ContractRegistry.ts"
export * as Identity from "./Identity.ts"
