/**
 * `floe run`: executes a compiled product on the `Compute` service — seeds and models in dependency order with
 * bounded parallelism, then the tests of what succeeded — emitting OpenLineage events, progress events for hosts,
 * the run state under `.floe/runs/<run_id>/` and `target/run_results.json`.
 */
import { type Graph, type Project, Rerender } from "@floe/compiler"
import { Compute, OpenLineage } from "@floe/spec"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as Semaphore from "effect/Semaphore"
import type { Emitter } from "./Lineage.ts"
import * as RunResults from "./RunResults.ts"
import * as RunState from "./RunState.ts"
import * as Scheduler from "./Scheduler.ts"
import * as TestBatch from "./TestBatch.ts"
import * as TestResult from "./TestResult.ts"

export type ModelStatus = "success" | "error" | "skipped"
export type TestStatus = "pass" | "warn" | "fail" | "error" | "skipped"

export interface NodeOutcome {
  readonly uniqueId: string
  readonly name: string
  readonly resourceType: "model" | "seed"
  readonly materialized: string
  readonly status: ModelStatus
  readonly rows: number | undefined
  readonly seconds: number
  readonly message: string | undefined
  readonly relation: string | undefined
}

export interface TestOutcome {
  readonly uniqueId: string
  readonly name: string
  readonly status: TestStatus
  readonly failures: number | undefined
  readonly seconds: number
  readonly message: string | undefined
  /** The tested node and column, for display (`not_null: customer_id`). */
  readonly attachedNode: string | undefined
  readonly column: string | undefined
  readonly testName: string
  readonly severity: string
}

/** Progress, as a stream of typed events a host renders (the CLI's `▶ model (time)` lines) or forwards. */
export type Progress =
  | { readonly _tag: "RunStarted"; readonly runId: string; readonly models: number; readonly tests: number }
  | { readonly _tag: "NodeStarted"; readonly uniqueId: string; readonly name: string }
  | { readonly _tag: "NodeFinished"; readonly outcome: NodeOutcome }
  | { readonly _tag: "TestsStarted"; readonly count: number }
  | { readonly _tag: "TestFinished"; readonly outcome: TestOutcome }

export interface Options {
  readonly project: Project.DbtProject
  readonly graph: Graph.Graph
  /** Nodes to run (models, seeds, tests); everything in the graph when absent. */
  readonly selected?: ReadonlySet<string> | undefined
  readonly threads: number
  readonly fullRefresh?: boolean | undefined
  /** Treat warnings of tests as failures (dbt's --warn-error). */
  readonly warnError?: boolean | undefined
  readonly renderOptions?: Parameters<typeof Rerender.make>[2]
  /** The product directory: run state goes to `<dir>/.floe/runs/`, results to `<dir>/target/`. */
  readonly dir: string
  /** Lineage: job namespace (the product id) and the product's job name. */
  readonly namespace: string
  readonly productName: string
  readonly producer?: string | undefined
  readonly floeVersion: string
  readonly args?: Readonly<Record<string, unknown>> | undefined
  readonly emitter?: Emitter | undefined
  readonly onProgress?: ((event: Progress) => Effect.Effect<void>) | undefined
  /**
   * Fuse the built-in generic tests of each relation into one statement (see TestBatch); default true. The
   * outcomes are the same either way; a fused test's `seconds` is its share of the statement's time.
   */
  readonly fuseTests?: boolean | undefined
}

export interface Result {
  readonly runId: string
  /** "success" when no model failed and no error-severity test failed. */
  readonly status: "success" | "error" | "interrupted"
  readonly nodes: ReadonlyArray<NodeOutcome>
  readonly tests: ReadonlyArray<TestOutcome>
  readonly seconds: number
}

const uniqueKeyOf = (v: unknown): ReadonlyArray<string> =>
  typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []

const stringOr = <T extends string>(v: unknown, allowed: ReadonlyArray<T>, fallback: T): T =>
  typeof v === "string" && (allowed as ReadonlyArray<string>).includes(v) ? (v as T) : fallback

const randomBytes = Effect.sync(() => crypto.getRandomValues(new Uint8Array(10)))

