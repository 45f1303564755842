#!/usr/bin/env node
// Bundle-size check run by CI after `pnpm build`: what a browser or edge bundle pays for paykit's
// money. It bundles tiny programs that import `Money` and `Currency` from the built @paykit/core
// (through its package.json `exports`, as a consumer's bundler does) with esbuild — minified,
// tree-shaken, ESM, for the browser — prints each figure beside its budget and exits non-zero
// when one is above it or when effect's Schema modules are in it:
//   - `@paykit/core` (the main entry point): 60 KB. It holds because the codecs (`Money.Json`,
//     `Currency.Code`...) live on the namespaces of `@paykit/core/schema` only — esbuild keeps
//     every member of a namespace it bundles (evanw/esbuild#1420) — and because core's build puts
//     every module in a file of its own, which a bundler drops when unused (`sideEffects: false`);
//   - `@paykit/core/money` (the older small entry point, the same namespaces): 60 KB.
// 1 KB = 1000 bytes. `--verbose` lists the largest inputs of each bundle.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import * as esbuild from "esbuild"

const root = new URL("..", import.meta.url).pathname
const verbose = process.argv.includes("--verbose")

const program = (from) => `import { Currency, Money } from "${from}"
const price = Money.fromMinorUnsafe(1999n, Currency.USD)
console.log(Money.format(Money.addUnsafe(price, price), "en-US"))
`
const checks = [
  { name: "Money + Currency from @paykit/core", from: "@paykit/core", budget: 60_000, noSchema: true },
  {
    name: "Money + Currency from @paykit/core/money",
    from: "@paykit/core/money",
    budget: 60_000,
    noSchema: true
  }
]

// a project outside the workspace whose node_modules/@paykit/core is the built package
const dir = mkdtempSync(join(tmpdir(), "paykit-bundle-size-"))
let failed = 0
try {
  mkdirSync(join(dir, "node_modules", "@paykit"), { recursive: true })
  symlinkSync(join(root, "packages", "core"), join(dir, "node_modules", "@paykit", "core"), "dir")
  for (const check of checks) {
    const entry = join(dir, `${check.from.replaceAll(/[@/]/g, "_")}.mjs`)
    writeFileSync(entry, program(check.from))
    let result
    try {
      result = await esbuild.build({
        entryPoints: [entry],
        absWorkingDir: dir,
        bundle: true,
        minify: true,
        treeShaking: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        write: false,
        metafile: true,
        logLevel: "silent"
      })
    } catch (error) {
      console.error(
        `FAIL bundle-size: esbuild could not bundle ${check.from} (run pnpm build first?)\n${error.message}`
      )
      process.exit(1)
    }
    const bytes = result.outputFiles[0].contents.length
    const gzip = gzipSync(result.outputFiles[0].contents).length
    const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs)
      .map(([path, { bytesInOutput }]) => [path.replace(/^.*node_modules\//, ""), bytesInOutput])
      .filter(([, size]) => size > 0)
      .sort((a, b) => b[1] - a[1])
    const schema = inputs.filter(([path]) => /^effect\/dist\/Schema(AST)?\.js$/.test(path))
    const over = bytes > check.budget
    const leaks = check.noSchema && schema.length > 0
    const kb = (n) => `${(n / 1000).toFixed(1)} KB`
    console.log(
      `${over || leaks ? "FAIL" : "ok  "} ${check.name}: ${kb(bytes)} minified (${kb(gzip)} gzip), budget ${kb(check.budget)}`
    )
    if (leaks) console.log(`     effect's Schema is in the bundle: ${schema.map(([p]) => p).join(", ")}`)
    if (over || leaks || verbose) {
      for (const [path, size] of inputs.slice(0, 12)) console.log(`     ${kb(size).padStart(9)}  ${path}`)
    }
    if (over || leaks) failed++
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
if (failed > 0) {
  console.error(`${failed} bundle-size check(s) failed`)
  process.exit(1)
}
