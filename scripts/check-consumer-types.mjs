#!/usr/bin/env node
// Consumer type test run by CI after `pnpm build`: a TypeScript project outside the workspace
// installs the packed packages and compiles against their published declarations with
// `skipLibCheck: false`, so an error anywhere in a .d.ts we ship (or in a declaration it pulls
// in, such as a dependency's types) fails here instead of in a user's project. It packs
// @paykit/core, @paykit/ledger and @paykit/store-postgres with `pnpm pack` (which rewrites
// `workspace:` ranges, as scripts/check-consumer-ledger.mjs does), installs the tarballs with
// npm, with `effect`, `typescript` and `@types/node` from the registry, into a fresh project in
// a temporary directory, and checks that:
//   1. one program using core (and `@paykit/core/money`), ledger and store-postgres (and its
//      `/ledger` entry) type-checks in each resolution mode a consumer may use:
//        - node16, as an ES module (`.mts`) and as CommonJS (`.cts`);
//        - nodenext, likewise;
//        - bundler (`module: preserve`, `moduleResolution: bundler`);
//      all with `strict`, `exactOptionalPropertyTypes` and `skipLibCheck: false`;
//   2. a `.mjs` script (import) and a `.cjs` script (require) compute with Money and print the
//      same line, and the `Money` class is one class whether it comes from `@paykit/core` or
//      from `@paykit/core/money`.
// Any difference fails the script with tsc's or node's output.
import { execFile, execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"

const execFileAsync = promisify(execFile)

const root = new URL("..", import.meta.url).pathname
const started = Date.now()
const say = (line) => console.log(`[consumer-types ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`)
const fail = (message) => {
  console.error(`FAIL consumer-types: ${message}`)
  process.exitCode = 1
  throw new Error(message)
}

const packages = ["core", "ledger", "store-postgres"]

// The environment of the child processes: no npm/pnpm settings inherited from a pnpm script
// (the registry excepted), no database of the caller's.
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) =>
      !(k.startsWith("npm_") && k !== "npm_config_registry") && !k.startsWith("PNPM_") && k !== "DATABASE_URL"
  )
)

const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const coreManifest = JSON.parse(readFileSync(join(root, "packages", "core", "package.json"), "utf8"))
const versions = {
  effect: coreManifest.devDependencies.effect,
  typescript: rootManifest.devDependencies.typescript,
  "@types/node": rootManifest.devDependencies["@types/node"]
}

// The program: values and types from every entry point it imports, so each .d.ts is read.
const program = `import { Currency, Decimal, Ids, Notifier } from "@paykit/core"
import * as Plain from "@paykit/core/money"
import { Money } from "@paykit/core/schema"
import { Ledger } from "@paykit/ledger"
import { Database, PgliteClient } from "@paykit/store-postgres"
import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
import { Effect, Layer, Result, Schema } from "effect"

const price: Money.Money = Money.fromMinorUnsafe(1999n, Currency.USD)
const fee: Money.Money = Money.percentageUnsafe(price, Decimal.unsafe("2.9"), "half-up")
const plain: Plain.Money.Money = Plain.Money.subtractUnsafe(price, fee)
const json: { readonly amount: string; readonly currency: string } = Schema.encodeSync(Money.Json)(plain)
const mismatch = Money.add(price, Money.zero(Currency.EUR))
export const tag: string = Result.isFailure(mismatch) ? mismatch.failure._tag : "none"

const books = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  yield* ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
  const cash = yield* ledger.balances("cash")
  return Money.format(cash.available)
})
export const onMemory: Effect.Effect<string, unknown> = books.pipe(
  Effect.provide(Ledger.layerMemory().pipe(Layer.provide([Notifier.layerMemory, Ids.layer])))
)
export const onPostgres = books.pipe(Effect.provide(LedgerStorePostgres.layerConfig()))
export const embedded = PgliteClient.layer({})
export const info = Database.DatabaseInfo
export const shown: string = \`\${Money.format(plain, "en-US")} \${json.amount}\`
`

// The same from CommonJS under node16, which models a Node without require(esm): there a .cts
// may not import effect's values at all (TS1479; effect is ESM-only), so this one takes its
// effect types with `resolution-mode: import` and its values from paykit only. paykit's own
// .d.cts files import effect the same way (scripts/cjs-declarations.mjs).
const programNode16Cjs = `import type { Effect, Layer } from "effect" with { "resolution-mode": "import" }
import { Currency, Decimal, Ids, Money, Notifier } from "@paykit/core"
import * as Plain from "@paykit/core/money"
import { Ledger } from "@paykit/ledger"
import { Database, PgliteClient } from "@paykit/store-postgres"
import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"

const price: Money.Money = Money.fromMinorUnsafe(1999n, Currency.USD)
const fee: Money.Money = Money.percentageUnsafe(price, Decimal.unsafe("2.9"), "half-up")
const plain: Plain.Money.Money = Plain.Money.subtractUnsafe(price, fee)
export const shown: string = Money.format(plain, "en-US")
export const memory: Layer.Layer<Ledger.Ledger, never, Notifier.Notifier | Ids.Ids> = Ledger.layerMemory()
export const onPostgres = LedgerStorePostgres.layerConfig()
export const embedded = PgliteClient.layer({})
export const info = Database.DatabaseInfo
export type Books = Effect.Effect<string, unknown, Ledger.Ledger>
`

