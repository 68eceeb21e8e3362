// DuckDB's Parquet writer as Iceberg publishing uses it: field ids in the file's schema, file:// URIs, and a clear
// refusal for object stores (their extension is not bundled and nothing is downloaded).
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { DuckDBCompute } from "../src/index.ts"

describe("DuckDB Parquet", () => {
  it.effect("writes the field ids it is given into the Parquet schema, also for a file:// URI", () =>
    Effect.gen(function* () {
      const compute = yield* DuckDBCompute.make()
      const parquet = compute.parquet
      if (parquet === undefined) return expect.fail("DuckDB has Parquet")
      const path = join(mkdtempSync(join(tmpdir(), "floe-duck-parquet-")), "nested dir", "file's.parquet")
      const uri = pathToFileURL(path).href
      const written = yield* parquet.write({
        sql: `SELECT 1::INTEGER AS "Customer Id", 2.5::DECIMAL(10,2) AS "amount", 'x' AS "it's"`,
        path: uri,
        fieldIds: { "Customer Id": 11, amount: 12, "it's": 13 },
      })
      expect(written).toMatchObject({ path: uri, records: 1 })
      expect(Object.keys(written.columns).sort()).toEqual(["Customer Id", "amount", "it's"])
      const schema = yield* compute.query(
        `SELECT name, field_id FROM parquet_schema('${path.replaceAll("'", "''")}') WHERE field_id IS NOT NULL`,
      )
      expect(schema.map((r) => [r["name"], Number(r["field_id"])])).toEqual([
        ["Customer Id", 11],
        ["amount", 12],
        ["it's", 13],
      ])
      expect(yield* compute.query(`SELECT * FROM ${parquet.scan([uri])}`)).toEqual([
        { "Customer Id": 1, amount: 2.5, "it's": "x" },
      ])
    }).pipe(Effect.scoped),
  )

  it.effect("refuses object-store locations instead of trying to load an extension", () =>
    Effect.gen(function* () {
      const compute = yield* DuckDBCompute.make()
      const error = yield* Effect.flip(
        compute.parquet?.write({ sql: "SELECT 1 AS n", path: "s3://bucket/t/data/x.parquet", fieldIds: { n: 1 } }) ??
          Effect.die("no parquet"),
      )
      expect(error.reason).toBe("Connection")
      expect(error.message).toContain("local files only")
    }).pipe(Effect.scoped),
  )
})
