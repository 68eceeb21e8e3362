export * as SqlCatalog from "./SqlCatalog.ts"