const compilerOptions = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  noEmit: true,
  target: "ES2022",
  // effect's own declarations name CryptoKey, JsonWebKey and Storage, which @types/node 20 does
  // not declare: without the DOM lib a consumer fails on effect itself, whatever paykit ships
  lib: ["ES2023", "DOM"],
  types: ["node"]
}
// [name, module, moduleResolution, files]
const modes = [
  ["node16 (ESM .mts and CommonJS .cts)", "node16", "node16", ["program.mts", "program-node16.cts"]],
  ["nodenext (ESM .mts and CommonJS .cts)", "nodenext", "nodenext", ["program.mts", "program.cts"]],
  ["bundler (module preserve)", "preserve", "bundler", ["program.ts"]]
]

const dir = mkdtempSync(join(tmpdir(), "paykit-consumer-types-"))
if (dir.startsWith(root)) fail(`the temporary project ${dir} is inside the workspace`)
let ok = false
try {
  const deps = {}
  for (const name of packages) {
    const pkgDir = join(root, "packages", name)
    if (!existsSync(join(pkgDir, "dist", "index.js")))
      fail(`packages/${name}/dist is missing; run pnpm build first`)
    const out = execFileSync("pnpm", ["pack", "--pack-destination", dir], {
      cwd: pkgDir,
      env: childEnv,
      encoding: "utf8"
    })
    const tarball = out
      .trim()
      .split("\n")
      .map((l) => l.trim())
      .reverse()
      .find((l) => l.endsWith(".tgz"))
    if (tarball === undefined) fail(`pnpm pack printed no tarball for ${name}:\n${out}`)
    const file = tarball.split("/").pop()
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"))
    deps[manifest.name] = `file:./${file}`
    say(`packed ${manifest.name} → ${file}`)
  }
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify(
      {
        name: "paykit-consumer-types",
        private: true,
        // no "type": the .mts/.cts and .mjs/.cjs extensions say which files are which
        dependencies: { ...deps, effect: versions.effect },
        devDependencies: { typescript: versions.typescript, "@types/node": versions["@types/node"] },
        // the local tarballs, wherever a package asks for another @paykit package
        overrides: deps
      },
      null,
      2
    )}\n`
  )
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    env: childEnv,
    stdio: ["ignore", "inherit", "inherit"]
  })
  say(`npm install done (effect ${versions.effect}, typescript ${versions.typescript})`)

  // 1. the program in every resolution mode, skipLibCheck off
  for (const file of ["program.mts", "program.cts", "program.ts"]) writeFileSync(join(dir, file), program)
  writeFileSync(join(dir, "program-node16.cts"), programNode16Cjs)
  const tsc = join(dir, "node_modules", "typescript", "bin", "tsc")
  // the three compilations at once (each takes half a minute: effect's types are heavy)
  const runs = modes.map(([name, module, moduleResolution, files]) => {
    const config = `tsconfig.${moduleResolution}.json`
    writeFileSync(
      join(dir, config),
      `${JSON.stringify({ compilerOptions: { ...compilerOptions, module, moduleResolution }, files }, null, 2)}\n`
    )
    return execFileAsync("node", [tsc, "-p", config], {
      cwd: dir,
      env: childEnv,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024
    }).then(
      () => {
        say(`tsc ${name}: ok with skipLibCheck: false`)
        return undefined
      },
      (error) => {
        say(`tsc ${name}: FAILED`)
        return `tsc (${name}, skipLibCheck: false) failed:\n${error.stdout ?? ""}${error.stderr ?? ""}`
      }
    )
  })
  const failures = (await Promise.all(runs)).filter((f) => f !== undefined)
  if (failures.length > 0) fail(failures.join("\n"))

  // 2. run Money from ESM and from CommonJS
  const expected = "$19.99 - $0.58 = $19.41; same class: true"
  const body = (load) => `${load}
const price = Money.fromMinorUnsafe(1999n, Currency.USD)
const fee = Money.percentageUnsafe(price, Decimal.unsafe("2.9"), "half-up")
console.log(\`\${Money.format(price, "en-US")} - \${Money.format(fee, "en-US")} = \${Money.format(Money.subtractUnsafe(price, fee), "en-US")}; same class: \${Plain.Money.Money === Money.Money && price instanceof Plain.Money.Money}\`)
`
  mkdirSync(join(dir, "run"), { recursive: true })
  writeFileSync(
    join(dir, "run", "money.mjs"),
    body(`import { Currency, Decimal, Money } from "@paykit/core"
import * as Plain from "@paykit/core/money"`)
  )
  writeFileSync(
    join(dir, "run", "money.cjs"),
    body(`const { Currency, Decimal, Money } = require("@paykit/core")
const Plain = require("@paykit/core/money")`)
  )
  for (const file of ["money.mjs", "money.cjs"]) {
    let out
    try {
      out = execFileSync("node", [join("run", file)], { cwd: dir, env: childEnv, encoding: "utf8" }).trim()
    } catch (error) {
      fail(`node run/${file} failed:\n${error.stdout ?? ""}${error.stderr ?? ""}`)
    }
    if (out !== expected)
      fail(`node run/${file} printed ${JSON.stringify(out)}, expected ${JSON.stringify(expected)}`)
    say(`node run/${file}: ${out}`)
  }
  ok = true
} finally {
  if (ok || process.env["KEEP_CONSUMER_DIR"] === undefined) rmSync(dir, { recursive: true, force: true })
  else console.error(`kept ${dir}`)
}
say("ok")
