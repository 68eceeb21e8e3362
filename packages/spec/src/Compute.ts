/**
 * The compute interface: the engine that binds, runs and materialises a product's SQL (DuckDB embedded by
 * default, PostgreSQL for teams). Adapters implement `Compute` and run the conformance suite in
 * `@floe/spec/testing`. Everything here is data and types: no I/O.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"

/** A fully qualified relation. `database` may be omitted where the engine has one database per connection. */
export interface Relation {
  readonly database?: string | undefined
  readonly schema: string
  readonly identifier: string
}

/** An output column as the engine reports it. `type` is the engine's own type name (e.g. `VARCHAR`, `DECIMAL(18,3)`). */
export interface Column {
  readonly name: string
  readonly type: string
  readonly nullable?: boolean | undefined
}

export interface RelationInfo {
  readonly kind: "table" | "view"
  readonly columns: ReadonlyArray<Column>
}

export type IncrementalStrategy = "append" | "delete+insert" | "merge"
export type OnSchemaChange = "ignore" | "append_new_columns" | "sync_all_columns" | "fail"

/** How a model's SQL becomes a relation. Ephemeral models never reach compute: the compiler inlines them as CTEs. */
export type Materialization =
  | { readonly kind: "view"; readonly relation: Relation; readonly sql: string }
  | { readonly kind: "table"; readonly relation: Relation; readonly sql: string }
  | {
      readonly kind: "incremental"
      readonly relation: Relation
      readonly sql: string
      readonly strategy: IncrementalStrategy
      /** Empty: no key (append, or delete+insert that degenerates to a plain insert). */
      readonly uniqueKey: ReadonlyArray<string>
      readonly onSchemaChange: OnSchemaChange
      readonly fullRefresh: boolean
      /** Extra SQL predicates ANDed into the delete or merge condition (dbt's incremental_predicates). */
      readonly predicates?: ReadonlyArray<string> | undefined
    }

export interface SchemaChanges {
  readonly added: ReadonlyArray<Column>
  readonly removed: ReadonlyArray<Column>
  readonly changed: ReadonlyArray<{ readonly name: string; readonly from: string; readonly to: string }>
}

export interface MaterializeResult {
  /** Rows the statement wrote (table: the table's rows; incremental: rows inserted or merged; view: undefined). */
  readonly rows: number | undefined
  /** How the relation was built this time. */
  readonly action: "created" | "replaced" | "incremental" | "view"
  readonly schemaChanges?: SchemaChanges | undefined
}

export interface CsvLoad {
  readonly relation: Relation
  /** Absolute path of the CSV file. */
  readonly file: string
  /** Declared column types (dbt `column_types`); other columns are inferred. */
  readonly columnTypes?: Readonly<Record<string, string>> | undefined
  readonly delimiter?: string | undefined
}

/** A Parquet file to write from a query: what `ComputeShape.parquet.write` takes. */
export interface ParquetWrite {
  /** The query whose rows the file holds; its column names are the file's. */
  readonly sql: string
  /** Where the file goes: an absolute local path, or a URI the engine can write (e.g. `s3://…` with credentials). */
  readonly path: string
  /** The Parquet field id of each output column (Iceberg readers match columns by id), by column name. */
  readonly fieldIds: Readonly<Record<string, number>>
  /** Storage properties for the location (e.g. vended `s3.access-key-id`), as an Iceberg REST catalog gives them. */
  readonly storage?: Readonly<Record<string, string>> | undefined
}

/**
 * Per-column statistics of a written Parquet file, by column name. `min`/`max` are the engine's text rendering of
 * the smallest and largest non-null values (e.g. `-1.05`, `2024-02-29`, `abc`; booleans `0`/`1`), only when they are
 * exact (never truncated).
 */
export interface ParquetColumnStats {
  readonly valueCount?: number | undefined
  readonly nullCount?: number | undefined
  readonly sizeBytes?: number | undefined
  readonly min?: string | undefined
  readonly max?: string | undefined
}

/** What writing a Parquet file produced. */
export interface ParquetFile {
  readonly path: string
  readonly records: number
  readonly bytes: number
  readonly columns: Readonly<Record<string, ParquetColumnStats>>
}

/**
 * An engine that can write and read Parquet files (optional: an engine without it cannot publish output ports as
 * Iceberg tables). Writing is atomic: the file appears whole or not at all.
 */
export interface ParquetSupport {
  readonly write: (request: ParquetWrite) => Effect.Effect<ParquetFile, ComputeError>
  /** A table expression that reads these files' rows, usable in `FROM` (e.g. `read_parquet([...])`). */
  readonly scan: (paths: ReadonlyArray<string>) => string
}

