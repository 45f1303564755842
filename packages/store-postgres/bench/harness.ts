import { Effect } from "effect"
import { nodeCpu, serverCpu } from "./cpu.ts"

/** The bench's shared driver and tables: closed-loop clients, latencies, CPU per unit of work. */

export const percentile = (xs: Array<number>, p: number): number => {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

export interface Sample {
  readonly entries: number
  readonly seconds: number
  readonly latencies: ReadonlyArray<number>
  /** CPU milliseconds this process and the local server's processes spent (NaN when unknown). */
  readonly nodeCpuMs: number
  readonly serverCpuMs: number
}

/**
 * Runs `call` from `clients` concurrent fibers for `seconds`; returns the units of work done
 * (what each call answers), each call's latency and the CPU spent.
 */
export const drive = <E, R>(
  clients: number,
  seconds: number,
  call: (client: number, n: number) => Effect.Effect<number, E, R>
) =>
  Effect.gen(function* () {
    const latencies: Array<number> = []
    let entries = 0
    const node0 = nodeCpu()
    const server0 = serverCpu()
    const start = performance.now()
    const deadline = start + seconds * 1000
    yield* Effect.forEach(
      Array.from({ length: clients }, (_, c) => c),
      (c) =>
        Effect.gen(function* () {
          let n = 0
          while (performance.now() < deadline) {
            const t = performance.now()
            // (not `entries += yield* …`: that reads `entries` before the fiber suspends)
            const done = yield* call(c, n++)
            entries += done
            latencies.push(performance.now() - t)
          }
        }),
      { concurrency: "unbounded", discard: true }
    )
    return {
      entries,
      seconds: (performance.now() - start) / 1000,
      latencies,
      nodeCpuMs: nodeCpu() - node0,
      serverCpuMs: serverCpu() - server0
    } satisfies Sample
  })

export const summary = (samples: ReadonlyArray<Sample>) => {
  const entries = samples.reduce((n, s) => n + s.entries, 0)
  const seconds = samples.reduce((n, s) => n + s.seconds, 0)
  const latencies = samples.flatMap((s) => s.latencies)
  if (process.env["BENCH_DEBUG"])
    console.log(`  ${latencies.length} calls, ${entries} entries in ${seconds.toFixed(2)} s`)
  return {
    entriesPerSec: entries / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    nodeCpuUs: (samples.reduce((n, s) => n + s.nodeCpuMs, 0) * 1000) / entries,
    serverCpuUs: (samples.reduce((n, s) => n + s.serverCpuMs, 0) * 1000) / entries
  }
}

/** A Markdown table, columns padded. */
export const printTable = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(row(header))
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`)
  for (const l of lines) console.log(row(l))
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "-")
