// Compile speed: `floe compile` against `dataform compile` on the same synthetic graph of N = 2,000 models
// (4,000 tests/assertions), and `floe compile` alone at N = 10,000 with peak memory. Every case is a fresh
// process: wall time from spawn to exit, peak RSS from /usr/bin/time -v. The first run of a case is a warm-up
// (OS file cache; Dataform installs @dataform/core into its cache on first use) and is not counted. Every floe run
// is cold: the project's target/ and .floe/ (manifest, artifacts cache, embedded catalog) are deleted before it.
// Targets: floe ≥ 10× faster than Dataform at 2,000; floe under 5 s at 10,000.
//
// The floe cases:
//   floe compile                 the real CLI, all seven stages: renders, binds every model on a scratch in-memory
//                                DuckDB (CREATE TABLE … AS SELECT … LIMIT 0), writes the manifest and the artifacts
//   Compiler.compile, no binding  render, graph and manifest only (driver.ts)
//   Compiler.compile, binding     the dbt stage with binding, as the CLI runs it (driver.ts --bind)
//
// Run: pnpm --filter @floe/bench compile [--runs 3] [--dataform-runs 3] [--n 2000] [--big 10000] [--cli-limit 240]
//      [--skip-dataform <median s>] (reuse a Dataform median measured before instead of running it again)
import { spawnSync } from "node:child_process"
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { type Row, report, stats } from "../lib/report.ts"
import { makeGraph, writeDataform, writeDbt } from "./generate.ts"

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    "dataform-runs": { type: "string", default: "3" },
    n: { type: "string", default: "2000" },
    big: { type: "string", default: "10000" },
    "cli-limit": { type: "string", default: "240" },
    "skip-dataform": { type: "string" },
    keep: { type: "boolean", default: false },
  },
})
const runs = Number(opts.runs)
const dataformRuns = Number(opts["dataform-runs"])
const n = Number(opts.n)
const big = Number(opts.big)
const cliLimitMs = Number(opts["cli-limit"]) * 1000
/** @dataform/cli 3.0.69 asks for the same @dataform/core unless the project pins one, and the npm registry's
 * newest @dataform/core is 3.0.62 at the time of writing, so the generated project pins it (override with env). */
const coreVersion = process.env["DATAFORM_CORE_VERSION"] ?? "3.0.62"

const root = join(import.meta.dirname, "..", "..")
const floeBin = join(root, "packages", "cli", "bin", "floe.js")
const driver = join(import.meta.dirname, "driver.ts")
const dataformBin = join(import.meta.dirname, "..", "node_modules", "@dataform", "cli", "bundle.js")
const env = { ...process.env, NO_COLOR: "1" }

const hasCli = spawnSync(process.execPath, [floeBin, "compile", "--help"], { stdio: "ignore", env }).status === 0
if (!hasCli) console.warn("`floe compile` is not in the CLI yet: its rows are skipped")
const timeV = existsSync("/usr/bin/time")
if (!timeV) console.warn("no /usr/bin/time: peak RSS not measured (apt-get install time)")

interface Sample {
  readonly ms: number
  readonly rssMiB: number
}

/** A run that exited non-zero: the case is reported as failed, with the first lines of its output. */
class Failed extends Error {}

/** One fresh process; stdout goes to `out`, stderr is kept for /usr/bin/time's report. Undefined: timed out. */
const once = (args: ReadonlyArray<string>, out: string, timeout: number): Sample | undefined => {
  const fd = openSync(out, "w")
  try {
    const cmd = timeV ? "/usr/bin/time" : process.execPath
    const argv = timeV ? ["-v", process.execPath, ...args] : [...args]
    const t0 = performance.now()
    const r = spawnSync(cmd, argv, { stdio: ["ignore", fd, "pipe"], env, timeout, killSignal: "SIGKILL" })
    const ms = performance.now() - t0
    if (r.signal === "SIGKILL" && ms >= timeout) return undefined
    const stderr = r.stderr?.toString() ?? ""
    if (r.status !== 0) {
      const timeReport = stderr.indexOf("Command exited with non-zero status")
      const said = [readFileSync(out, "utf8"), timeReport === -1 ? stderr : stderr.slice(0, timeReport)]
        .join("\n")
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.includes("ExperimentalWarning") && !l.includes("--trace-warnings"))
      throw new Failed(
        `exit ${r.status ?? r.signal} after ${(ms / 1000).toFixed(1)} s: ${said.slice(0, 8).join(" | ")}`,
      )
    }
    const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]
    return { ms, rssMiB: kb === undefined ? Number.NaN : Number(kb) / 1024 }
  } finally {
    closeSync(fd)
  }
}