/**
 * Runs the product. Never fails on model or test errors (they are outcomes); fails only when the run state cannot
 * be written. Interrupting it cancels running statements, records the run as interrupted (so `--retry-failed`
 * picks up what did not finish) and emits ABORT for the product run.
 */
export const run = Effect.fn("Runtime.run")(function* (options: Options) {
  const compute = yield* Compute.Compute
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const producer = options.producer ?? OpenLineage.DEFAULT_PRODUCER
  const progress = (e: Progress) => (options.onProgress ? options.onProgress(e) : Effect.void)
  const emit = (e: OpenLineage.RunEvent) => (options.emitter ? options.emitter.emit(e) : Effect.void)
  const startedMs = yield* Clock.currentTimeMillis
  const runId = OpenLineage.uuidv7(startedMs, yield* randomBytes)
  const iso = (ms: number) => new Date(ms).toISOString()
  const { graph } = options
  const inRun = (id: string) => options.selected === undefined || options.selected.has(id)
  const buildable = graph.order.filter((id) => {
    const n = graph.nodes.get(id)
    return n !== undefined && n.resourceType !== "test" && inRun(id)
  })
  const buildableSet = new Set(buildable)
  const tests = graph.order.filter((id) => graph.nodes.get(id)?.resourceType === "test" && inRun(id))
  const rerender = Rerender.make(options.project, graph, options.renderOptions)
  const datasetNamespace = `${compute.dialect}://${graph.nodes.get(buildable[0] ?? "")?.database ?? "default"}`
  const datasetName = (n: Graph.Node) => `${n.database}.${n.schema}.${n.alias}`
  const parentFacet = OpenLineage.facet.parent(producer, {
    runId,
    namespace: options.namespace,
    name: options.productName,
  })

  const event = (
    eventType: OpenLineage.EventType,
    ms: number,
    jobName: string,
    childRunId: string,
    extra: Partial<OpenLineage.RunEvent> = {},
  ): OpenLineage.RunEvent => ({
    eventType,
    eventTime: iso(ms),
    producer,
    schemaURL: OpenLineage.RUN_EVENT_SCHEMA_URL,
    ...extra,
    run: { runId: childRunId, ...extra.run },
    job: { namespace: options.namespace, name: jobName, ...extra.job },
  })

  yield* emit(
    event("START", startedMs, options.productName, runId, {
      job: {
        namespace: options.namespace,
        name: options.productName,
        facets: { jobType: OpenLineage.facet.jobType(producer, "DAG") },
      },
    }),
  )
  yield* progress({ _tag: "RunStarted", runId, models: buildable.length, tests: tests.length })

  const nodeOutcomes = new Map<string, NodeOutcome>()
  // A node's COMPLETE event carries the built relation's columns (the schema facet). They are read, and the event
  // emitted, by a fiber of its own, one at a time on another connection while the next models build: that catalog
  // read (~1 ms a model, more for a view, which DuckDB binds again) stays off the run's critical path. The run's
  // own closing event waits for all of them.
  const completions: Array<Fiber.Fiber<void>> = []
  const describing = yield* Semaphore.make(1)
  const ensuredSchemas = new Set<string>()
  const testOutcomes = new Map<string, TestOutcome>()

  const buildNode = (id: string) =>
    Effect.gen(function* () {
      const n = graph.nodes.get(id)
      if (n === undefined) return { result: undefined, blocksChildren: true }
      yield* progress({ _tag: "NodeStarted", uniqueId: id, name: n.name })
      const t0 = yield* Clock.currentTimeMillis
      const nodeRunId = OpenLineage.uuidv7(t0, yield* randomBytes)
      const materialized = String(n.config["materialized"] ?? (n.resourceType === "seed" ? "seed" : "view"))
      const relation: Compute.Relation = { database: n.database, schema: n.schema, identifier: n.alias }
      const inputs = n.dependsOn.flatMap((p) => {
        const parent = graph.nodes.get(p)
        return parent && parent.config["materialized"] !== "ephemeral"
          ? [{ namespace: datasetNamespace, name: datasetName(parent) }]
          : []
      })
      const jobFacets = {
        jobType: OpenLineage.facet.jobType(producer, n.resourceType === "seed" ? "SEED" : "MODEL"),
        ...(n.compiledCode ? { sql: OpenLineage.facet.sql(producer, n.compiledCode, compute.dialect) } : {}),
      }
      const jobName = `${options.productName}.${n.name}`
      yield* emit(
        event("START", t0, jobName, nodeRunId, {
          run: { runId: nodeRunId, facets: { parent: parentFacet } },
          job: { namespace: options.namespace, name: jobName, facets: jobFacets },
          inputs,
          outputs: materialized === "ephemeral" ? [] : [{ namespace: datasetNamespace, name: datasetName(n) }],
        }),
      )

      const work: Effect.Effect<{ rows: number | undefined }, Compute.ComputeError> = Effect.gen(function* () {
        if (materialized === "ephemeral") return { rows: undefined }
        // Once per schema and run: a statement per model adds up on large projects. A race between two models of
        // one schema only repeats the idempotent statement.
        const schemaKey = `${relation.database ?? ""}\u0000${relation.schema}`
        if (!ensuredSchemas.has(schemaKey)) {
          yield* compute.ensureSchema(relation)
          ensuredSchemas.add(schemaKey)
        }
        if (n.resourceType === "seed") {
          const columnTypes = n.config["column_types"]
          return yield* compute.loadCsv({
            relation,
            file: path.join(options.project.root, n.originalFilePath),
            columnTypes:
              typeof columnTypes === "object" && columnTypes !== null
                ? Object.fromEntries(Object.entries(columnTypes).map(([k, v]) => [k, String(v)]))
                : undefined,
            delimiter: typeof n.config["delimiter"] === "string" ? n.config["delimiter"] : undefined,
          })
        }
        if (materialized === "incremental") {
          const fullRefresh =
            typeof n.config["full_refresh"] === "boolean" ? n.config["full_refresh"] : options.fullRefresh === true
          const existing = yield* compute.describeRelation(relation)
          const isIncremental = existing?.kind === "table" && !fullRefresh
          const sql = isIncremental ? rerender(id, true).sql : n.compiledCode
          if (sql === undefined) {
            return yield* new Compute.ComputeError({ reason: "Syntax", message: `${n.name} could not be rendered` })
          }
          const predicates = n.config["incremental_predicates"]
          return yield* compute.materialize({
            kind: "incremental",
            relation,
            sql,
            strategy: stringOr(n.config["incremental_strategy"], ["append", "delete+insert", "merge"], "delete+insert"),
            uniqueKey: uniqueKeyOf(n.config["unique_key"]),
            onSchemaChange: stringOr(
              n.config["on_schema_change"],
              ["ignore", "append_new_columns", "sync_all_columns", "fail"],
              "ignore",
            ),
            fullRefresh,
            predicates: Array.isArray(predicates) ? predicates.map(String) : undefined,
          })
        }
        if (n.compiledCode === undefined) {
          return yield* new Compute.ComputeError({ reason: "Syntax", message: `${n.name} has no compiled SQL` })
        }
        return yield* compute.materialize({
          kind: materialized === "table" ? "table" : "view",
          relation,
          sql: n.compiledCode,
        })
      })

      const exit = yield* Effect.exit(work)
      const t1 = yield* Clock.currentTimeMillis
      const base = {
        uniqueId: id,
        name: n.name,
        resourceType: n.resourceType === "seed" ? ("seed" as const) : ("model" as const),
        materialized,
        seconds: (t1 - t0) / 1000,
        relation: materialized === "ephemeral" ? undefined : n.relationName,
      }
      if (Exit.isSuccess(exit)) {
        const outcome: NodeOutcome = { ...base, status: "success", rows: exit.value.rows, message: undefined }
        nodeOutcomes.set(id, outcome)
        const complete = Effect.gen(function* () {
          const described =
            materialized === "ephemeral" ? undefined : yield* Effect.option(compute.describeRelation(relation))
          const columns = described?._tag === "Some" ? (described.value?.columns ?? []) : []
          yield* emit(
            event("COMPLETE", t1, jobName, nodeRunId, {
              run: { runId: nodeRunId, facets: { parent: parentFacet } },
              job: { namespace: options.namespace, name: jobName, facets: jobFacets },
              inputs,
              outputs:
                materialized === "ephemeral"
                  ? []
                  : [
                      {
                        namespace: datasetNamespace,
                        name: datasetName(n),
                        facets: { schema: OpenLineage.facet.schema(producer, columns) },
                        ...(exit.value.rows === undefined
                          ? {}
                          : {
                              outputFacets: {
                                outputStatistics: OpenLineage.facet.outputStatistics(producer, exit.value.rows),
                              },
                            }),
                      },
                    ],
            }),
          )
        })
        // Without an emitter nothing reads the columns: no event, no catalog read.
        if (options.emitter !== undefined)
          completions.push(yield* Effect.forkDetach(describing.withPermits(1)(complete)))
        yield* progress({ _tag: "NodeFinished", outcome })
        return { result: outcome, blocksChildren: false }
      }
      const interrupted = Exit.hasInterrupts(exit)
      const message = interrupted
        ? "interrupted"
        : exit.cause.reasons.map((r) => (r._tag === "Fail" ? r.error.message : String(r))).join("; ")
      const outcome: NodeOutcome = { ...base, status: "error", rows: undefined, message }
      nodeOutcomes.set(id, outcome)
      yield* emit(
        event(interrupted ? "ABORT" : "FAIL", t1, jobName, nodeRunId, {
          run: {
            runId: nodeRunId,
            facets: { parent: parentFacet, errorMessage: OpenLineage.facet.errorMessage(producer, message) },
          },
          job: { namespace: options.namespace, name: jobName, facets: jobFacets },
          inputs,
        }),
      )
      yield* progress({ _tag: "NodeFinished", outcome })
      if (interrupted) return yield* Effect.interrupt
      return { result: outcome, blocksChildren: true }
    })

  const testBase = (n: Graph.Node) => ({
    uniqueId: n.uniqueId,
    name: n.name,
    attachedNode: n.test?.attachedNode ?? n.dependsOn[0],
    column: n.test?.columnName ?? undefined,
    testName: n.test?.metadata.name ?? n.name,
    severity: String(n.config["severity"] ?? "error").toLowerCase(),
  })
  const testConfig = (n: Graph.Node): TestResult.TestConfig => {
    const limit = n.config["limit"]
    return {
      severity: String(n.config["severity"] ?? "error").toLowerCase(),
      warn_if: typeof n.config["warn_if"] === "string" ? n.config["warn_if"] : undefined,
      error_if: typeof n.config["error_if"] === "string" ? n.config["error_if"] : undefined,
      fail_calc: typeof n.config["fail_calc"] === "string" ? n.config["fail_calc"] : undefined,
      limit: typeof limit === "number" ? limit : undefined,
    }
  }
  const counted = (n: Graph.Node, failures: number, status: TestResult.TestStatus, seconds: number): TestOutcome => ({
    ...testBase(n),
    status,
    failures,
    seconds,
    message:
      status === "pass"
        ? undefined
        : `Got ${failures} result${failures === 1 ? "" : "s"}, configured to ${status} if != 0`,
  })
  const recordTest = (outcome: TestOutcome) =>
    Effect.gen(function* () {
      testOutcomes.set(outcome.uniqueId, outcome)
      yield* progress({ _tag: "TestFinished", outcome })
    })
  // A test runs only when every node it reads that was part of this run built successfully.
  const blockedBy = (n: Graph.Node) =>
    n.dependsOn.find((p) => buildableSet.has(p) && nodeOutcomes.get(p)?.status !== "success")

  const runTest = (id: string) =>
    Effect.gen(function* () {
      const n = graph.nodes.get(id)
      if (n === undefined) return
      const t0 = yield* Clock.currentTimeMillis
      const base = testBase(n)
      const blocked = blockedBy(n)
      let outcome: TestOutcome
      if (blocked !== undefined) {
        outcome = {
          ...base,
          status: "skipped",
          failures: undefined,
          seconds: 0,
          message: `skipped: ${blocked} did not build`,
        }
      } else if (n.compiledCode === undefined) {
        outcome = {
          ...base,
          status: "error",
          failures: undefined,
          seconds: 0,
          message: "the test could not be compiled",
        }
      } else {
        const config = testConfig(n)
        const rows = yield* Effect.exit(compute.query(TestResult.wrap(n.compiledCode, config)))
        const t1 = yield* Clock.currentTimeMillis
        if (Exit.isSuccess(rows)) {
          const row = rows.value[0] ?? {}
          const failures = Number(row["failures"] ?? 0)
          const status = TestResult.status(row, config.severity, options.warnError === true)
          outcome = counted(n, failures, status, (t1 - t0) / 1000)
        } else {
          if (Exit.hasInterrupts(rows)) return yield* Effect.interrupt
          const message = rows.cause.reasons.map((r) => (r._tag === "Fail" ? r.error.message : String(r))).join("; ")
          outcome = { ...base, status: "error", failures: undefined, seconds: (t1 - t0) / 1000, message }
        }
      }
      yield* recordTest(outcome)
    })

  /**
   * Runs the fused statement of a batch (see TestBatch) and decides each member's status in TypeScript. A member
   * whose value is only a zero test and is not zero runs on its own; if the statement fails, every member does, so
   * what is reported is exactly what unfused execution reports.
   */
  const runBatch = (batch: TestBatch.Batch) =>
    Effect.gen(function* () {
      const t0 = yield* Clock.currentTimeMillis
      const values = new Map<string, number>()
      const { members, sql, branches } = yield* withStatistics(batch, values)
      const rows = sql === undefined ? Exit.succeed([]) : yield* Effect.exit(compute.query(sql))
      const t1 = yield* Clock.currentTimeMillis
      if (Exit.isFailure(rows)) {
        if (Exit.hasInterrupts(rows)) return yield* Effect.interrupt
        return yield* Effect.forEach(batch.members, (m) => runTest(m.uniqueId), { discard: true })
      }
      for (const row of rows.value) {
        const branch = branches[Number(row["floe_branch"])] ?? []
        const counts = row["floe_counts"]
        if (!Array.isArray(counts)) continue
        for (const [j, m] of branch.entries()) values.set(m.uniqueId, Number(counts[j]))
      }
      // The statement's time, shared by its tests, so that per-test seconds still add up to the time spent.
      const seconds = (t1 - t0) / 1000 / batch.members.length
      const alone: Array<string> = []
      for (const m of members) {
        const n = graph.nodes.get(m.uniqueId)
        const failures = values.get(m.uniqueId)
        if (n === undefined) continue
        if (failures === undefined || !Number.isSafeInteger(failures) || (!m.exact && failures !== 0)) {
          alone.push(m.uniqueId)
          continue
        }
        const status = TestResult.statusOf(failures, testConfig(n), options.warnError === true)
        yield* recordTest(counted(n, failures, status, seconds))
      }
      yield* Effect.forEach(alone, runTest, { discard: true })
    })

  /**
   * Whether a node is stored as a table (reading its statistics costs nothing; on a view, the row that carries them
   * could cost the view's whole query).
   */
  const stored = (id: string) => {
    const d = graph.nodes.get(id)
    if (d === undefined) return false
    if (d.resourceType === "seed") return true
    return (
      d.resourceType === "model" && (d.config["materialized"] === "table" || d.config["materialized"] === "incremental")
    )
  }

  /**
   * On DuckDB, over a stored relation, one small query reads the statistics and types of the columns of a batch's
   * not_null and unique members, and the batch's statement is rewritten:
   * - not_null members whose column statistics prove no NULL (see TestBatch.provesNoNull) get their exact count, 0,
   *   in `values`, and leave the statement: the shared scan reads only the columns that may hold NULLs.
   * - unique members become a zero test over the scan order (see TestBatch.orderedKey) where the type allows; one
   *   that is not proven runs on its own.
   * If the query fails or says nothing, the batch runs whole.
   */
  const withStatistics = (batch: TestBatch.Batch, values: Map<string, number>) =>
    Effect.gen(function* () {
      const whole = { members: batch.members, sql: batch.sql as string | undefined, branches: batch.branches }
      const checks = batch.members.filter(
        (m) => (m.kind === "not_null" || m.kind === "unique") && m.column !== undefined,
      )
      if (compute.dialect !== "duckdb" || checks.length === 0) return whole
      if (!checks.every((m) => (graph.nodes.get(m.uniqueId)?.dependsOn ?? []).every(stored))) return whole
      const read = yield* Effect.exit(compute.query(TestBatch.statistics(batch.relation, checks)))
      if (Exit.isFailure(read)) {
        if (Exit.hasInterrupts(read)) return yield* Effect.interrupt
        return whole
      }
      const statistics = read.value[0]?.["floe_stats"]
      const types = read.value[0]?.["floe_types"]
      if (!Array.isArray(statistics) || !Array.isArray(types)) return whole
      const proven = new Set<TestBatch.Member>()
      const replaced = new Map<TestBatch.Member, TestBatch.Member>()
      for (const [i, m] of checks.entries()) {
        const noNulls = TestBatch.provesNoNull(statistics[i])
        if (m.kind === "not_null" && noNulls) proven.add(m)
        const key = TestBatch.orderedKey(m, types[i], noNulls)
        if (key !== undefined) replaced.set(m, key)
      }
      if (proven.size === 0 && replaced.size === 0) return whole
      for (const m of proven) values.set(m.uniqueId, 0)
      const members = batch.members.map((m) => replaced.get(m) ?? m)
      const rest = members.filter((m) => !proven.has(m))
      return {
        members,
        ...(rest.length === 0 ? { sql: undefined, branches: [] } : TestBatch.statement(batch.relation, rest)),
      }
    })

  /** The test phase as units of work: fused batches (largest first), then the tests that run on their own. */
  const testUnits = (): ReadonlyArray<Effect.Effect<void>> => {
    if (options.fuseTests === false) return tests.map(runTest)
    const runnable: Array<Graph.Node> = []
    const alone: Array<string> = []
    for (const id of tests) {
      const n = graph.nodes.get(id)
      if (n !== undefined && n.compiledCode !== undefined && blockedBy(n) === undefined) runnable.push(n)
      else alone.push(id)
    }
    const { batches, single } = TestBatch.plan(runnable)
    const singles = new Set([...alone, ...single])
    return [
      ...[...batches].sort((a, b) => b.members.length - a.members.length).map(runBatch),
      ...tests.filter((id) => singles.has(id)).map(runTest),
    ]
  }

  const finish = (status: Result["status"]) =>
    Effect.gen(function* () {
      yield* Fiber.awaitAll(completions)
      const endMs = yield* Clock.currentTimeMillis
      const result: Result = {
        runId,
        status,
        nodes: buildable.flatMap((id) => {
          const o = nodeOutcomes.get(id)
          if (o) return [o]
          const n = graph.nodes.get(id)
          return n
            ? [
                {
                  uniqueId: id,
                  name: n.name,
                  resourceType: n.resourceType === "seed" ? ("seed" as const) : ("model" as const),
                  materialized: String(n.config["materialized"] ?? "view"),
                  status: "skipped" as const,
                  rows: undefined,
                  seconds: 0,
                  message:
                    status === "interrupted" ? "not run: the run was interrupted" : "skipped: an upstream node failed",
                  relation: n.relationName,
                },
              ]
            : []
        }),
        tests: tests.flatMap((id) => {
          const o = testOutcomes.get(id)
          const n = graph.nodes.get(id)
          if (o) return [o]
          return n
            ? [
                {
                  uniqueId: id,
                  name: n.name,
                  status: "skipped" as const,
                  failures: undefined,
                  seconds: 0,
                  message: "not run",
                  attachedNode: n.test?.attachedNode ?? undefined,
                  column: n.test?.columnName ?? undefined,
                  testName: n.test?.metadata.name ?? n.name,
                  severity: String(n.config["severity"] ?? "error").toLowerCase(),
                },
              ]
            : []
        }),
        seconds: (endMs - startedMs) / 1000,
      }
      // The product-level event carries the test results as data-quality assertions on each tested dataset.
      const assertions = new Map<
        string,
        Array<{ assertion: string; success: boolean; column?: string; severity?: string }>
      >()
      for (const t of result.tests) {
        if (t.status === "skipped" || t.attachedNode === undefined) continue
        const list = assertions.get(t.attachedNode) ?? []
        list.push({
          assertion: t.testName,
          success: t.status === "pass",
          ...(t.column === undefined ? {} : { column: t.column }),
          severity: t.severity,
        })
        assertions.set(t.attachedNode, list)
      }
      yield* emit(
        event(
          status === "success" ? "COMPLETE" : status === "interrupted" ? "ABORT" : "FAIL",
          endMs,
          options.productName,
          runId,
          {
            job: {
              namespace: options.namespace,
              name: options.productName,
              facets: { jobType: OpenLineage.facet.jobType(producer, "DAG") },
            },
            inputs: [...assertions].flatMap(([nodeId, list]) => {
              const n = graph.nodes.get(nodeId)
              return n
                ? [
                    {
                      namespace: datasetNamespace,
                      name: datasetName(n),
                      inputFacets: { dataQualityAssertions: OpenLineage.facet.dataQualityAssertions(producer, list) },
                    },
                  ]
                : []
            }),
          },
        ),
      )
      yield* RunState.write(fs, path, options.dir, {
        runId,
        status,
        startedAt: iso(startedMs),
        completedAt: iso(endMs),
        args: options.args ?? {},
        nodes: Object.fromEntries(
          [...result.nodes, ...result.tests].map((o) => [o.uniqueId, { status: o.status, message: o.message ?? null }]),
        ),
      })
      const threadOf = (i: number) => `Thread-${(i % Math.max(1, options.threads)) + 1}`
      yield* RunState.writeJsonAtomic(
        fs,
        path,
        path.join(options.dir, "target", "run_results.json"),
        RunResults.make(
          {
            invocationId: runId,
            startedAt: iso(startedMs),
            generatedAt: iso(endMs),
            elapsedSeconds: result.seconds,
            floeVersion: options.floeVersion,
            args: { ...options.args, threads: options.threads, which: "run" },
          },
          [
            ...result.nodes.map((o, i) => ({
              uniqueId: o.uniqueId,
              status: o.status,
              startedAt: iso(startedMs),
              completedAt: iso(endMs),
              seconds: o.seconds,
              message: o.message ?? (o.rows === undefined ? "OK" : `OK ${o.rows}`),
              failures: null,
              rows: o.rows,
              compiledCode: graph.nodes.get(o.uniqueId)?.compiledCode ?? null,
              relationName: o.relation ?? null,
              threadId: threadOf(i),
            })),
            ...result.tests.map((o, i) => ({
              uniqueId: o.uniqueId,
              status: o.status,
              startedAt: iso(startedMs),
              completedAt: iso(endMs),
              seconds: o.seconds,
              message: o.message ?? null,
              failures: o.failures ?? null,
              compiledCode: graph.nodes.get(o.uniqueId)?.compiledCode ?? null,
              relationName: null,
              threadId: threadOf(i),
            })),
          ],
        ),
      )
      if (options.emitter) yield* options.emitter.flush()
      return result
    })

  const body = Effect.gen(function* () {
    yield* Scheduler.run({
      nodes: buildable,
      parents: (id) => graph.parents.get(id) ?? [],
      concurrency: options.threads,
      run: buildNode,
    })
    yield* progress({ _tag: "TestsStarted", count: tests.length })
    yield* Effect.forEach(testUnits(), (unit) => unit, { concurrency: Math.max(1, options.threads), discard: true })
    const failed =
      [...nodeOutcomes.values()].some((o) => o.status === "error") ||
      [...testOutcomes.values()].some((o) => o.status === "fail" || o.status === "error")
    return failed ? ("error" as const) : ("success" as const)
  })

  // Interrupted (Ctrl-C): the finaliser runs uninterruptibly, recording what happened so --retry-failed can
  // resume, and the run stays interrupted.
  return yield* body.pipe(
    Effect.flatMap(finish),
    Effect.onInterrupt(() => Effect.ignore(finish("interrupted"))),
  )
})
