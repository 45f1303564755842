import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Readme } from "@paykit/core/testing"
import { describe, expect, it } from "vitest"

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8")

describe("README", () => {
  it("the example runs as written and prints what its comments say", () => {
    const code = Readme.blockUnder(README, "## Example")
    // inside the package, so that `@paykit/*` resolves to the workspace's sources
    const dir = mkdtempSync(join(new URL("..", import.meta.url).pathname, ".readme-"))
    try {
      const file = join(dir, "example.ts")
      writeFileSync(file, code)
      const out = execFileSync(process.execPath, ["--import", "tsx", "--conditions=@paykit/source", file], {
        encoding: "utf8",
        cwd: dir
      })
      expect(out.trim().split("\n")).toEqual(["succeeded partially_refunded", "16000n"])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
