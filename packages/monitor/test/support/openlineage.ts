// Validates events against the official OpenLineage schemas vendored in packages/monitor/schemas/openlineage, and
// the contractViolation facet against its own schema in packages/monitor/schemas.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { OpenLineage } from "@floe/spec"
import Ajv2020 from "ajv/dist/2020.js"
import addFormats from "ajv-formats"

const schemas = join(import.meta.dirname, "..", "..", "schemas")
const dir = join(schemas, "openlineage")
const ajv = new Ajv2020.default({ strict: false, allErrors: true })
addFormats.default(ajv)
ajv.addSchema(JSON.parse(readFileSync(join(dir, "OpenLineage.json"), "utf8")))
for (const f of readdirSync(join(dir, "facets")))
  ajv.addSchema(JSON.parse(readFileSync(join(dir, "facets", f), "utf8")))
ajv.addSchema(JSON.parse(readFileSync(join(schemas, "ContractViolationRunFacet.json"), "utf8")))

export const check = (schemaRef: string, value: unknown, where: string): Array<string> => {
  const validate = ajv.getSchema(schemaRef)
  if (!validate) return [`${where}: no schema ${schemaRef}`]
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? ""}`)
}

const facetsOf = (facets: OpenLineage.Facets | undefined, where: string): Array<string> =>
  Object.entries(facets ?? {}).flatMap(([key, facet]) => check(facet._schemaURL, facet, `${where}.${key}`))

/** Every schema error of the event and of each of its facets (checked against the facet's own _schemaURL). */
export const validateEvent = (event: OpenLineage.RunEvent): Array<string> => [
  ...check("https://openlineage.io/spec/2-0-2/OpenLineage.json", event, "event"),
  ...facetsOf(event.run.facets, "run.facets"),
  ...facetsOf(event.job.facets, "job.facets"),
  ...(event.inputs ?? []).flatMap((d, i) => facetsOf(d.facets, `inputs[${i}].facets`)),
]
