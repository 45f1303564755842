#!/usr/bin/env node
// Packaging test run by CI after `pnpm build`: a project that uses only the ledger on PostgreSQL
// gets only the ledger. It packs @paykit/core, @paykit/ledger and @paykit/store-postgres with
// `pnpm pack` (which rewrites `workspace:` ranges), installs the tarballs with npm into a fresh
// project in a temporary directory outside the workspace, and checks that:
//   1. node_modules holds no @paykit/accounts, @paykit/fx, @paykit/payments, @paykit/risk,
//      @paykit/settlement and no CEL engine
//      (@marcbachmann/cel-js, what @paykit/risk evaluates rules with): the domain packages are
//      optional peers of @paykit/store-postgres;
//   2. an ESM program opens LedgerStorePostgres.layerConfig() on embedded PGlite in memory
//      (PAYKIT_DATABASE=pglite:memory), migrates, and finds exactly the ledger's tables, the
//      outbox's tables and their two migration tables in its schema;
//   3. from CommonJS, `@paykit/store-postgres` and `/ledger` load, and `/accounts`, `/payments` and
//      `/settlement` fail for want of their optional peers.
// Any difference fails the script with a message saying what was found.
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const started = Date.now()
const say = (line) => console.log(`[consumer-ledger ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`)
const fail = (message) => {
  console.error(`FAIL consumer-ledger: ${message}`)
  process.exitCode = 1
  throw new Error(message)
}

const packages = ["core", "ledger", "store-postgres"]
const forbidden = [
  "@paykit/accounts",
  "@paykit/fx",
  "@paykit/payments",
  "@paykit/risk",
  "@paykit/settlement",
  "@marcbachmann/cel-js"
]
const expectedTables = [
  "paykit_ledger_account_lines",
  "paykit_ledger_accounts",
  "paykit_ledger_currencies",
  "paykit_ledger_entries",
  "paykit_ledger_holds",
  "paykit_ledger_lines",
  "paykit_ledger_migrations",
  "paykit_ledger_postings",
  "paykit_outbox",
  "paykit_outbox_migrations",
  "paykit_outbox_relay"
]

// The environment of the child processes: no npm/pnpm settings inherited from a pnpm script
// (the registry excepted), no database of the caller's.
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) =>
      !(k.startsWith("npm_") && k !== "npm_config_registry") && !k.startsWith("PNPM_") && k !== "DATABASE_URL"
  )
)

const dir = mkdtempSync(join(tmpdir(), "paykit-consumer-ledger-"))
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
  const effectVersion = JSON.parse(readFileSync(join(root, "packages", "core", "package.json"), "utf8"))
    .devDependencies.effect
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify(
      {
        name: "paykit-consumer-ledger",
        private: true,
        type: "module",
        dependencies: { ...deps, effect: effectVersion },
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
  say("npm install done")

  // 1. what was installed, at any depth
  const installed = new Set()
  const walk = (modules) => {
    if (!existsSync(modules)) return
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith(".")) continue
      const names = entry.startsWith("@")
        ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`)
        : [entry]
      for (const name of names) {
        installed.add(name)
        walk(join(modules, name, "node_modules"))
      }
    }
  }
  walk(join(dir, "node_modules"))
  for (const name of ["@paykit/core", "@paykit/ledger", "@paykit/store-postgres", "@electric-sql/pglite"]) {
    if (!installed.has(name)) fail(`${name} is not installed`)
  }
  const unwanted = forbidden.filter((name) => installed.has(name))
  if (unwanted.length > 0) fail(`node_modules holds ${unwanted.join(", ")}; a ledger-only project must not`)
  say(`node_modules: ${installed.size} packages, none of ${forbidden.join(", ")}`)

  // 2. the ledger on embedded PGlite, through layerConfig and the explicit embedded mode
  writeFileSync(
    join(dir, "check.mjs"),
    `import { Database } from "@paykit/store-postgres"
import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
import { Effect } from "effect"
import { SqlClient } from "effect/sql/SqlClient"

const program = Effect.gen(function* () {
  const sql = yield* SqlClient
  const info = yield* Database.DatabaseInfo
  const rows = yield* sql\`SELECT table_name FROM information_schema.tables
    WHERE table_schema = current_schema() ORDER BY table_name\`
  return { embedded: info.embedded, tables: rows.map((r) => r.table_name) }
})
const result = await Effect.runPromise(program.pipe(Effect.provide(LedgerStorePostgres.layerConfig())))
console.log(JSON.stringify(result))
`
  )
  const out = execFileSync("node", ["check.mjs"], {
    cwd: dir,
    env: { ...childEnv, PAYKIT_DATABASE: "pglite:memory" },
    encoding: "utf8"
  })
  const result = JSON.parse(out.trim().split("\n").pop())
  if (result.embedded !== true) fail(`expected embedded PGlite, got ${JSON.stringify(result)}`)
  const found = [...result.tables].sort()
  if (JSON.stringify(found) !== JSON.stringify(expectedTables)) {
    fail(
      `the schema's tables differ\n  expected: ${expectedTables.join(", ")}\n  found:    ${found.join(", ")}`
    )
  }
  say(`ESM: LedgerStorePostgres on PGlite in memory migrated exactly ${found.length} tables`)

  // 3. CommonJS entry points, and the optional peer really being optional
  writeFileSync(
    join(dir, "check.cjs"),
    `const shared = require("@paykit/store-postgres")
const { LedgerStorePostgres } = require("@paykit/store-postgres/ledger")
if (typeof shared.Database.layer !== "function" || typeof LedgerStorePostgres.layer !== "function") {
  throw new Error("CJS entry points do not export their modules")
}
const codes = ["accounts", "payments", "settlement"].map((entry) => {
  try {
    require("@paykit/store-postgres/" + entry)
    return "loaded"
  } catch (e) {
    return String(e && e.code)
  }
})
console.log(codes.join(" "))
`
  )
  const cjs = execFileSync("node", ["check.cjs"], { cwd: dir, env: childEnv, encoding: "utf8" }).trim()
  if (cjs !== "MODULE_NOT_FOUND MODULE_NOT_FOUND MODULE_NOT_FOUND")
    fail(
      `requiring /accounts, /payments and /settlement without their optional peers should fail; got ${cjs}`
    )
  say("CJS: shared and /ledger load; /accounts, /payments and /settlement need their optional peers")
  ok = true
} finally {
  if (ok || process.env["KEEP_CONSUMER_DIR"] === undefined) rmSync(dir, { recursive: true, force: true })
  else console.error(`kept ${dir}`)
}
say("ok")
