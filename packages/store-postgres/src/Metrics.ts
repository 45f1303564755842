import { Metric } from "effect"

/**
 * The store's metrics, through Effect's `Metric` (export them with any Effect metrics exporter,
 * such as OpenTelemetry's; see `docs/observability.md`). Names follow OpenTelemetry's
 * conventions; every metric carries `paykit.store` (`"ledger"`, `"accounts"`, `"fx"`, `"risk"`,
 * `"payments"`, `"outbox"`) as an attribute where it is recorded.
 *
 * | metric                              | kind      | what it measures                                                        |
 * | ----------------------------------- | --------- | ----------------------------------------------------------------------- |
 * | `paykit.store.write.duration`       | histogram | seconds from a write's request to its answer (queue, pool, transaction) |
 * | `paykit.store.write.retries`        | counter   | transactions re-run after a conflict (serialization, deadlock, lock timeout, id race) |
 * | `paykit.store.group.size`           | histogram | requests decided together by one group commit                           |
 * | `paykit.store.pool.wait`            | histogram | seconds a write waited for a database connection                        |
 * | `paykit.store.pool.timeouts`        | counter   | writes refused because no connection came within `acquireTimeout`        |
 * | `paykit.outbox.lag`                 | gauge     | events written but not yet delivered, as the relay last counted them    |
 * | `paykit.outbox.delivered`           | counter   | events the relay handed to the `Notifier`                               |
 *
 * @example
 * ```ts
 * import { Metrics } from "@paykit/store-postgres"
 * import { Effect, Metric } from "effect"
 * const lag = Metric.value(Metrics.outboxLag)
 * ```
 * @category models
 * @since 0.1.0
 */
export const writeDuration = Metric.histogram("paykit.store.write.duration", {
  description: "seconds from a store write's request to its answer",
  boundaries: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30]
})

/**
 * Transactions re-run after a conflict. See {@link writeDuration} for the list.
 *
 * @category models
 * @since 0.1.0
 */
export const retries = Metric.counter("paykit.store.write.retries", {
  description: "store transactions re-run after a serialization failure, deadlock, lock timeout or id race",
  incremental: true
})

/**
 * Requests decided together by one group commit. See {@link writeDuration} for the list.
 *
 * @category models
 * @since 0.1.0
 */
export const groupSize = Metric.histogram("paykit.store.group.size", {
  description: "requests decided together by one group commit",
  boundaries: [1, 2, 4, 8, 16, 32, 64]
})

/**
 * Seconds a write waited for a database connection. See {@link writeDuration} for the list.
 *
 * @category models
 * @since 0.1.0
 */
export const poolWait = Metric.histogram("paykit.store.pool.wait", {
  description: "seconds a store write waited for a database connection",
  boundaries: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]
})

/**
 * Writes refused because no connection came within `acquireTimeout`. See {@link writeDuration}.
 *
 * @category models
 * @since 0.1.0
 */
export const poolTimeouts = Metric.counter("paykit.store.pool.timeouts", {
  description: "store writes refused because no database connection came within acquireTimeout",
  incremental: true
})

/**
 * Events written to the outbox but not yet delivered, as the relay last counted them.
 *
 * @category models
 * @since 0.1.0
 */
export const outboxLag = Metric.gauge("paykit.outbox.lag", {
  description: "events in the outbox not yet delivered, as the relay last counted them"
})

/**
 * Events the relay handed to the `Notifier`.
 *
 * @category models
 * @since 0.1.0
 */
export const outboxDelivered = Metric.counter("paykit.outbox.delivered", {
  description: "events the outbox relay handed to the Notifier",
  incremental: true
})
