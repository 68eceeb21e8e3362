import { defineConfig } from "vitest/config"

// Each project sets testTimeout 60 s / hookTimeout 180 s: CI runs every project at once on 2 cores, and the
// integration tests start real servers; the defaults (5 s / 10 s) fail under that load, not on real defects.
// One run over every package: `pnpm test` prints one summary, and CI turns the JSON report into its closing line.
export default defineConfig({
  test: {
    projects: ["packages/*", "plugins/*", "examples/*"],
    reporters: process.env.FLOE_TEST_REPORT
      ? ["default", ["json", { outputFile: process.env.FLOE_TEST_REPORT }]]
      : ["default"],
  },
})
