/**
 * README examples checked verbatim, and README services run as processes: the ```ts block under
 * a README heading compared with the code a test runs (the marked region of a test file, or a
 * whole fixture module), and a fixture service started as its own OS process and spoken to over
 * HTTP. Node only (it reads files and spawns processes).
 *
 * @since 0.2.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/**
 * The first ```ts block after the line `heading` of the README text `readme`.
 *
 * @category README
 * @since 0.2.0
 */
export const blockUnder = (readme: string, heading: string): string => {
  const at = readme.split("\n").indexOf(heading)
  if (at < 0) throw new Error(`README.md has no heading "${heading}"`)
  const rest = readme
    .split("\n")
    .slice(at + 1)
    .join("\n")
  const block = /```ts\n([\s\S]*?)```/.exec(rest)
  if (block === null) throw new Error(`README.md has no ts block under "${heading}"`)
  return block[1]!
}

/**
 * The code without its import lines, trimmed: what a test body runs.
 *
 * @category README
 * @since 0.2.0
 */
export const withoutImports = (code: string): string =>
  code
    .split("\n")
    .filter((line) => !line.startsWith("import "))
    .join("\n")
    .trim()

/**
 * The lines of `file` between `// --- README <name> starts` and `// --- README <name> ends`, dedented.
 *
 * @category README
 * @since 0.2.0
 */
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

/**
 * The text of a fixture module, trimmed.
 *
 * @category README
 * @since 0.2.0
 */
export const fixture = (file: URL): string => readFileSync(file, "utf8").trim()

/**
 * Runs a fixture module as its own OS process (tsx, the package's sources), with `PORT=0`: the
 * port it prints (`listening on { …, port: N }`), a promise for the first stdout line matching,
 * and its exit. `stop()` kills it if it still runs; a guard kills it after 240 s (a hang
 * detector, below the test timeout, not a speed check).
 *
 * @category services
 * @since 0.2.0
 */
export const startService = (module: URL, packageDir: URL) => {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@paykit/source", fileURLToPath(module)],
    {
      cwd: fileURLToPath(packageDir),
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"]
    }
  )
  const guard = setTimeout(() => child.kill("SIGKILL"), 240_000)
  const lines: Array<string> = []
  const waiters: Array<{ test: (l: string) => boolean; resolve: (l: string) => void }> = []
  let buffer = ""
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8")
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      lines.push(line)
      for (const w of waiters.splice(0)) {
        if (w.test(line)) w.resolve(line)
        else waiters.push(w)
      }
    }
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal })
    })
  )
  const line = (test: (l: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find(test)
      if (seen !== undefined) return resolve(seen)
      waiters.push({ test, resolve })
      void exited.then(({ code }) => reject(new Error(`the service exited (${code}) before the line`)))
    })
  const port = line((l) => l.startsWith("listening on")).then((l) => Number(/port: (\d+)/.exec(l)?.[1]))
  const stop = () => {
    clearTimeout(guard)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  }
  return { child, port, line, exited, stop }
}

/**
 * POSTs `body` as JSON to the service on `port`: the status and the JSON answer.
 *
 * @category services
 * @since 0.2.0
 */
export const post = async (port: number, body: unknown) => {
  const r = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: JSON.stringify(body) })
  return { status: r.status, json: (await r.json()) as Record<string, unknown> }
}

/**
 * The helpers bound to one package: `packageDir` (a `file:` URL ending in `/`) holds its
 * `README.md`, and its fixture services run with it as their working directory.
 *
 * @example
 * ```ts
 * import { Readme } from "@paykit/core/testing"
 * const { readmeBlock, markedRegion, withoutImports } = Readme.forPackage(new URL("..", import.meta.url))
 * // expect(markedRegion(here, "client example")).toBe(withoutImports(readmeBlock("## Example")))
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const forPackage = (packageDir: URL) => {
  const readme = readFileSync(new URL("README.md", packageDir), "utf8")
  return {
    readmeBlock: (heading: string): string => blockUnder(readme, heading),
    withoutImports,
    markedRegion,
    fixture,
    startService: (module: URL) => startService(module, packageDir),
    post
  }
}
