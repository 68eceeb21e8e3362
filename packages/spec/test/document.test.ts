import { describe, expect, it } from "vitest"
import { productId } from "../src/DataProduct.ts"
import { decodeManifest, decodeProduct } from "../src/Document.ts"
import { MAX_ALIAS_COUNT } from "../src/Yaml.ts"
import { BLOCK_PRODUCT, DOMAIN_MANIFEST, ENTERPRISE_MANIFEST, GUIDE_EXAMPLE } from "./examples.ts"

const codesOf = (r: { diagnostics: ReadonlyArray<{ code: string }> }) => r.diagnostics.map((d) => d.code)

/** BLOCK_PRODUCT with `replace` applied once; fails loudly when the text to replace is not there. */
const edit = (search: string, replacement: string, base = BLOCK_PRODUCT): string => {
  expect(base).toContain(search)
  return base.replace(search, replacement)
}

describe("decodeProduct: valid files", () => {
  it("decodes the guide example with no diagnostics and the exact values", () => {
    const r = decodeProduct(GUIDE_EXAMPLE)
    expect(r.diagnostics).toEqual([])
    expect(r.value).toEqual({
      apiVersion: "floe.dev/v1",
      kind: "DataProduct",
      metadata: {
        name: "my-product",
        version: "1.0.0",
        owner: "data-team@example.com",
        domain: "sales",
        repository: "github.com/acme/my-product",
      },
      platform: { ref: "oci://registry.example.com/platform:v1.0.0" },
      transforms: [{ type: "dbt", path: "models/" }],
      schedule: { cron: "0 6 * * *", timezone: "UTC" },
      output_ports: [
        {
          name: "customers",
          table: "gold.my_product.customers",
          sla: { freshness: "6h", availability: "99.9%" },
        },
      ],
    })
    expect(r.value && productId(r.value)).toBe("sales.my_product")
    expect(r.source?.file).toBe("floe.yaml")
  })

  it("decodes the block-style product to the same value as the flow-style guide example", () => {
    const r = decodeProduct(BLOCK_PRODUCT)
    expect(r.diagnostics).toEqual([])
    expect(r.value).toEqual(decodeProduct(GUIDE_EXAMPLE).value)
  })

  it("decodes bytes, and strips a byte-order mark", () => {
    const bytes = new TextEncoder().encode(`\uFEFF${GUIDE_EXAMPLE}`)
    expect(bytes[0]).toBe(0xef)
    const fromBytes = decodeProduct(bytes)
    expect(fromBytes.diagnostics).toEqual([])
    expect(fromBytes.value).toEqual(decodeProduct(GUIDE_EXAMPLE).value)
    const fromString = decodeProduct(`\uFEFF${GUIDE_EXAMPLE}`)
    expect(fromString.diagnostics).toEqual([])
  })

  it("fills schedule.timezone with UTC when it is omitted", () => {
    const r = decodeProduct(edit('  cron: "0 6 * * *"\n  timezone: UTC\n', '  cron: "0 6 * * *"\n'))
    expect(r.diagnostics).toEqual([])
    expect(r.value?.schedule).toEqual({ cron: "0 6 * * *", timezone: "UTC" })
  })

  it.each([
    "@daily",
    "@hourly",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
    "@midnight",
    "@DAILY",
    "0 0 6 * * *",
    "*/15 9-17 * * MON-FRI",
    "30 2 1 * *",
  ])("accepts the cron expression %s", (cron) => {
    const r = decodeProduct(edit('cron: "0 6 * * *"', `cron: "${cron}"`))
    expect(r.diagnostics).toEqual([])
    expect(r.value?.schedule?.cron).toBe(cron)
  })

  it.each(["Europe/Berlin", "America/New_York", "Etc/GMT+5", "Asia/Kolkata"])("accepts the time zone %s", (tz) => {
    expect(decodeProduct(edit("timezone: UTC", `timezone: ${tz}`)).diagnostics).toEqual([])
  })

  it.each(["PT6H", "1h30m", "P1DT2H", "45s", "2w"])("accepts the freshness %s", (freshness) => {
    const r = decodeProduct(edit("freshness: 6h", `freshness: "${freshness}"`))
    expect(r.diagnostics).toEqual([])
    expect(r.value?.output_ports?.[0]?.sla?.freshness).toBe(freshness)
  })

  it("does not flag output-port columns named like secrets or connection settings", () => {
    const r = decodeProduct(
      `${BLOCK_PRODUCT}    columns: [{name: token}, {name: host}, {name: password, type: string}]\n`,
    )
    expect(r.diagnostics).toEqual([])
    expect(r.value?.output_ports?.[0]?.columns).toEqual([
      { name: "token" },
      { name: "host" },
      { name: "password", type: "string" },
    ])
  })

  it("accepts free-form labels, including connection-like names, but not secrets", () => {
    const ok = decodeProduct(
      edit("  domain: sales\n", "  domain: sales\n  labels:\n    region: emea\n    host: eu-1\n"),
    )
    expect(ok.diagnostics).toEqual([])
    expect(ok.value?.metadata.labels).toEqual({ region: "emea", host: "eu-1" })
  })

  it("accepts relative transform paths that stay inside the product", () => {
    const r = decodeProduct(
      edit("    path: models/\n", "    path: ./models\n  - type: dbt\n    path: extra/../more/\n"),
    )
    expect(r.diagnostics).toEqual([])
    expect(r.value?.transforms.map((t) => t.path)).toEqual(["./models", "extra/../more/"])
  })

  it("accepts a platform reference that is a relative file path", () => {
    const r = decodeProduct(edit("ref: oci://registry.example.com/platform:v1.0.0", "ref: ../platform/manifest.yaml"))
    expect(r.diagnostics).toEqual([])
    expect(r.value?.platform?.ref).toBe("../platform/manifest.yaml")
  })

  it("accepts a few YAML anchors and aliases", () => {
    const r = decodeProduct(
      edit(
        "    sla:\n      freshness: 6h\n",
        "    sla: &sla\n      freshness: 6h\n",
        `${BLOCK_PRODUCT}  - name: orders\n    table: gold.my_product.orders\n    sla: *sla\n`,
      ),
    )
    expect(r.diagnostics).toEqual([])
    expect(r.value?.output_ports?.[1]?.sla).toEqual({ freshness: "6h", availability: "99.9%" })
  })
})

