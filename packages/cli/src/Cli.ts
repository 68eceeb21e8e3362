/**
 * The `floe` command line: argument dispatch, help, version and exit codes. Commands are loaded on demand so that
 * `floe --help` and `floe --version` start fast.
 */
import pkg from "../package.json" with { type: "json" }
import { type FlagSpec, parse, suggest, UsageError } from "./Args.ts"
import { type Io, style } from "./Io.ts"

export const VERSION: string = pkg.version

/** Exit codes, documented in the CLI reference. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, internal: 3, interrupted: 130 } as const

export const GLOBAL_FLAGS: ReadonlyArray<FlagSpec> = [
  { name: "help", short: "h", takesValue: false },
  { name: "version", short: "V", takesValue: false },
  { name: "json", takesValue: false },
  { name: "quiet", short: "q", takesValue: false },
  { name: "verbose", short: "v", takesValue: false },
  { name: "no-color", takesValue: false },
]

interface Command {
  readonly summary: string
  readonly usage: string
  readonly details: string
  readonly flags: ReadonlyArray<FlagSpec>
  readonly run: (
    args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
    io: Io,
  ) => Promise<number>
}

const commands: Readonly<Record<string, Command>> = {
  init: {
    summary: "Create a new data product that validates and runs at once",
    usage:
      "floe init NAME [--mode simple|centralized|mesh] [--domain D] [--owner EMAIL] [--repository R] [--dir PARENT] [--json]",
    details: [
      "Creates PARENT/NAME (default: ./NAME) in the guide's layout: floe.yaml, seeds/raw_orders.csv, one model per",
      "layer under models/bronze|silver|gold/ with descriptions and tests in models/schema.yml, tests/, README.md.",
      "  --mode centralized   adds platform/enterprise.yaml, which floe.yaml refers to",
      "  --mode mesh          adds platform/domain-<domain>.yaml (parent: enterprise.yaml) and datacontract.yaml",
      "NAME must be kebab-case (as floe.yaml's metadata.name). Defaults: --domain analytics, --owner",
      "data-team@example.com, --repository github.com/example/NAME. Never overwrites an existing directory.",
      "",
      "Exit codes: 0 created, 1 NAME already exists (FLOE-E108), 2 usage error (including a name that is not kebab-case).",
    ].join("\n"),
    flags: [
      { name: "mode", takesValue: true },
      { name: "domain", takesValue: true },
      { name: "owner", takesValue: true },
      { name: "repository", takesValue: true },
      { name: "dir", takesValue: true },
    ],
    run: async (args, io) => (await import("./commands/init.ts")).init(args, io),
  },
  validate: {
    summary: "Check a data product without side effects",
    usage: "floe validate [dir] [--format text|json|sarif] [--json]",
    details: [
      "Validates the product in DIR (default: the current directory) in four stages, writing nothing:",
      "  [1/4] floe.yaml: YAML, the schema, names, versions, cron, time zone, SLAs, no secrets",
      "  [2/4] the dbt project: every model rendered and bound on a scratch DuckDB, sources, tests",
      "  [3/4] data contracts: datacontract.yaml against ODCS v3, and against the output ports",
      "  [4/4] platform compliance",
      "",
      "  --format text|json|sarif   text (default), one JSON object (same as --json), or a SARIF 2.1.0 log for",
      "                             code-scanning tools (locations relative to the product directory)",
      "",
      "Exit codes: 0 validation passed, 1 validation failed, 2 usage error.",
    ].join("\n"),
    flags: [
      { name: "vars", takesValue: true },
      { name: "format", takesValue: true },
    ],
    run: async (args, io) => (await import("./commands/validate.ts")).validate(args, io),
  },
  compile: {
    summary: "Compile the dbt project and write target/manifest.json",
    usage: "floe compile [dir] [--vars YAML] [--json]",
    details: [
      "Registers the product's identity ({domain}.{name}) in the embedded catalog .floe/catalog.db (a",
      "namespace owned by another repository fails with FLOE-E601), renders every model, binds its SQL on a",
      "scratch DuckDB without producing rows (so a model that would fail at run time fails here), writes",
      "target/manifest.json (dbt's manifest v12) atomically, and registers the product's contract version",
      "after the semver gate against the latest registered one.",
      "",
      "Exit codes: 0 compiled, 1 errors, 2 usage error.",
    ].join("\n"),
    flags: [
      { name: "vars", takesValue: true },
      { name: "force", takesValue: false },
    ],
    run: async (args, io) => (await import("./commands/compile.ts")).compile(args, io),
  },
  run: {
    summary: "Run the product: seeds, models and tests on the embedded DuckDB",
    usage:
      "floe run [dir] [--threads N] [--select S] [--exclude S] [--full-refresh] [--retry-failed] [--warn-error] [--vars YAML] [--json]",
    details: [
      "Builds seeds and models in dependency order (N at a time; a failed model skips its descendants), then",
      "runs the tests of what was built. Writes target/run_results.json, run state under .floe/runs/, and",
      "OpenLineage events to .floe/lineage/events.ndjson. The warehouse is .floe/warehouse.duckdb.",
      "",
      "  --select, --exclude   dbt node selection: model, +model, model+, tag:x, path:models/gold, …",
      "  --retry-failed        rerun only the failed and skipped nodes of the last run",
      "  --full-refresh        rebuild incremental models from scratch",
      "  --warn-error          treat test warnings as failures",
      "",
      "Ctrl-C cancels running statements (no half-built table replaces a good one); Ctrl-C twice exits at once.",
      "Exit codes: 0 success, 1 a model or an error-severity test failed, 2 usage error, 130 interrupted.",
    ].join("\n"),
    flags: [
      { name: "threads", takesValue: true },
      { name: "select", short: "s", takesValue: true },
      { name: "exclude", takesValue: true },
      { name: "full-refresh", takesValue: false },
      { name: "retry-failed", takesValue: false },
      { name: "warn-error", takesValue: false },
      { name: "vars", takesValue: true },
    ],
    run: async (args, io) => (await import("./commands/run.ts")).run(args, io),
  },
  monitor: {
    summary: "Watch the product's data contract: freshness, schema drift, quality, availability",
    usage: "floe monitor [dir] [--once] [--listen 127.0.0.1:9464] [--json]",
    details: [
      "Runs the checks of the product's effective contract against .floe/warehouse.duckdb, each on its interval",
      "(freshness 15m, schema drift 1h, quality 6h, availability 5m; a contract overrides them with customProperties",
      "floe.monitor.<check>.interval|timeout). Violations become OpenLineage FAIL events in .floe/lineage/events.ndjson",
      "and alerts (FLOE_ALERT_WEBHOOK); the platform's data_contracts.enforcement decides (off, warn, alert_only, block).",
      "",
      "  --once                run every check once and exit (1 when enforcement is block and a check failed)",
      "  --listen HOST:PORT    serve Prometheus metrics on http://HOST:PORT/metrics",
      "",
      "Ctrl-C stops the monitor. Exit codes: 0 ok, 1 violations under block or the address is taken, 2 usage error.",
    ].join("\n"),
    flags: [
      { name: "once", takesValue: false },
      { name: "listen", takesValue: true },
      { name: "vars", takesValue: true },
    ],
    run: async (args, io) => (await import("./commands/monitor.ts")).monitor(args, io),
  },
  serve: {
    summary: "Keep the product on its schedule: run it at each cron tick (local orchestrator)",
    usage: "floe serve [dir] [--threads N] [--vars YAML] [--catch-up once|skip] [--once-now] [--json]",
    details: [
      "Runs the product at each tick of its floe.yaml schedule (cron in the schedule's IANA time zone), each",
      "time exactly what 'floe run' runs, and logs every run: start, result, duration and the next run. A",
      "time that does not exist (the hour clocks skip) runs once at the end of the gap; a repeated time runs",
      "once. A tick that comes while a run is still going is skipped (and logged). The last run is kept in",
      ".floe/schedule/state.json; after downtime the missed ticks run once (--catch-up skip: only logged).",
      "",
      "  --once-now   run one tick now, log it and the next scheduled run, then exit (smoke tests)",
      "",
      "Ctrl-C finishes the current run, then exits; Ctrl-C twice cancels the current run.",
      "Exit codes: 0 stopped (or --once-now succeeded), 1 the product does not compile or has no schedule",
      "(or --once-now failed), 2 usage error, 130 cancelled.",
    ].join("\n"),
    flags: [
      { name: "threads", takesValue: true },
      { name: "vars", takesValue: true },
      { name: "catch-up", takesValue: true },
      { name: "once-now", takesValue: false },
    ],
    run: async (args, io) => (await import("./commands/serve.ts")).serve(args, io),
  },
  orchestrate: {
    summary: "Write the files an external orchestrator needs (Dagster definitions)",
    usage: "floe orchestrate [dir] --to dagster [--dbt] [--vars YAML] [--json]",
    details: [
      "Compiles the product (writing nothing else) and writes what the orchestrator needs under",
      ".floe/orchestration/<type>/, each file atomically. For Dagster: a Python package with one asset per",
      "model and seed (deps on its upstream models, grouped by layer), an asset check per test, a job and a",
      "ScheduleDefinition from floe.yaml's cron and time zone; each asset runs 'floe run --select <model>'.",
      "Compile stage 6 writes the same when the platform manifest chooses orchestrator: {type: dagster}.",
      "",
      "  --to dagster|local   the orchestrator (local needs no files: use floe serve)",
      "  --dbt                also write dbt_definitions.py, the dagster-dbt variant (@dbt_assets)",
      "",
      "Exit codes: 0 written, 1 the product does not compile or generation failed, 2 usage error.",
    ].join("\n"),
    flags: [
      { name: "to", takesValue: true },
      { name: "dbt", takesValue: false },
      { name: "vars", takesValue: true },
    ],
    run: async (args, io) => (await import("./commands/orchestrate.ts")).orchestrate(args, io),
  },
  contract: {
    summary: "Lint, diff and format ODCS data contracts",
    usage: "floe contract lint FILE [--json] | floe contract diff OLD NEW [--json] | floe contract fmt FILE --to odcs",
    details: [
      "lint FILE       checks a contract against the official ODCS v3.0.x/v3.1.0 JSON Schema (the guide's",
      "                shorthand is read as ODCS v3.1.0, with a warning)",
      "diff OLD NEW    lists the changes with their level (MAJOR, MINOR, PATCH) and the requiredBump, and",
      "                checks that NEW's version bumps at least that much",
      "fmt FILE --to odcs   rewrites FILE as ODCS YAML",
      "",
      "Exit codes: 0 ok, 1 invalid contract or the versions fail the semver gate, 2 usage error.",
    ].join("\n"),
    flags: [{ name: "to", takesValue: true }],
    run: async (args, io) => (await import("./commands/contract.ts")).contract(args, io),
  },
  platform: {
    summary: "Publish and resolve platform manifests (OCI registries or files)",
    usage: "floe platform push FILE oci://host/repo:tag [--json] | floe platform resolve REF [--offline] [--json]",
    details: [
      "push FILE oci://host/repo:tag   checks FILE is a valid platform manifest and publishes it as an OCI artifact",
      "                                (application/vnd.floe.platform.manifest.v1+yaml); prints the digest to pin",
      "resolve REF                     resolves a manifest (oci://… or a file) and its parents, Enterprise → Domain,",
      "                                and prints the chain with digests and the effective rules",
      "  --offline                     resolve from the digest cache only",
      "",
      "Registry credentials: FLOE_REGISTRY_USERNAME and FLOE_REGISTRY_PASSWORD, or FLOE_REGISTRY_TOKEN.",
      "Cache: FLOE_PLATFORM_CACHE, else $XDG_CACHE_HOME/floe/platforms or ~/.cache/floe/platforms.",
      "Exit codes: 0 pushed or resolved, 1 failed, 2 usage error.",
    ].join("\n"),
    flags: [{ name: "offline", takesValue: false }],
    run: async (args, io) => (await import("./commands/platform.ts")).platform(args, io),
  },
  catalog: {
    summary: "List registered products and contracts, or tables no output port publishes any more",
    usage: "floe catalog ls|orphans [dir] [--json]",
    details: [
      "ls [DIR]        lists the products registered in DIR/.floe/catalog.db (the embedded SQLite catalog that",
      "                'floe compile' registers the product in): product id, version, repository, owner, and each",
      "                registered contract version with its canonical hash",
      "orphans [DIR]   lists the Iceberg tables in the product's namespace, in the catalog its platform chooses,",
      "                that no output port publishes any more (a deleted or renamed model or port): floe never",
      "                drops a table, so these wait for manual clean-up",
      "",
      "Exit codes: 0 listed, 1 the catalog cannot be read, 2 usage error.",
    ].join("\n"),
    flags: [],
    run: async (args, io) => (await import("./commands/catalog.ts")).catalog(args, io),
  },
}

const mainHelp = (io: Io): string => {
  const b = (s: string) => style.bold(io.color, s)
  const names = Object.keys(commands)
  const width = Math.max(...names.map((n) => n.length)) + 2
  return [
    `${b("floe")} ${VERSION} — validate, compile and run data products`,
    "",
    `${b("Usage:")} floe <command> [options]`,
    "",
    b("Commands:"),
    ...names.map((n) => `  ${n.padEnd(width)}${commands[n]?.summary ?? ""}`),
    "",
    b("Options:"),
    "  -h, --help       Show help (also: floe <command> --help)",
    "  -V, --version    Print the version",
    "      --json       Print one JSON object on stdout instead of text",
    "  -q, --quiet      Print only errors",
    "  -v, --verbose    Print more detail",
    "      --no-color   No colour (also: NO_COLOR=1)",
    "",
    "Exit codes: 0 success, 1 failed (validation, compilation or run), 2 usage error, 3 internal error, 130 interrupted.",
    "Docs: docs/README.md in the Floe repository.",
    "",
  ].join("\n")
}

const commandHelp = (cmd: Command, io: Io): string =>
  [`${style.bold(io.color, "Usage:")} ${cmd.usage}`, "", cmd.summary, "", cmd.details, ""].join("\n")

/**
 * Runs the CLI with `argv` (without the node and script paths) and returns the exit code. Never throws: usage
 * errors return 2 and unexpected failures 3, each with a message on stderr.
 */
