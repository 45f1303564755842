import { Effect, Metric } from "effect"
import * as Metrics from "../Metrics.ts"

/** Which store recorded a metric: the `paykit.store` attribute. */
export type StoreName = "ledger" | "accounts" | "fx" | "risk" | "payments" | "outbox"

const tagged = <I, S>(metric: Metric.Metric<I, S>, store: StoreName) =>
  Metric.withAttributes(metric, { "paykit.store": store })

/** Seconds since `start` (a `performance.now()` reading): real time, as a retry's backoff is. */
const secondsSince = (start: number): number => (performance.now() - start) / 1000

/** Counts one re-run transaction. */
export const retried = (store: StoreName): Effect.Effect<void> =>
  Metric.update(tagged(Metrics.retries, store), 1)

/** Records how many requests one group commit decided. */
export const grouped = (size: number): Effect.Effect<void> =>
  Metric.update(tagged(Metrics.groupSize, "ledger"), size)

/** Records a connection wait that began at `start`. */
export const waitedForPool = (start: number): Effect.Effect<void> =>
  Effect.suspend(() => Metric.update(Metrics.poolWait, secondsSince(start)))

/** Counts a write refused for want of a connection. */
export const poolTimedOut: Effect.Effect<void> = Metric.update(Metrics.poolTimeouts, 1)

/** Runs `effect`, recording its duration (success or failure) as a write of `store`. */
export const timedWrite = <A, E, R>(
  store: StoreName,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const start = performance.now()
    return Effect.ensuring(
      effect,
      Effect.suspend(() => Metric.update(tagged(Metrics.writeDuration, store), secondsSince(start)))
    )
  })

/** Counts events the relay handed to the `Notifier`. */
export const delivered = (events: number): Effect.Effect<void> =>
  Metric.update(Metrics.outboxDelivered, events)

/** Records the relay's latest count of undelivered events. */
export const lagging = (events: number): Effect.Effect<void> => Metric.update(Metrics.outboxLag, events)
