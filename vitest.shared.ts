import { defineProject } from "vitest/config"

/** The project settings every package shares: sources resolved through the `@paykit/source` condition. */
export const paykitProject = (name: string, options: { testTimeout?: number } = {}) =>
  defineProject({
    resolve: { conditions: ["@paykit/source"] },
    ssr: { resolve: { conditions: ["@paykit/source"] } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 120_000
    }
  })
