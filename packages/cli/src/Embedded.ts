/**
 * The embedded defaults the CLI wires when no platform manifest chooses otherwise: DuckDB at
 * `.floe/warehouse.duckdb`, OpenLineage events appended to `.floe/lineage/events.ndjson`, run state in
 * `.floe/runs/`. The CLI is the only place that picks concrete plugins.
 */

import { homedir } from "node:os"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { OciPlatformSource } from "@floe/platform-oci"
import type { Compute } from "@floe/spec"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { parse as parseYaml } from "yaml"
import { UsageError } from "./Args.ts"

export const WAREHOUSE = ".floe/warehouse.duckdb"
export const LINEAGE_FILE = ".floe/lineage/events.ndjson"
/** The database name SQL uses for the warehouse: DuckDB names a file database after its stem. */
export const WAREHOUSE_DATABASE = "warehouse"

export const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

/** A throwaway in-memory DuckDB named like the warehouse, for compile-time binding. */
export const scratchCompute = (): Effect.Effect<Compute.ComputeShape, Compute.ComputeError, Scope.Scope> =>
  DuckDBCompute.make({ database: WAREHOUSE_DATABASE, connections: 2 })

/** `--vars '{key: value}'` (YAML or JSON, as dbt accepts) → an object; anything else is a usage error. */
export const parseVars = (text: string | true | undefined): Readonly<Record<string, unknown>> | undefined => {
  if (text === undefined || text === true) return undefined
  let value: unknown
  try {
    value = parseYaml(text)
  } catch (e) {
    throw new UsageError(`--vars is not YAML: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`)
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError("--vars must be a mapping, e.g. --vars '{start_date: 2024-01-01}'")
  }
  return value as Record<string, unknown>
}

/** The value of a numeric flag, or a usage error. */
export const intFlag = (
  value: string | true | undefined,
  name: string,
  fallback: number,
  min = 1,
  max = 256,
): number => {
  if (value === undefined) return fallback
  const n = typeof value === "string" ? Number(value) : Number.NaN
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`)
  return n
}

/** The OCI source configured from the environment the CLI runs in. */
export const ociConfig = (
  env: Readonly<Record<string, string | undefined>>,
  offline: boolean,
): OciPlatformSource.Config => {
  const username = env["FLOE_REGISTRY_USERNAME"]
  const password = env["FLOE_REGISTRY_PASSWORD"]
  const token = env["FLOE_REGISTRY_TOKEN"]
  const credentials: OciPlatformSource.Credentials | undefined =
    token !== undefined && token !== ""
      ? { token }
      : username !== undefined && username !== ""
        ? { username, password: password ?? "" }
        : undefined
  const plain = env["FLOE_REGISTRY_PLAIN_HTTP"]
  return {
    cacheDir: env["FLOE_PLATFORM_CACHE"] || OciPlatformSource.defaultCacheDir(env, homedir()),
    credentials: () => credentials,
    offline,
    ...(plain ? { plainHttp: plain.split(",").map((s) => s.trim()) } : {}),
  }
}
