// Shared output for benchmark scripts: a table on stdout and a JSON file under bench/results/.
import { mkdirSync, renameSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { join } from "node:path"

export interface Row {
  readonly [column: string]: string | number
}

export const machine = () => ({
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
})

/** Prints rows as an aligned table and writes `{name, date, machine, rows, ...extra}` to bench/results/<name>.json. */
export const report = (name: string, rows: ReadonlyArray<Row>, extra: Record<string, unknown> = {}): void => {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const cell = (v: string | number | undefined) =>
    typeof v === "number" ? (Number.isInteger(v) || v >= 100 ? v.toFixed(0) : v.toFixed(1)) : (v ?? "")
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(cell(r[c])).length)))
  const line = (vals: ReadonlyArray<string>) => vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ")
  console.log(line(columns))
  console.log(line(widths.map((w) => "-".repeat(w))))
  for (const r of rows) console.log(line(columns.map((c) => String(cell(r[c])))))
  const dir = join(import.meta.dirname, "..", "results")
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.json`)
  writeFileSync(
    `${file}.tmp`,
    `${JSON.stringify({ name, date: new Date().toISOString(), machine: machine(), rows, ...extra }, null, 2)}\n`,
  )
  renameSync(`${file}.tmp`, file)
  console.log(`\nwrote ${file}`)
}

/** Summary statistics of a sample in milliseconds. */
export const stats = (samples: ReadonlyArray<number>) => {
  const s = [...samples].sort((a, b) => a - b)
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN
  return { min: s[0] ?? Number.NaN, median: q(0.5), p95: q(0.95), max: s[s.length - 1] ?? Number.NaN }
}
