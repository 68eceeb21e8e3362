/**
 * Merging the generated contract with an explicit datacontract.yaml, and checking that a contract matches the
 * output ports and the columns their models produce.
 *
 * Merge: explicit values win. The explicit file's schema objects and their property lists are authoritative; each
 * property is completed from the generated one (type, description, classification …); generated SLA entries the
 * file does not mention are added. Reported: a column the model produces that the file leaves out (W510), a
 * weaker classification than the model's (E511), a looser SLA than the port's (E512).
 */
import { Diagnostic } from "@floe/spec"
import { compatible, toLogical } from "./EngineTypes.ts"
import { classificationRank, compareSla, slaText } from "./internal/levels.ts"
import { type Models, type Port, schemaObjectName, servingModel } from "./Models.ts"
import { type Contract, isRecord, type SchemaObject, type SchemaProperty, type SlaProperty } from "./Odcs.ts"

/** Finds the position of a path of the explicit contract in its file (Lint's `locate`). */
export type Locate = (path: ReadonlyArray<string | number>, at?: "key" | "value") => Diagnostic.Location

const noLocation: Locate = () => ({})

export interface Merged {
  readonly contract: Contract
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

const deepMerge = (base: unknown, over: unknown): unknown => {
  if (!isRecord(base) || !isRecord(over)) return over === undefined ? base : over
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v)
  return out
}

const slaKey = (s: SlaProperty) => s.property.toLowerCase()

/**
 * Merges `generated` (from `Generate.generate`) with `explicit` (a linted datacontract.yaml). Never fails.
 */
export const merge = (generated: Contract, explicit: Contract, locate: Locate = noLocation): Merged => {
  const diagnostics: Array<Diagnostic.Diagnostic> = []
  const generatedObjects = new Map((generated.schema ?? []).map((o) => [o.name, o]))
  const schema: Array<SchemaObject> = (explicit.schema ?? []).map((obj, i) => {
    const gen = generatedObjects.get(obj.name)
    if (gen === undefined) return obj
    const merged = deepMerge({ ...gen, properties: undefined }, { ...obj, properties: undefined }) as Record<
      string,
      unknown
    >
    const genProps = new Map((gen.properties ?? []).map((p) => [p.name, p]))
    const explicitProps = obj.properties ?? []
    const properties = explicitProps.map((p, j) => {
      const g = genProps.get(p.name)
      if (g === undefined) return p
      const out = deepMerge(g, p) as SchemaProperty
      const before = classificationRank(g.classification)
      const after = classificationRank(p.classification)
      if (
        g.classification !== undefined &&
        p.classification !== undefined &&
        p.classification !== g.classification &&
        (before === undefined || after === undefined || after < before)
      ) {
        diagnostics.push(
          Diagnostic.make(
            "FLOE-E511",
            `column ${obj.name}.${p.name} is classified "${p.classification}" in the contract, weaker than "${g.classification}" from the model's meta.classification`,
            locate(["schema", i, "properties", j, "classification"]),
          ),
        )
      }
      return out
    })
    for (const g of gen.properties ?? []) {
      if (explicitProps.some((p) => p.name === g.name)) continue
      diagnostics.push(
        Diagnostic.make(
          "FLOE-W510",
          `the model still produces column ${obj.name}.${g.name}, but the contract's schema object ${obj.name} leaves it out`,
          locate(["schema", i, "properties"], "key"),
        ),
      )
    }
    merged.properties = properties
    return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as SchemaObject
  })
  const explicitSla = explicit.slaProperties ?? []
  const slaProperties: Array<SlaProperty> = [...explicitSla]
  for (const g of generated.slaProperties ?? []) {
    const i = explicitSla.findIndex((s) => slaKey(s) === slaKey(g))
    const e = explicitSla[i]
    if (e === undefined) {
      slaProperties.push(g)
      continue
    }
    if (compareSla(g, e) === "looser") {
      diagnostics.push(
        Diagnostic.make(
          "FLOE-E512",
          `the contract's ${e.property} SLA (${slaText(e)}) is looser than the output port's (${slaText(g)})`,
          locate(["slaProperties", i, "value"]),
        ),
      )
    }
  }
  const contract = deepMerge(
    { ...generated, schema: undefined, slaProperties: undefined },
    {
      ...explicit,
      schema: undefined,
      slaProperties: undefined,
    },
  ) as Record<string, unknown>
  contract.schema = schema
  if (slaProperties.length > 0) contract.slaProperties = slaProperties
  return {
    contract: Object.fromEntries(Object.entries(contract).filter(([, v]) => v !== undefined)) as Contract,
    diagnostics,
  }
}

