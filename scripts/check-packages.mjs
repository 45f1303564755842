#!/usr/bin/env node
// Package checks run by CI after `pnpm build`: publint and @arethetypeswrong/cli on every
// package under packages/. attw uses the node16 profile (node16 CJS + ESM and bundlers):
// paykit, like effect itself, needs `exports` support, so the pre-exports `node10`
// resolution is out of scope.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const bin = (name) => join(root, "node_modules", ".bin", name)
const dirs = readdirSync(join(root, "packages"))
  .map((d) => join(root, "packages", d))
  .filter((d) => existsSync(join(d, "package.json")))

let failed = 0
for (const dir of dirs) {
  const { name } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  for (const [tool, args] of [
    ["publint", [dir, "--strict"]],
    ["attw", ["--pack", dir, "--profile", "node16", "--format", "table-flipped"]]
  ]) {
    try {
      execFileSync(bin(tool), args, { stdio: "pipe", encoding: "utf8" })
      console.log(`ok   ${tool.padEnd(7)} ${name}`)
    } catch (error) {
      failed++
      console.log(`FAIL ${tool.padEnd(7)} ${name}\n${error.stdout ?? ""}${error.stderr ?? ""}`)
    }
  }
}
if (failed > 0) {
  console.error(`${failed} package check(s) failed`)
  process.exit(1)
}
