import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { CatalogConformance } from "@floe/spec/testing"
import * as Effect from "effect/Effect"
import { afterAll } from "vitest"
import { SqlCatalog } from "../src/index.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "floe-catalog-sql-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const sqlite = (name: string, catalogName?: string): SqlCatalog.SqlCatalogConfig => ({
  _tag: "Sqlite",
  path: path.join(dir, name),
  catalogName,
})

// One database file for the suite; each racer in the race tests opens its own connection to it.
CatalogConformance.suite("SqlCatalog on SQLite", {
  layer: SqlCatalog.layer(sqlite("conformance/catalog.db")),
  client: SqlCatalog.make(sqlite("conformance/catalog.db")),
})

/** Runs raw SQL against a catalog file the way another tool (PyIceberg, Iceberg's JdbcCatalog) would see it. */
const raw = <T>(file: string, f: (db: import("node:sqlite").DatabaseSync) => T): T => {
  const { DatabaseSync } = process.getBuiltinModule("node:sqlite")
  const db = new DatabaseSync(file)
  try {
    return f(db)
  } finally {
    db.close()
  }
}

describe("SqlCatalog on SQLite: the Iceberg JDBC layout", () => {
  it.effect("creates the two Iceberg tables with the JDBC columns and primary keys", () =>
    Effect.gen(function* () {
      const file = path.join(dir, "layout.db")
      yield* Effect.scoped(SqlCatalog.make({ _tag: "Sqlite", path: file }))
      const columns = (table: string) =>
        raw(file, (db) =>
          db
            .prepare(`SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info('${table}') ORDER BY cid`)
            .all()
            .map((c) => `${c["name"]} ${c["type"]}${c["nn"] ? " NOT NULL" : ""}${c["pk"] ? ` PK${c["pk"]}` : ""}`),
        )
      assert.deepStrictEqual(columns("iceberg_tables"), [
        "catalog_name VARCHAR(255) NOT NULL PK1",
        "table_namespace VARCHAR(255) NOT NULL PK2",
        "table_name VARCHAR(255) NOT NULL PK3",
        "metadata_location VARCHAR(1000)",
        "previous_metadata_location VARCHAR(1000)",
        "iceberg_type VARCHAR(5)",
      ])
      assert.deepStrictEqual(columns("iceberg_namespace_properties"), [
        "catalog_name VARCHAR(255) NOT NULL PK1",
        "namespace VARCHAR(255) NOT NULL PK2",
        "property_key VARCHAR(255) PK3",
        "property_value VARCHAR(1000)",
      ])
      assert.strictEqual(
        raw(file, (db) => db.prepare("PRAGMA journal_mode").get()?.["journal_mode"]),
        "wal",
        "the file is in WAL mode for concurrent readers",
      )
    }),
  )

  it.effect("stores namespaces, the exists marker, tables and commits as JdbcCatalog does", () =>
    Effect.gen(function* () {
      const file = path.join(dir, "rows.db")
      const catalog = yield* SqlCatalog.make({ _tag: "Sqlite", path: file, catalogName: "prod" })
      yield* catalog.createNamespace(["sales"])
      yield* catalog.createNamespace(["sales", "orders"], { owner: "a@example.com" })
      yield* catalog.registerTable({ namespace: ["sales", "orders"], name: "daily" }, "s3://w/daily/v1.metadata.json")
      yield* catalog.commitTable(
        { namespace: ["sales", "orders"], name: "daily" },
        {
          expectedMetadataLocation: "s3://w/daily/v1.metadata.json",
          newMetadataLocation: "s3://w/daily/v2.metadata.json",
        },
      )
      const props = raw(file, (db) =>
        db
          .prepare(
            "SELECT catalog_name, namespace, property_key, property_value FROM iceberg_namespace_properties ORDER BY namespace, property_key",
          )
          .all()
          .map((r) => Object.values(r).join("|")),
      )
      assert.deepStrictEqual(props, [
        "prod|sales|exists|true",
        "prod|sales.orders|exists|true",
        "prod|sales.orders|owner|a@example.com",
      ])
      const tables = raw(file, (db) =>
        db
          .prepare("SELECT * FROM iceberg_tables")
          .all()
          .map((r) => ({ ...r })),
      )
      assert.deepStrictEqual(tables, [
        {
          catalog_name: "prod",
          table_namespace: "sales.orders",
          table_name: "daily",
          metadata_location: "s3://w/daily/v2.metadata.json",
          previous_metadata_location: "s3://w/daily/v1.metadata.json",
          iceberg_type: "TABLE",
        },
      ])
      // The reserved marker never reaches callers.
      assert.deepStrictEqual((yield* catalog.loadNamespace(["sales"])).properties, {})
    }),
  )

  it.effect(
    "reads what PyIceberg and JdbcCatalog write: implicit parents, namespaces known only by tables, views",
    () =>
      Effect.gen(function* () {
        const file = path.join(dir, "foreign.db")
        const catalog = yield* SqlCatalog.make({ _tag: "Sqlite", path: file, catalogName: "default" })
        raw(file, (db) => {
          // PyIceberg writes properties without the exists marker when some are given.
          db.exec(`INSERT INTO iceberg_namespace_properties VALUES ('default', 'py', 'comment', 'from pyiceberg')`)
          // A table whose namespace has no property row at all, two levels deep.
          db.exec(`INSERT INTO iceberg_tables VALUES ('default', 'java.db', 't1', 'loc1', NULL, NULL)`)
          db.exec(`INSERT INTO iceberg_tables VALUES ('default', 'java.db', 'v1', 'vloc', NULL, 'VIEW')`)
          // Another catalog's rows in the same database stay invisible.
          db.exec(`INSERT INTO iceberg_namespace_properties VALUES ('other', 'hidden', 'exists', 'true')`)
        })
        assert.deepStrictEqual(yield* catalog.listNamespaces(), [["java"], ["py"]])
        assert.deepStrictEqual(yield* catalog.listNamespaces(["java"]), [["java", "db"]])
        assert.deepStrictEqual((yield* catalog.loadNamespace(["py"])).properties, { comment: "from pyiceberg" })
        assert.deepStrictEqual((yield* catalog.loadNamespace(["java"])).properties, {})
        assert.deepStrictEqual(yield* catalog.listTables(["java", "db"]), [{ namespace: ["java", "db"], name: "t1" }])
        yield* CatalogConformance.expectReason(catalog.loadTable({ namespace: ["java", "db"], name: "v1" }), "NotFound")
        yield* CatalogConformance.expectReason(catalog.createNamespace(["java"]), "AlreadyExists")
        yield* CatalogConformance.expectReason(catalog.dropNamespace(["java", "db"]), "NotEmpty")
        yield* CatalogConformance.expectReason(catalog.loadNamespace(["hidden"]), "NotFound")
        // Removing a PyIceberg namespace's last property keeps the namespace.
        yield* catalog.updateNamespaceProperties(["py"], { removals: ["comment"] })
        assert.deepStrictEqual((yield* catalog.loadNamespace(["py"])).properties, {})
      }),
  )

  it.effect("opens a V0 database (no iceberg_type column) without migrating it", () =>
    Effect.gen(function* () {
      const file = path.join(dir, "v0.db")
      raw(file, (db) =>
        db.exec(`CREATE TABLE iceberg_tables (catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL,
          table_name VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000),
          PRIMARY KEY (catalog_name, table_namespace, table_name))`),
      )
      const catalog = yield* SqlCatalog.make({ _tag: "Sqlite", path: file })
      yield* catalog.createNamespace(["ns"])
      yield* catalog.registerTable({ namespace: ["ns"], name: "t" }, "v1")
      yield* catalog.commitTable(
        { namespace: ["ns"], name: "t" },
        { expectedMetadataLocation: "v1", newMetadataLocation: "v2" },
      )
      assert.strictEqual((yield* catalog.loadTable({ namespace: ["ns"], name: "t" })).metadataLocation, "v2")
      const columns = raw(file, (db) => db.prepare("SELECT name FROM pragma_table_info('iceberg_tables')").all())
      assert.strictEqual(columns.length, 5)
    }),
  )

  it.effect("rejects what the JDBC layout cannot store: dotted levels, the reserved key, over-long values", () =>
    Effect.gen(function* () {
      const catalog = yield* SqlCatalog.make(sqlite("limits.db"))
      yield* CatalogConformance.expectReason(catalog.createNamespace(["sales.eu"]), "InvalidInput")
      yield* CatalogConformance.expectReason(catalog.createNamespace(["ns"], { exists: "false" }), "InvalidInput")
      yield* catalog.createNamespace(["ns"])
      yield* CatalogConformance.expectReason(
        catalog.updateNamespaceProperties(["ns"], { removals: ["exists"] }),
        "InvalidInput",
      )
      yield* CatalogConformance.expectReason(
        catalog.updateNamespaceProperties(["ns"], { updates: { k: "v".repeat(1001) } }),
        "InvalidInput",
      )
      yield* CatalogConformance.expectReason(catalog.createNamespace(["n".repeat(256)]), "InvalidInput")
      yield* CatalogConformance.expectReason(
        catalog.registerTable({ namespace: ["ns"], name: "t" }, `s3://${"x".repeat(1000)}`),
        "InvalidInput",
      )
      // Up to the limits is fine, counted in characters.
      yield* catalog.updateNamespaceProperties(["ns"], { updates: { k: "é".repeat(1000) } })
      assert.strictEqual((yield* catalog.loadNamespace(["ns"])).properties["k"], "é".repeat(1000))
    }),
  )

  it.effect("keeps catalogs with different names in one file apart", () =>
    Effect.gen(function* () {
      const a = yield* SqlCatalog.make(sqlite("shared.db", "a"))
      const b = yield* SqlCatalog.make(sqlite("shared.db", "b"))
      yield* a.createNamespace(["ns"], { who: "a" })
      yield* b.createNamespace(["ns"], { who: "b" })
      assert.deepStrictEqual((yield* a.loadNamespace(["ns"])).properties, { who: "a" })
      assert.deepStrictEqual((yield* b.loadNamespace(["ns"])).properties, { who: "b" })
    }),
  )

  it.effect("data written by one connection is there for the next process that opens the file", () =>
    Effect.gen(function* () {
      const config = sqlite("reopen.db")
      yield* Effect.scoped(Effect.flatMap(SqlCatalog.make(config), (c) => c.createNamespace(["kept"], { v: "1" })))
      const again = yield* SqlCatalog.make(config)
      assert.deepStrictEqual((yield* again.loadNamespace(["kept"])).properties, { v: "1" })
    }),
  )

  it.effect("a file that is not a database fails with Connection", () =>
    Effect.gen(function* () {
      const file = path.join(dir, "not-a-db.db")
      fs.writeFileSync(file, "this is not sqlite, just text that is long enough to be read as a header ".repeat(20))
      const error = yield* Effect.flip(SqlCatalog.make({ _tag: "Sqlite", path: file }))
      assert.strictEqual(error.reason._tag, "Connection")
      assert.isTrue(error.isRetryable)
    }),
  )

  it.effect("fromUri reads sqlite and postgresql URIs and refuses passwords in them", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* SqlCatalog.fromUri("sqlite:///srv/floe/catalog.db"), {
        _tag: "Sqlite",
        path: "/srv/floe/catalog.db",
        catalogName: undefined,
      })
      assert.strictEqual(
        ((yield* SqlCatalog.fromUri("sqlite:.floe/catalog.db")) as SqlCatalog.SqliteConfig).path,
        ".floe/catalog.db",
      )
      const pg = yield* SqlCatalog.fromUri("postgresql://floe@db.internal:6543/catalog", { catalogName: "team" })
      assert.deepStrictEqual(pg, {
        _tag: "Postgres",
        host: "db.internal",
        port: 6543,
        database: "catalog",
        user: "floe",
        password: undefined,
        catalogName: "team",
      })
      yield* CatalogConformance.expectReason(SqlCatalog.fromUri("postgresql://u:secret@h/db"), "InvalidInput")
      yield* CatalogConformance.expectReason(SqlCatalog.fromUri("mysql://h/db"), "InvalidInput")
    }),
  )
})

