/**
 * Platform manifests: the rules a platform team sets once (plugins, governance, approved plugins and products),
 * inherited Enterprise → Domain → Product.
 */
import { z } from "zod"
import {
  ContractEnforcement,
  Duration,
  Email,
  Enforcement,
  Identifier,
  KebabName,
  Percent,
  PlatformRefString,
  RegexPattern,
  SemVer,
} from "./Fields.ts"

export const PluginChoice = z.strictObject({
  type: Identifier,
  config: z.record(z.string(), z.unknown()).optional(),
})
export type PluginChoice = z.output<typeof PluginChoice>

export const PLUGIN_KINDS = ["compute", "catalog", "orchestrator", "lineage", "storage"] as const
export type PluginKind = (typeof PLUGIN_KINDS)[number]

export const Plugins = z.strictObject({
  compute: PluginChoice.optional(),
  catalog: PluginChoice.optional(),
  orchestrator: PluginChoice.optional(),
  lineage: PluginChoice.optional(),
  storage: PluginChoice.optional(),
})

export const Naming = z.strictObject({
  enforcement: Enforcement.default("warn"),
  pattern: z.enum(["medallion", "kimball", "custom"]).default("medallion"),
  custom_patterns: z
    .record(z.string(), RegexPattern)
    .optional()
    .meta({ description: "folder (layer) → regex every model name in it must match; used with pattern: custom" }),
})

export const QualityGates = z.strictObject({
  enforcement: Enforcement.default("warn"),
  minimum_test_coverage: Percent.optional(),
  layer_thresholds: z.record(z.string(), Percent).optional().meta({ description: "layer → minimum coverage percent" }),
  require_descriptions: z.boolean().default(false),
})

export const Classification = z.strictObject({
  enforcement: Enforcement.default("warn"),
  pii_patterns: z.array(RegexPattern).optional(),
  require_classification: z.boolean().default(false),
  levels: z.array(z.string().min(1)).optional().meta({ description: "allowed classifications, least to most strict" }),
})

export const DataContracts = z.strictObject({
  enforcement: ContractEnforcement.default("alert_only"),
  required: z.boolean().default(false),
})

const CheckSchedule = z.strictObject({
  interval: Duration.optional().meta({ description: "how often the check runs, e.g. 15m" }),
  timeout: Duration.optional().meta({ description: "how long one check may take, e.g. 30s" }),
})

/** Contract-monitor settings every product on the platform gets (a contract's own customProperties win). */
export const Monitoring = z.strictObject({
  freshness: CheckSchedule.optional(),
  schema: CheckSchedule.optional(),
  quality: CheckSchedule.optional(),
  availability: CheckSchedule.optional(),
})
export type Monitoring = z.output<typeof Monitoring>

export const Governance = z.strictObject({
  naming: Naming.optional(),
  quality_gates: QualityGates.optional(),
  classification: Classification.optional(),
  data_contracts: DataContracts.optional(),
})
export type Governance = z.output<typeof Governance>

export const PlatformManifest = z
  .strictObject({
    apiVersion: z.literal("floe.dev/v1"),
    kind: z.literal("Manifest"),
    metadata: z.strictObject({
      name: KebabName,
      version: SemVer,
      owner: Email,
      description: z.string().optional(),
    }),
    scope: z.enum(["enterprise", "domain"]),
    parent: z.strictObject({ ref: PlatformRefString }).optional(),
    plugins: Plugins.optional(),
    governance: Governance.optional(),
    monitoring: Monitoring.optional().meta({
      description:
        "contract-monitor check intervals and timeouts (defaults: freshness 15m, schema 1h, quality 6h, availability 5m)",
    }),
    approved_plugins: z
      .strictObject({
        compute: z.array(Identifier).optional(),
        catalog: z.array(Identifier).optional(),
        orchestrator: z.array(Identifier).optional(),
        lineage: z.array(Identifier).optional(),
        storage: z.array(Identifier).optional(),
      })
      .optional(),
    approved_products: z
      .array(z.string().min(1).max(256))
      .optional()
      .meta({ description: "product ids (domain.name) allowed on this platform; `*` matches within a part" }),
  })
  .superRefine((m, ctx) => {
    if (m.scope === "domain" && m.parent === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["scope"],
        message: "a domain manifest needs `parent: {ref: …}` naming its enterprise manifest",
        params: { floeCode: "FLOE-E111" },
      })
    }
    if (m.scope === "enterprise" && m.parent !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["parent"],
        message: "an enterprise manifest is the root of the chain and has no parent",
        params: { floeCode: "FLOE-E113" },
      })
    }
  })
  .meta({ title: "Floe platform manifest" })

export type PlatformManifest = z.output<typeof PlatformManifest>
export type PlatformManifestInput = z.input<typeof PlatformManifest>
