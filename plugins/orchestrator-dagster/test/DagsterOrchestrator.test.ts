import { execFileSync, spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { afterAll, assert, describe, expect, it } from "@effect/vitest"
import { Compiler, Orchestration } from "@floe/compiler"
import { Loader, Orchestrator } from "@floe/spec"
import { OrchestratorConformance } from "@floe/spec/testing"
import * as Effect from "effect/Effect"
import { DagsterOrchestrator } from "../src/index.ts"

OrchestratorConformance.suite("dagster orchestrator", {
  layer: DagsterOrchestrator.layer({ dbt: true }),
  schedules: false,
  generates: true,
})

const support = join(import.meta.dirname, "support")
const example = join(import.meta.dirname, "..", "..", "..", "examples", "customer-360")
const scratch = mkdtempSync(join(tmpdir(), "floe-dagster-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const python = (...args: Array<string>): string => execFileSync("python3", args, { encoding: "utf8" })

/** The customer-360 example compiled (nothing written) into orchestration artifacts. */
const customer360 = Effect.gen(function* () {
  const dir = mkdtempSync(join(scratch, "product-"))
  for (const entry of ["floe.yaml", "datacontract.yaml", "platform", "models", "seeds", "tests"])
    cpSync(join(example, entry), join(dir, entry), { recursive: true })
  const product = (yield* Loader.loadProduct(dir)).value
  if (product === undefined) throw new Error("customer-360 must load")
  const compiled = yield* Compiler.compile(dir, { product, write: false })
  const artifacts = Orchestration.fromCompile({ dir, product, compiled })
  if (artifacts === undefined) throw new Error("customer-360 must compile")
  return { dir, artifacts }
}).pipe(Effect.provide(NodeServices.layer))

/** Generates and writes the files where compile stage 6 puts them; returns the output directory. */
const generateInto = (dir: string, artifacts: Orchestrator.OrchestrationArtifacts, options = { dbt: true }) =>
  Effect.gen(function* () {
    const files = yield* DagsterOrchestrator.make(options).generate(artifacts)
    const out = join(dir, Orchestrator.outputDirectory("dagster"))
    yield* Orchestration.writeFiles(out, files)
    return { out, files }
  }).pipe(Effect.provide(NodeServices.layer))

interface Inspected {
  assets: Array<{
    function: string
    key: Array<string>
    deps: Array<Array<string>>
    group: string
    checks: Array<{ name: string; asset: Array<string> }>
    unique_id: string
    runs: string
    select: string
    run_unique_id: string
    run_checks: Record<string, [string, string]>
  }>
  asset_list: Array<string>
  jobs: Array<{ variable: string; name: string; executor: string }>
  schedules: Array<{
    name: string
    job?: string
    cron_schedule: string
    execution_timezone: string
    dbt_select?: string
  }>
  definitions: Record<string, unknown>
  imports: Array<string>
}

describe("DagsterOrchestrator on customer-360", () => {
  it.effect(
    "generates Python that compiles, and whose assets, deps, checks and schedule match the DAG and floe.yaml",
    () =>
      Effect.gen(function* () {
        const { dir, artifacts } = yield* customer360
        const { out, files } = yield* generateInto(dir, artifacts)
        const pkg = DagsterOrchestrator.packageName(artifacts)
        assert.strictEqual(pkg, "floe_sales_customer_360")
        assert.deepStrictEqual(Object.keys(files).sort(), [
          "README.md",
          `${pkg}/__init__.py`,
          `${pkg}/dbt_definitions.py`,
          `${pkg}/definitions.py`,
          `${pkg}/floe_runner.py`,
          "pyproject.toml",
        ])
        const pyFiles = Object.keys(files).filter((f) => f.endsWith(".py"))
        for (const f of pyFiles) {
          const r = spawnSync("python3", ["-m", "py_compile", join(out, f)], { encoding: "utf8" })
          assert.strictEqual(r.status, 0, `${f}: ${r.stderr}`)
        }

        const seen: Inspected = JSON.parse(
          python(join(support, "inspect_definitions.py"), join(out, pkg, "definitions.py")),
        )
        const key = (name: string) => ["sales", "customer_360", name]
        const byId = new Map(artifacts.models.map((m) => [m.uniqueId, m]))
        assert.strictEqual(seen.assets.length, artifacts.models.length)
        assert.deepStrictEqual(
          seen.assets.map((a) => a.unique_id),
          artifacts.models.map((m) => m.uniqueId),
        )
        for (const a of seen.assets) {
          const m = byId.get(a.unique_id)
          if (m === undefined) throw new Error(a.unique_id)
          assert.deepStrictEqual(a.key, key(m.name))
          assert.deepStrictEqual(
            a.deps,
            m.dependsOn.map((d) => key(byId.get(d)?.name ?? "?")),
            `deps of ${m.name}`,
          )
          assert.strictEqual(a.group, m.layer)
          assert.deepStrictEqual(
            a.checks,
            m.tests.map((t) => ({ name: t.name, asset: key(m.name) })),
          )
          assert.deepStrictEqual(
            Object.keys(a.run_checks),
            m.tests.map((t) => t.uniqueId),
          )
          assert.deepStrictEqual([a.runs, a.select, a.run_unique_id], ["floe_run", m.name, m.uniqueId])
        }
        // the layers of the medallion layout, and the gold mart's upstreams and checks
        assert.deepStrictEqual([...new Set(seen.assets.map((a) => a.group))].sort(), [
          "bronze",
          "gold",
          "seeds",
          "silver",
        ])
        const gold = seen.assets.find((a) => a.function === "gold_customer_360")
        assert.deepStrictEqual(gold?.deps, [
          key("silver_customers"),
          key("silver_support_tickets"),
          key("silver_transactions"),
        ])
        assert.includeMembers(gold?.checks.map((c) => c.name) ?? [], [
          "unique_gold_customer_360_customer_id",
          "assert_lifetime_value_not_negative",
        ])
        assert.deepStrictEqual(
          seen.asset_list,
          seen.assets.map((a) => a.function),
        )
        assert.deepStrictEqual(seen.jobs, [
          { variable: "floe_job", name: "customer_360_job", executor: "in_process_executor" },
        ])
        // floe.yaml: schedule: {cron: "0 6 * * *", timezone: Europe/London}
        assert.deepStrictEqual(seen.schedules, [
          {
            variable: "floe_schedule",
            name: "customer_360_schedule",
            job: "floe_job",
            cron_schedule: "0 6 * * *",
            execution_timezone: "Europe/London",
          } as Inspected["schedules"][number],
        ])
        assert.deepStrictEqual(seen.definitions, {
          assets: { name: "ASSETS" },
          jobs: [{ name: "floe_job" }],
          schedules: { name: "SCHEDULES" },
        })

        const dbt: Inspected = JSON.parse(
          python(join(support, "inspect_definitions.py"), join(out, pkg, "dbt_definitions.py")),
        )
        assert.deepStrictEqual(dbt.schedules, [
          {
            variable: "SCHEDULES",
            name: "customer_360_dbt_job",
            cron_schedule: "0 6 * * *",
            execution_timezone: "Europe/London",
            dbt_select: "fqn:*",
          } as Inspected["schedules"][number],
        ])
        assert.include(dbt.imports.join("\n"), "from dagster_dbt import DbtCliResource")
      }),
  )

  it.effect("matches the committed snapshots", () =>
    Effect.gen(function* () {
      const { artifacts } = yield* customer360
      const files = yield* DagsterOrchestrator.make({ dbt: true }).generate(artifacts)
      for (const [path, content] of Object.entries(files))
        yield* Effect.promise(() =>
          expect(content).toMatchFileSnapshot(join("snapshots", "customer-360", "dagster", path)),
        )
    }),
  )

  it.effect("each asset runs floe run --select <model> and reports the model and its tests as checks", () =>
    Effect.gen(function* () {
      const { dir, artifacts } = yield* customer360
      const { out } = yield* generateInto(dir, artifacts)
      const pkg = DagsterOrchestrator.packageName(artifacts)
      const silver = artifacts.models.find((m) => m.name === "silver_customers")
      if (silver === undefined) throw new Error("silver_customers")
      const argsFile = join(scratch, `args-${Math.random().toString(36).slice(2)}.json`)
      const report = (modelStatus: string, testStatus: (i: number) => string) =>
        JSON.stringify({
          status: modelStatus === "success" ? "success" : "error",
          run_id: "run-1",
          seconds: 0.2,
          nodes: [
            {
              unique_id: silver.uniqueId,
              status: modelStatus,
              rows: 42,
              seconds: 0.1,
              message: modelStatus === "success" ? null : "boom",
            },
          ],
          tests: silver.tests.map((t, i) => ({ unique_id: t.uniqueId, status: testStatus(i), failures: 0 })),
        })
      const runAsset = (reportJson: string) =>
        JSON.parse(
          execFileSync("python3", [join(support, "run_asset.py"), out, pkg, "silver_customers"], {
            encoding: "utf8",
            env: {
              ...process.env,
              // the stand-in dagster module lives in the repository: leave no __pycache__ there
              PYTHONDONTWRITEBYTECODE: "1",
              FLOE_BIN: `python3 ${join(support, "fake_floe.py")}`,
              FAKE_FLOE_ARGS: argsFile,
              FAKE_FLOE_REPORT: reportJson,
            },
          }),
        ) as { results: Array<Record<string, unknown>>; schedules: Array<Record<string, unknown>> }

      const ok = runAsset(report("success", (i) => (i === 0 ? "fail" : "pass")))
      assert.deepStrictEqual(JSON.parse(readFileSync(argsFile, "utf8")), [
        "run",
        dir,
        "--select",
        "silver_customers",
        "--json",
      ])
      assert.deepStrictEqual(ok.results[0], {
        type: "materialize",
        metadata: { "floe/run_id": "run-1", "floe/seconds": 0.1, "dagster/row_count": 42 },
      })
      assert.deepStrictEqual(
        ok.results.slice(1),
        silver.tests.map((t, i) => ({ type: "check", name: t.name, passed: i !== 0, severity: "ERROR" })),
      )
      assert.strictEqual(ok.schedules.length, 1)
      assert.deepStrictEqual(
        [ok.schedules[0]?.cron_schedule, ok.schedules[0]?.execution_timezone],
        ["0 6 * * *", "Europe/London"],
      )

      const failed = runAsset(report("error", () => "skipped"))
      assert.deepStrictEqual(failed.results, [{ type: "failure", description: "boom" }])
    }),
  )
})

describe("DagsterOrchestrator names", () => {
  const base = OrchestratorConformance.sampleArtifacts
  it.effect("turns any model name into a valid, unique Python function and Dagster name", () =>
    Effect.gen(function* () {
      const odd = {
        ...base,
        models: [
          ...base.models,
          { ...base.models[1], uniqueId: "model.sample_product.class", name: "class", tests: [], dependsOn: [] },
          { ...base.models[1], uniqueId: "model.sample_product.2fast", name: "2fast", tests: [], dependsOn: [] },
          { ...base.models[1], uniqueId: "model.sample_product.ASSETS", name: "ASSETS", tests: [], dependsOn: [] },
        ] as ReadonlyArray<Orchestrator.OrchestrationModel>,
      }
      const dir = mkdtempSync(join(scratch, "odd-"))
      const { out } = yield* generateInto(dir, odd)
      const file = join(out, DagsterOrchestrator.packageName(odd), "definitions.py")
      const seen: Inspected = JSON.parse(python(join(support, "inspect_definitions.py"), file))
      assert.includeMembers(seen.asset_list, ["class_", "_2fast", "ASSETS_"])
      assert.strictEqual(new Set(seen.asset_list).size, seen.asset_list.length)
    }),
  )

  it.effect("fails with Generation when two models would be the same asset; schedule is Unsupported", () =>
    Effect.gen(function* () {
      const clash = {
        ...base,
        models: [
          ...base.models,
          { ...base.models[1], uniqueId: "model.other.bronze_orders" },
        ] as ReadonlyArray<Orchestrator.OrchestrationModel>,
      }
      const error = yield* OrchestratorConformance.expectReason(
        DagsterOrchestrator.make().generate(clash),
        "Generation",
      )
      assert.include(error.message, "model.other.bronze_orders")
      yield* OrchestratorConformance.expectReason(
        DagsterOrchestrator.make().schedule(base, () => Effect.void),
        "Unsupported",
      )
    }),
  )

  it.effect("without a schedule in floe.yaml the job runs on demand only", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(scratch, "nosched-"))
      const { out } = yield* generateInto(dir, { ...base, schedule: undefined })
      const seen: Inspected = JSON.parse(
        python(
          join(support, "inspect_definitions.py"),
          join(out, DagsterOrchestrator.packageName(base), "definitions.py"),
        ),
      )
      assert.deepStrictEqual(seen.schedules, [])
      const r = spawnSync("python3", [
        "-m",
        "py_compile",
        join(out, DagsterOrchestrator.packageName(base), "dbt_definitions.py"),
      ])
      assert.strictEqual(r.status, 0)
    }),
  )
})
