export * as RestCatalog from "./RestCatalog.ts"
