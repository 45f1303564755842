import { Duration, Effect, Exit, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
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

/**
 * The last four cells every comparison table ends with: Node and server CPU per operation (the
 * server's is in Node on PGlite), the mean ratio and the ratios' range over the slices.
 */
export const costCells = (r: {
  readonly db: string
  readonly nodeCpuUs: number
  readonly serverCpuUs: number
  readonly ratios: ReadonlyArray<number>
}): Array<string> => {
  const mean = r.ratios.reduce((a, b) => a + b, 0) / r.ratios.length
  return [
    fmt(r.nodeCpuUs),
    r.db === "PGlite" ? "(in node)" : fmt(r.serverCpuUs),
    `${mean.toFixed(2)}×`,
    `${Math.min(...r.ratios).toFixed(2)}–${Math.max(...r.ratios).toFixed(2)}×`
  ]
}

/** The server the benches use: DATABASE_URL, else PAYKIT_TEST_DATABASE_URL, else the local one. */
export const url =
  process.env["DATABASE_URL"] ||
  process.env["PAYKIT_TEST_DATABASE_URL"] ||
  "postgres://postgres@127.0.0.1:5432/test"

/**
 * The ledger store on the server in a fresh schema `<prefix>_<time>`: the layer, whether the
 * server answers, and the schema's drop for the end of the run.
 */
export const onServer = (
  prefix: string,
  clients: number
): {
  readonly schema: string
  readonly layer: ReturnType<typeof LedgerStorePostgres.layer>
  readonly reachable: Effect.Effect<boolean>
  readonly drop: Effect.Effect<void>
} => {
  const schema = `${prefix}_${Date.now().toString(36)}`
  const layer = LedgerStorePostgres.layer({
    url,
    schema,
    maxConnections: clients,
    connectTimeout: Duration.seconds(3)
  })
  return {
    schema,
    layer,
    reachable: Effect.map(Effect.exit(Effect.scoped(Layer.build(layer))), Exit.isSuccess),
    drop: Effect.scoped(
      Effect.flatMap(Layer.build(layer), (ctx) =>
        Effect.provide(
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`)),
          ctx
        )
      )
    ).pipe(Effect.ignore)
  }
}