// ---------------------------------------------------------------------------------------------------------------
// Several processes, one file
// ---------------------------------------------------------------------------------------------------------------

const worker = fileURLToPath(new URL("./race-worker.ts", import.meta.url))

/** A running contender: send it a round, read its outcome line. */
interface Contender {
  readonly id: string
  readonly round: (n: number) => Promise<string>
  readonly close: () => Promise<void>
}

const spawnContender = (file: string, prefix: string, id: string): Promise<Contender> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ["--no-warnings", worker, file, prefix, id], {
      stdio: ["pipe", "pipe", "pipe"],
    })
    const waiting: Array<(line: string) => void> = []
    let buffered = ""
    let err = ""
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString()
      let newline = buffered.indexOf("\n")
      while (newline >= 0) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        waiting.shift()?.(line)
        newline = buffered.indexOf("\n")
      }
    })
    const exited = new Promise<number | null>((done) => child.on("close", done))
    void exited.then((code) => {
      if (code !== 0) reject(new Error(`contender ${id} exited with ${code}: ${err}`))
      for (const w of waiting.splice(0)) w(`exited ${code}: ${err}`)
    })
    const next = () => new Promise<string>((r) => waiting.push(r))
    void next().then((line) => {
      if (line !== "ready") return reject(new Error(`contender ${id} said ${line}`))
      resolve({
        id,
        round: (n) => {
          const answer = next()
          child.stdin?.write(`go ${n}\n`)
          return answer
        },
        close: async () => {
          child.stdin?.end()
          await exited
        },
      })
    })
  })