export type ComputeErrorReason =
  | "Connection"
  | "Syntax"
  | "Binder"
  | "NotFound"
  | "Constraint"
  | "Conversion"
  | "SchemaChange"
  | "Conflict"
  | "Timeout"
  | "Interrupted"
  | "Resource"
  | "Unknown"

const RETRYABLE: ReadonlySet<ComputeErrorReason> = new Set(["Connection", "Conflict", "Timeout", "Resource"])

/**
 * The one error of the compute interface. `reason` says what kind of failure it was; `message` is the engine's
 * own message (shown to users as is); `isRetryable` says whether running the same statement again may succeed.
 */
export class ComputeError extends Data.TaggedError("ComputeError")<{
  readonly reason: ComputeErrorReason
  readonly message: string
  readonly sql?: string | undefined
  readonly relation?: string | undefined
  readonly cause?: unknown
}> {
  get isRetryable(): boolean {
    return RETRYABLE.has(this.reason)
  }
}

export interface ComputeShape {
  /** The engine's dialect name, used for dbt-style dispatch (`duckdb__x` before `default__x`). */
  readonly dialect: string
  /** Quotes an identifier for this engine. */
  readonly quote: (identifier: string) => string
  /** Renders a relation as the engine writes it, e.g. `"db"."main"."orders"`. */
  readonly render: (relation: Relation) => string
  /** Runs statements that return no rows. */
  readonly execute: (sql: string) => Effect.Effect<void, ComputeError>
  /** Runs a query and returns its rows as plain objects (numbers that do not fit a double become strings). */
  readonly query: (sql: string) => Effect.Effect<ReadonlyArray<Readonly<Record<string, unknown>>>, ComputeError>
  /** The output columns of a query, bound by the engine without producing rows. */
  readonly describeQuery: (sql: string) => Effect.Effect<ReadonlyArray<Column>, ComputeError>
  /** What stands at a relation, or undefined when nothing does. */
  readonly describeRelation: (relation: Relation) => Effect.Effect<RelationInfo | undefined, ComputeError>
  /** Creates the schema when it does not exist. */
  readonly ensureSchema: (relation: Pick<Relation, "database" | "schema">) => Effect.Effect<void, ComputeError>
  /** Drops a table or view when it exists. */
  readonly dropRelation: (relation: Relation) => Effect.Effect<void, ComputeError>
  /**
   * Builds a relation. Tables are built aside and swapped in within one transaction, so a failed or interrupted
   * build leaves the previous table intact; incremental models apply their strategy in one transaction.
   */
  readonly materialize: (materialization: Materialization) => Effect.Effect<MaterializeResult, ComputeError>
  /** Loads a CSV seed into a table, replacing it atomically. Returns the row count. */
  readonly loadCsv: (load: CsvLoad) => Effect.Effect<{ readonly rows: number }, ComputeError>
  /** Parquet files, when the engine can write them (see `ParquetSupport`). */
  readonly parquet?: ParquetSupport | undefined
}

/** The compute service key. Adapters provide it (and may also provide their own, more specific key). */
export class Compute extends Context.Service<Compute, ComputeShape>()("@floe/spec/Compute") {}

/** Renders `relation` with `quote`, skipping an absent database: the usual three-part form. */
export const renderWith = (quote: (identifier: string) => string, relation: Relation): string =>
  [relation.database, relation.schema, relation.identifier]
    .filter((p): p is string => p !== undefined && p !== "")
    .map(quote)
    .join(".")

/** ANSI double-quote quoting, the rule DuckDB and PostgreSQL share. */
export const quoteAnsi = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`

/** Normalises a type name for comparison: case, spacing and `INT`/`INTEGER`-style aliases do not count as change. */
const normaliseType = (t: string): string => t.trim().toUpperCase().replace(/\s+/g, " ")

/**
 * Compares a relation's columns with the columns a model now produces (names compared case-insensitively, as both
 * engines fold unquoted identifiers): what was added, removed, or changed type. Used for `on_schema_change`.
 */
export const diffColumns = (target: ReadonlyArray<Column>, source: ReadonlyArray<Column>): SchemaChanges => {
  const key = (c: Column) => c.name.toLowerCase()
  const targetBy = new Map(target.map((c) => [key(c), c]))
  const sourceBy = new Map(source.map((c) => [key(c), c]))
  return {
    added: source.filter((c) => !targetBy.has(key(c))),
    removed: target.filter((c) => !sourceBy.has(key(c))),
    changed: source.flatMap((c) => {
      const t = targetBy.get(key(c))
      return t && normaliseType(t.type) !== normaliseType(c.type) ? [{ name: t.name, from: t.type, to: c.type }] : []
    }),
  }
}