describe("decodeProduct: diagnostics", () => {
  it("names the file it was given in every diagnostic", () => {
    const r = decodeProduct(edit("name: my-product", "name: MyProduct"), "products/crm/floe.yaml")
    expect(r.diagnostics).toHaveLength(1)
    expect(r.diagnostics[0]).toMatchObject({ code: "FLOE-E120", file: "products/crm/floe.yaml", line: 4, column: 9 })
  })

  it("keeps the parsed source for schema errors but not for YAML errors", () => {
    expect(decodeProduct(edit("name: my-product", "name: MyProduct")).source).toBeDefined()
    expect(decodeProduct("a: [").source).toBeUndefined()
  })

  it("reports the end of the offending value", () => {
    const [d] = decodeProduct(edit("name: my-product", "name: MyProduct")).diagnostics
    expect(d).toMatchObject({ line: 4, column: 9, endLine: 4, endColumn: 18 })
  })

  it("suggests the quoted version for an unquoted number", () => {
    const one = decodeProduct(edit('version: "1.0.0"', "version: 1.0")).diagnostics
    expect(one).toHaveLength(1)
    expect(one[0]?.hint).toBe('Write version: "1.0.0" with quotes.')
    const two = decodeProduct(edit('version: "1.0.0"', "version: 2")).diagnostics
    expect(two[0]).toMatchObject({ code: "FLOE-E121", line: 5, column: 12 })
    expect(two[0]?.hint).toBe('Write version: "2.0.0" with quotes.')
    const three = decodeProduct(edit('version: "1.0.0"', "version: 1.10")).diagnostics
    expect(three[0]?.message).toContain("YAML read 1.10 as the number 1.1")
    expect(three[0]?.hint).toBe('Write version: "1.10.0" with quotes.')
  })

  it("lists the allowed keys when an unknown key is not close to any", () => {
    const r = decodeProduct(edit("    sla:\n", "    zzzzzz: 1\n    sla:\n"))
    expect(r.diagnostics).toHaveLength(1)
    expect(r.diagnostics[0]).toMatchObject({ code: "FLOE-E110", line: 20, column: 5 })
    expect(r.diagnostics[0]?.message).not.toContain("did you mean")
    expect(r.diagnostics[0]?.hint).toContain("`name`, `table`, `model`, `description`, `sla`, `columns`")
  })

  it("suggests the right key for a near miss and says how to rename it", () => {
    const [d] = decodeProduct(edit("schedule:\n", "shedule:\n")).diagnostics
    expect(d).toMatchObject({ code: "FLOE-E110", line: 14, column: 1 })
    expect(d?.message).toBe("unknown key `shedule` at the top level — did you mean `schedule`?")
    expect(d?.hint).toBe("Rename `shedule` to `schedule`.")
  })

  it("reports a secret key once, as E130, not also as an unknown key", () => {
    const r = decodeProduct(edit("      freshness: 6h\n", "      freshness: 6h\n      api_key: abc\n"))
    expect(r.diagnostics).toHaveLength(1)
    expect(r.diagnostics[0]).toMatchObject({ code: "FLOE-E130", line: 22, column: 7 })
    expect(r.diagnostics[0]?.hint).toContain("api_key_env: VARIABLE")
  })

  it.each([
    ["password", "secret"],
    ["Password", "secret"],
    ["client-secret", "secret"],
    ["accessKeyId", "secret"],
    ["bearer_token", "secret"],
    ["hostname", "environment"],
    ["jdbcUrl", "environment"],
    ["connection_string", "environment"],
    ["endpoint", "environment"],
  ])("flags the key %s nested anywhere as E130 (%s)", (key, kind) => {
    const r = decodeProduct(edit("  - type: dbt\n", `  - type: dbt\n    options:\n      deep:\n        ${key}: x\n`))
    // `options` is not a transform key (E110); the setting inside it is still found, and reported once.
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["FLOE-E110", 13, 5],
      ["FLOE-E130", 15, 9],
    ])
    expect(r.diagnostics[1]?.message).toBe(
      kind === "secret"
        ? `\`transforms[0].options.deep.${key}\` holds a secret; floe.yaml is committed and must hold no secrets`
        : `\`transforms[0].options.deep.${key}\` is an environment-specific connection setting; floe.yaml describes the product only`,
    )
  })

  it("flags credentials in any string value, including list items", () => {
    const r = decodeProduct(
      `${BLOCK_PRODUCT}    columns:\n      - name: id\n        description: "see mysql://admin:pw@10.0.0.1:3306/crm"\n`,
    )
    expect(r.diagnostics).toHaveLength(1)
    expect(r.diagnostics[0]).toMatchObject({ code: "FLOE-E131", line: 25, column: 22 })
    expect(r.diagnostics[0]?.message).toBe("`output_ports[0].columns[0].description` holds a URL with a password")
  })

  it("does not flag URLs without a password", () => {
    const r = decodeProduct(edit("  domain: sales\n", "  domain: sales\n  description: https://wiki.example.com/crm\n"))
    expect(r.diagnostics).toEqual([])
  })

  it("reports every problem in one pass, sorted by position", () => {
    const r = decodeProduct(
      edit("timezone: UTC", "timezone: Nowhere/City", edit("table: gold.my_product.customers", "table: customers")),
    )
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["FLOE-E124", 16, 13],
      ["FLOE-E127", 19, 12],
    ])
    expect(r.value).toBeUndefined()
  })

  it("reports a missing apiVersion or kind as a missing key", () => {
    const r = decodeProduct(edit("apiVersion: floe.dev/v1\nkind: DataProduct\n", ""))
    expect(codesOf(r)).toEqual(["FLOE-E111", "FLOE-E111"])
    expect(r.diagnostics.map((d) => d.message).sort()).toEqual([
      "missing required key `apiVersion` at the top level",
      "missing required key `kind` at the top level",
    ])
  })

  it("points a wrong kind at the file it belongs to", () => {
    const [d] = decodeProduct(edit("kind: DataProduct", "kind: Manifest")).diagnostics
    expect(d?.code).toBe("FLOE-E107")
    expect(d?.hint).toContain("This looks like a platform manifest")
    const [other] = decodeProduct(edit("kind: DataProduct", "kind: Pipeline")).diagnostics
    expect(other?.code).toBe("FLOE-E107")
    expect(other?.hint).toBe(
      "Use `apiVersion: floe.dev/v1` with `kind: DataProduct` (floe.yaml) or `kind: Manifest` (platform manifest).",
    )
  })

  it("refuses a string larger than 1 MiB without parsing it", () => {
    const big = `${BLOCK_PRODUCT}#${"x".repeat(1024 * 1024)}\n`
    const r = decodeProduct(big)
    expect(r.diagnostics).toHaveLength(1)
    expect(r.diagnostics[0]?.code).toBe("FLOE-E103")
    expect(r.source).toBeUndefined()
  })

  it("accepts 99 alias expansions and refuses 100 (MAX_ALIAS_COUNT)", () => {
    const doc = (n: number) => `${BLOCK_PRODUCT}    columns:\n      - &c {name: id}\n${"      - *c\n".repeat(n)}`
    const ok = decodeProduct(doc(MAX_ALIAS_COUNT - 1))
    expect(ok.diagnostics).toEqual([])
    expect(ok.value?.output_ports?.[0]?.columns).toHaveLength(MAX_ALIAS_COUNT)
    expect(codesOf(decodeProduct(doc(MAX_ALIAS_COUNT)))).toEqual(["FLOE-E105"])
  })
})