const PROCESSES = 6
const ROUNDS = 40

describe("SqlCatalog on SQLite: several processes", () => {
  it(`${PROCESSES} node processes race to create each of ${ROUNDS} namespaces in one fresh file: exactly one wins each`, {
    timeout: 60_000,
  }, async () => {
    const file = path.join(dir, "processes", "catalog.db")
    // Every contender opens the fresh file (creating the tables) at the same time.
    const contenders = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => spawnContender(file, "contested_", `process-${i}`)),
    )
    try {
      const winners: Array<string> = []
      for (let round = 0; round < ROUNDS; round++) {
        const outcomes = await Promise.all(contenders.map((c) => c.round(round)))
        const won = contenders.filter((_, i) => outcomes[i] === "ok")
        assert.strictEqual(won.length, 1, `round ${round}: ${JSON.stringify(outcomes)}`)
        assert.deepStrictEqual(
          outcomes.filter((o) => o !== "ok"),
          Array.from({ length: PROCESSES - 1 }, () => "AlreadyExists"),
          `round ${round}`,
        )
        winners.push(won[0]?.id ?? "")
      }
      const stored = await Effect.runPromise(
        Effect.scoped(
          Effect.flatMap(SqlCatalog.make({ _tag: "Sqlite", path: file }), (c) =>
            Effect.forEach(winners, (_, round) => c.loadNamespace([`contested_${round}`])),
          ),
        ),
      )
      for (const [round, ns] of stored.entries()) {
        assert.strictEqual(ns.properties["owner"], winners[round], `round ${round}`)
      }
    } finally {
      await Promise.all(contenders.map((c) => c.close()))
    }
  })

  it(`${PROCESSES} node processes creating different namespaces in one file at once: all succeed`, {
    timeout: 60_000,
  }, async () => {
    const file = path.join(dir, "processes", "many.db")
    const contenders = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => spawnContender(file, `p${i}_`, `process-${i}`)),
    )
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const outcomes = await Promise.all(contenders.map((c) => c.round(round)))
        assert.deepStrictEqual(
          outcomes,
          Array.from({ length: PROCESSES }, () => "ok"),
          `round ${round}`,
        )
      }
    } finally {
      await Promise.all(contenders.map((c) => c.close()))
    }
    const names = await Effect.runPromise(
      Effect.scoped(Effect.flatMap(SqlCatalog.make({ _tag: "Sqlite", path: file }), (c) => c.listNamespaces())),
    )
    assert.strictEqual(names.length, PROCESSES * ROUNDS)
  })
})
