import {
  jetstreamManager,
  type StreamConfig as NatsStreamConfig,
  type StreamInfo,
  StorageType
} from "@nats-io/jetstream"
import { type NatsConnection, nanos } from "@nats-io/transport-node"
import { Duration, Effect } from "effect"
import { StreamSetupFailed } from "./errors.ts"

/**
 * The stream that keeps the relayed events.
 *
 * @category models
 * @since 0.1.0
 */
export interface StreamConfig {
  /** The stream's name (letters, digits, `-`, `_`; no dots or spaces), such as `PAYKIT`. */
  readonly name: string
  /** The subjects it captures, such as `["paykit.>"]` for the notifier's default prefix. */
  readonly subjects: ReadonlyArray<string>
  /**
   * How long JetStream remembers a message id (`Nats-Msg-Id`, the event id) to drop a re-send
   * of it. Default 2 minutes (JetStream's own default).
   *
   * It must exceed the relay's worst redelivery delay: the time between a publish whose
   * outbox row was not marked sent (the relay crashed, lost its lease or timed out waiting for
   * a PubAck) and the re-send by the next relay, which is at least the relay's `lease` (30 s by
   * default) plus its restart. A re-send after the window is stored again; the consumer's
   * `SeenEvents` then drops it (keep its window at least as long). A longer window costs server
   * memory: one id per message published within it.
   */
  readonly duplicateWindow?: Duration.Input | undefined
  /** How long messages are kept. Default unlimited. Must not be shorter than `duplicateWindow`. */
  readonly maxAge?: Duration.Input | undefined
  /** Bound on the stream's size in bytes (the oldest messages are discarded). Default unlimited. */
  readonly maxBytes?: number | undefined
  /** `file` (default) or `memory`; fixed when the stream is created. */
  readonly storage?: "file" | "memory" | undefined
  /** Copies kept in a cluster. Default 1. */
  readonly replicas?: number | undefined
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const nanosOf = (d: Duration.Input): number => nanos(Duration.toMillis(Duration.fromInputUnsafe(d)))

/**
 * Creates the stream, or updates its subjects and limits when it exists (its storage type is
 * kept), and answers its info. Idempotent: run it at every start-up of the relaying service.
 * Fails with `StreamSetupFailed` naming the server's reason.
 *
 * @example
 * ```ts
 * import { Connection, Stream } from "@paykit/notify-webhook/jetstream"
 * import { Effect } from "effect"
 * const setup = Effect.scoped(
 *   Effect.flatMap(Connection.connect({}), (nc) =>
 *     Stream.ensureStream(nc, { name: "PAYKIT", subjects: ["paykit.>"], duplicateWindow: "5 minutes" })
 *   )
 * )
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const ensureStream = (
  connection: NatsConnection,
  config: StreamConfig
): Effect.Effect<StreamInfo, StreamSetupFailed> =>
  Effect.tryPromise({
    try: async () => {
      const jsm = await jetstreamManager(connection)
      const wanted: Partial<NatsStreamConfig> = {
        subjects: [...config.subjects],
        duplicate_window: nanosOf(config.duplicateWindow ?? Duration.minutes(2)),
        max_age: config.maxAge === undefined ? 0 : nanosOf(config.maxAge),
        max_bytes: config.maxBytes ?? -1,
        num_replicas: config.replicas ?? 1
      }
      let existing: StreamInfo | undefined
      try {
        existing = await jsm.streams.info(config.name)
      } catch (error) {
        if (!isNotFound(error)) throw error
      }
      if (existing === undefined) {
        return await jsm.streams.add({
          ...wanted,
          name: config.name,
          storage: config.storage === "memory" ? StorageType.Memory : StorageType.File
        })
      }
      const c = existing.config
      const same =
        JSON.stringify(c.subjects ?? []) === JSON.stringify(wanted.subjects) &&
        c.duplicate_window === wanted.duplicate_window &&
        c.max_age === wanted.max_age &&
        c.max_bytes === wanted.max_bytes &&
        c.num_replicas === wanted.num_replicas
      return same ? existing : await jsm.streams.update(config.name, wanted)
    },
    catch: (error) => new StreamSetupFailed({ stream: config.name, reason: messageOf(error) })
  })

/** A JetStream API "stream not found" (10059) or "consumer not found" (10014). */
const isNotFound = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  "code" in error &&
  ((error as { code: unknown }).code === 10059 || (error as { code: unknown }).code === 10014)
