/** The SQL DuckDB materialisations run, as dbt-duckdb builds it (see shared/design/dbt-semantics.md). */
import type { Compute } from "@floe/spec"

type Render = (relation: Compute.Relation) => string

/**
 * Build aside, then swap: the new table is created under a side name, the old relation dropped and the new one
 * renamed into place. Run inside one transaction, a failure at any step leaves the old relation as it was. The
 * first statement's count is the table's row count.
 */
export const tableSwap = (
  render: Render,
  relation: Compute.Relation,
  sql: string,
  existing: "table" | "view" | undefined,
): Array<string> => {
  const aside = { ...relation, identifier: `${relation.identifier}__floe_new` }
  const statements = [`CREATE OR REPLACE TABLE ${render(aside)} AS ${sql}`]
  if (existing === "view") statements.push(`DROP VIEW IF EXISTS ${render(relation)}`)
  if (existing === "table") statements.push(`DROP TABLE IF EXISTS ${render(relation)}`)
  statements.push(`ALTER TABLE ${render(aside)} RENAME TO ${quoteIdent(relation.identifier)}`)
  return statements
}

const quoteIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`

export type IncrementalPlan =
  | { readonly _tag: "Plan"; readonly statements: ReadonlyArray<{ readonly sql: string; readonly counts: boolean }> }
  | { readonly _tag: "Fail"; readonly message: string }

const describeChanges = (changes: Compute.SchemaChanges): string =>
  [
    ...changes.added.map((c) => `added ${c.name} ${c.type}`),
    ...changes.removed.map((c) => `removed ${c.name} ${c.type}`),
    ...changes.changed.map((c) => `changed ${c.name} ${c.from} → ${c.to}`),
  ].join(", ")

/** The statements of an incremental run against an existing table, or why `on_schema_change: fail` refuses it. */
export const buildIncremental = (
  render: Render,
  quote: (identifier: string) => string,
  m: Extract<Compute.Materialization, { kind: "incremental" }>,
  targetColumns: ReadonlyArray<Compute.Column>,
  sourceColumns: ReadonlyArray<Compute.Column>,
  staged: string,
  changes: Compute.SchemaChanges,
): IncrementalPlan => {
  const target = render(m.relation)
  const statements: Array<{ sql: string; counts: boolean }> = []
  const hasChanges = changes.added.length + changes.removed.length + changes.changed.length > 0
  let columns: ReadonlyArray<string>
  switch (m.onSchemaChange) {
    case "fail":
      if (hasChanges) {
        return {
          _tag: "Fail",
          message: `The source columns of ${target} changed (${describeChanges(changes)}) and on_schema_change is 'fail'. Run with --full-refresh to rebuild the table, or set on_schema_change to append_new_columns or sync_all_columns.`,
        }
      }
      columns = targetColumns.map((c) => c.name)
      break
    case "ignore":
      columns = targetColumns.map((c) => c.name)
      break
    case "append_new_columns":
      for (const c of changes.added)
        statements.push({ sql: `ALTER TABLE ${target} ADD COLUMN ${quote(c.name)} ${c.type}`, counts: false })
      columns = sourceColumns.map((c) => c.name)
      break
    case "sync_all_columns":
      for (const c of changes.added)
        statements.push({ sql: `ALTER TABLE ${target} ADD COLUMN ${quote(c.name)} ${c.type}`, counts: false })
      for (const c of changes.removed)
        statements.push({ sql: `ALTER TABLE ${target} DROP COLUMN ${quote(c.name)}`, counts: false })
      for (const c of changes.changed) {
        statements.push({ sql: `ALTER TABLE ${target} ALTER COLUMN ${quote(c.name)} TYPE ${c.to}`, counts: false })
      }
      columns = sourceColumns.map((c) => c.name)
      break
  }
  const cols = columns.map(quote).join(", ")
  const keys = m.uniqueKey
  const predicates = (m.predicates ?? []).map((p) => ` AND (${p})`).join("")
  const insert = { sql: `INSERT INTO ${target} (${cols}) SELECT ${cols} FROM ${staged}`, counts: true }
  switch (m.strategy) {
    case "append":
      statements.push(insert)
      break
    case "delete+insert":
      if (keys.length === 1) {
        const k = quote(keys[0] ?? "")
        statements.push({
          sql: `DELETE FROM ${target} WHERE (${k}) IN (SELECT (${k}) FROM ${staged})${predicates}`,
          counts: false,
        })
      } else if (keys.length > 1) {
        const on = keys.map((k) => `${target}.${quote(k)} = floe_src.${quote(k)}`).join(" AND ")
        statements.push({
          sql: `DELETE FROM ${target} USING ${staged} AS floe_src WHERE ${on}${predicates}`,
          counts: false,
        })
      }
      statements.push(insert)
      break
    case "merge": {
      if (keys.length === 0) {
        return { _tag: "Fail", message: `incremental_strategy 'merge' on ${target} needs a unique_key` }
      }
      const on = keys.map((k) => `floe_dest.${quote(k)} = floe_src.${quote(k)}`).join(" AND ")
      const keySet = new Set(keys.map((k) => k.toLowerCase()))
      const updates = columns.filter((c) => !keySet.has(c.toLowerCase()))
      const set = updates.map((c) => `${quote(c)} = floe_src.${quote(c)}`).join(", ")
      statements.push({
        sql:
          `MERGE INTO ${target} AS floe_dest USING ${staged} AS floe_src ON (${on}${predicates})` +
          (set === "" ? "" : ` WHEN MATCHED THEN UPDATE SET ${set}`) +
          ` WHEN NOT MATCHED THEN INSERT (${cols}) VALUES (${columns.map((c) => `floe_src.${quote(c)}`).join(", ")})`,
        counts: true,
      })
      break
    }
  }
  return { _tag: "Plan", statements }
}
