import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Readme } from "@paykit/core/testing"
import { describe, expect, it } from "vitest"
import { Endpoint } from "../src/index.ts"

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8")

describe("README", () => {
  it("the example runs as written and prints what it says", () => {
    const code = Readme.blockUnder(README, "## Example")
    const dir = mkdtempSync(join(new URL("..", import.meta.url).pathname, ".readme-"))
    try {
      const file = join(dir, "example.mts")
      writeFileSync(file, code)
      const out = execFileSync(process.execPath, ["--import", "tsx", "--conditions=@paykit/source", file], {
        encoding: "utf8",
        cwd: dir
      })
      expect(out.trim().split("\n")).toEqual(["received payments.refund.succeeded", "1 delivered"])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it("the endpoint diagram is the machine's table, arrow for arrow", () => {
    const start = README.indexOf("```mermaid")
    const block = README.slice(start, README.indexOf("```", start + 3))
    const arrows = block
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.includes("-->") && !l.startsWith("[*]"))
    const edges = Endpoint.machine.edges().map((e) => `${e.from} --> ${e.to}: ${e.command}`)
    expect(arrows.sort()).toEqual([...edges].sort())
  })
})
