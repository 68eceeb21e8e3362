/**
 * The contract stage of `floe validate` ([3/4] Validating data contracts): lint the product's datacontract.yaml
 * when there is one, merge it with the contract generated from the output ports, check that it matches the ports
 * and their models, and hash the result.
 */
import { Diagnostic } from "@floe/spec"
import { Effect, FileSystem, Path } from "effect"
import { hash } from "./Canonical.ts"
import { type Generated, generate, type ProductInput } from "./Generate.ts"
import { lint } from "./Lint.ts"
import { match, merge } from "./Merge.ts"
import type { Models } from "./Models.ts"
import type { Contract } from "./Odcs.ts"

export const CONTRACT_FILE = "datacontract.yaml"

/** One line of the stage's output: `✓ datacontract.yaml valid (ODCS v3)`. */
export interface Check {
  readonly label: string
  readonly passed: boolean
}

export interface StageResult {
  readonly checks: ReadonlyArray<Check>
  /** The effective contract (explicit merged with generated), when there are no errors. */
  readonly contract: Contract | undefined
  /** `sha256:…` of the effective contract, when there is one. */
  readonly hash: string | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

/**
 * Runs the contract checks for a product without reading anything: `text` is the datacontract.yaml content (or
 * undefined when the product has none), `models` the model columns the compiler inferred (undefined while they are
 * not known: column checks are then skipped). Never fails.
 */
export const check = (
  product: ProductInput,
  text: string | Uint8Array | undefined,
  models: Models | undefined,
  file = CONTRACT_FILE,
): StageResult => {
  const ports = product.output_ports ?? []
  const generated: Generated = generate(product, models ?? {})
  const genDiagnostics = models === undefined ? [] : generated.diagnostics
  if (text === undefined) {
    const diagnostics = Diagnostic.sort(genDiagnostics)
    const ok = !Diagnostic.hasErrors(diagnostics)
    return {
      checks: [
        {
          label: `No ${file}; contract generated from ${ports.length} output port${ports.length === 1 ? "" : "s"}`,
          passed: ok,
        },
      ],
      contract: ok ? generated.contract : undefined,
      hash: ok ? hash(generated.contract) : undefined,
      diagnostics,
    }
  }
  const linted = lint(text, file)
  const lintOk = linted.contract !== undefined
  const checks: Array<Check> = [{ label: `${file} valid (ODCS v3)`, passed: lintOk }]
  if (linted.contract === undefined)
    return { checks, contract: undefined, hash: undefined, diagnostics: linted.diagnostics }
  const merged = merge(generated.contract, linted.contract, linted.locate)
  const matched = match(linted.contract, ports, models ?? {}, linted.locate)
  const matchDiagnostics = [...genDiagnostics, ...merged.diagnostics, ...matched]
  checks.push({ label: "Contract matches output ports", passed: !Diagnostic.hasErrors(matchDiagnostics) })
  const diagnostics = Diagnostic.sort([...linted.diagnostics, ...matchDiagnostics])
  const ok = !Diagnostic.hasErrors(diagnostics)
  return {
    checks,
    contract: ok ? merged.contract : undefined,
    hash: ok ? hash(merged.contract) : undefined,
    diagnostics,
  }
}

/**
 * Reads `dir/datacontract.yaml` (when present) through `FileSystem` and runs `check`. Never fails: an unreadable
 * file is an E100 diagnostic.
 */
export const validate = Effect.fn("Contracts.validate")(function* (
  dir: string,
  product: ProductInput,
  models?: Models,
) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const file = path.join(dir, CONTRACT_FILE)
  const exists = yield* fs.exists(file).pipe(Effect.orElseSucceed(() => false))
  if (!exists) return check(product, undefined, models, file)
  const bytes = yield* Effect.result(fs.readFile(file))
  if (bytes._tag === "Failure") {
    return {
      checks: [{ label: `${file} valid (ODCS v3)`, passed: false }],
      contract: undefined,
      hash: undefined,
      diagnostics: [Diagnostic.make("FLOE-E100", `${file} cannot be read: ${bytes.failure.message}`, { file })],
    } satisfies StageResult
  }
  return check(product, bytes.success, models, file)
})
