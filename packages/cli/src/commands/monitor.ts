/**
 * `floe monitor [dir]`: the ContractMonitor for one product on the embedded defaults — every check of its
 * effective contract on its schedule (or once with --once) against .floe/warehouse.duckdb, violations as
 * OpenLineage FAIL events in .floe/lineage/events.ndjson, alerts (console; a webhook from FLOE_ALERT_WEBHOOK) and,
 * with --listen, Prometheus metrics on /metrics. Also the contract stage `floe run` shows as [4/4].
 */
import { join } from "node:path"
import { Compiler } from "@floe/compiler"
import { DuckDBCompute } from "@floe/compute-duckdb"
import { Stage as ContractStage, type Odcs } from "@floe/contracts"
import { Alerts, Check, Enforcement, Metrics, Monitor, Product } from "@floe/monitor"
import { Lineage, type Run } from "@floe/runtime"
import { type Compute, type DataProduct, Diagnostic, Loader } from "@floe/spec"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { LINEAGE_FILE, parseVars, platform, WAREHOUSE } from "../Embedded.ts"
import { type Io, style } from "../Io.ts"
import { renderInvalid } from "../Render.ts"

/** The product's contract target and enforcement, or why there is none (no contract, or contracts are off). */
export type Registration =
  | { readonly _tag: "Registered"; readonly target: Product.ProductOptions; readonly mode: Enforcement.Mode }
  | {
      readonly _tag: "None"
      readonly reason: string
      /** The effective contract's version even when enforcement is off (it still governs published tables). */
      readonly contractVersion?: string | undefined
    }

/** Channels from the environment: the console (unless quiet) and FLOE_ALERT_WEBHOOK. */
export const channels = (env: NodeJS.ProcessEnv, withConsole: boolean): ReadonlyArray<Alerts.Channel> => [
  ...(withConsole ? [Alerts.consoleChannel] : []),
  ...(env.FLOE_ALERT_WEBHOOK ? [Alerts.webhook({ url: env.FLOE_ALERT_WEBHOOK })] : []),
]

/** Finds what to monitor in a compiled product: its effective contract and the platform's enforcement mode. */
export const register = (
  dir: string,
  product: DataProduct.DataProduct,
  compiled: Compiler.CompileResult,
  lastRun?: Run.Result,
): Effect.Effect<Registration, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    // The platform's enforcement mode and its check intervals/timeouts (a contract's customProperties still win).
    const { mode, overrides } = yield* Product.settings(product, dir)
    if (mode === "off") {
      const version = (yield* ContractStage.validate(dir, product)).contract?.version
      return { _tag: "None", reason: "contract enforcement is off", contractVersion: version } as const
    }
    if (compiled.graph === undefined) return { _tag: "None", reason: "the product did not compile" } as const
    // Without model columns: the contract as written and generated from the ports. Whether the tables match it is
    // what the schema check finds out, against the warehouse itself.
    const stage = yield* ContractStage.validate(dir, product)
    const contract: Odcs.Contract | undefined = stage.contract
    if (contract === undefined || (contract.schema ?? []).length === 0) {
      return { _tag: "None", reason: "the product has no data contract" } as const
    }
    const database = [...compiled.graph.nodes.values()].find((n) => n.resourceType === "model")?.database
    return {
      _tag: "Registered",
      mode,
      target: {
        product,
        contract,
        graph: compiled.graph,
        dir,
        datasetNamespace: `duckdb://${database ?? "warehouse"}`,
        lastRun,
        overrides,
      },
    } as const
  })

/** The guide's warning block for one violation. */
export const renderViolation = (v: Check.Violation, c: boolean): string =>
  [
    `  ${style.yellow(c, "⚠ WARNING: Contract violation detected")}`,
    `    Contract: ${v.contract} v${v.version}`,
    `    Type: ${v.type}`,
    `    Severity: ${v.severity}${v.element === undefined ? "" : ` (${v.element})`}`,
    `    Message: ${v.message}`,
  ].join("\n")

