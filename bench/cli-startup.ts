// CLI cold start: wall time of a fresh `node` process running `floe --help` (target: under 250 ms on 2 cores),
// against the floor of starting Node itself. Run: pnpm --filter @floe/bench cli-startup [runs]
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { report, stats } from "./lib/report.ts"

const runs = Number(process.argv[2] ?? 30)
const bin = join(import.meta.dirname, "..", "packages", "cli", "bin", "floe.js")
const product = mkdtempSync(join(tmpdir(), "floe-bench-"))
mkdirSync(join(product, "models", "gold"), { recursive: true })
// The output port gold.my_product.customers is served by gold_customers: validate binds it on DuckDB.
writeFileSync(join(product, "models", "gold", "gold_customers.sql"), "select 1 as customer_id, 'Ada' as name\n")
writeFileSync(
  join(product, "floe.yaml"),
  `apiVersion: floe.dev/v1
kind: DataProduct
metadata: {name: my-product, version: "1.0.0", owner: data-team@example.com, domain: sales, repository: github.com/acme/my-product}
transforms: [{type: dbt, path: models/}]
schedule: {cron: "0 6 * * *", timezone: UTC}
output_ports: [{name: customers, table: gold.my_product.customers, sla: {freshness: "6h", availability: "99.9%"}}]
`,
)

const time = (args: ReadonlyArray<string>): Array<number> => {
  const samples: Array<number> = []
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, args, { stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } })
    const ms = performance.now() - t0
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`)
    if (i >= 2) samples.push(ms) // the first two runs warm the OS file cache
  }
  return samples
}

const cases: ReadonlyArray<[string, ReadonlyArray<string>]> = [
  ["node -e 0 (floor)", ["-e", "0"]],
  ["floe --help", [bin, "--help"]],
  ["floe --version", [bin, "--version"]],
  ["floe validate (guide example, 4 stages)", [bin, "validate", product]],
]
const rows = cases.map(([name, args]) => {
  const s = stats(time(args))
  return { case: name, runs, "min ms": s.min, "median ms": s.median, "p95 ms": s.p95 }
})
report("cli-startup", rows, { target: "floe --help median under 250 ms" })
