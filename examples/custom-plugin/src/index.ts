export * as FileCatalog from "./FileCatalog.ts"
