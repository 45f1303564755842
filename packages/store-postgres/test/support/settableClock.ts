import { Clock, Duration, Effect, Layer } from "effect"

/**
 * A clock whose time is set by the test (`set`), with real sleeps. For tests over PostgreSQL:
 * `TestClock.layer()` runs fibers on a tracking scheduler that makes every statement on a real
 * server wait about a second; this one only moves `currentTimeMillis`.
 */
export const settableClock = (start = 0) => {
  let now = start
  const clock: Clock.Clock = {
    currentTimeMillisUnsafe: () => now,
    currentTimeMillis: Effect.sync(() => now),
    currentTimeNanosUnsafe: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    monotonicTimeNanosUnsafe: () => process.hrtime.bigint(),
    monotonicTimeNanos: Effect.sync(() => process.hrtime.bigint()),
    sleep: (d: Duration.Duration) =>
      Effect.callback<void>((resume) => {
        const t = setTimeout(() => resume(Effect.void), Duration.toMillis(d))
        return Effect.sync(() => clearTimeout(t))
      })
  }
  return {
    layer: Layer.succeed(Clock.Clock, clock),
    set: (at: number): Effect.Effect<void> =>
      Effect.sync(() => {
        now = at
      })
  }
}
