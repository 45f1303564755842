/**
 * A tiny benchmark harness shared by the packages' `bench/` scripts: runs a body in timed
 * rounds after a warm-up, keeps the best round (least disturbed by GC and the other core),
 * and prints a table with the ratio against a peer measured in the same process.
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

/** Measures `c` for about `millis` per round, `rounds` rounds, and returns the best ops/s. */
export const measure = (c: Case, options: { millis?: number; rounds?: number } = {}): Measured => {
  const millis = options.millis ?? 400
  const rounds = options.rounds ?? 5
  // warm-up: let the JIT settle
  const warmEnd = performance.now() + millis / 2
  while (performance.now() < warmEnd) sink = c.run()
  let best = 0
  for (let r = 0; r < rounds; r++) {
    let calls = 0
    const start = performance.now()
    let now = start
    while (now - start < millis) {
      sink = c.run()
      calls++
      now = performance.now()
    }
    const opsPerSecond = (calls * c.opsPerRun * 1000) / (now - start)
    if (opsPerSecond > best) best = opsPerSecond
  }
  return { name: c.name, opsPerSecond: best }
}

const fmt = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1)

/** Runs each pair (ours, peer) and prints `operation | paykit ops/s | peer ops/s | ratio`. */
export const compare = (
  title: string,
  peerName: string,
  pairs: ReadonlyArray<{ readonly operation: string; readonly ours: Case; readonly peer: Case }>
): Array<{ operation: string; ours: number; peer: number; ratio: number }> => {
  console.log(`\n${title}`)
  const rows = pairs.map((p) => {
    const ours = measure(p.ours).opsPerSecond
    const peer = measure(p.peer).opsPerSecond
    return { operation: p.operation, ours, peer, ratio: ours / peer }
  })
  const w = Math.max(...rows.map((r) => r.operation.length), 9)
  console.log(
    `${"operation".padEnd(w)} | ${"paykit ops/s".padStart(14)} | ${`${peerName} ops/s`.padStart(16)} | ratio`
  )
  console.log(`${"-".repeat(w)}-|-${"-".repeat(14)}-|-${"-".repeat(16)}-|------`)
  for (const r of rows) {
    console.log(
      `${r.operation.padEnd(w)} | ${fmt(r.ours).padStart(14)} | ${fmt(r.peer).padStart(16)} | ${r.ratio.toFixed(1)}×`
    )
  }
  if (sink === Symbol.for("never")) console.log(sink)
  return rows
}
