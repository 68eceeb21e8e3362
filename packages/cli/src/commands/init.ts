/**
 * `floe init NAME`: creates a new data product in the guide's layout — floe.yaml, a seed, one starter model per
 * medallion layer with descriptions and tests, tests/, README.md and, for centralized and mesh modes, the platform
 * manifests floe.yaml refers to (mesh adds a domain manifest and datacontract.yaml). The result validates and runs
 * at once. Never overwrites: an existing NAME fails with FLOE-E108 and exit code 1.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Diagnostic, Fields } from "@floe/spec"
import { UsageError } from "../Args.ts"
import { ExitCode } from "../Cli.ts"
import { type Io, style } from "../Io.ts"

export type Mode = "simple" | "centralized" | "mesh"
const MODES: ReadonlyArray<Mode> = ["simple", "centralized", "mesh"]

export interface InitOptions {
  readonly name: string
  readonly mode: Mode
  readonly domain: string
  readonly owner: string
  readonly repository: string
}

/** The name's closest kebab-case spelling (`My_Product` → `my-product`), for the error's suggestion. */
export const kebab = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "")
    .slice(0, 63)
    .replace(/-+$/, "")

const snake = (name: string): string => name.replaceAll("-", "_")

/** The files of a new product, by path relative to its directory. Pure: the same options give the same files. */
export const files = (o: InitOptions): ReadonlyArray<readonly [string, string]> => {
  const id = snake(o.name)
  const platformRef =
    o.mode === "mesh" ? `platform/domain-${o.domain}.yaml` : o.mode === "centralized" ? "platform/enterprise.yaml" : ""
  const out: Array<readonly [string, string]> = []
  out.push([
    "floe.yaml",
    [
      "apiVersion: floe.dev/v1",
      "kind: DataProduct",
      "metadata:",
      `  name: ${o.name}`,
      `  version: "0.1.0"`,
      `  owner: ${o.owner}`,
      `  domain: ${o.domain}`,
      `  repository: ${o.repository}`,
      "  description: Daily order totals, built from a seed through bronze, silver and gold.",
      ...(platformRef === "" ? [] : ["platform:", `  ref: ${platformRef}`]),
      "transforms:",
      "  - type: dbt",
      "    path: models/",
      "schedule:",
      `  cron: "0 6 * * *"`,
      "  timezone: UTC",
      "output_ports:",
      "  - name: daily_orders",
      `    table: gold.${id}.daily_orders`,
      "    model: gold_daily_orders",
      "    description: Completed orders and revenue per day.",
      "    sla:",
      "      freshness: 24h",
      `      availability: "99%"`,
      "    columns:",
      "      - { name: order_date, type: DATE, description: The day. }",
      "      - { name: completed_orders, type: BIGINT, description: Completed orders that day. }",
      "      - { name: revenue, type: 'DECIMAL(38,2)', description: Revenue of the completed orders that day. }",
      "",
    ].join("\n"),
  ])
  out.push([
    "seeds/raw_orders.csv",
    [
      "order_id,customer_id,status,amount,ordered_at",
      "1,101,completed,25.00,2024-01-01 09:30:00",
      "2,102,completed,40.50,2024-01-01 14:05:00",
      "3,101,refunded,12.00,2024-01-02 10:00:00",
      "4,103,completed,99.99,2024-01-02 16:45:00",
      "5,104,pending,15.00,2024-01-03 08:15:00",
      "",
    ].join("\n"),
  ])
  out.push([
    "models/bronze/bronze_orders.sql",
    [
      "-- Orders as loaded from the seed, unchanged.",
      "select order_id, customer_id, status, amount, ordered_at",
      "from {{ ref('raw_orders') }}",
      "",
    ].join("\n"),
  ])
  out.push([
    "models/silver/silver_orders.sql",
    [
      "{{ config(materialized='table') }}",
      "",
      "-- Cleaned orders: typed amounts and timestamps, lower-case status.",
      "select",
      "    order_id,",
      "    customer_id,",
      "    lower(trim(status)) as status,",
      "    cast(amount as decimal(10, 2)) as amount,",
      "    cast(ordered_at as timestamp) as ordered_at",
      "from {{ ref('bronze_orders') }}",
      "",
    ].join("\n"),
  ])
  out.push([
    "models/gold/gold_daily_orders.sql",
    [
      "{{ config(materialized='table') }}",
      "",
      "-- Completed orders and revenue per day.",
      "select",
      "    cast(ordered_at as date) as order_date,",
      "    count(*) as completed_orders,",
      "    sum(amount) as revenue",
      "from {{ ref('silver_orders') }}",
      "where status = 'completed'",
      "group by 1",
      "",
    ].join("\n"),
  ])
  out.push([
    "models/schema.yml",
    [
      "version: 2",
      "",
      "models:",
      "  - name: bronze_orders",
      "    description: Orders as loaded from the seed.",
      "    columns:",
      "      - name: order_id",
      "        description: The order's id.",
      "        tests: [not_null]",
      "      - name: customer_id",
      "        description: The customer who placed the order.",
      "      - name: status",
      "        description: The order's status as loaded.",
      "      - name: amount",
      "        description: The order's amount.",
      "      - name: ordered_at",
      "        description: When the order was placed.",
      "",
      "  - name: silver_orders",
      "    description: Cleaned orders.",
      "    columns:",
      "      - name: order_id",
      "        description: The order's id.",
      "        tests: [not_null, unique]",
      "      - name: customer_id",
      "        description: The customer who placed the order.",
      "        tests: [not_null]",
      "      - name: status",
      "        description: completed, refunded or pending.",
      "        tests:",
      "          - accepted_values: { values: [completed, refunded, pending] }",
      "      - name: amount",
      "        description: The order's amount.",
      "        tests: [not_null]",
      "      - name: ordered_at",
      "        description: When the order was placed.",
      "        tests: [not_null]",
      "",
      "  - name: gold_daily_orders",
      "    description: Completed orders and revenue per day.",
      "    columns:",
      "      - name: order_date",
      "        description: The day.",
      "        tests: [not_null, unique]",
      "      - name: completed_orders",
      "        description: Completed orders that day.",
      "        tests: [not_null]",
      "      - name: revenue",
      "        description: Revenue of the completed orders that day.",
      "        tests: [not_null]",
      "",
    ].join("\n"),
  ])
  out.push(["tests/.gitkeep", ""])
  if (o.mode !== "simple") {
    out.push([
      "platform/enterprise.yaml",
      [
        "# The enterprise platform: the rules every product inherits. Replace it with your platform team's manifest",
        "# (a file or an oci:// reference) when there is one.",
        "apiVersion: floe.dev/v1",
        "kind: Manifest",
        "metadata:",
        "  name: enterprise",
        `  version: "1.0.0"`,
        `  owner: ${o.owner}`,
        "scope: enterprise",
        "plugins:",
        "  compute: { type: duckdb }",
        "  catalog: { type: sql }",
        "  orchestrator: { type: local }",
        "governance:",
        "  naming:",
        "    enforcement: strict",
        "    pattern: medallion",
        "  quality_gates:",
        "    enforcement: warn",
        "    minimum_test_coverage: 20",
        "  data_contracts:",
        "    enforcement: alert_only",
        "approved_plugins:",
        "  compute: [duckdb]",
        "  catalog: [sql]",
        "  orchestrator: [local]",
        "",
      ].join("\n"),
    ])
  }
  if (o.mode === "mesh") {
    out.push([
      `platform/domain-${o.domain}.yaml`,
      [
        `# The ${o.domain} domain: inherits the enterprise rules and may only make them stricter.`,
        "apiVersion: floe.dev/v1",
        "kind: Manifest",
        "metadata:",
        `  name: ${kebab(o.domain) || "domain"}-domain`,
        `  version: "1.0.0"`,
        `  owner: ${o.owner}`,
        "scope: domain",
        "parent:",
        "  ref: enterprise.yaml",
        `approved_products: ["${o.domain}.*"]`,
        "",
      ].join("\n"),
    ])
    out.push([
      "datacontract.yaml",
      [
        "# The daily_orders output port's data contract (ODCS v3.1.0). Floe merges it with the contract it generates",
        "# from floe.yaml's output ports and the models' columns; what is written here wins.",
        "apiVersion: v3.1.0",
        "kind: DataContract",
        `id: ${o.domain}.${id}`,
        `name: ${o.name}`,
        "version: 0.1.0",
        "status: active",
        `domain: ${o.domain}`,
        "description:",
        "  purpose: Completed orders and revenue per day.",
        "team:",
        "  members:",
        `    - username: ${o.owner}`,
        "      role: owner",
        "schema:",
        "  - name: daily_orders",
        `    physicalName: gold.${id}.daily_orders`,
        "    physicalType: table",
        "    properties:",
        "      - name: order_date",
        "        logicalType: date",
        "        physicalType: DATE",
        "        required: true",
        "        unique: true",
        "      - name: completed_orders",
        "        logicalType: integer",
        "        physicalType: BIGINT",
        "      - name: revenue",
        "        logicalType: number",
        "        physicalType: DECIMAL(38,2)",
        "",
      ].join("\n"),
    ])
  }
  out.push([
    "README.md",
    [
      `# ${o.name}`,
      "",
      `A Floe data product (${o.mode} mode) in the \`${o.domain}\` domain, owned by ${o.owner}.`,
      "",
      "```sh",
      "floe validate   # check floe.yaml, the models, the contract and the platform rules",
      "floe run        # build seeds/raw_orders.csv → bronze → silver → gold on .floe/warehouse.duckdb",
      "```",
      "",
      "- `floe.yaml` — the product: owner, schedule, output ports",
      ...(o.mode === "simple" ? [] : ["- `platform/` — the platform manifests the product is checked against"]),
      ...(o.mode === "mesh" ? ["- `datacontract.yaml` — the output port's data contract (ODCS v3.1.0)"] : []),
      "- `seeds/` — CSV files loaded as tables",
      "- `models/bronze|silver|gold/` — one model per layer; names start with the layer (`silver_orders`)",
      "- `models/schema.yml` — descriptions and tests",
      "- `tests/` — singular tests (SQL returning failing rows)",
      "",
    ].join("\n"),
  ])
  return out
}

