/**
 * The compiled artifacts, `.floe/artifacts.json`: everything `floe run`, the monitor and orchestrators need,
 * resolved at compile time so that runtime decides no policy.
 */
import { z } from "zod"
import { Transform } from "./DataProduct.ts"
import { Diagnostic } from "./Diagnostic.ts"
import { ContractEnforcement, SemVer } from "./Fields.ts"
import { Governance, PluginChoice } from "./PlatformManifest.ts"

export const ARTIFACTS_VERSION = "1.0.0"

export const InheritanceLink = z.strictObject({
  scope: z.enum(["enterprise", "domain", "product"]),
  name: z.string(),
  version: z.string(),
  ref: z.string().optional().meta({ description: "the reference as written (oci://… or a path)" }),
  digest: z.string().optional().meta({ description: "sha256 digest of the manifest as resolved" }),
})

export const DataContractSummary = z.strictObject({
  name: z.string(),
  version: SemVer,
  models: z.array(z.string()),
  hash: z.string().optional(),
  sla: z
    .strictObject({
      freshness_hours: z.number().nonnegative().optional(),
      availability_percent: z.number().min(0).max(100).optional(),
    })
    .optional(),
})

export const EnforcementResult = z.strictObject({
  passed: z.boolean(),
  contracts: ContractEnforcement.optional(),
  diagnostics: z.array(Diagnostic),
})

export const CompiledArtifacts = z
  .strictObject({
    version: z.literal(ARTIFACTS_VERSION),
    metadata: z.strictObject({
      compiled_at: z.iso.datetime({ offset: true }),
      product_name: z.string(),
      product_version: SemVer,
      floe_version: z.string(),
      source_hash: z.string().regex(/^sha256:[a-f0-9]{64}$/),
    }),
    identity: z.strictObject({
      product_id: z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/),
      domain: z.string(),
      repository: z.string(),
      namespace_registered: z.boolean(),
    }),
    mode: z.enum(["simple", "centralized", "mesh"]),
    inheritance_chain: z.array(InheritanceLink),
    plugins: z.strictObject({
      compute: PluginChoice,
      orchestrator: PluginChoice,
      catalog: PluginChoice.optional(),
      lineage: PluginChoice.optional(),
      storage: PluginChoice.optional(),
    }),
    transforms: z.array(
      Transform.extend({
        manifest_path: z.string().optional().meta({ description: "target/manifest.json written for this transform" }),
        models: z.number().int().nonnegative().optional(),
      }),
    ),
    schedule: z.strictObject({ cron: z.string(), timezone: z.string() }).optional(),
    data_contracts: z.array(DataContractSummary),
    governance: Governance,
    enforcement_result: EnforcementResult,
  })
  .meta({ title: "Floe compiled artifacts (.floe/artifacts.json)" })

export type CompiledArtifacts = z.output<typeof CompiledArtifacts>