export const run = async (argv: ReadonlyArray<string>, io: Io): Promise<number> => {
  const [first, ...rest] = argv
  try {
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
      const topic = first === "help" ? rest[0] : undefined
      const cmd = topic === undefined ? undefined : commands[topic]
      io.stdout(cmd && topic ? commandHelp(cmd, io) : mainHelp(io))
      return first === undefined ? ExitCode.usage : ExitCode.ok
    }
    if (first === "--version" || first === "-V") {
      io.stdout(`${VERSION}\n`)
      return ExitCode.ok
    }
    const cmd = commands[first]
    if (cmd === undefined) {
      throw new UsageError(
        first.startsWith("-")
          ? `unknown option '${first}'${suggest(
              first,
              GLOBAL_FLAGS.map((f) => `--${f.name}`),
            )}`
          : `unknown command '${first}'${suggest(first, Object.keys(commands))}`,
      )
    }
    const args = parse(rest, [...GLOBAL_FLAGS, ...cmd.flags])
    if (args.flags.has("help")) {
      io.stdout(commandHelp(cmd, io))
      return ExitCode.ok
    }
    const effectiveIo = args.flags.has("no-color") ? { ...io, color: false } : io
    return await cmd.run(args, effectiveIo)
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${style.red(io.color, "error:")} ${e.message}\nRun 'floe --help' for usage.\n`)
      return ExitCode.usage
    }
    io.stderr(`${style.red(io.color, "internal error:")} ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    io.stderr("This is a bug in Floe; please report it with the command you ran.\n")
    return ExitCode.internal
  }
}
