// Writes every generated file (JSON Schemas, reference pages). Run: pnpm generate
import { mkdirSync, renameSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { generatedFiles } from "../packages/spec/src/internal/reference.ts"

const root = join(import.meta.dirname, "..")
for (const [rel, text] of Object.entries(generatedFiles())) {
  const file = join(root, rel)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(`${file}.tmp`, text)
  renameSync(`${file}.tmp`, file)
  console.log(`wrote ${rel}`)
}
