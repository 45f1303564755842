import { defineConfig } from "tsup"
import { paykitBuild } from "../../tsup.shared.ts"

const shared = paykitBuild()

// The main and testing entries, and `./fx`, the `ReferenceRates` adapter over the optional peer
// `@paykit/fx`. Splitting (also for CJS) keeps one copy of what the entries share (the errors,
// the port), so a class seen through `@paykit/accounts` and through `/fx` is the same class.
export default defineConfig({
  ...(shared as object),
  entry: { index: "src/index.ts", "fx/index": "src/fx/index.ts", "testing/index": "src/testing/index.ts" },
  splitting: true
})
