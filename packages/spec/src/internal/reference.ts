/**
 * The generated files of this package: JSON Schemas under packages/spec/schemas/ and the reference pages under
 * docs/reference/. `pnpm generate` writes them; a test fails when a committed copy is stale.
 */
import { renderMarkdown } from "../DiagnosticCodes.ts"
import { generate, serialise } from "../JsonSchemas.ts"

interface JsonSchemaNode {
  readonly type?: string | ReadonlyArray<string>
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>
  readonly required?: ReadonlyArray<string>
  readonly items?: JsonSchemaNode
  readonly additionalProperties?: JsonSchemaNode | boolean
  readonly enum?: ReadonlyArray<unknown>
  readonly const?: unknown
  readonly description?: string
  readonly default?: unknown
  readonly examples?: ReadonlyArray<unknown>
  readonly pattern?: string
  readonly format?: string
  readonly minimum?: number
  readonly maximum?: number
  readonly title?: string
}

const typeOf = (n: JsonSchemaNode): string => {
  if (n.const !== undefined) return `\`${JSON.stringify(n.const)}\``
  if (n.enum) return n.enum.map((e) => `\`${String(e)}\``).join(" \\| ")
  if (n.type === "array") return `list of ${n.items ? typeOf(n.items) : "values"}`
  if (n.type === "object" && !n.properties) return "mapping"
  if (typeof n.type === "string") return n.type
  return n.type ? n.type.join(" \\| ") : "any"
}

const rows = (node: JsonSchemaNode, prefix: string, out: Array<string>): void => {
  const required = new Set(node.required ?? [])
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === "" ? key : `${prefix}.${key}`
    const notes: Array<string> = []
    if (child.description) notes.push(child.description)
    if (child.format) notes.push(`format: ${child.format}`)
    if (child.minimum !== undefined || child.maximum !== undefined)
      notes.push(`range ${child.minimum ?? "…"}–${child.maximum ?? "…"}`)
    if (child.default !== undefined) notes.push(`default \`${JSON.stringify(child.default)}\``)
    if (child.examples?.[0] !== undefined) notes.push(`e.g. \`${String(child.examples[0])}\``)
    out.push(
      `| \`${path}\` | ${typeOf(child)} | ${required.has(key) ? "yes" : ""} | ${notes.join("; ").replaceAll("|", "\\|")} |`,
    )
    if (child.properties) rows(child, path, out)
    else if (child.items?.properties) rows(child.items, `${path}[]`, out)
    else if (typeof child.additionalProperties === "object" && child.additionalProperties.properties) {
      rows(child.additionalProperties, `${path}.<name>`, out)
    }
  }
}

const referencePage = (
  title: string,
  schemaFile: string,
  intro: ReadonlyArray<string>,
  schema: JsonSchemaNode,
): string => {
  const out = [
    `# ${title}`,
    "",
    `<!-- Generated from the zod schemas in packages/spec by \`pnpm generate\`. Do not edit by hand. -->`,
    "",
    ...intro,
    "",
    `JSON Schema: [\`packages/spec/schemas/${schemaFile}\`](../../packages/spec/schemas/${schemaFile}). Unknown keys are errors.`,
    "",
    "| key | type | required | notes |",
    "|---|---|---|---|",
  ]
  rows(schema, "", out)
  return `${out.join("\n")}\n`
}

/** Repository-relative path → file contents, for every generated file. */
export const generatedFiles = (): Record<string, string> => {
  const schemas = generate()
  const files: Record<string, string> = {}
  for (const [name, schema] of Object.entries(schemas)) files[`packages/spec/schemas/${name}`] = serialise(schema)
  files["docs/reference/diagnostics.md"] = renderMarkdown()
  files["docs/reference/floe-yaml.md"] = referencePage(
    "floe.yaml reference",
    "floe.schema.json",
    [
      "The data product file. For completion and checks in editors, put this first line in `floe.yaml`:",
      "",
      "```yaml",
      "# yaml-language-server: $schema=https://floe.dev/schemas/v1/floe.schema.json",
      "```",
      "",
      "or, offline, point at the copy in the repository (`./node_modules/@floe/spec/schemas/floe.schema.json` once",
      "`@floe/spec` is installed). Secrets and connection settings (host, port, password, token, …) are refused",
      "anywhere in this file (FLOE-E130); they belong in the platform manifest and the environment.",
    ],
    schemas["floe.schema.json"] as JsonSchemaNode,
  )
  files["docs/reference/platform-manifest.md"] = referencePage(
    "Platform manifest reference",
    "platform-manifest.schema.json",
    [
      "A platform manifest (`kind: Manifest`) sets plugins and governance for every product that references it.",
      "Editor completion:",
      "",
      "```yaml",
      "# yaml-language-server: $schema=https://floe.dev/schemas/v1/platform-manifest.schema.json",
      "```",
      "",
      "Secrets are never written in a manifest (FLOE-E132): a `*_env` key names the environment variable that",
      "holds one, e.g. `password_env: PG_PASSWORD`.",
    ],
    schemas["platform-manifest.schema.json"] as JsonSchemaNode,
  )
  files["docs/reference/artifacts.md"] = referencePage(
    "Compiled artifacts reference (.floe/artifacts.json)",
    "artifacts.schema.json",
    ["What `floe compile` writes for `floe run`, the monitor and orchestrators."],
    schemas["artifacts.schema.json"] as JsonSchemaNode,
  )
  return files
}
