/**
 * `target/run_results.json` in dbt's v6 artifact format, so tools that read dbt runs (dagster-dbt, Elementary,
 * dbt-artifacts parsers) read Floe runs too. Written atomically.
 */

export const SCHEMA_VERSION = "https://schemas.getdbt.com/dbt/run-results/v6.json"

export type NodeStatus = "success" | "error" | "skipped" | "pass" | "warn" | "fail" | "runtime error"

export interface NodeResult {
  readonly uniqueId: string
  readonly status: NodeStatus
  readonly startedAt: string
  readonly completedAt: string
  readonly seconds: number
  readonly message: string | null
  readonly failures: number | null
  readonly rows?: number | undefined
  readonly compiledCode: string | null
  readonly relationName: string | null
  readonly threadId: string
}

export interface RunInfo {
  readonly invocationId: string
  readonly startedAt: string
  readonly generatedAt: string
  readonly elapsedSeconds: number
  readonly floeVersion: string
  readonly args: Readonly<Record<string, unknown>>
}

/** Builds the run_results.json document (a plain JSON value valid against the v6 schema). */
export const make = (run: RunInfo, results: ReadonlyArray<NodeResult>) => ({
  metadata: {
    dbt_schema_version: SCHEMA_VERSION,
    dbt_version: `floe-${run.floeVersion}`,
    generated_at: run.generatedAt,
    invocation_id: run.invocationId,
    invocation_started_at: run.startedAt,
    env: {},
  },
  results: results.map((r) => ({
    status: r.status,
    timing: [
      { name: "compile", started_at: r.startedAt, completed_at: r.startedAt },
      { name: "execute", started_at: r.startedAt, completed_at: r.completedAt },
    ],
    thread_id: r.threadId,
    execution_time: r.seconds,
    adapter_response: r.rows === undefined ? {} : { _message: `OK ${r.rows}`, rows_affected: r.rows },
    message: r.message,
    failures: r.failures,
    unique_id: r.uniqueId,
    compiled: r.compiledCode !== null,
    compiled_code: r.compiledCode,
    relation_name: r.relationName,
    batch_results: null,
  })),
  elapsed_time: run.elapsedSeconds,
  args: run.args,
})
