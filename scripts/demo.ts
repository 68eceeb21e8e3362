// The golden demo: validate, compile and run examples/customer-360 on the embedded defaults (DuckDB, SQLite
// catalog, file lineage), exactly as a user would with the floe CLI. Run: pnpm demo
import { spawnSync } from "node:child_process"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const floe = join(root, "packages", "cli", "bin", "floe.js")
const product = join("examples", "customer-360")
for (const command of ["validate", "compile", "run"]) {
  console.log(`\n$ floe ${command} ${product}`)
  const r = spawnSync(process.execPath, [floe, command, product], { cwd: root, stdio: "inherit" })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
