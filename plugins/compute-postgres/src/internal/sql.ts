/** The SQL PostgreSQL materialisations run, as dbt-postgres builds it (see shared/design/dbt-semantics.md). */
import type { Compute } from "@floe/spec"

type Render = (relation: Compute.Relation) => string
type Quote = (identifier: string) => string

/**
 * Build aside, then swap: the new table is created under a side name, the old relation dropped and the new one
 * renamed into place. PostgreSQL DDL is transactional, so run inside one transaction a failure at any step leaves the
 * old relation as it was. The second statement's count (`SELECT n` of CREATE TABLE AS) is the table's row count.
 * Dropping the old relation cascades to the views that depend on it; the caller re-creates them after the swap.
 */
export const tableSwap = (
  render: Render,
  quote: Quote,
  relation: Compute.Relation,
  create: (aside: string) => ReadonlyArray<string>,
  existing: "table" | "view" | undefined,
): Array<string> => {
  const aside = render({ ...relation, identifier: asideName(relation.identifier) })
  const statements = [`DROP TABLE IF EXISTS ${aside}`, ...create(aside)]
  if (existing === "view") statements.push(`DROP VIEW IF EXISTS ${render(relation)} CASCADE`)
  if (existing === "table") statements.push(`DROP TABLE IF EXISTS ${render(relation)} CASCADE`)
  statements.push(`ALTER TABLE ${aside} RENAME TO ${quote(relation.identifier)}`)
  return statements
}

/** PostgreSQL truncates identifiers to 63 bytes: keep the side name distinct and within the limit. */
export const asideName = (identifier: string): string => {
  const suffix = "__floe_new"
  const bytes = Buffer.from(identifier, "utf8")
  if (bytes.length + suffix.length <= 63) return `${identifier}${suffix}`
  return `${bytes.subarray(0, 63 - suffix.length - 9).toString("utf8")}_${hash(identifier)}${suffix}`
}

const hash = (s: string): string => {
  let h = 5381
  for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0
  return h.toString(16).padStart(8, "0").slice(0, 8)
}

export type IncrementalPlan =
  | { readonly _tag: "Plan"; readonly statements: ReadonlyArray<{ readonly sql: string; readonly counts: boolean }> }
  | { readonly _tag: "Fail"; readonly message: string }

const describeChanges = (changes: Compute.SchemaChanges): string =>
  [
    ...changes.added.map((c) => `added ${c.name} ${c.type}`),
    ...changes.removed.map((c) => `removed ${c.name} ${c.type}`),
    ...changes.changed.map((c) => `changed ${c.name} ${c.from} → ${c.to}`),
  ].join(", ")

/** The statements of an incremental run against an existing table, or why it is refused. */
export const buildIncremental = (
  render: Render,
  quote: Quote,
  m: Extract<Compute.Materialization, { kind: "incremental" }>,
  targetColumns: ReadonlyArray<Compute.Column>,
  sourceColumns: ReadonlyArray<Compute.Column>,
  staged: string,
  changes: Compute.SchemaChanges,
): IncrementalPlan => {
  const target = render(m.relation)
  const statements: Array<{ sql: string; counts: boolean }> = []
  const hasChanges = changes.added.length + changes.removed.length + changes.changed.length > 0
  if (m.strategy === "merge" && m.uniqueKey.length === 0) {
    return { _tag: "Fail", message: `incremental_strategy 'merge' on ${target} needs a unique_key` }
  }
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
    case "ignore": {
      // Only the target's columns that the source still produces (a missing one stays NULL).
      const source = new Set(sourceColumns.map((c) => c.name.toLowerCase()))
      columns = targetColumns.map((c) => c.name).filter((c) => source.has(c.toLowerCase()))
      break
    }
    case "append_new_columns": {
      for (const c of changes.added)
        statements.push({ sql: `ALTER TABLE ${target} ADD COLUMN ${quote(c.name)} ${c.type}`, counts: false })
      columns = sourceColumns.map((c) => c.name)
      break
    }
    case "sync_all_columns":
      for (const c of changes.added)
        statements.push({ sql: `ALTER TABLE ${target} ADD COLUMN ${quote(c.name)} ${c.type}`, counts: false })
      for (const c of changes.removed)
        statements.push({ sql: `ALTER TABLE ${target} DROP COLUMN ${quote(c.name)}`, counts: false })
      for (const c of changes.changed) {
        statements.push({
          sql: `ALTER TABLE ${target} ALTER COLUMN ${quote(c.name)} TYPE ${c.to} USING ${quote(c.name)}::${c.to}`,
          counts: false,
        })
      }
      columns = sourceColumns.map((c) => c.name)
      break
  }
  const cols = columns.map(quote).join(", ")
  const keys = m.uniqueKey.map(quote)
  const predicates = (m.predicates ?? []).map((p) => ` AND (${p})`).join("")
  const insert = { sql: `INSERT INTO ${target} (${cols}) SELECT ${cols} FROM ${staged}`, counts: true }
  switch (m.strategy) {
    case "append":
      statements.push(insert)
      break
    case "delete+insert":
      // A row-value IN for single and composite keys alike (as dbt-postgres): predicates see the target's columns
      // unqualified and unambiguous.
      if (keys.length > 0) {
        const k = keys.join(", ")
        statements.push({
          sql: `DELETE FROM ${target} WHERE (${k}) IN (SELECT ${k} FROM ${staged})${predicates}`,
          counts: false,
        })
      }
      statements.push(insert)
      break
    case "merge": {
      // PostgreSQL 15 has MERGE; the updated rows plus the inserted ones are its command count.
      const on = keys.map((k) => `floe_dest.${k} = floe_src.${k}`).join(" AND ")
      const keySet = new Set(m.uniqueKey.map((k) => k.toLowerCase()))
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