/** One result as lines: `✓ freshness: 0.1h (SLA: 6h)` or a warning block per violation. */
export const renderResult = (r: Check.CheckResult, c: boolean, prefix = ""): string => {
  const vs = Check.violations(r)
  if (vs.length === 0) return `  ${style.green(c, "✓")} ${prefix}${r.summary}\n`
  return `${vs.map((v) => renderViolation(v, c)).join("\n")}\n`
}

export interface ContractStageOutcome {
  readonly mode: Enforcement.Mode | undefined
  readonly results: ReadonlyArray<Check.CheckResult>
  readonly violations: ReadonlyArray<Check.Violation>
  /** True when enforcement is `block` and there were violations. */
  readonly blocked: boolean
  /** The effective contract's version, when the product has one. */
  readonly contractVersion?: string | undefined
  readonly text: string
}

/**
 * `floe run`'s [4/4]: every check of the product's contract once, after the run, on the run's compute; FAIL events
 * through the run's emitter; alerts as the enforcement mode allows. Never fails.
 */
export const contractStage = (options: {
  readonly dir: string
  readonly product: DataProduct.DataProduct
  readonly compiled: Compiler.CompileResult
  readonly result: Run.Result
  readonly emitter: Lineage.Emitter
  /** Whether the text may carry ANSI colours. */
  readonly color: boolean
}): Effect.Effect<ContractStageOutcome, never, Compute.Compute | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const c = options.color
    const reg = yield* register(options.dir, options.product, options.compiled, options.result)
    if (reg._tag === "None") {
      return {
        mode: undefined,
        results: [],
        violations: [],
        blocked: false,
        contractVersion: reg.contractVersion,
        text: `  ${style.dim(c, `- skipped: ${reg.reason}`)}\n`,
      }
    }
    const monitor = Monitor.make({
      emitter: options.emitter,
      enforcement: reg.mode,
      router: Alerts.makeRouter({ channels: channels(process.env, false) }),
    })
    monitor.register(yield* Product.target(reg.target))
    const results = yield* monitor.cycle()
    const violations = results.flatMap(Check.violations)
    const decision = Enforcement.decide(reg.mode, violations)
    const lines = results.map((r) => renderResult(r, c)).join("")
    const tail =
      decision.line === undefined
        ? ""
        : `  ${decision.fail ? style.red(c, decision.line) : style.yellow(c, decision.line)}\n`
    return {
      mode: reg.mode,
      results,
      violations,
      blocked: decision.fail,
      contractVersion: reg.target.contract.version,
      text: `${lines}${tail}`,
    }
  })

const resultJson = (r: Check.CheckResult) => ({
  contract: r.contract,
  version: r.version,
  type: r.type,
  checked_at: new Date(r.checkedAt).toISOString(),
  seconds: r.seconds,
  summary: r.summary,
  value: r.value ?? null,
  passed: Check.passed(r),
  violations: Check.violations(r).map(({ _tag, ...v }) => ({
    ...v,
    element: v.element ?? null,
    expected: v.expected ?? null,
    actual: v.actual ?? null,
  })),
})

