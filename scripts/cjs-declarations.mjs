#!/usr/bin/env node
// Run by each package's build after tsup, in the package's directory: makes the CommonJS
// declarations (dist/**/*.d.cts) name ESM-only packages (effect) the way TypeScript allows from a
// CommonJS file under `module: node16`. tsup writes `import { Effect } from 'effect'` into a
// .d.cts; for TypeScript that is a `require` of an ES module, error TS1479 under node16 (nodenext
// and node20 model Node's require(esm) and accept it). A declaration file only imports types, so
// each such import becomes `import type { Effect } from 'effect' with { 'resolution-mode':
// 'import' }`, which every mode accepts (TypeScript >= 5.3). At run time nothing changes: the
// CommonJS build still `require`s effect, which needs Node >= 20.19 (require(esm)); see the root
// README. A package counts as ESM-only when its package.json says `"type": "module"` and its
// `exports` offer no `require` condition and no .cjs file.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"

const pkgDir = process.cwd()
const dist = join(pkgDir, "dist")
if (!existsSync(dist)) {
  console.error(`cjs-declarations: ${dist} is missing; run tsup first`)
  process.exit(1)
}

const packageName = (specifier) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]

const esmOnlyCache = new Map()
const isEsmOnly = (name) => {
  if (esmOnlyCache.has(name)) return esmOnlyCache.get(name)
  let result = false
  for (let dir = pkgDir; ; dir = dirname(dir)) {
    const manifest = join(dir, "node_modules", name, "package.json")
    if (existsSync(manifest)) {
      const pj = JSON.parse(readFileSync(manifest, "utf8"))
      const exportsText = JSON.stringify(pj.exports ?? {})
      result = pj.type === "module" && !exportsText.includes('"require"') && !exportsText.includes(".cjs")
      break
    }
    if (dirname(dir) === dir) break
  }
  esmOnlyCache.set(name, result)
  return result
}

const files = []
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path)
    else if (entry.name.endsWith(".d.cts")) files.push(path)
  }
}
walk(dist)

// `import { a, type B } from 'x';`, `import * as X from 'x';`, `import X from 'x';`
const importLine = /^import (?!type )(.+?) from (['"])([^'"]+)\2;?$/gm
const attributes = "with { 'resolution-mode': 'import' }"
let changed = 0
for (const file of files) {
  const text = readFileSync(file, "utf8")
  const next = text.replace(importLine, (line, clause, quote, specifier) => {
    if (specifier.startsWith(".") || !isEsmOnly(packageName(specifier))) return line
    changed++
    // `import type { type B }` is an error: drop the inline modifiers
    const plain = clause.replace(/\btype\s+(?=[A-Za-z_$])/g, "")
    return `import type ${plain} from ${quote}${specifier}${quote} ${attributes};`
  })
  if (/\bimport\((['"])(?!\.)[^'"]+\1\)/.test(next)) {
    for (const [, , specifier] of next.matchAll(/\bimport\((['"])([^'"]+)\1\)/g)) {
      if (!specifier.startsWith(".") && isEsmOnly(packageName(specifier))) {
        console.error(`cjs-declarations: ${file} has an import("${specifier}") type; not handled`)
        process.exit(1)
      }
    }
  }
  if (next !== text) writeFileSync(file, next)
}
console.log(
  `cjs-declarations: ${changed} import(s) of ESM-only packages in ${files.length} .d.cts file(s) marked resolution-mode import`
)
