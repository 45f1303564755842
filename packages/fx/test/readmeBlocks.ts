import { readFileSync } from "node:fs"

/**
 * README examples checked verbatim: the ```ts block under a README heading, compared with the
 * code a test runs (the marked region of a test file, or a whole fixture module).
 */
const README = readFileSync(new URL("../README.md", import.meta.url), "utf8")

/** The first ```ts block after the line `heading` of the README. */
export const readmeBlock = (heading: string): string => {
  const at = README.split("\n").indexOf(heading)
  if (at < 0) throw new Error(`README.md has no heading "${heading}"`)
  const rest = README.split("\n")
    .slice(at + 1)
    .join("\n")
  const block = /```ts\n([\s\S]*?)```/.exec(rest)
  if (block === null) throw new Error(`README.md has no ts block under "${heading}"`)
  return block[1]!
}

/** The code without its import lines, trimmed: what a test body runs. */
export const withoutImports = (code: string): string =>
  code
    .split("\n")
    .filter((line) => !line.startsWith("import "))
    .join("\n")
    .trim()

/** The lines of `file` between `// --- README <name> starts` and `// --- README <name> ends`, dedented. */
export const markedRegion = (file: URL, name: string): string => {
  const lines = readFileSync(file, "utf8").split("\n")
  const start = lines.findIndex((l) => l.trim() === `// --- README ${name} starts`)
  const end = lines.findIndex((l) => l.trim() === `// --- README ${name} ends`)
  if (start < 0 || end < start) throw new Error(`no README ${name} region in ${file.pathname}`)
  const region = lines.slice(start + 1, end)
  const indent = Math.min(
    ...region.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length)
  )
  return region
    .map((l) => l.slice(indent))
    .join("\n")
    .trim()
}

/** The text of a fixture module, trimmed. */
export const fixture = (file: URL): string => readFileSync(file, "utf8").trim()