const text = (v: string | true | undefined): string | undefined => (typeof v === "string" ? v : undefined)

export const init = async (
  args: { positionals: ReadonlyArray<string>; flags: ReadonlyMap<string, string | true> },
  io: Io,
): Promise<number> => {
  const json = args.flags.has("json")
  const quiet = args.flags.has("quiet")
  const c = io.color
  const [name, ...extra] = args.positionals
  if (name === undefined) throw new UsageError("init needs a product name, e.g. floe init my-product")
  if (extra.length > 0) throw new UsageError(`init takes one name, got ${args.positionals.length}`)
  const modeFlag = text(args.flags.get("mode")) ?? "simple"
  if (!MODES.includes(modeFlag as Mode))
    throw new UsageError(`--mode must be one of ${MODES.join(", ")}, got '${modeFlag}'`)
  const mode = modeFlag as Mode
  // A refusal is one coded diagnostic: `error FLOE-E108: …` with its resolution, or `{created: false, code, …}`.
  const fail = (diagnostic: Diagnostic.Diagnostic, exitCode: number): number => {
    const { code, message, hint } = diagnostic
    if (json) {
      io.stdout(`${JSON.stringify({ created: false, code, error: message, hint, diagnostics: [diagnostic] })}\n`)
    } else {
      const resolution = hint === undefined ? "" : `\n  ${style.cyan(c, "Resolution:")} ${hint}`
      io.stderr(`${style.red(c, "error")} ${style.bold(c, code)}: ${message}${resolution}\n`)
    }
    return exitCode
  }
  if (!Fields.KebabName.safeParse(name).success) {
    const fixed = kebab(name)
    return fail(
      Diagnostic.make(
        "FLOE-E120",
        `product name '${name}' must be kebab-case (lower-case letters, digits, single hyphens), start with a letter, and be at most 63 characters`,
        {},
        fixed === "" ? "Use a name such as my-product." : `Use '${fixed}': floe init ${fixed}`,
      ),
      ExitCode.usage,
    )
  }
  const domain = text(args.flags.get("domain")) ?? "analytics"
  const owner = text(args.flags.get("owner")) ?? "data-team@example.com"
  const repository = text(args.flags.get("repository")) ?? `github.com/example/${name}`
  // The same rules as floe.yaml's metadata, so the new product validates.
  if (!Fields.Identifier.safeParse(domain).success)
    throw new UsageError(
      `--domain '${domain}' must start with a lower-case letter and hold only lower-case letters, digits, '_' and '-'`,
    )
  if (!Fields.Email.safeParse(owner).success)
    throw new UsageError(`--owner '${owner}' must be an email address, e.g. data-team@example.com`)
  if (repository.trim() === "" || repository.length > 2048)
    throw new UsageError("--repository must be a repository address, e.g. github.com/acme/my-product")
  const parent = path.resolve(io.cwd, text(args.flags.get("dir")) ?? ".")
  const target = path.join(parent, name)
  const exists = () =>
    fail(
      Diagnostic.make("FLOE-E108", `${target} already exists; floe init never overwrites`, { file: target }),
      ExitCode.failed,
    )
  if (fs.existsSync(target)) return exists()
  const options: InitOptions = { name, mode, domain, owner, repository }
  const written = files(options)
  // Write into a sibling temporary directory and rename it into place, so a failure leaves nothing half-made.
  fs.mkdirSync(parent, { recursive: true })
  const staging = fs.mkdtempSync(path.join(parent, `.${name}-init-`))
  try {
    for (const [rel, content] of written) {
      const file = path.join(staging, rel)
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, content)
    }
    fs.renameSync(staging, target)
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true })
    // NAME appeared since the check above (rename refuses to replace a non-empty directory): the same refusal.
    const code = (e as NodeJS.ErrnoException).code
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR") return exists()
    throw e
  }
  if (json) {
    io.stdout(
      `${JSON.stringify({ created: true, dir: target, mode, product: { name, domain, owner, repository }, files: written.map(([f]) => f) })}\n`,
    )
  } else if (!quiet) {
    const rel = path.relative(io.cwd, target) || "."
    io.stdout(
      [
        `${style.green(c, "✓")} Created ${style.bold(c, name)} (${mode} mode) in ${rel}`,
        ...written.map(([f]) => `  ${style.dim(c, f)}`),
        "",
        "Next:",
        `  cd ${rel}`,
        "  floe validate",
        "  floe run",
        "",
      ].join("\n"),
    )
  }
  return ExitCode.ok
}
