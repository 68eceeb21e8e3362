/**
 * Node configuration with dbt's precedence: `config()` in the SQL file > `config:` in properties YAML > the most
 * specific dbt_project.yml path > less specific ones. Tags accumulate and `meta` merges key by key, as in dbt.
 */

/** Keys dbt recognises as configs inside dbt_project.yml trees even when written without `+`. */
export const KNOWN_CONFIG_KEYS = new Set([
  "enabled",
  "alias",
  "schema",
  "database",
  "tags",
  "meta",
  "group",
  "materialized",
  "incremental_strategy",
  "persist_docs",
  "post-hook",
  "pre-hook",
  "quoting",
  "column_types",
  "full_refresh",
  "unique_key",
  "on_schema_change",
  "on_configuration_change",
  "grants",
  "packages",
  "docs",
  "contract",
  "event_time",
  "batch_size",
  "lookback",
  "begin",
  "concurrent_batches",
  "access",
  "freshness",
  "sql_header",
  "incremental_predicates",
  "delimiter",
  "quote_columns",
  "severity",
  "store_failures",
  "store_failures_as",
  "where",
  "limit",
  "fail_calc",
  "warn_if",
  "error_if",
])

type Config = Record<string, unknown>

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)

const toList = (x: unknown): Array<unknown> => (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x])

/** Merges `next` over `base` the way dbt does: tags and hooks extend, meta merges, everything else replaces. */
export const mergeConfig = (base: Config, next: Config): Config => {
  const out: Config = { ...base }
  for (const [rawKey, value] of Object.entries(next)) {
    const key = rawKey.startsWith("+") ? rawKey.slice(1) : rawKey
    if (key === "tags") {
      out[key] = [...new Set([...toList(out[key]), ...toList(value)])]
    } else if (key === "pre-hook" || key === "post-hook" || key === "pre_hook" || key === "post_hook") {
      const k = key.replace("_", "-")
      out[k] = [...toList(out[k]), ...toList(value)]
    } else if (key === "meta" && isRecord(value)) {
      out[key] = { ...(isRecord(out[key]) ? out[key] : {}), ...value }
    } else {
      out[key] = value
    }
  }
  return out
}

/** The configs set at one level of a dbt_project.yml tree: `+key`s, and known keys whose value is not a folder. */
const levelConfig = (level: Record<string, unknown>): Config => {
  const out: Config = {}
  for (const [key, value] of Object.entries(level)) {
    if (key.startsWith("+")) out[key.slice(1)] = value
    else if (KNOWN_CONFIG_KEYS.has(key)) out[key] = value
  }
  return out
}

/**
 * The config a dbt_project.yml tree (`models:`, `seeds:`) gives the node with this fqn, applying each level from
 * the root down so the most specific level wins.
 */
export const fromProjectTree = (tree: Record<string, unknown>, fqn: ReadonlyArray<string>): Config => {
  let config = levelConfig(tree)
  let level: Record<string, unknown> = tree
  for (const part of fqn) {
    const next = level[part]
    if (!isRecord(next) || part.startsWith("+")) break
    config = mergeConfig(config, levelConfig(next))
    level = next
  }
  return config
}
