import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import * as Effect from "effect/Effect"
import { Compiler, Graph, Manifest, Project } from "../src/index.ts"

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const schemaFile = fileURLToPath(new URL("../schemas/manifest_v12.json", import.meta.url))
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex")

const manifestOf = (name: string) =>
  Effect.gen(function* () {
    const { project } = yield* Project.load(fixture(name))
    if (project === undefined) throw new Error("no project")
    const target = { database: "dev", schema: "main" }
    const { graph } = yield* Graph.build(project, { target })
    return Manifest.make(project, graph, {
      target,
      generatedAt: "2026-11-28T12:00:00.000Z",
      invocationId: "00000000-0000-4000-8000-000000000000",
    })
  }).pipe(Effect.provide(NodeServices.layer))

const validator = () => {
  const schema = JSON.parse(readFileSync(schemaFile, "utf8"))
  // The file declares draft 2020-12; `format: uuid` is annotation only here (user_id is null).
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false })
  return ajv.compile(schema)
}

describe("Manifest.make", () => {
  it("vendors the official schema unchanged and it declares draft 2020-12", () => {
    const text = readFileSync(schemaFile, "utf8")
    expect(JSON.parse(text)["$schema"]).toBe("https://json-schema.org/draft/2020-12/schema")
    // the sha256 recorded in schemas/SOURCES.md for the upstream file
    expect(sha256(text)).toBe("f29ac66b0ea66b46575da0a5da66b2716f06f25295044234304e16631773ea4c")
  })

  it.effect("writes a manifest the official v12 schema accepts, for both fixture projects", () =>
    Effect.gen(function* () {
      const validate = validator()
      for (const name of ["shop", "jaffle"]) {
        const manifest = yield* manifestOf(name)
        // a JSON round trip: what is validated is what is written
        const ok = validate(JSON.parse(JSON.stringify(manifest)))
        expect(validate.errors ?? [], name).toEqual([])
        expect(ok).toBe(true)
      }
      // the validator is not vacuous: v10's `deferred` key on a node is refused by v12
      const manifest = JSON.parse(JSON.stringify(yield* manifestOf("jaffle")))
      manifest.nodes["model.jaffle.customers"].deferred = false
      expect(validate(manifest)).toBe(false)
    }),
  )

  it.effect("fills ids, metadata, checksums, maps and test fields as dbt does", () =>
    Effect.gen(function* () {
      const m = yield* manifestOf("shop")
      // project_id = md5("jaffle_shop") (Python: hashlib.md5(b"jaffle_shop").hexdigest())
      expect(m.metadata).toMatchObject({
        dbt_schema_version: "https://schemas.getdbt.com/dbt/manifest/v12.json",
        project_name: "jaffle_shop",
        project_id: "06e5b98c2db46f8a72cc4f66410e9b3b",
        adapter_type: "duckdb",
      })
      expect(Object.keys(m.nodes).filter((k) => k.startsWith("model.")).length).toBe(6)
      expect(Object.keys(m.nodes).filter((k) => k.startsWith("seed.")).length).toBe(3)
      expect(Object.keys(m.nodes).filter((k) => k.startsWith("test.")).length).toBe(16)
      expect(Object.keys(m.sources)).toEqual(["source.jaffle_shop.ingest.events"])
      expect(Object.keys(m.macros)).toEqual(["macro.jaffle_shop.cents_to_dollars"])
      expect(Object.keys(m.docs)).toEqual(["doc.jaffle_shop.orders_status"])

      // checksum = sha256 of the file contents with surrounding whitespace stripped
      const raw = readFileSync(join(fixture("shop"), "models/customers.sql"), "utf8")
      expect(m.nodes["model.jaffle_shop.customers"]?.["checksum"]).toEqual({
        name: "sha256",
        checksum: sha256(raw.trim()),
      })
      const orders = m.nodes["model.jaffle_shop.orders"]
      expect(orders?.["fqn"]).toEqual(["jaffle_shop", "orders"])
      expect(orders?.["relation_name"]).toBe('"dev"."main"."orders"')
      expect(orders?.["patch_path"]).toBe("jaffle_shop://models/schema.yml")
      expect(orders?.["extra_ctes"]).toEqual([
        { id: "model.jaffle_shop.stg_payments", sql: expect.stringContaining("::numeric(16, 2)") },
      ])
      // the {% set %} line renders as blank lines before the injected WITH
      expect(String(orders?.["compiled_code"])).toMatch(/^\s*with __dbt__cte__stg_payments as \(/)
      const columns = (orders?.["columns"] ?? {}) as Record<string, Record<string, unknown>>
      const status = columns["status"]
      expect(status?.["description"]).toBe(
        "Orders can be one of the following statuses: placed, shipped, completed, return_pending, returned.",
      )
      expect(m.nodes["model.jaffle_shop.stg_payments"]?.["relation_name"]).toBeNull()

      const accepted =
        m.nodes[
          "test.jaffle_shop.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3"
        ]
      expect(accepted).toMatchObject({
        resource_type: "test",
        name: "accepted_values_orders_status__placed__shipped__completed__return_pending__returned",
        alias: "accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758",
        schema: "main_dbt_test__audit",
        column_name: "status",
        file_key_name: "models.orders",
        attached_node: "model.jaffle_shop.orders",
        checksum: { name: "none", checksum: "" },
        test_metadata: {
          name: "accepted_values",
          namespace: null,
          kwargs: {
            values: ["placed", "shipped", "completed", "return_pending", "returned"],
            column_name: "status",
            model: "{{ get_where_subquery(ref('orders')) }}",
          },
        },
      })

      // parent_map: sorted depends_on of every member; child_map: the sorted inverse, [] for leaves
      expect(m.parent_map["model.jaffle_shop.customers"]).toEqual([
        "model.jaffle_shop.stg_customers",
        "model.jaffle_shop.stg_orders",
      ])
      expect(m.parent_map["source.jaffle_shop.ingest.events"]).toEqual([])
      expect(m.child_map["model.jaffle_shop.customers"]).toEqual([
        "test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d",
        "test.jaffle_shop.relationships_orders_customer_id__customer_id__ref_customers_.c6ec7f58f2",
        "test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1",
      ])
      expect(m.child_map["test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1"]).toEqual([])
      const members = [...Object.keys(m.nodes), ...Object.keys(m.sources)].sort()
      expect(Object.keys(m.parent_map).sort()).toEqual(members)
      expect(Object.keys(m.child_map).sort()).toEqual(members)
      for (const [child, parents] of Object.entries(m.parent_map)) {
        for (const p of parents) expect(m.child_map[p], `${p} → ${child}`).toContain(child)
      }
    }),
  )

  it.effect("writes target/manifest.json atomically, leaving no temporary file", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "floe-manifest-"))
      try {
        const m = yield* manifestOf("jaffle")
        const file = join(dir, "target", "manifest.json")
        yield* Manifest.write(file, m)
        yield* Manifest.write(file, m)
        expect(readdirSync(join(dir, "target"))).toEqual(["manifest.json"])
        // written a piece at a time, the text is exactly JSON.stringify's
        expect(readFileSync(file, "utf8")).toBe(JSON.stringify(m))
        expect([...Manifest.jsonChunks(m)].join("")).toBe(JSON.stringify(m))
        // a staged manifest that is discarded leaves the previous one in place
        const staged = yield* Manifest.stage(file, { ...m, metadata: { ...m.metadata, invocation_id: "other" } })
        yield* staged.discard
        expect(readdirSync(join(dir, "target"))).toEqual(["manifest.json"])
        expect(readFileSync(file, "utf8")).toBe(JSON.stringify(m))
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(NodeServices.layer)),
  )

  it.effect("streams, node by node, exactly the text of the built manifest, in pieces of about 256 KiB", () =>
    Effect.gen(function* () {
      // 400 models with long SQL: a manifest of several MiB, so it is written in several pieces.
      const dir = mkdtempSync(join(tmpdir(), "floe-manifest-"))
      const padding = `-- ${"x".repeat(3000)}\n`
      writeFileSync(join(dir, "dbt_project.yml"), "name: big\nversion: '1'\n")
      mkdirSync(join(dir, "models"))
      for (let i = 0; i < 400; i++) {
        const parent = i === 0 ? "select 1 as id" : `select * from {{ ref('m${i - 1}') }}`
        writeFileSync(join(dir, "models", `m${i}.sql`), `${padding}${parent}\n`)
      }
      writeFileSync(
        join(dir, "models", "props.yml"),
        `models:\n${Array.from({ length: 400 }, (_, i) => `  - name: m${i}\n    columns:\n      - name: id\n        tests: [not_null, unique]\n`).join("")}`,
      )
      const { project } = yield* Project.load(dir)
      if (project === undefined) throw new Error("no project")
      const { graph } = yield* Graph.build(project, {})
      const options = { generatedAt: "2026-11-28T12:00:00.000Z", invocationId: "x" }
      const pieces = [...Manifest.chunks(project, graph, options)]
      expect(pieces.length).toBeGreaterThan(2)
      const built = Manifest.make(project, graph, options)
      expect(pieces.join("")).toBe(JSON.stringify(built))
      expect(Object.keys(built.nodes)).toHaveLength(1200)
      // Compiler.compile writes the streamed text; its result's manifest (built when read) is the same data.
      const compiled = yield* Compiler.compile(dir)
      expect(compiled.manifestPath).toBe(join(dir, "target", "manifest.json"))
      const written = JSON.parse(readFileSync(join(dir, "target", "manifest.json"), "utf8"))
      expect(written).toEqual(JSON.parse(JSON.stringify(compiled.manifest)))
      expect(validator()(written)).toBe(true)
      rmSync(dir, { recursive: true, force: true })
    }).pipe(Effect.provide(NodeServices.layer)),
  )
})
