/**
 * What a violation does, as the platform's `governance.data_contracts.enforcement` says: `off` (checks do not
 * run), `warn` (report only), `alert_only` (the default: report, alert and continue), `block` (report, alert and
 * fail the run).
 */
import type { Violation } from "./Check.ts"

export type Mode = "off" | "warn" | "alert_only" | "block"

export const DEFAULT: Mode = "alert_only"

export interface Decision {
  /** Run the checks at all. */
  readonly check: boolean
  /** Route violations to alert channels. */
  readonly alert: boolean
  /** Fail the run (a non-zero exit) because of these violations. */
  readonly fail: boolean
  /** The line a host prints after reporting violations, e.g. `Continuing (alert_only mode)`. */
  readonly line: string | undefined
}

/** Decides what `violations` mean under `mode`. */
export const decide = (mode: Mode, violations: ReadonlyArray<Violation>): Decision => {
  const any = violations.length > 0
  switch (mode) {
    case "off":
      return { check: false, alert: false, fail: false, line: undefined }
    case "warn":
      return { check: true, alert: false, fail: false, line: any ? "Continuing (warn mode)" : undefined }
    case "alert_only":
      return { check: true, alert: true, fail: false, line: any ? "Continuing (alert_only mode)" : undefined }
    case "block":
      return {
        check: true,
        alert: true,
        fail: any,
        line: any ? "Blocking: contract violations fail the run (block mode)" : undefined,
      }
  }
}

export const isMode = (s: unknown): s is Mode => s === "off" || s === "warn" || s === "alert_only" || s === "block"