describe("decodeManifest", () => {
  it("decodes a full enterprise manifest with no diagnostics", () => {
    const r = decodeManifest(ENTERPRISE_MANIFEST)
    expect(r.diagnostics).toEqual([])
    expect(r.value).toEqual({
      apiVersion: "floe.dev/v1",
      kind: "Manifest",
      metadata: {
        name: "acme-platform",
        version: "2.3.0",
        owner: "platform-team@example.com",
        description: "The ACME enterprise platform",
      },
      scope: "enterprise",
      plugins: {
        compute: { type: "duckdb", config: { threads: 4, memory_limit: "4GB" } },
        catalog: {
          type: "sql",
          config: { host: "catalog.internal.example.com", port: 5432, user: "floe", password_env: "CATALOG_PASSWORD" },
        },
        orchestrator: { type: "local" },
        lineage: { type: "file", config: { path: "lineage/events.jsonl" } },
      },
      governance: {
        naming: {
          enforcement: "strict",
          pattern: "custom",
          custom_patterns: { bronze: "^brz_[a-z0-9_]+$", gold: "^(dim|fct)_[a-z0-9_]+$" },
        },
        quality_gates: {
          enforcement: "warn",
          minimum_test_coverage: 80,
          layer_thresholds: { bronze: 50, silver: 70, gold: 90 },
          require_descriptions: true,
        },
        classification: {
          enforcement: "strict",
          pii_patterns: ["email", "^ssn$", "phone_?number"],
          require_classification: true,
          levels: ["public", "internal", "confidential", "restricted"],
        },
        data_contracts: { enforcement: "block", required: true },
      },
      approved_plugins: {
        compute: ["duckdb", "spark"],
        catalog: ["sql"],
        orchestrator: ["local"],
        lineage: ["file"],
      },
      approved_products: ["sales.*", "marketing.customer_360"],
    })
  })

  it("decodes a domain manifest with a parent", () => {
    const r = decodeManifest(DOMAIN_MANIFEST, "domain.yaml")
    expect(r.diagnostics).toEqual([])
    expect(r.value?.scope).toBe("domain")
    expect(r.value?.parent).toEqual({ ref: "oci://registry.example.com/platform:v1.0.0" })
    expect(r.value?.approved_products).toEqual(["sales.*"])
  })

  it("fills governance defaults", () => {
    const r = decodeManifest(
      `${DOMAIN_MANIFEST}governance:\n  naming: {}\n  quality_gates: {}\n  classification: {}\n  data_contracts: {}\n`,
    )
    expect(r.diagnostics).toEqual([])
    expect(r.value?.governance).toEqual({
      naming: { enforcement: "warn", pattern: "medallion" },
      quality_gates: { enforcement: "warn", require_descriptions: false },
      classification: { enforcement: "warn", require_classification: false },
      data_contracts: { enforcement: "alert_only", required: false },
    })
  })

  it.each(["password_env: PG_PASSWORD", "passwordEnv: PG_PASSWORD", "api_key_env: KEY", "token_env: TOKEN"])(
    "accepts the environment-variable reference %s",
    (line) => {
      const r = decodeManifest(`${DOMAIN_MANIFEST}plugins:\n  catalog:\n    type: sql\n    config:\n      ${line}\n`)
      expect(r.diagnostics).toEqual([])
    },
  )

  it.each(["password: x", "Password: x", "api_key: k", "token: t", "secret_access_key: s", "privateKey: p"])(
    "refuses the secret %s in plugin config as E132",
    (line) => {
      const r = decodeManifest(`${DOMAIN_MANIFEST}plugins:\n  catalog:\n    type: sql\n    config:\n      ${line}\n`)
      expect(r.diagnostics).toHaveLength(1)
      expect(r.diagnostics[0]).toMatchObject({ code: "FLOE-E132", line: 14, column: 7 })
      expect(r.diagnostics[0]?.message).toContain("in clear text")
      expect(r.diagnostics[0]?.hint).toMatch(/_env: NAME_OF_ENV_VAR/)
      expect(r.value).toBeUndefined()
    },
  )

  it("allows connection settings that floe.yaml refuses", () => {
    const config = "plugins:\n  catalog:\n    type: sql\n    config: {host: db, port: 5432, user: floe, endpoint: x}\n"
    expect(decodeManifest(`${DOMAIN_MANIFEST}${config}`).diagnostics).toEqual([])
  })

  it("refuses a domain manifest without a parent, pointing at scope", () => {
    const r = decodeManifest(DOMAIN_MANIFEST.replace("parent: {ref: oci://registry.example.com/platform:v1.0.0}\n", ""))
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["FLOE-E111", 7, 8]])
  })

  it.each(["(a+)+$", "(a*)*", "(a|aa)+", "((ab)+)*", "(\\d+){2,}", "(.*a){20}", "(a)\\1"])(
    "refuses the pattern %s in custom_patterns and pii_patterns",
    (pattern) => {
      const quoted = JSON.stringify(pattern)
      const naming = decodeManifest(
        `${DOMAIN_MANIFEST}governance:\n  naming:\n    custom_patterns: {gold: ${quoted}}\n`,
      )
      expect(naming.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["FLOE-E134", 12, 29]])
      const pii = decodeManifest(
        `${DOMAIN_MANIFEST}governance:\n  classification:\n    pii_patterns:\n      - ${quoted}\n`,
      )
      expect(pii.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["FLOE-E134", 13, 9]])
    },
  )

  it("refuses a manifest passed where floe.yaml is expected, and the other way round", () => {
    expect(codesOf(decodeProduct(ENTERPRISE_MANIFEST))).toEqual(["FLOE-E107"])
    const [d] = decodeManifest(GUIDE_EXAMPLE).diagnostics
    expect(d).toMatchObject({ code: "FLOE-E107", line: 2, column: 7 })
    expect(d?.hint).toContain("This looks like floe.yaml")
  })
})
