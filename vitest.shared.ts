import { defineProject } from "vitest/config"

/**
 * The quick lane (`pnpm test:quick`, `PAYKIT_QUICK=1`): every package's unit, property and
 * README tests on memory and PGlite, in a few minutes. The full lane (`pnpm test`) adds what
 * needs minutes of its own: the PostgreSQL-server suites, several pools and OS processes, SIGKILL
 * crash tests, the fuzzers, the 1,000-run ledger model and the ledger store contract on PGlite
 * (the quick lane runs that contract on memory, and PGlite's own ledger tests).
 */
const FULL_LANE_ONLY: Readonly<Record<string, ReadonlyArray<string>>> = {
  ledger: ["test/Model.test.ts", "test/Fuzz.test.ts", "test/MemoryBookScale.test.ts"],
  "store-postgres": [
    "test/*-server.test.ts",
    "test/*concurrency*.test.ts",
    "test/multiprocess.test.ts",
    "test/*crash*.test.ts",
    "test/fuzz-*.test.ts",
    "test/pool.test.ts",
    "test/ledger-defects.test.ts",
    "test/ledger-clock.test.ts",
    "test/join-*.test.ts",
    "test/contract-shared.test.ts",
    "test/contract-pglite.test.ts"
  ]
}

/** Whether this run is the quick lane. */
export const quickLane = process.env.PAYKIT_QUICK === "1"

/**
 * The project settings every package shares: sources resolved through the `@paykit/source`
 * condition, and time limits that are a hang detector, not a speed check. They are sized for a
 * 2-core machine at a load average of 8 (the suite is checked with two CPU burners beside it,
 * see docs/decisions.md); no test asserts on elapsed time.
 */
export const paykitProject = (name: string, options: { testTimeout?: number } = {}) =>
  defineProject({
    resolve: { conditions: ["@paykit/source"] },
    ssr: { resolve: { conditions: ["@paykit/source"] } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      exclude: quickLane ? [...(FULL_LANE_ONLY[name] ?? []), "**/node_modules/**"] : ["**/node_modules/**"],
      testTimeout: options.testTimeout ?? 300_000,
      hookTimeout: 300_000
    }
  })
