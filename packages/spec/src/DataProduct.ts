/**
 * The data product file, `floe.yaml`: what the product is, who owns it, where its models live, when it runs and
 * what it promises through its output ports.
 */
import { z } from "zod"
import {
  CronExpression,
  Duration,
  Email,
  Identifier,
  KebabName,
  Percent,
  Percentage,
  PlatformRefString,
  RelativePath,
  SemVer,
  TableRef,
  TimeZone,
} from "./Fields.ts"

export const API_VERSION = "floe.dev/v1"

export const Metadata = z.strictObject({
  name: KebabName,
  version: SemVer,
  owner: Email,
  domain: Identifier.meta({ description: "the business domain that owns the product", examples: ["sales"] }),
  repository: z
    .string()
    .min(1)
    .max(2048)
    .meta({ examples: ["github.com/acme/my-product"] }),
  description: z.string().max(4096).optional(),
  labels: z.record(z.string().max(63), z.string().max(256)).optional(),
})

export const PlatformReference = z.strictObject({ ref: PlatformRefString })

export const Transform = z.strictObject({
  type: z.enum(["dbt"]),
  path: RelativePath,
  compute: Identifier.optional().meta({ description: "a compute plugin type the platform approves, e.g. duckdb" }),
})

export const Schedule = z.strictObject({
  cron: CronExpression,
  timezone: TimeZone.default("UTC"),
})

export const Sla = z.strictObject({
  freshness: Duration.optional(),
  availability: Percentage.optional(),
})

export const PortColumn = z.strictObject({
  name: z.string().min(1).max(256),
  type: z.string().max(128).optional(),
  description: z.string().optional(),
  classification: z.string().max(64).optional(),
})

export const OutputPort = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,62}$/, { error: "must be a lower-case name of letters, digits, '_' and '-'" }),
  table: TableRef,
  model: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .meta({ description: "the model serving the port; by default the layer prefix plus the table name" }),
  description: z.string().optional(),
  sla: Sla.optional(),
  columns: z.array(PortColumn).optional(),
})

const uniqueBy =
  <T>(key: (t: T) => string, what: string) =>
  (items: ReadonlyArray<T>, ctx: z.core.$RefinementCtx<ReadonlyArray<T>>) => {
    const seen = new Map<string, number>()
    items.forEach((item, i) => {
      const k = key(item)
      const first = seen.get(k)
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `${what} "${k}" is already used by entry ${first + 1}`,
          params: { floeCode: "FLOE-E129" },
        })
      } else seen.set(k, i)
    })
  }

export const DataProduct = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("DataProduct"),
    metadata: Metadata,
    platform: PlatformReference.optional(),
    transforms: z
      .array(Transform)
      .min(1, { error: "a product needs at least one transform" })
      .superRefine(uniqueBy((t) => t.path.replace(/\/+$/, ""), "transform path")),
    schedule: Schedule.optional(),
    output_ports: z
      .array(OutputPort)
      .superRefine(uniqueBy((p) => p.name, "output port name"))
      .optional(),
    quality: z.strictObject({ minimum_coverage: Percent.optional() }).optional(),
  })
  .meta({ title: "Floe data product (floe.yaml)" })

export type DataProduct = z.output<typeof DataProduct>
export type DataProductInput = z.input<typeof DataProduct>
export type OutputPort = z.output<typeof OutputPort>
export type Transform = z.output<typeof Transform>

/** The product id: `{domain}.{name}` with `-` replaced by `_`, e.g. `sales.my_product`. */
export const productId = (product: Pick<DataProduct, "metadata">): string =>
  `${product.metadata.domain.replaceAll("-", "_")}.${product.metadata.name.replaceAll("-", "_")}`
