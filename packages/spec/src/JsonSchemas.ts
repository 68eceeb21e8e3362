/**
 * JSON Schemas generated from the zod schemas, for editors (`# yaml-language-server: $schema=…`) and for tools in
 * other languages. Committed under `packages/spec/schemas/`; `pnpm generate` rewrites them and a test fails when
 * they are stale.
 */
import { z } from "zod"
import { CompiledArtifacts } from "./CompiledArtifacts.ts"
import { DataProduct } from "./DataProduct.ts"
import { PlatformManifest } from "./PlatformManifest.ts"

const BASE = "https://floe.dev/schemas/v1"

/** File name → JSON Schema document, in a stable order. */
export const generate = (): Record<string, unknown> => {
  const doc = (id: string, schema: z.ZodType, io: "input" | "output") => ({
    ...z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }),
    $id: `${BASE}/${id}`,
  })
  return {
    "floe.schema.json": doc("floe.schema.json", DataProduct, "input"),
    "platform-manifest.schema.json": doc("platform-manifest.schema.json", PlatformManifest, "input"),
    "artifacts.schema.json": doc("artifacts.schema.json", CompiledArtifacts, "output"),
  }
}

/** Serialises a schema document the way it is committed (two-space JSON with a trailing newline). */
export const serialise = (schema: unknown): string => `${JSON.stringify(schema, null, 2)}\n`
