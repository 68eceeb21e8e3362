import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { capture } from "./support/capture.ts"

const floeYaml = (repository: string, version = "1.0.0") => `apiVersion: floe.dev/v1
kind: DataProduct
metadata: {name: my-product, version: "${version}", owner: data-team@example.com, domain: sales, repository: ${repository}}
transforms: [{type: dbt, path: models/}]
output_ports: [{name: customers, table: gold.my_product.customers}]
`

const product = (repository = "github.com/acme/my-product"): string => {
  const dir = mkdtempSync(join(tmpdir(), "floe-identity-cli-"))
  writeFileSync(join(dir, "floe.yaml"), floeYaml(repository))
  mkdirSync(join(dir, "models", "gold"), { recursive: true })
  writeFileSync(join(dir, "models", "gold", "gold_customers.sql"), "select 1 as customer_id, 'Ada' as name\n")
  return dir
}

describe("floe compile: product identity", () => {
  it("registers a new product in .floe/catalog.db, then finds it owned by this repository", async () => {
    const dir = product()
    const first = await capture(["compile", dir])
    expect(first.code, first.stdout).toBe(0)
    expect(first.stdout).toContain(
      [
        "[2/7] Validating product identity",
        "  Product ID: sales.my_product",
        "  Repository: github.com/acme/my-product",
        "  ✓ Namespace available, registering...",
        "  ✓ Product registered in catalog",
      ].join("\n"),
    )
    // The dbt project compiles in stage 4, and the contract version is registered in stage 5.
    expect(first.stdout).toMatch(/\[4\/7\] Compiling dbt project\n {2}✓ Models compile: 1\/1/)
    expect(first.stdout).toMatch(
      /\[5\/7\] Processing data contracts\n[^[]*✓ Contract registered: sales\.my_product\/my_product:1\.0\.0/,
    )
    expect(first.stdout).toMatch(/Compilation COMPLETE/)
    expect(
      readFileSync(join(dir, ".floe", "catalog.db"))
        .subarray(0, 15)
        .toString(),
    ).toBe("SQLite format 3")

    // Unchanged: identity is checked again, the rest comes from the cache.
    const second = await capture(["compile", dir])
    expect(second.code).toBe(0)
    expect(second.stdout).toContain("  ✓ Namespace owned by this repository")
    expect(second.stdout).not.toContain("registering...")
    expect(second.stdout).toMatch(
      /\[4\/7\] Compiling dbt project\n {2}✓ Unchanged since the last compile \(from cache\)/,
    )
    const forced = await capture(["compile", dir, "--force"])
    expect(forced.code).toBe(0)
    expect(forced.stdout).toMatch(/✓ Contract sales\.my_product\/my_product:1\.0\.0 already registered/)
  })

  it("fails with the conflict text and exit 1 when another repository owns the namespace, compiling nothing", async () => {
    const dir = product("github.com/acme/sales-analytics")
    expect((await capture(["compile", dir])).code).toBe(0)
    writeFileSync(join(dir, "floe.yaml"), floeYaml("github.com/acme/my-product"))
    const r = await capture(["compile", dir])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("  Repository: github.com/acme/my-product\n  ✗ Namespace owned by different repository")
    expect(r.stdout).toContain("error FLOE-E601: Namespace 'sales.my_product' owned by different repository")
    expect(r.stdout).toContain("Owner: github.com/acme/sales-analytics")
    expect(r.stdout).toContain("Expected: github.com/acme/my-product")
    expect(r.stdout).toContain(
      "Resolution: Choose a different product name or contact the namespace owner: data-team@example.com",
    )
    expect(r.stdout).not.toContain("Models compile")
    expect(r.stdout).toMatch(/Compilation FAILED/)

    const json = await capture(["compile", dir, "--json"])
    expect(json.code).toBe(1)
    const out = JSON.parse(json.stdout)
    expect(out.passed).toBe(false)
    expect(out.identity).toMatchObject({ productId: "sales.my_product", status: "CONFLICT" })
    expect(out.diagnostics.map((d: { code: string }) => d.code)).toEqual(["FLOE-E601"])
  })

  it("refuses a changed contract under a registered version (E602) and gates a new one against it (E520)", async () => {
    const dir = product()
    expect((await capture(["compile", dir])).code).toBe(0)
    // A new column changes the generated contract; the version stays 1.0.0.
    const model = join(dir, "models", "gold", "gold_customers.sql")
    writeFileSync(model, "select 1 as customer_id, 'Ada' as name, 'a@example.com' as email\n")
    const immutable = await capture(["compile", dir])
    expect(immutable.code).toBe(1)
    expect(immutable.stdout).toContain("error FLOE-E602: Contract sales.my_product/my_product:1.0.0 is already")
    expect(immutable.stdout).toContain("✗ Contract sales.my_product/my_product:1.0.0 not registered")

    writeFileSync(join(dir, "floe.yaml"), floeYaml("github.com/acme/my-product", "1.1.0"))
    const minor = await capture(["compile", dir])
    expect(minor.code, minor.stdout).toBe(0)
    expect(minor.stdout).toContain("✓ Contract registered: sales.my_product/my_product:1.1.0 (previous 1.0.0)")

    // Dropping the column again is breaking: a minor bump is not enough.
    writeFileSync(model, "select 1 as customer_id, 'Ada' as name\n")
    writeFileSync(join(dir, "floe.yaml"), floeYaml("github.com/acme/my-product", "1.2.0"))
    const breaking = await capture(["compile", dir])
    expect(breaking.code).toBe(1)
    expect(breaking.stdout).toContain("FLOE-E520")

    const ls = await capture(["catalog", "ls", dir, "--json"])
    expect(ls.code).toBe(0)
    const listed = JSON.parse(ls.stdout)
    expect(listed.products).toHaveLength(1)
    expect(listed.products[0]).toMatchObject({
      productId: "sales.my_product",
      repository: "github.com/acme/my-product",
      owner: "data-team@example.com",
      version: "1.2.0",
    })
    expect(listed.products[0].contracts.map((k: { ref: string }) => k.ref)).toEqual([
      "sales.my_product/my_product:1.0.0",
      "sales.my_product/my_product:1.1.0",
    ])
  })
})

describe("floe catalog ls", () => {
  it("lists registered products and contract versions as text", async () => {
    const dir = product()
    expect((await capture(["compile", dir])).code).toBe(0)
    const r = await capture(["catalog", "ls", dir])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Catalog ${join(dir, ".floe", "catalog.db")}`)
    expect(r.stdout).toMatch(
      / {2}sales\.my_product {2}1\.0\.0 {2}github\.com\/acme\/my-product {2}data-team@example\.com/,
    )
    expect(r.stdout).toMatch(/ {4}contract my_product:1\.0\.0 {2}sha256:[0-9a-f]{64} {2}\d{4}-\d\d-\d\dT/)
  })

  it("says so when there is no catalog yet, and creates none", async () => {
    const dir = product()
    const r = await capture(["catalog", "ls", dir])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("No catalog at")
    const json = await capture(["catalog", "ls", dir, "--json"])
    expect(JSON.parse(json.stdout)).toEqual({ catalog: join(dir, ".floe", "catalog.db"), products: [] })
  })

  it("is a usage error without a subcommand or with an unknown one", async () => {
    expect((await capture(["catalog"])).code).toBe(2)
    expect((await capture(["catalog", "rm"])).code).toBe(2)
    expect((await capture(["catalog", "--help"])).stdout).toContain("floe catalog ls|orphans [dir] [--json]")
  })
})
