import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "custom-plugin", include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 180_000 },
})
