// The conformance suite every Floe catalog adapter runs, against a temporary directory; each racer in the race tests
// opens its own client (its own lock queue), so the races are decided by the lock file, as between processes.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { CatalogConformance } from "@floe/spec/testing"
import { afterAll } from "vitest"
import { FileCatalog } from "../src/index.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "floe-file-catalog-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const config = { directory: path.join(dir, "conformance") }

CatalogConformance.suite("FileCatalog", {
  layer: FileCatalog.layer(config),
  client: FileCatalog.make(config),
})