/**
 * Checks that `contract` matches the output ports: every port has a schema object (E513, else E514 when its model
 * is unknown), every contract column exists in the model's output (E530) with a compatible type (E531), a required
 * column has a not_null test (W532 warning), and every schema object serves a port (W515 warning). Ports whose
 * model is not in `models` are checked for their schema object only. Never fails.
 */
export const match = (
  contract: Contract,
  ports: ReadonlyArray<Port>,
  models: Models,
  locate: Locate = noLocation,
): ReadonlyArray<Diagnostic.Diagnostic> => {
  const diagnostics: Array<Diagnostic.Diagnostic> = []
  const objects = contract.schema ?? []
  const served = new Set<string>()
  const v30 = contract.apiVersion.startsWith("v3.0")
  for (const port of ports) {
    const name = schemaObjectName(port)
    const i = objects.findIndex((o) => o.name === name || o.physicalName === port.table)
    const obj = objects[i]
    if (obj === undefined) {
      diagnostics.push(
        Diagnostic.make(
          "FLOE-E513",
          `output port "${port.name}" (table ${port.table}) has no schema object named ${name} in the contract`,
          locate(["schema"], "key"),
        ),
      )
      continue
    }
    served.add(obj.name)
    const modelName = servingModel(port)
    const model = models[modelName]
    if (model === undefined) continue
    const columns = new Map(model.columns.map((c) => [c.name, c]))
    ;(obj.properties ?? []).forEach((p, j) => {
      const at = ["schema", i, "properties", j]
      const column = columns.get(p.name)
      if (column === undefined) {
        diagnostics.push(
          Diagnostic.make(
            "FLOE-E530",
            `column ${obj.name}.${p.name}: the contract expects it, but model ${modelName} does not produce it (actual columns: ${[...columns.keys()].join(", ") || "none"})`,
            locate([...at, "name"]),
          ),
        )
        return
      }
      if (p.logicalType !== undefined && column.type !== undefined) {
        const actual = toLogical(column.type, v30 ? "v3.0" : "v3.1")?.logicalType
        if (actual !== undefined && !compatible(p.logicalType, actual)) {
          diagnostics.push(
            Diagnostic.make(
              "FLOE-E531",
              `column ${obj.name}.${p.name}: expected ${p.logicalType}${p.physicalType ? ` (${p.physicalType})` : ""}, actual ${column.type} (${actual}) from model ${modelName}`,
              locate([...at, "logicalType"]),
            ),
          )
        }
      }
      // No `tests` means no test covers the column (see Models.ModelColumn).
      if ((p.required === true || p.primaryKey === true) && column.tests?.not_null !== true) {
        diagnostics.push(
          Diagnostic.make(
            "FLOE-W532",
            `column ${obj.name}.${p.name} is required by the contract, but model ${modelName} has no not_null test on it`,
            locate([...at, p.required === true ? "required" : "primaryKey"]),
          ),
        )
      }
    })
  }
  objects.forEach((o, i) => {
    if (!served.has(o.name))
      diagnostics.push(
        Diagnostic.make(
          "FLOE-W515",
          `schema object ${o.name} matches no output port's table`,
          locate(["schema", i, "name"]),
        ),
      )
  })
  return diagnostics
}
