/**
 * What the catalog logic needs from a database: transactions over `?`-parameterised statements. SQLite and
 * PostgreSQL each implement it; the catalog operations in `catalog.ts` are written once against it.
 */
import type { Catalog } from "@floe/spec"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"

export type Param = string | number | null
export type Row = Readonly<Record<string, unknown>>

/**
 * The transaction lost a race the database detected (PostgreSQL serialization failure or deadlock) and must be run
 * again from the start. Never escapes the driver: after the last attempt it becomes `Unavailable`.
 */
export class RetryTransaction extends Data.TaggedError("RetryTransaction")<{ readonly cause: unknown }> {}

export type TxError = Catalog.CatalogError | RetryTransaction

export interface Tx {
  readonly query: (sql: string, params: ReadonlyArray<Param>) => Effect.Effect<ReadonlyArray<Row>, TxError>
  /** Runs a statement and returns the number of rows it changed. */
  readonly execute: (sql: string, params: ReadonlyArray<Param>) => Effect.Effect<number, TxError>
}

export interface Driver {
  /**
   * Whether `iceberg_tables` has the V1 `iceberg_type` column. Databases created by Iceberg's JdbcCatalog in its
   * default V0 layout lack it; they are used as they are, never migrated.
   */
  readonly hasTypeColumn: boolean
  /**
   * Runs `body` in one transaction: committed when it succeeds, rolled back when it fails. Write transactions
   * exclude other writers of the catalog for their duration (SQLite `BEGIN IMMEDIATE`, PostgreSQL `SERIALIZABLE`
   * with retries).
   */
  readonly transaction: <A>(
    mode: "read" | "write",
    body: (tx: Tx) => Effect.Effect<A, TxError>,
  ) => Effect.Effect<A, Catalog.CatalogError>
}

/** The Iceberg JDBC catalog tables, as Iceberg's JdbcUtil declares them (schema V1, as PyIceberg creates it). */
export const CREATE_TABLES = [
  `CREATE TABLE IF NOT EXISTS iceberg_tables (
  catalog_name VARCHAR(255) NOT NULL,
  table_namespace VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  metadata_location VARCHAR(1000),
  previous_metadata_location VARCHAR(1000),
  iceberg_type VARCHAR(5),
  PRIMARY KEY (catalog_name, table_namespace, table_name)
)`,
  `CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
  catalog_name VARCHAR(255) NOT NULL,
  namespace VARCHAR(255) NOT NULL,
  property_key VARCHAR(255),
  property_value VARCHAR(1000),
  PRIMARY KEY (catalog_name, namespace, property_key)
)`,
] as const
