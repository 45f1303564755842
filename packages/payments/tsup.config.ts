import { defineConfig } from "tsup"
import { paykitBuild } from "../../tsup.shared.ts"

const shared = paykitBuild()

// The main and testing entries, `./risk` (the `RiskCheck` adapter over the optional peer
// `@paykit/risk`) and `./fx` (the `FxConversion` adapter over the optional peer `@paykit/fx`).
// Splitting (also for CJS) keeps one copy of what the entries share (the errors, the ports), so
// a class seen through `@paykit/payments` and through `/risk` or `/fx` is the same class.
export default defineConfig({
  ...(shared as object),
  entry: {
    index: "src/index.ts",
    "fx/index": "src/fx/index.ts",
    "risk/index": "src/risk/index.ts",
    "testing/index": "src/testing/index.ts"
  },
  splitting: true
})
