import { defineConfig } from "tsup"
import { paykitBuild } from "../../tsup.shared.ts"

const shared = paykitBuild()

// The main, testing and JetStream entries; splitting (also for CJS) keeps one copy of what they share.
export default defineConfig({
  ...(shared as object),
  entry: {
    index: "src/index.ts",
    "testing/index": "src/testing/index.ts",
    "jetstream/index": "src/jetstream/index.ts"
  },
  splitting: true
})
