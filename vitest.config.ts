import { defineConfig } from "vitest/config"

/**
 * One Vitest run for the whole workspace. Vitest 4 has no workspace file:
 * each package is a project, found by its own `vitest.config.ts`.
 */
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "examples/*/vitest.config.ts"]
  }
})
