/**
 * The one registry of diagnostic codes. A code never changes meaning once released; `docs/reference/diagnostics.md`
 * is generated from this table (`pnpm generate`) and a test fails when it is stale.
 *
 * Ranges: E1xx spec/YAML, E2xx governance, E3xx dbt project, E4xx custom rules, E5xx contracts,
 * E6xx identity/catalog, E7xx platform/plugins, E8xx runtime.
 */

export interface CodeEntry {
  readonly severity: "error" | "warning" | "info"
  /** A short title for the reference page. */
  readonly title: string
  /** When it is reported, in a sentence or two. */
  readonly description: string
  /** The default resolution hint; call sites may give a more specific one. */
  readonly hint?: string
}

const entries = {
  "FLOE-E100": {
    severity: "error",
    title: "File not found or unreadable",
    description: "A file Floe needs (floe.yaml, a platform manifest) does not exist or cannot be read.",
    hint: "Check the path; run `floe init NAME` to create a new product with a floe.yaml.",
  },
  "FLOE-E101": {
    severity: "error",
    title: "YAML syntax error",
    description:
      "The file is not well-formed YAML: bad indentation, an unclosed quote or bracket, a tab used for indentation.",
    hint: "Fix the YAML at the position shown; indent with spaces and quote values that contain ': ' or '#'.",
  },
  "FLOE-E102": {
    severity: "error",
    title: "Duplicate key",
    description:
      "The same key appears twice in one mapping; YAML loaders disagree on which one wins, so Floe refuses both.",
    hint: "Remove or rename one of the two keys.",
  },
  "FLOE-E103": {
    severity: "error",
    title: "File too large",
    description: "The file is larger than Floe reads for this kind of file (1 MiB for floe.yaml and manifests).",
    hint: "Floe configuration files are small; check that the path points at the right file.",
  },
  "FLOE-E104": {
    severity: "error",
    title: "Not UTF-8",
    description: "The file contains bytes that are not valid UTF-8, or is a binary file.",
    hint: "Save the file as UTF-8 text.",
  },
  "FLOE-E105": {
    severity: "error",
    title: "Too many YAML aliases",
    description:
      "The document expands anchors and aliases beyond the bounded limit (a defence against 'billion laughs' documents).",
    hint: "Write the repeated values out, or use fewer aliases.",
  },
  "FLOE-E106": {
    severity: "error",
    title: "Document is not a mapping",
    description:
      "The file is empty, holds several YAML documents, or its top level is not a mapping of keys to values.",
    hint: "Start the file with `apiVersion: floe.dev/v1` and `kind: …` at the top level.",
  },
  "FLOE-E107": {
    severity: "error",
    title: "Unsupported apiVersion or kind",
    description: "`apiVersion` or `kind` is not one this version of Floe reads.",
    hint: "Use `apiVersion: floe.dev/v1` with `kind: DataProduct` (floe.yaml) or `kind: Manifest` (platform manifest).",
  },
  "FLOE-E108": {
    severity: "error",
    title: "Product directory already exists",
    description:
      "`floe init NAME` would create a directory that already exists (a file or a directory, empty or not); it never overwrites or merges into one.",
    hint: "Choose another name, or another parent directory with `--dir`; remove the existing directory only if you mean to start over.",
  },
  "FLOE-E110": {
    severity: "error",
    title: "Unknown key",
    description: "A key that the format does not define. Misspelt keys would otherwise be silently ignored.",
    hint: "Remove the key or correct its spelling; the reference lists every key.",
  },
  "FLOE-E111": {
    severity: "error",
    title: "Missing required key",
    description: "A key the format requires is absent.",
  },
  "FLOE-E112": {
    severity: "error",
    title: "Wrong type",
    description: "A value has the wrong type, for example a list where a mapping is expected or a number for a string.",
  },
  "FLOE-E113": {
    severity: "error",
    title: "Value not allowed",
    description: "A value is not one of the allowed choices, or is out of range.",
    hint: "Use a value the reference allows for this key (docs/reference/floe-yaml.md, docs/reference/platform-manifest.md).",
  },
  "FLOE-E120": {
    severity: "error",
    title: "Invalid name",
    description: "A product or manifest name is not kebab-case, or is longer than 63 characters.",
    hint: "Use lower-case letters, digits and single hyphens, starting with a letter (for example `customer-360`).",
  },
  "FLOE-E121": {
    severity: "error",
    title: "Invalid version",
    description: "A version is not a semantic version (MAJOR.MINOR.PATCH).",
    hint: 'Use a semantic version such as "1.0.0", quoted so YAML keeps it a string.',
  },
  "FLOE-E122": {
    severity: "error",
    title: "Invalid owner email",
    description: "`owner` must be the email address of the owning team or person.",
    hint: "Use an email address such as data-team@example.com.",
  },
  "FLOE-E123": {
    severity: "error",
    title: "Invalid cron expression",
    description:
      "`schedule.cron` is not a valid cron expression (5 fields, or 6 with seconds, or a macro like @daily).",
    hint: 'Use five fields: minute hour day-of-month month day-of-week, for example "0 6 * * *" for 06:00 daily.',
  },
  "FLOE-E124": {
    severity: "error",
    title: "Unknown time zone",
    description: "`schedule.timezone` is not an IANA time zone name.",
    hint: "Use an IANA zone such as UTC, Europe/Berlin or America/New_York.",
  },
  "FLOE-E125": {
    severity: "error",
    title: "Invalid duration",
    description:
      "A duration (for example an SLA freshness) is neither a short duration like 6h nor ISO-8601 like PT6H.",
    hint: 'Write a number and a unit (s, m, h, d, w), e.g. "6h" or "30m", or an ISO-8601 duration such as "PT6H".',
  },
  "FLOE-E126": {
    severity: "error",
    title: "Invalid availability",
    description: "An SLA availability is not a percentage between 0 and 100.",
    hint: 'Write a percentage such as "99.9%".',
  },
  "FLOE-E127": {
    severity: "error",
    title: "Invalid table reference",
    description: "An output port's `table` is not a dotted identifier such as gold.my_product.customers.",
    hint: "Use `<layer>.<product>.<table>` with letters, digits and underscores in each part.",
  },
  "FLOE-E128": {
    severity: "error",
    title: "Invalid platform reference",
    description:
      "A platform or parent reference is neither `oci://host[:port]/repository:tag` (or `@sha256:…`) nor a file path.",
    hint: "Use oci://registry.example.com/platform:v1.0.0, a digest (…@sha256:<64 hex>), or a relative path to a manifest file.",
  },
  "FLOE-E129": {
    severity: "error",
    title: "Duplicate name",
    description: "Two entries of a list that must have unique names (output ports, transforms) share a name.",
    hint: "Give each entry its own name.",
  },
  "FLOE-E130": {
    severity: "error",
    title: "Environment-specific or secret setting in floe.yaml",
    description:
      "floe.yaml describes the product and is committed; connection settings (host, port, endpoint …) and secrets (passwords, tokens, keys) do not belong in it.",
    hint: "Move connection settings to the platform manifest (`plugins.<kind>.config`) and keep secrets in environment variables named by a `*_env` key there.",
  },
  "FLOE-E131": {
    severity: "error",
    title: "Credential in a value",
    description: "A value holds what looks like a credential: a URL with a password, or a cloud access key.",
    hint: "Remove the credential from the file and rotate it; name an environment variable with a `*_env` key instead.",
  },
  "FLOE-E132": {
    severity: "error",
    title: "Secret in a platform manifest",
    description:
      "A platform manifest sets a secret (password, token, key) directly. Manifests are published to registries and must hold no secrets.",
    hint: "Replace `password: …` with `password_env: NAME_OF_ENV_VAR` and set the variable where Floe runs.",
  },
  "FLOE-E133": {
    severity: "error",
    title: "Unsafe path",
    description:
      "A path in the file is absolute or leaves the product directory (`..`), or contains characters that are not allowed.",
    hint: "Use a relative path inside the product directory, such as models/.",
  },
  "FLOE-E134": {
    severity: "error",
    title: "Invalid pattern",
    description: "A regular expression in the file does not compile, is too long, or can backtrack catastrophically.",
    hint: "Simplify the pattern: avoid nested quantifiers such as (a+)+ and keep it under 256 characters.",
  },
  // E2xx governance (@floe/compiler Governance, stage 4 of validate): naming E201, quality gates E21x, descriptions
  // E22x, classification E23x, approvals E24x, modes E25x. Severity follows the platform's enforcement level
  // (strict: error, warn: warning, off: not reported); the table gives the strict severity.
  "FLOE-E201": {
    severity: "error",
    title: "Model name breaks the naming convention",
    description:
      "A model's file name does not follow the platform's naming convention: `medallion` (models under bronze/, silver/, gold/ start with bronze_, silver_, gold_), `kimball` (stg_, int_, dim_, fct_ by folder) or the manifest's custom patterns.",
    hint: "Rename the model file as the message shows (`mv old new`) and update the ref() calls that name it.",
  },
  "FLOE-E210": {
    severity: "error",
    title: "Model test coverage below the threshold",
    description:
      "The share of a model's output columns that have at least one test is below the platform's threshold for the model's layer (`quality_gates.layer_thresholds`, else `minimum_test_coverage`).",
    hint: "Add tests (not_null, unique, accepted_values, relationships) to the untested columns listed in the message.",
  },
  "FLOE-E211": {
    severity: "error",
    title: "Product test coverage below the minimum",
    description:
      "Across all models, the share of output columns with at least one test is below the platform's `quality_gates.minimum_test_coverage` or the product's `quality.minimum_coverage`, whichever is higher.",
    hint: "Add column tests in the models' properties YAML until the total reaches the required percentage.",
  },
  "FLOE-E221": {
    severity: "error",
    title: "Model without a description",
    description:
      "The platform requires descriptions (`quality_gates.require_descriptions: true`) and a model has none.",
    hint: "Add `description:` to the model in its properties YAML (models/schema.yml).",
  },
  "FLOE-E222": {
    severity: "error",
    title: "Column without a description",
    description:
      "The platform requires descriptions (`quality_gates.require_descriptions: true`) and an output column of a model has none.",
    hint: "Add the column with a `description:` under the model's `columns:` in its properties YAML.",
  },
  "FLOE-E230": {
    severity: "error",
    title: "PII column without a classification",
    description:
      "A column's name matches one of the platform's `classification.pii_patterns` (or, with `require_classification: true`, a column served by an output port) but neither its `meta.classification` nor the data contract classifies it.",
    hint: "Add `meta: {classification: pii}` to the column in the model's properties YAML, or `classification:` to the property in datacontract.yaml.",
  },
  "FLOE-E231": {
    severity: "error",
    title: "Unknown classification level",
    description: "A column's classification is not one of the levels the platform allows (`classification.levels`).",
    hint: "Use one of the levels the platform manifest lists.",
  },
  "FLOE-E240": {
    severity: "error",
    title: "Plugin not approved",
    description:
      "The product (its transform's `compute`) or a platform manifest (its `plugins`) chooses a plugin type the platform's `approved_plugins` does not list.",
    hint: "Choose one of the approved plugin types, or ask the platform team to approve this one.",
  },
  "FLOE-E241": {
    severity: "error",
    title: "Product not approved",
    description:
      "The platform lists `approved_products` and the product id (`domain.name`, with `-` as `_`) matches none of them.",
    hint: "Ask the platform team to add the product id to `approved_products`, or check metadata.domain and metadata.name.",
  },
  "FLOE-E250": {
    severity: "error",
    title: "Mesh product without output ports",
    description:
      "In mesh mode (the product's platform is a domain manifest under an enterprise one) every product publishes what it serves: `output_ports` are required.",
    hint: "Add `output_ports:` to floe.yaml naming the tables the product serves.",
  },
  "FLOE-E251": {
    severity: "error",
    title: "Data contract required",
    description:
      "The platform requires explicit data contracts (`governance.data_contracts.required: true`) and the product has no datacontract.yaml.",
    hint: "Write datacontract.yaml (ODCS v3.1.0) next to floe.yaml; `floe contract fmt` shows the generated one as a start.",
  },
  // E3xx dbt project (@floe/compiler): loading E300, DAG E301–E304, templates E305/E306, properties E307/E309/E310, warnings W3xx.
  "FLOE-E300": {
    severity: "error",
    title: "dbt project file invalid",
    description:
      "`dbt_project.yml` (or a properties YAML file) has a value of the wrong shape, for example `model-paths` that is not a list of strings.",
    hint: "Fix the key shown; the dbt reference for dbt_project.yml lists each key's type.",
  },
  "FLOE-E301": {
    severity: "error",
    title: "Undefined ref",
    description: "`ref('x')` names a model, seed or snapshot that the project does not define.",
    hint: "Create the model, or correct the name in ref() (the message suggests the closest one).",
  },
  "FLOE-E302": {
    severity: "error",
    title: "Dependency cycle",
    description: "Models depend on each other in a cycle through `ref()`; dbt cannot order them.",
    hint: "Break the cycle: move the shared logic into a new upstream model that both refer to.",
  },
  "FLOE-E303": {
    severity: "error",
    title: "Undefined source",
    description: "`source('s', 't')` names a source or table that no properties YAML declares.",
    hint: "Declare the table under `sources:` in a properties YAML file, or correct the names.",
  },
  "FLOE-E304": {
    severity: "error",
    title: "Duplicate model name",
    description:
      "Two model (or seed) files share a name; dbt names nodes by file stem, so names must be unique in a project.",
    hint: "Rename one of the files; node names come from file names.",
  },
  "FLOE-E305": {
    severity: "error",
    title: "Template syntax error",
    description:
      "A SQL or macro file is not well-formed Jinja: an unclosed `{{`, `{% if %}` without `{% endif %}`, a bad expression.",
    hint: "Fix the template at the position shown.",
  },
  "FLOE-E306": {
    severity: "error",
    title: "Template render error",
    description:
      "Rendering a model, test or macro failed: `exceptions.raise_compiler_error`, an `env_var` without a default, a call of something undefined.",
    hint: "Read the message; it names the macro or function that failed.",
  },
  "FLOE-E307": {
    severity: "error",
    title: "Invalid properties entry",
    description:
      "A properties YAML entry is malformed: a model or source without `name`, a test entry that is neither a string nor a one-key mapping, `columns` that is not a list.",
    hint: "Fix the entry shown; every model, column, source and table needs a `name`.",
  },
  "FLOE-E309": {
    severity: "error",
    title: "Duplicate macro",
    description: "Two macros (or generic tests) in the project share a name.",
    hint: "Rename or remove one of the macros.",
  },
  "FLOE-E310": {
    severity: "error",
    title: "Unknown generic test",
    description:
      "A test in a properties YAML file names a generic test that is neither built in (`unique`, `not_null`, `accepted_values`, `relationships`) nor defined with `{% test %}`.",
    hint: "Define the test with `{% test name(model, column_name) %}` in tests/generic/ or macros/, or correct its name.",
  },
  "FLOE-E311": {
    severity: "error",
    title: "Invalid node selector",
    description:
      "A `--select` or `--exclude` selector cannot be read, or names a selection method dbt does not have (the methods are fqn, path, file, tag, source, resource_type, config.<key>, test_type, package).",
    hint: "Write selectors as dbt does: `stg_orders+`, `tag:nightly`, `path:models/staging`, `config.materialized:incremental`.",
  },
  "FLOE-E312": {
    severity: "error",
    title: "Model does not compile",
    description:
      "The compute engine refused the model's compiled SQL when binding it (without producing rows): a missing column, a type mismatch, a function the engine does not have, a syntax error.",
    hint: "Read the engine's message, fix the SQL, and run `floe validate` again; `target/manifest.json` shows the compiled SQL.",
  },
  "FLOE-E313": {
    severity: "error",
    title: "Seed cannot be loaded",
    description:
      "A seed CSV could not be read by the compute engine (bad quoting, inconsistent columns, a declared column type that does not fit the data).",
    hint: "Check the CSV's header and rows; fix `column_types` in the seed's config if a declared type is wrong.",
  },
  "FLOE-W301": {
    severity: "warning",
    title: "Unsupported dbt feature",
    description:
      "The project uses a dbt feature the native engine does not implement yet (snapshots, Python models, packages.yml dependencies, analyses).",
    hint: "The node is skipped; run it with dbt-core until the native engine supports it.",
  },
  "FLOE-W302": {
    severity: "warning",
    title: "Properties for a missing model",
    description: "A properties YAML file describes a model that has no SQL file.",
    hint: "Remove the entry or create the model file; check the spelling of `name`.",
  },
  "FLOE-W303": {
    severity: "warning",
    title: "Model not checked against the engine",
    description:
      "A model reads a source whose columns are not declared with a data_type, so it could not be bound at compile time; it is checked when it runs.",
    hint: "Declare the source's columns with `data_type` in its properties YAML to have its readers checked by `floe validate`.",
  },
  // E5xx data contracts (@floe/contracts): lint E50x, merge/match E51x, versioning E52x, drift E53x; warnings W5xx.
  "FLOE-E500": {
    severity: "error",
    title: "Not an ODCS v3 contract",
    description:
      "A data contract's `apiVersion` is missing or names a version Floe does not lint (it reads ODCS v3.0.x and v3.1.0), or the file is a Data Contract Specification document.",
    hint: "Start the contract with `apiVersion: v3.1.0` and `kind: DataContract`; convert a DCS file with `datacontract import --format dcs`.",
  },
  "FLOE-E501": {
    severity: "error",
    title: "Unknown key in a contract",
    description:
      "A data contract holds a key that the ODCS JSON Schema does not define at that place; ODCS refuses unknown keys.",
    hint: "Correct the spelling or remove the key; put your own metadata under `customProperties`.",
  },
  "FLOE-E502": {
    severity: "error",
    title: "Missing required contract field",
    description:
      "A field ODCS requires is absent: `apiVersion`, `kind`, `id`, `version`, `status` at the top level, `name` on every schema object and property, `property` and `value` on an SLA entry.",
  },
  "FLOE-E503": {
    severity: "error",
    title: "Wrong type in a contract",
    description:
      "A contract value has the wrong type, for example a mapping where ODCS expects a list (`schema`, `properties`, `slaProperties` are lists).",
  },
  "FLOE-E504": {
    severity: "error",
    title: "Unknown logicalType",
    description:
      "A property's `logicalType` is not an ODCS logical type (string, date, number, integer, object, array, boolean; v3.1.0 adds timestamp and time). Engine types such as VARCHAR belong in `physicalType`.",
    hint: "Use an ODCS logical type and keep the engine type in `physicalType`, e.g. `logicalType: string, physicalType: VARCHAR`.",
  },
  "FLOE-E505": {
    severity: "error",
    title: "Value not allowed in a contract",
    description:
      "A contract value is not one of the values ODCS allows at that place (`kind`, quality `dimension`, `metric`, server `type` …).",
  },
  "FLOE-E506": {
    severity: "error",
    title: "Bad format in a contract",
    description: "A contract value does not have the format ODCS requires: a date, a date-time (RFC 3339) or a URI.",
    hint: "Write dates as 2024-05-31, date-times as 2024-05-31T09:30:00Z and URLs with their scheme (https://…).",
  },
  "FLOE-E507": {
    severity: "error",
    title: "Contract constraint violated",
    description:
      "A contract value breaks a rule of the ODCS JSON Schema other than type, enum and format: a number out of range, a list with too few items, or a quality rule without exactly one threshold operator.",
  },
  "FLOE-W508": {
    severity: "warning",
    title: "Contract written in the guide's shorthand",
    description:
      "The contract uses the lifecycle guide's shorthand (`models:` with `elements:`, `slaProperties` as a mapping with ISO-8601 durations). It matches neither ODCS nor the Data Contract Specification; Floe normalises it to ODCS v3.1.0 and shows the canonical form.",
    hint: "Run `floe contract fmt FILE --to odcs` to rewrite the file as ODCS v3.1.0.",
  },
  "FLOE-E509": {
    severity: "error",
    title: "Duplicate name in a contract",
    description:
      "Two schema objects, or two properties of one schema object, share a name; diffs, hashes and drift checks identify them by name.",
    hint: "Give each schema object and each property of an object its own name.",
  },
  "FLOE-W510": {
    severity: "warning",
    title: "Contract drops a column the model produces",
    description:
      "The explicit datacontract.yaml lists the columns of a schema object and leaves out a column the serving model still produces, so the published contract does not promise it.",
    hint: "Add the column to the schema object in datacontract.yaml, or stop producing it in the model.",
  },
  "FLOE-E511": {
    severity: "error",
    title: "Contract weakens a classification",
    description:
      "The explicit datacontract.yaml gives a column a lower classification (for example public instead of confidential) than the model's `meta.classification`, or removes it.",
    hint: "Use the model's classification or a stronger one; lower it in the model's schema YAML if it really changed.",
  },
  "FLOE-E512": {
    severity: "error",
    title: "Contract loosens an SLA",
    description:
      "The explicit datacontract.yaml promises less than the output port's SLA: a longer freshness or a lower availability.",
    hint: "Make the contract's SLA at least as strict as the port's `sla`, or relax the port's SLA in floe.yaml.",
  },
  "FLOE-E513": {
    severity: "error",
    title: "Output port without a contract schema object",
    description:
      "An output port has no schema object in the contract. The schema object of a port is named after the last part of the port's table.",
    hint: "Add a schema object named after the port's table to datacontract.yaml, or remove the file to let Floe generate the contract.",
  },
  "FLOE-E514": {
    severity: "error",
    title: "Output port's model not found",
    description:
      "No model columns are known for the model that serves an output port: the layer prefix plus the table name (gold.my_product.customers → gold_customers), or the port's `model:`.",
    hint: "Create the model, or name the serving model with `model:` on the output port.",
  },
  "FLOE-W515": {
    severity: "warning",
    title: "Contract schema object serves no output port",
    description: "A schema object in the contract matches no output port's table, so nothing publishes it.",
    hint: "Add an output port for the table in floe.yaml, or remove the schema object.",
  },
  "FLOE-E520": {
    severity: "error",
    title: "Major version bump required",
    description:
      "The new contract version makes breaking changes (removed column, changed type, new required column, optional → required, narrowed enum or bound, removed or lowered classification, removed or loosened SLA) but does not raise the major version.",
    hint: "Raise the major version (1.4.2 → 2.0.0), or undo the breaking changes listed.",
  },
  "FLOE-E521": {
    severity: "error",
    title: "Minor version bump required",
    description:
      "The new contract version adds to the contract (an optional column, relaxed nullability, a new SLA or quality rule) but does not raise the minor version.",
    hint: "Raise the minor version (1.4.2 → 1.5.0).",
  },
  "FLOE-E522": {
    severity: "error",
    title: "Patch version bump required",
    description: "The contract changed (descriptions, tags, examples) but its version did not increase.",
    hint: "Raise the patch version (1.4.2 → 1.4.3).",
  },
  "FLOE-E523": {
    severity: "error",
    title: "Contract version is not a semantic version",
    description: "A contract's `version` is not MAJOR.MINOR.PATCH, so the semver gate cannot compare two versions.",
    hint: 'Use a semantic version such as "1.0.0".',
  },
  "FLOE-E530": {
    severity: "error",
    title: "Contract column missing from the model",
    description: "A column the contract promises is not in the output of the model that serves the port.",
    hint: "Produce the column in the model, or remove it from the contract (a major version change).",
  },
  "FLOE-E531": {
    severity: "error",
    title: "Contract column type drift",
    description:
      "A contract column's logicalType is not compatible with the type the model produces (for example the contract says integer and the model produces VARCHAR).",
    hint: "Cast the column in the model to the contract's type, or change the contract's type (a major version change).",
  },
  "FLOE-W532": {
    severity: "warning",
    title: "Required contract column without a not_null test",
    description:
      "The contract marks a column `required: true` (or primaryKey) but the model has no not_null test for it, so nothing checks the promise.",
    hint: "Add a not_null test for the column in the model's schema YAML.",
  },
  // E6xx identity and catalog (@floe/identity): ownership E601, contract versions E602, catalog failures E604–E606.
  "FLOE-E601": {
    severity: "error",
    title: "Product namespace owned by another repository",
    description:
      "The product's namespace ({domain}.{name}) is registered in the catalog by a different repository, so this product cannot claim it.",
    hint: "Choose a different product name or contact the namespace owner.",
  },
  "FLOE-E602": {
    severity: "error",
    title: "Contract version already registered with a different hash",
    description:
      "A contract version is immutable once registered: the same {product}/{contract}:{version} is in the catalog with another canonical hash.",
    hint: "Raise the contract version for the changed contract, or restore the registered one.",
  },
  "FLOE-E603": {
    severity: "error",
    title: "Invalid product id",
    description:
      "The product id is not {domain}.{name} of lower-case letters, digits and '_' (after '-' → '_'), so it cannot name a catalog namespace.",
    hint: "Use a domain and a name of lower-case letters, digits, '-' and '_', starting with a letter.",
  },
  "FLOE-E604": {
    severity: "error",
    title: "Catalog error during identity registration",
    description:
      "The catalog failed while reading or registering the product or its contracts (unreachable, locked, permission denied, invalid input).",
    hint: "Check the catalog configuration and that the catalog is reachable, then compile again.",
  },
  "FLOE-E605": {
    severity: "error",
    title: "Identity registration kept losing to concurrent writers",
    description:
      "Every compare-and-set on the product's namespace found it changed by another writer, for as many attempts as Floe makes.",
    hint: "Compile again once the other registrations of this product have finished.",
  },
  "FLOE-E606": {
    severity: "error",
    title: "Product not registered",
    description:
      "A contract operation needs the product's namespace, but the product is not registered in the catalog.",
    hint: "Run `floe compile`, which registers the product before its contract.",
  },
  // E7xx platform and plugins (@floe/compiler Platform): resolution E70x, inheritance E71x.
  "FLOE-E701": {
    severity: "error",
    title: "Platform reference cannot be resolved",
    description:
      "A `platform.ref` (floe.yaml) or `parent.ref` (manifest) names a manifest that cannot be read: a missing or refused file, an unknown OCI repository, tag or digest, a registry that refuses the credentials or cannot be reached with nothing cached, bytes that do not match their digest.",
    hint: "Check the reference; for oci:// references run `floe platform resolve REF` to see the registry's answer.",
  },
  "FLOE-E702": {
    severity: "error",
    title: "Platform manifest invalid",
    description:
      "A manifest in the platform chain has errors of its own (listed beside this one with the manifest's file), so the chain cannot be resolved.",
    hint: "Fix the manifest's errors, or point the reference at a valid manifest.",
  },
  "FLOE-W703": {
    severity: "warning",
    title: "Platform reference not checked",
    description:
      "The product names an oci:// platform but the host that runs validation has no OCI platform source, so the reference was not resolved and the embedded governance defaults apply.",
    hint: "Run with a host that provides @floe/platform-oci (the floe CLI's `platform resolve` does), or use a file reference.",
  },
  "FLOE-E710": {
    severity: "error",
    title: "Platform inheritance cycle",
    description: "Following `parent.ref` from manifest to manifest comes back to a manifest already in the chain.",
    hint: "Point the domain manifest's parent at the enterprise manifest; an enterprise manifest has no parent.",
  },
  "FLOE-E711": {
    severity: "error",
    title: "Platform chain out of order",
    description:
      "The chain is not Enterprise → Domain → Product: a domain manifest's parent is not an enterprise manifest.",
    hint: "A domain manifest's `parent.ref` must name an enterprise manifest (`scope: enterprise`).",
  },
  "FLOE-E712": {
    severity: "error",
    title: "Child manifest weakens its parent",
    description:
      "A child manifest may only strengthen what its parent sets: enforcement off < warn < strict (contracts: off < warn < alert_only < block), higher coverage, required stays required, PII patterns kept, approved plugins and products narrowed. The message names both files; the parent's value applies.",
    hint: "Remove the setting from the child manifest to inherit the parent's, or make it at least as strict.",
  },
  // E8xx runtime.
  "FLOE-E801": {
    severity: "error",
    title: "Compute engine cannot be opened",
    description:
      "The compute engine the platform chooses cannot be opened: the DuckDB file is locked or cannot be created, the PostgreSQL server refuses the connection, the variable `password_env` names is unset, or the platform names an engine this host does not have.",
    hint: "Check plugins.compute in the platform manifest and the environment variable its password_env names; `floe platform resolve` shows the effective plugins.",
  },
  "FLOE-E810": {
    severity: "error",
    title: "Warehouse location not supported",
    description:
      "Output ports are published as Iceberg tables under the warehouse location (`plugins.storage.config.warehouse`, default `.floe/warehouse` in the product directory). This host writes and reads `file://` locations only; object stores (`s3://`, `gs://`, `abfs://`) need engine extensions that are not bundled.",
    hint: "Point plugins.storage.config.warehouse at a local directory or file:// URI (a mounted volume works).",
  },
  "FLOE-E811": {
    severity: "error",
    title: "Output port table could not be published",
    description:
      "Publishing an output port's Iceberg table failed: the catalog refused the commit or is unreachable, the product namespace is not registered, other writers kept committing first, or the table's files could not be read or written. Nothing was committed: the table still shows its previous snapshot.",
    hint: "Run `floe compile` to register the product, check the catalog and the warehouse directory, then run again.",
  },
  "FLOE-E812": {
    severity: "error",
    title: "Column type has no Iceberg type",
    description:
      "An output port's model has a column whose SQL type has no Iceberg equivalent this writer supports (nested LIST/STRUCT/MAP, INTERVAL, BIT, decimals wider than 38 digits).",
    hint: "Cast the column in the model to a supported type (VARCHAR, BIGINT, DOUBLE, DECIMAL(p,s), DATE, TIMESTAMP …), or serve the port from a model without it.",
  },
  "FLOE-E813": {
    severity: "error",
    title: "Incompatible schema change of a published table",
    description:
      "An output port's model changed a column in a way Iceberg cannot apply in place (a type change that is not a widening such as int → long, float → double or a wider decimal) or removed a column, while the major version governing the table (the data contract's, else the product's) did not change. Readers of the table would break, so it is not published.",
    hint: "Make the change additive, or bump the contract's (or product's) major version: the table's schema is then replaced with new field ids and its history kept.",
  },
  "FLOE-W814": {
    severity: "warning",
    title: "Compute engine cannot write Parquet: output ports not published",
    description:
      "Output ports are published as Iceberg tables whose data files the compute engine writes as Parquet; the engine the platform chooses has no Parquet writer (PostgreSQL), so the ports stay as tables in that engine only.",
    hint: "Run the product on DuckDB (the embedded default) to publish Iceberg tables, or set plugins.storage.type to none to stop publishing.",
  },
} as const satisfies Record<string, CodeEntry>

