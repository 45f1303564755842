import { readdirSync } from "node:fs"
import { defineConfig, type Options } from "tsup"
import { paykitBuild } from "../../tsup.shared.ts"

const shared = paykitBuild() as Options

// Every module of src/ is an entry of its own (dist/_/<path>.js), besides the public entry points
// (`@paykit/core`, `/money`, `/schema`, `/testing`). With splitting, esbuild then puts each module
// in its own file, and the entry points only re-export: a consumer's bundler drops every file
// whose exports it does not use (`"sideEffects": false`), so `import { Money } from
// "@paykit/core"` brings Money's module and what it imports, not `Decimal`, `Ids`, `StateMachine`
// or effect's Schema. Bundled into one file, the modules' top-level statements (namespace
// objects, `Schema.Struct(...)`, `Layer.sync(...)`) would all stay in every consumer's bundle.
// Splitting (also for CJS) keeps one copy of each module, so the `Money` class and the errors
// seen through every entry point are the same. The declarations of `/money` are bundled on their
// own: bundled together with the main entry's, the shared chunk turns the types of namespace
// members (`Currency.Registry`, the `Money` class as a type) into values. `clean` is off (the
// build script empties dist/ first): the two configurations run at the same time.
const modules = Object.fromEntries(
  readdirSync("src", { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith("index.ts"))
    .map((file) => [`_/${file.replace(/\.ts$/, "")}`, `src/${file}`])
)

export default defineConfig([
  {
    ...shared,
    entry: {
      index: "src/index.ts",
      "money/index": "src/money/index.ts",
      "schema/index": "src/schema/index.ts",
      "testing/index": "src/testing/index.ts",
      ...modules
    },
    splitting: true,
    clean: false,
    dts: {
      entry: {
        index: "src/index.ts",
        "schema/index": "src/schema/index.ts",
        "testing/index": "src/testing/index.ts"
      }
    }
  },
  {
    ...shared,
    entry: { "money/index": "src/money/index.ts" },
    clean: false,
    dts: { only: true }
  }
])