interface Case {
  readonly label: string
  readonly n: number
  readonly args: ReadonlyArray<string>
  readonly runs: number
  readonly warmUp: boolean
  readonly timeout: number
  /** Checks the output of the last run; returns what it found ("2000 models, 4000 tests"). */
  readonly check: () => string
  /** Run before every run (the warm-up too): deletes what a previous run left. */
  readonly before?: () => void
}

const measure = (c: Case, out: string): { row: Row; samples: Array<number>; median: number } => {
  process.stderr.write(`N=${c.n} ${c.label}:${c.warmUp ? " warm-up" : ""}`)
  const attempt = (): Sample | undefined | string => {
    c.before?.()
    try {
      return once(c.args, out, c.timeout)
    } catch (e) {
      if (e instanceof Failed) return e.message
      throw e
    }
  }
  const failed = (message: string) => {
    process.stderr.write(` FAILED ${message}\n`)
    return {
      row: {
        N: c.n,
        case: c.label,
        runs: 0,
        "min s": "failed",
        "median s": "failed",
        "peak RSS MiB": "",
        output: message,
      },
      samples: [],
      median: Number.NaN,
    }
  }
  if (c.warmUp) {
    const w = attempt()
    if (typeof w === "string") return failed(w)
  }
  const samples: Array<Sample> = []
  for (let i = 0; i < c.runs; i++) {
    process.stderr.write(` ${i + 1}/${c.runs}`)
    const s = attempt()
    if (typeof s === "string") return failed(s)
    if (s === undefined) {
      process.stderr.write(` timed out after ${c.timeout / 1000} s\n`)
      const limit = `> ${c.timeout / 1000} (timed out)`
      return {
        row: { N: c.n, case: c.label, runs: 0, "min s": limit, "median s": limit, "peak RSS MiB": "", output: "" },
        samples: [],
        median: Number.POSITIVE_INFINITY,
      }
    }
    samples.push(s)
  }
  const checked = c.check()
  process.stderr.write(`  (${checked})\n`)
  const s = stats(samples.map((x) => x.ms))
  return {
    row: {
      N: c.n,
      case: c.label,
      runs: c.runs,
      "min s": s.min / 1000,
      "median s": s.median / 1000,
      "peak RSS MiB": Math.max(...samples.map((x) => x.rssMiB)),
      output: checked,
    },
    samples: samples.map((x) => x.ms),
    median: s.median,
  }
}

/** The manifest holds N models and 2N tests, and (when bound) every model compiled: the whole job was done. */
const checkManifest = (dir: string, models: number) => () => {
  const m = JSON.parse(readFileSync(join(dir, "target", "manifest.json"), "utf8")) as {
    nodes: Record<string, { resource_type: string }>
  }
  const kinds = Object.values(m.nodes).map((x) => x.resource_type)
  const nm = kinds.filter((k) => k === "model").length
  const nt = kinds.filter((k) => k === "test").length
  if (nm !== models || nt !== 2 * models) throw new Error(`manifest has ${nm} models and ${nt} tests`)
  cold(dir)()
  return `${nm} models, ${nt} tests`
}

/** A cold start: no manifest, no artifacts (so no "unchanged, from cache"), no embedded catalog. */
const cold = (dir: string) => () => {
  rmSync(join(dir, "target"), { recursive: true, force: true })
  rmSync(join(dir, ".floe"), { recursive: true, force: true })
}

/** Dataform's compiled graph holds N tables and 2N assertions, and no compilation errors. */
const checkDataform = (file: string, models: number) => () => {
  const g = JSON.parse(readFileSync(file, "utf8")) as {
    tables?: Array<unknown>
    assertions?: Array<unknown>
    graphErrors?: { compilationErrors?: Array<unknown> }
  }
  const errors = g.graphErrors?.compilationErrors?.length ?? 0
  const t = g.tables?.length ?? 0
  const a = g.assertions?.length ?? 0
  if (errors > 0 || t !== models || a !== 2 * models) {
    throw new Error(`dataform: ${t} tables, ${a} assertions, ${errors} errors`)
  }
  return `${t} tables, ${a} assertions`
}

