/**
 * A tiny benchmark harness shared by the packages' `bench/` scripts.
 *
 * - Timed in batches: the clock is read once per batch of calls (sized so a batch takes about a
 *   millisecond), never after every call, so cheap operations are not dominated by the clock.
 * - On equal footing: paykit and its peer take turns, round by round (`rounds`, default 7, each
 *   about `millis` per side), so a load that comes and goes touches both alike; each row's
 *   ratio is the median of the per-round ratios, with their min–max.
 * - Repeated: `BENCH_RUNS` (default 3) runs the whole comparison again in the same process and
 *   prints, per row, the median ratio of each run and their spread.
 * - A case may have a `setup` that builds its data just before it is measured (and drops it
 *   after), so one case's million objects do not slow another's garbage collection.
 */
export interface Case {
  readonly name: string
  /** Operations performed by one call of `run` (e.g. 1_000_000 for a sum of 1M amounts). */
  readonly opsPerRun: number
  readonly run: () => unknown
}

export interface Measured {
  readonly name: string
  readonly opsPerSecond: number
}

let sink: unknown

/** Calls per batch so that one batch takes about `targetMillis`. */
const batchSize = (run: () => unknown, targetMillis: number): number => {
  let n = 1
  for (;;) {
    const start = performance.now()
    for (let i = 0; i < n; i++) sink = run()
    const took = performance.now() - start
    if (took >= targetMillis || n >= 1 << 24)
      return Math.max(1, Math.round((n * targetMillis) / Math.max(took, 1e-3)))
    n *= 2
  }
}

/** Runs `c` in batches for about `millis`; ops/s over that time. */
const timed = (c: Case, batch: number, millis: number): number => {
  let calls = 0
  const start = performance.now()
  let now = start
  while (now - start < millis) {
    for (let i = 0; i < batch; i++) sink = c.run()
    calls += batch
    now = performance.now()
  }
  return (calls * c.opsPerRun * 1000) / (now - start)
}

/** Measures `c` alone: warm-up, then `rounds` batched rounds of about `millis`; the median ops/s. */
export const measure = (c: Case, options: { millis?: number; rounds?: number } = {}): Measured => {
  const millis = options.millis ?? 300
  const rounds = options.rounds ?? 5
  const batch = batchSize(c.run, 1)
  timed(c, batch, millis / 2)
  const xs = Array.from({ length: rounds }, () => timed(c, batch, millis)).sort((a, b) => a - b)
  return { name: c.name, opsPerSecond: xs[Math.floor(xs.length / 2)]! }
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const fmt = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1)

export interface Pair {
  readonly operation: string
  readonly ours: Case
  readonly peer: Case
  /** Builds what both cases read, just before they are measured; its result is dropped after. */
  readonly setup?: () => void
  readonly teardown?: () => void
}

export interface Row {
  readonly operation: string
  readonly ours: number
  readonly peer: number
  /** The median of the per-round ratios. */
  readonly ratio: number
  readonly ratioMin: number
  readonly ratioMax: number
}

/** One run: each pair measured in alternating rounds; ops/s medians and the ratio's spread. */
const runOnce = (pairs: ReadonlyArray<Pair>, rounds: number, millis: number): Array<Row> =>
  pairs.map((p) => {
    p.setup?.()
    const bo = batchSize(p.ours.run, 1)
    const bp = batchSize(p.peer.run, 1)
    timed(p.ours, bo, millis / 2)
    timed(p.peer, bp, millis / 2)
    const ours: Array<number> = []
    const peer: Array<number> = []
    const ratios: Array<number> = []
    for (let r = 0; r < rounds; r++) {
      const o = timed(p.ours, bo, millis)
      const q = timed(p.peer, bp, millis)
      ours.push(o)
      peer.push(q)
      ratios.push(o / q)
    }
    p.teardown?.()
    return {
      operation: p.operation,
      ours: median(ours),
      peer: median(peer),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios)
    }
  })

/**
 * Runs each pair (ours, peer) `BENCH_RUNS` times (default 3) and prints, per run, `operation |
 * paykit ops/s | peer ops/s | ratio (min–max of its rounds)`, then the ratios of all runs side by
 * side. Returns the last run's rows with `ratio` the median over runs.
 */
export const compare = (title: string, peerName: string, pairs: ReadonlyArray<Pair>): Array<Row> => {
  const runs = Math.max(1, Number(process.env["BENCH_RUNS"] ?? 3))
  const rounds = Math.max(3, Number(process.env["BENCH_ROUNDS"] ?? 7))
  const millis = Math.max(20, Number(process.env["BENCH_MILLIS"] ?? 150))
  const all: Array<Array<Row>> = []
  const w = Math.max(...pairs.map((p) => p.operation.length), 9)
  for (let run = 0; run < runs; run++) {
    const rows = runOnce(pairs, rounds, millis)
    all.push(rows)
    console.log(
      `\n${title} (run ${run + 1} of ${runs}; ${rounds} alternating rounds of ~${millis} ms per side)`
    )
    console.log(
      `${"operation".padEnd(w)} | ${"paykit ops/s".padStart(14)} | ${`${peerName} ops/s`.padStart(16)} | ratio (min–max of rounds)`
    )
    console.log(`${"-".repeat(w)}-|-${"-".repeat(14)}-|-${"-".repeat(16)}-|--------------------------`)
    for (const r of rows) {
      console.log(
        `${r.operation.padEnd(w)} | ${fmt(r.ours).padStart(14)} | ${fmt(r.peer).padStart(16)} | ${r.ratio.toFixed(1)}× (${r.ratioMin.toFixed(1)}–${r.ratioMax.toFixed(1)}×)`
      )
    }
  }
  console.log(`\n${title}: ratio per run (median of its rounds), and over the ${runs} runs`)
  const summary = pairs.map((p, i) => {
    const ratios = all.map((rows) => rows[i]!.ratio)
    console.log(
      `${p.operation.padEnd(w)} | ${ratios.map((x) => `${x.toFixed(1)}×`).join("  ")} | median ${median(ratios).toFixed(1)}×, spread ${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}×`
    )
    const last = all[all.length - 1]![i]!
    return { ...last, ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios) }
  })
  if (sink === Symbol.for("never")) console.log(sink)
  return summary
}
