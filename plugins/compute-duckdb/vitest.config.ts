import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "compute-duckdb", include: ["test/**/*.test.ts"] },
})
