/**
 * The docs test: every fenced code block marked runnable in docs/**\/*.md and the READMEs (the repository's, each
 * package's, plugin's and example's) runs, and a block that fails names its file and line.
 *
 *   ```sh runnable   — run by bash (`set -euo pipefail`) in a scratch directory holding a copy of examples/, where
 *                      `floe` and `pnpm floe` mean `node <repo>/packages/cli/bin/floe.js`. The blocks of one file run
 *                      in order in the same directory, so a guide's later block sees what an earlier one made.
 *   ```ts runnable   — written to a temporary .ts file in packages/cli/ (so `@floe/*`, `effect` and
 *                      `@effect/platform-node` resolve as they do for the CLI) and run with node, in the same
 *                      scratch directory.
 *
 * A block fails when it exits non-zero or when the CLI reports an internal error (a crash), even inside `|| …`.
 */
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join, relative } from "node:path"
import { describe, expect, it } from "vitest"

const repo = join(import.meta.dirname, "..", "..", "..")
const cliDir = join(repo, "packages", "cli")
const bin = join(cliDir, "bin", "floe.js")

export interface Block {
  readonly file: string
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly lang: string
  readonly code: string
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)([^`]*)$/

/** The runnable blocks of one Markdown text, with the line of each opening fence. */
export const runnableBlocks = (file: string, text: string): Array<Block> => {
  const lines = text.split("\n")
  const blocks: Array<Block> = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "")
    if (open === null) continue
    const [, indent = "", fence = "", lang = "", rest = ""] = open
    const body: Array<string> = []
    let j = i + 1
    for (; j < lines.length; j++) {
      const l = lines[j] ?? ""
      if (l.trim().startsWith(fence) && l.trim().replaceAll(fence[0] ?? "`", "") === "") break
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l)
    }
    if (rest.trim().split(/\s+/).includes("runnable")) blocks.push({ file, line: i + 1, lang, code: body.join("\n") })
    i = j
  }
  return blocks
}

const markdownFiles = (): Array<string> => {
  const found: Array<string> = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name)
      if (entry.isDirectory()) walk(p)
      else if (entry.name.endsWith(".md")) found.push(p)
    }
  }
  walk(join(repo, "docs"))
  found.push(join(repo, "README.md"))
  for (const group of ["packages", "plugins", "examples"]) {
    for (const entry of readdirSync(join(repo, group), { withFileTypes: true })) {
      const readme = join(repo, group, entry.name, "README.md")
      if (entry.isDirectory() && existsSync(readme)) found.push(readme)
    }
  }
  return found.sort()
}

/**
 * A scratch directory with a copy of examples/ (sources only: no .floe/, target/ or node_modules/). Each example's
 * node_modules is linked, not copied, so `node host/register-product.ts` in examples/custom-plugin resolves its
 * packages as it does in a checkout after `pnpm install`.
 */
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-docs-"))
  cpSync(join(repo, "examples"), join(dir, "examples"), {
    recursive: true,
    filter: (src) => ![".floe", "target", "node_modules"].includes(basename(src)),
  })
  for (const entry of readdirSync(join(repo, "examples"), { withFileTypes: true })) {
    const modules = join(repo, "examples", entry.name, "node_modules")
    if (entry.isDirectory() && existsSync(modules))
      symlinkSync(modules, join(dir, "examples", entry.name, "node_modules"))
  }
  return dir
}

const prelude = [
  "set -euo pipefail",
  `floe() { node ${JSON.stringify(bin)} "$@"; }`,
  `pnpm() { if [ "\${1:-}" = floe ]; then shift; floe "$@"; else command pnpm "$@"; fi; }`,
  "",
].join("\n")

let snippet = 0

const runBlock = (block: Block, cwd: string) => {
  const env = { ...process.env, NO_COLOR: "1", FLOE_PLATFORM_CACHE: join(cwd, ".platform-cache") }
  if (block.lang === "sh" || block.lang === "bash") {
    return spawnSync("bash", ["-c", prelude + block.code], { cwd, env, encoding: "utf8", timeout: 120_000 })
  }
  const file = join(cliDir, `.docs-snippet-${process.pid}-${++snippet}.ts`)
  writeFileSync(file, block.code)
  try {
    return spawnSync(process.execPath, [file], { cwd, env, encoding: "utf8", timeout: 120_000 })
  } finally {
    rmSync(file, { force: true })
  }
}

describe("runnableBlocks", () => {
  it("finds the blocks marked runnable, with the line of the opening fence", () => {
    const md = [
      "# t",
      "```sh",
      "not me",
      "```",
      "",
      "```sh runnable",
      "floe --help",
      "```",
      "- item:",
      "  ```ts runnable",
      "  console.log(1)",
      "  ```",
      "````md",
      "```sh runnable",
      "inside another block: not a block",
      "```",
      "````",
    ].join("\n")
    expect(runnableBlocks("x.md", md)).toEqual([
      { file: "x.md", line: 6, lang: "sh", code: "floe --help" },
      { file: "x.md", line: 10, lang: "ts", code: "console.log(1)" },
    ])
  })
})

const byFile = markdownFiles()
  .map((file) => ({ file, blocks: runnableBlocks(relative(repo, file), readFileSync(file, "utf8")) }))
  .filter((f) => f.blocks.length > 0)

describe("the docs' runnable blocks run", () => {
  it("the guides mark their runnable blocks", () => {
    const files = byFile.map((f) => f.blocks[0]?.file)
    expect(files).toEqual(expect.arrayContaining(["docs/getting-started.md", "docs/embedding.md"]))
  })

  for (const { file, blocks } of byFile) {
    describe(relative(repo, file), () => {
      let cwd: string | undefined
      for (const block of blocks) {
        it(`${block.file}:${block.line} (${block.lang})`, () => {
          expect(["sh", "bash", "ts"], `${block.file}:${block.line}: runnable blocks are sh or ts`).toContain(
            block.lang,
          )
          cwd ??= scratch()
          const r = runBlock(block, cwd)
          const output = `\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`
          expect(
            r.status,
            `${block.file}:${block.line}: the ${block.lang} block failed (exit ${r.status ?? r.signal})${output}`,
          ).toBe(0)
          // `floe … || echo "exit code $?"` shows an expected failure; a crash of the CLI is never expected
          expect(r.stderr, `${block.file}:${block.line}: floe crashed${output}`).not.toContain("internal error:")
        }, 180_000)
      }
    })
  }
})
