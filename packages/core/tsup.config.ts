import { defineConfig, type Options } from "tsup"
import { paykitBuild } from "../../tsup.shared.ts"

const shared = paykitBuild() as Options

// The shared entries plus `@paykit/core/money` (Money and Currency without their schemas).
// Splitting (also for CJS) keeps one copy of the money code that both entries import, so the
// `Money` class and the errors seen through `@paykit/core` and through `/money` are the same.
// The declarations of `/money` are bundled on their own: bundled together with the main entry's,
// the shared chunk turns the types of namespace members (`Currency.Registry`, the `Money` class
// as a type) into values. `clean` is off (the build script empties dist/ first): the two
// configurations run at the same time.
export default defineConfig([
  {
    ...shared,
    entry: {
      index: "src/index.ts",
      "money/index": "src/money/index.ts",
      "testing/index": "src/testing/index.ts"
    },
    splitting: true,
    clean: false,
    dts: { entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts" } }
  },
  {
    ...shared,
    entry: { "money/index": "src/money/index.ts" },
    clean: false,
    dts: { only: true }
  }
])
