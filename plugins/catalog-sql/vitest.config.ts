import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "catalog-sql", include: ["test/**/*.test.ts"] },
})