export const monitor = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  if (args.positionals.length > 1) throw new UsageError(`monitor takes one directory, got ${args.positionals.length}`)
  const dir = args.positionals[0] ?? "."
  const json = args.flags.has("json")
  const once = args.flags.has("once")
  const listenFlag = args.flags.get("listen")
  if (listenFlag === true) throw new UsageError("--listen takes an address, e.g. --listen 127.0.0.1:9464")
  const listen = listenFlag === undefined ? undefined : Metrics.parseAddress(listenFlag)
  if (listenFlag !== undefined && listen === undefined)
    throw new UsageError(`--listen ${listenFlag}: expected host:port, e.g. 127.0.0.1:9464`)
  const vars = parseVars(args.flags.get("vars"))
  const c = io.color
  const out = (s: string) => {
    if (!json) io.stdout(s)
  }

  const program = Effect.gen(function* () {
    const loaded = yield* Loader.loadProduct(dir)
    if (loaded.value === undefined) return { _tag: "Invalid" as const, diagnostics: loaded.diagnostics }
    const product = loaded.value
    const compiled = yield* Compiler.compile(dir, { product, vars, env: process.env })
    if (compiled.graph === undefined || Diagnostic.hasErrors(compiled.diagnostics)) {
      return {
        _tag: "Invalid" as const,
        diagnostics: Diagnostic.sort([...loaded.diagnostics, ...compiled.diagnostics]),
      }
    }
    const reg = yield* register(dir, product, compiled)
    if (reg._tag === "None") return { _tag: "Nothing" as const, message: `Nothing to monitor: ${reg.reason}.` }
    const metrics = Metrics.make()
    const emitter = yield* Lineage.makeEmitter()
    const violations: Array<Check.Violation> = []
    const m = Monitor.make({
      metrics,
      emitter,
      enforcement: reg.mode,
      router: Alerts.makeRouter({ channels: channels(process.env, false) }),
      onResult: (r) =>
        Effect.sync(() => {
          violations.push(...Check.violations(r))
          if (json) io.stdout(`${JSON.stringify(resultJson(r))}\n`)
          else io.stdout(renderResult(r, c, once ? "" : `${r.contract} `))
        }),
    })
    const target = yield* Product.target(reg.target)
    m.register(target)
    out(
      `${style.bold(c, "Monitoring")} ${target.contract.id} ${target.contract.version} (${reg.mode} mode)${
        once ? ", once" : ""
      }\n`,
    )
    if (listen !== undefined) {
      const bound = yield* Metrics.serve(metrics, listen)
      out(`  Metrics: ${bound.url}\n`)
    }
    if (once) {
      yield* m.cycle()
      yield* emitter.flush()
      const decision = Enforcement.decide(reg.mode, violations)
      if (decision.line !== undefined)
        out(`  ${decision.fail ? style.red(c, decision.line) : style.yellow(c, decision.line)}\n`)
      return { _tag: "Done" as const, failed: decision.fail }
    }
    const cfg = m.config(target)
    out(
      `  Intervals: ${Check.CHECK_TYPES.map((t) => `${t} ${formatInterval(cfg[t].interval)}`).join(", ")} (Ctrl-C stops)\n`,
    )
    yield* m.start()
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.provide(
      Layer.mergeAll(
        DuckDBCompute.layer({ path: join(dir, WAREHOUSE), threads: 1 }),
        Lineage.layerFile(join(dir, LINEAGE_FILE)).pipe(Layer.provide(platform)),
        platform,
      ),
    ),
  )

  const fiber = Effect.runFork(program)
  const onSigint = () => {
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.on("SIGINT", onSigint)
  process.on("SIGTERM", onSigint)
  const exit = await Effect.runPromise(Fiber.await(fiber))
  process.off("SIGINT", onSigint)
  process.off("SIGTERM", onSigint)
  if (Exit.isFailure(exit)) {
    if (Cause.hasInterruptsOnly(exit.cause)) {
      out(`\n${style.yellow(c, "Monitor stopped")}\n`)
      return ExitCode.ok
    }
    const error = Cause.squash(exit.cause)
    if (error instanceof Metrics.ServeError) {
      io.stderr(`${style.red(c, "error")}: ${error.message}\n`)
      return ExitCode.failed
    }
    throw error
  }
  const value = exit.value
  if (value._tag === "Invalid") {
    if (json) io.stdout(`${JSON.stringify({ status: "invalid", diagnostics: value.diagnostics })}\n`)
    else io.stdout(renderInvalid(value.diagnostics, io, "Monitor FAILED"))
    return ExitCode.failed
  }
  if (value._tag === "Nothing") {
    if (json) io.stdout(`${JSON.stringify({ status: "nothing", message: value.message })}\n`)
    else io.stdout(`  ${value.message}\n`)
    return ExitCode.ok
  }
  return value.failed ? ExitCode.failed : ExitCode.ok
}

const formatInterval = (d: Duration.Duration): string => {
  const s = Math.round(Duration.toMillis(d) / 1000)
  return s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`
}
