// Where the compile time goes: sums self time per function (and per file) of a V8 .cpuprofile.
// Profile: node --cpu-prof --cpu-prof-dir=/tmp/prof bench/compile/driver.ts <dir>   (or packages/cli/bin/floe.js compile <dir>)
// Read:    node bench/compile/profile.ts /tmp/prof/<file>.cpuprofile [top=25]
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly children?: ReadonlyArray<number>
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const file = process.argv[2]
if (file === undefined) {
  console.error("usage: node bench/compile/profile.ts <file.cpuprofile> [top]")
  process.exit(2)
}
const top = Number(process.argv[3] ?? 25)
const p = JSON.parse(readFileSync(file, "utf8")) as Profile
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const short = (url: string) =>
  url
    .replace(/^file:\/\//, "")
    .replace(/.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, "")
    .replace(/.*\/work\/main\//, "")
const parent = new Map<number, number>()
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const label = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame
  return `${functionName || "(anonymous)"} ${url === "" ? "" : `${short(url)}:${lineNumber + 1}`}`.trim()
}
/** Inclusive time: every function on the sample's stack, once per sample. */
const totalFn = new Map<string, number>()
const selfFn = new Map<string, number>()
const selfFile = new Map<string, number>()
let total = 0
p.samples.forEach((id, i) => {
  const dt = (p.timeDeltas[i] ?? 0) / 1000
  total += dt
  const n = byId.get(id)
  if (n === undefined) return
  const { functionName, url, lineNumber } = n.callFrame
  const where = url === "" ? "" : `${short(url)}:${lineNumber + 1}`
  const fn = `${functionName || "(anonymous)"} ${where}`.trim()
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = byId.get(at)
    if (node === undefined) break
    const l = label(node)
    if (seen.has(l)) continue
    seen.add(l)
    totalFn.set(l, (totalFn.get(l) ?? 0) + dt)
  }
  selfFn.set(fn, (selfFn.get(fn) ?? 0) + dt)
  const f = url === "" ? `(${functionName})` : short(url)
  selfFile.set(f, (selfFile.get(f) ?? 0) + dt)
})
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`)
  for (const [k, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`)
  }
}
console.log(`total sampled: ${total.toFixed(0)} ms`)
print("self time by function", selfFn)
print("self time by file", selfFile)
print(
  "inclusive time of compiler functions (packages/)",
  new Map([...totalFn].filter(([k]) => k.includes("packages/"))),
)
