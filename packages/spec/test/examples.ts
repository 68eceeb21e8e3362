/** Valid files shared by the tests: the guide example, and full enterprise and domain manifests. */

/** The floe.yaml from the getting-started guide, in flow style. */
export const GUIDE_EXAMPLE = `apiVersion: floe.dev/v1
kind: DataProduct
metadata: {name: my-product, version: "1.0.0", owner: data-team@example.com, domain: sales, repository: github.com/acme/my-product}
platform: {ref: oci://registry.example.com/platform:v1.0.0}
transforms: [{type: dbt, path: models/}]
schedule: {cron: "0 6 * * *", timezone: UTC}
output_ports: [{name: customers, table: gold.my_product.customers, sla: {freshness: "6h", availability: "99.9%"}}]
`

/** The same product in block style, one key per line, so positions are easy to state. */
export const BLOCK_PRODUCT = `apiVersion: floe.dev/v1
kind: DataProduct
metadata:
  name: my-product
  version: "1.0.0"
  owner: data-team@example.com
  domain: sales
  repository: github.com/acme/my-product
platform:
  ref: oci://registry.example.com/platform:v1.0.0
transforms:
  - type: dbt
    path: models/
schedule:
  cron: "0 6 * * *"
  timezone: UTC
output_ports:
  - name: customers
    table: gold.my_product.customers
    sla:
      freshness: 6h
      availability: "99.9%"
`

export const ENTERPRISE_MANIFEST = `apiVersion: floe.dev/v1
kind: Manifest
metadata:
  name: acme-platform
  version: "2.3.0"
  owner: platform-team@example.com
  description: The ACME enterprise platform
scope: enterprise
plugins:
  compute:
    type: duckdb
    config:
      threads: 4
      memory_limit: 4GB
  catalog:
    type: sql
    config:
      host: catalog.internal.example.com
      port: 5432
      user: floe
      password_env: CATALOG_PASSWORD
  orchestrator:
    type: local
  lineage:
    type: file
    config:
      path: lineage/events.jsonl
governance:
  naming:
    enforcement: strict
    pattern: custom
    custom_patterns:
      bronze: "^brz_[a-z0-9_]+$"
      gold: "^(dim|fct)_[a-z0-9_]+$"
  quality_gates:
    enforcement: warn
    minimum_test_coverage: 80
    layer_thresholds: {bronze: 50, silver: 70, gold: 90}
    require_descriptions: true
  classification:
    enforcement: strict
    pii_patterns: ["email", "^ssn$", "phone_?number"]
    require_classification: true
    levels: [public, internal, confidential, restricted]
  data_contracts:
    enforcement: block
    required: true
approved_plugins:
  compute: [duckdb, spark]
  catalog: [sql]
  orchestrator: [local]
  lineage: [file]
approved_products: ["sales.*", "marketing.customer_360"]
`

export const DOMAIN_MANIFEST = `apiVersion: floe.dev/v1
kind: Manifest
metadata:
  name: sales-domain
  version: "1.0.0"
  owner: sales-platform@example.com
scope: domain
parent: {ref: oci://registry.example.com/platform:v1.0.0}
approved_products: ["sales.*"]
`