export type DiagnosticCode = keyof typeof entries

/** Every registered code, in code order. */
export const codes: ReadonlyArray<DiagnosticCode> = (Object.keys(entries) as Array<DiagnosticCode>).sort()

/** The registry entry of a code. */
export const describeCode = (code: DiagnosticCode): CodeEntry => entries[code]

/** Renders the registry as the Markdown reference page `docs/reference/diagnostics.md`. */
export const renderMarkdown = (): string => {
  const lines = [
    "# Diagnostics reference",
    "",
    "<!-- Generated from packages/spec/src/DiagnosticCodes.ts by `pnpm generate`. Do not edit by hand. -->",
    "",
    "Every problem Floe reports is a diagnostic with a stable code, a severity, the file, line and column it",
    "concerns, and a resolution hint. `floe validate --json` prints them as objects",
    "`{code, severity, message, file, line, column, hint}`.",
    "",
    "| Range | Area |",
    "|---|---|",
    "| E1xx | floe.yaml, platform manifests, YAML |",
    "| E2xx | governance (naming, coverage, descriptions, classification) |",
    "| E3xx | dbt project |",
    "| E4xx | custom rules |",
    "| E5xx | data contracts |",
    "| E6xx | identity and catalog |",
    "| E7xx | platform and plugins |",
    "| E8xx | runtime |",
    "",
  ]
  for (const code of codes) {
    const e: CodeEntry = entries[code]
    lines.push(`## ${code} — ${e.title}`, "", `Severity: ${e.severity}.`, "", e.description, "")
    if (e.hint !== undefined) lines.push(`Resolution: ${e.hint}`, "")
  }
  return `${lines.join("\n").trimEnd()}\n`
}
