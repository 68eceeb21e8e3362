import { defineConfig } from "vitest/config"

// One run over every package: `pnpm test` prints one summary, and CI turns the JSON report into its closing line.
export default defineConfig({
  test: {
    projects: ["packages/*", "plugins/*", "examples/*"],
    reporters: process.env.FLOE_TEST_REPORT
      ? ["default", ["json", { outputFile: process.env.FLOE_TEST_REPORT }]]
      : ["default"],
  },
})
