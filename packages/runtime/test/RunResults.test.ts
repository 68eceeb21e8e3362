import { readFileSync } from "node:fs"
import { join } from "node:path"
import Ajv2020 from "ajv/dist/2020.js"
import { describe, expect, it } from "vitest"
import { RunResults } from "../src/index.ts"

const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "schemas", "dbt", "run_results_v6.json"), "utf8"),
)
const validate = new Ajv2020.default({ strict: false, allErrors: true }).compile(schema)

const run: RunResults.RunInfo = {
  invocationId: "0193a1b2-0000-7000-8000-000000000001",
  startedAt: "2026-11-28T06:00:00.000Z",
  generatedAt: "2026-11-28T06:00:03.500Z",
  elapsedSeconds: 3.5,
  floeVersion: "0.1.0",
  args: { threads: 4, select: ["+gold_customers"] },
}

const node = (
  uniqueId: string,
  status: RunResults.NodeStatus,
  extra: Partial<RunResults.NodeResult> = {},
): RunResults.NodeResult => ({
  uniqueId,
  status,
  startedAt: "2026-11-28T06:00:01.000Z",
  completedAt: "2026-11-28T06:00:02.000Z",
  seconds: 1,
  message: null,
  failures: null,
  compiledCode: "select 1",
  relationName: '"warehouse"."main"."m"',
  threadId: "Thread-1",
  ...extra,
})

describe("run_results.json", () => {
  it("validates against the official v6 schema for every status", () => {
    const doc = RunResults.make(run, [
      node("model.p.a", "success", { rows: 500 }),
      node("model.p.b", "error", { message: "Binder Error: column x not found" }),
      node("model.p.c", "skipped", { compiledCode: null, relationName: null, message: "skipped: model.p.b failed" }),
      node("test.p.not_null_a_id.abc1234567", "pass", { failures: 0 }),
      node("test.p.unique_a_id.0123456789", "fail", { failures: 3 }),
      node("test.p.accepted_values_a_s.9876543210", "warn", { failures: 1 }),
    ])
    const ok = validate(doc)
    expect(validate.errors ?? []).toEqual([])
    expect(ok).toBe(true)
    expect(doc.results[0]?.adapter_response).toEqual({ _message: "OK 500", rows_affected: 500 })
  })

  it("is refused by the schema when a required field is missing (the check is real)", () => {
    const doc = RunResults.make(run, [node("model.p.a", "success")])
    const { thread_id: _, ...broken } = doc.results[0] ?? { thread_id: "" }
    expect(validate({ ...doc, results: [broken] })).toBe(false)
  })
})
