import { defineConfig } from "tsup"

/** The build every package shares: ESM + CJS + .d.ts for the main and `./testing` entry points. */
export const paykitBuild = () =>
  defineConfig({
    entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    treeshake: true
  })