const loadBefore = loadavg()
const work = mkdtempSync(join(tmpdir(), "floe-bench-compile-"))
try {
  const small = makeGraph(n)
  const dbtSmall = join(work, `dbt-${n}`)
  const dfSmall = join(work, `dataform-${n}`) // no node_modules anywhere under it: Dataform refuses that
  writeDbt(small, dbtSmall)
  writeDataform(small, dfSmall, coreVersion)
  const dbtBig = join(work, `dbt-${big}`)
  writeDbt(makeGraph(big), dbtBig)
  const dfOut = join(work, "dataform.json")
  const log = join(work, "floe.log")
  const common = { warmUp: true, timeout: 20 * 60 * 1000 }

  const cases = (size: number, dir: string): Array<Case> => [
    ...(hasCli
      ? [
          {
            ...common,
            label: "floe compile (CLI; binds on DuckDB)",
            n: size,
            args: [floeBin, "compile", dir],
            runs,
            timeout: cliLimitMs,
            check: checkManifest(dir, size),
            before: cold(dir),
          },
        ]
      : []),
    {
      ...common,
      label: "Compiler.compile, no binding",
      n: size,
      args: [driver, dir],
      runs,
      check: checkManifest(dir, size),
      before: cold(dir),
    },
    {
      ...common,
      label: "Compiler.compile, binding on DuckDB",
      n: size,
      args: [driver, dir, "--bind"],
      runs,
      check: checkManifest(dir, size),
      before: cold(dir),
    },
  ]

  const reused = opts["skip-dataform"] === undefined ? undefined : Number(opts["skip-dataform"]) * 1000
  const df =
    reused !== undefined
      ? {
          row: {
            N: n,
            case: `dataform compile --json (core ${coreVersion}), measured before`,
            runs: 0,
            "min s": "",
            "median s": reused / 1000,
            "peak RSS MiB": "",
            output: "not run (--skip-dataform)",
          },
          samples: [],
          median: reused,
        }
      : measure(
          {
            ...common,
            label: `dataform compile --json (core ${coreVersion})`,
            n,
            // Dataform gives up after 60 s by default; on a loaded machine it can take longer
            args: [dataformBin, "compile", dfSmall, "--json", "--timeout", "20m"],
            runs: dataformRuns,
            check: checkDataform(dfOut, n),
          },
          dfOut,
        )
  const results = [...cases(n, dbtSmall), ...cases(big, dbtBig)].map((c) => ({ c, r: measure(c, log) }))
  const vsDataform = (median: number, size: number) => (size === n ? df.median / median : "")
  const rows: Array<Row> = [
    { ...df.row, "× faster than dataform": 1 },
    ...results.map(({ c, r }) => ({ ...r.row, "× faster than dataform": vsDataform(r.median, c.n) })),
  ]
  const pick = (label: string, size: number) => results.find(({ c }) => c.label.startsWith(label) && c.n === size)
  const headline = pick(hasCli ? "floe compile" : "Compiler.compile, no binding", n)
  const headlineBig = pick(hasCli ? "floe compile" : "Compiler.compile, no binding", big)
  report("compile", rows, {
    targets: {
      [`floe compile at least 10x faster than dataform at N=${n}`]:
        headline === undefined ? null : df.median / headline.r.median >= 10,
      [`floe compile under 5 s at N=${big}`]: headlineBig === undefined ? null : headlineBig.r.median < 5000,
    },
    dataform: { cli: "@dataform/cli 3.0.69", core: coreVersion },
    // other work on the machine skews wall times: the 1-minute load average before and after
    loadAverage: { before: loadBefore[0], after: loadavg()[0] },
    samplesMs: Object.fromEntries([
      ["dataform", df.samples],
      ...results.map(({ c, r }) => [`${c.label} N=${c.n}`, r.samples]),
    ]),
  })
} finally {
  if (opts.keep) console.log(`projects kept in ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
