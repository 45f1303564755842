import { jetstreamManager } from "@nats-io/jetstream"
import {
  connect as natsConnect,
  type NatsConnection,
  type NodeConnectionOptions
} from "@nats-io/transport-node"
import { Duration, Effect, type Scope } from "effect"
import { JetStreamUnavailable } from "./errors.ts"

/**
 * Where and how to connect to NATS.
 *
 * @category models
 * @since 0.1.0
 */
export interface ConnectOptions {
  /** The server(s), `host:port` or `nats://host:port`. Default `127.0.0.1:4222`. */
  readonly servers?: string | ReadonlyArray<string> | undefined
  /** Bound on the first connection (and on the JetStream check after it). Default 5 s. */
  readonly connectTimeout?: Duration.Input | undefined
  /** The connection's name, shown by the server's monitoring. Default `paykit`. */
  readonly name?: string | undefined
  /**
   * Further options for `@nats-io/transport-node`'s `connect` (credentials, TLS, reconnect
   * settings). By default the connection reconnects without limit: a relay outlives a broker
   * restart (its publishes fail with `NotifyFailed` meanwhile, and the relay retries).
   */
  readonly options?: Omit<NodeConnectionOptions, "servers" | "timeout" | "name"> | undefined
  /** Bound on draining the connection when its scope closes; then it is closed. Default 10 s. */
  readonly drainTimeout?: Duration.Input | undefined
}

/** The servers as one string, for messages. */
const describeServers = (servers: string | ReadonlyArray<string> | undefined): string =>
  servers === undefined ? "127.0.0.1:4222" : typeof servers === "string" ? servers : servers.join(",")

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Opens a NATS connection and checks that the server runs JetStream; the connection is drained
 * (pending publishes flushed, subscriptions ended) and closed when the scope closes. Fails with
 * `JetStreamUnavailable` when no server answers within `connectTimeout` or JetStream is off.
 *
 * Use it to share one connection between a `JetStreamNotifier` and consumers
 * (`{ connection }`); each of them can also open its own from `servers`.
 *
 * @example
 * ```ts
 * import { Connection } from "@paykit/notify-webhook/jetstream"
 * import { Effect } from "effect"
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const nc = yield* Connection.connect({ servers: "127.0.0.1:4222" })
 *     return nc.info?.version
 *   })
 * )
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const connect = (
  options: ConnectOptions = {}
): Effect.Effect<NatsConnection, JetStreamUnavailable, Scope.Scope> => {
  const servers = describeServers(options.servers)
  const timeoutMs = Duration.toMillis(Duration.fromInputUnsafe(options.connectTimeout ?? Duration.seconds(5)))
  const drainMs = Duration.toMillis(Duration.fromInputUnsafe(options.drainTimeout ?? Duration.seconds(10)))
  const unavailable = (error: unknown) => new JetStreamUnavailable({ servers, reason: messageOf(error) })
  return Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const nc = await natsConnect({
          maxReconnectAttempts: -1,
          ...options.options,
          servers:
            typeof options.servers === "string"
              ? options.servers
              : [...(options.servers ?? ["127.0.0.1:4222"])],
          timeout: timeoutMs,
          name: options.name ?? "paykit"
        })
        try {
          // an account info request: fails at once when the server has no JetStream
          await jetstreamManager(nc, { timeout: timeoutMs })
        } catch (error) {
          await nc.close().catch(() => {})
          throw error
        }
        return nc
      },
      catch: unavailable
    }),
    (nc) => close(nc, drainMs)
  )
}

/** Drains `nc` (bounded by `drainMs`), then closes it; never fails. */
const close = (nc: NatsConnection, drainMs: number): Effect.Effect<void> =>
  nc.isClosed()
    ? Effect.void
    : Effect.tryPromise(() => nc.drain()).pipe(
        Effect.timeout(Duration.millis(drainMs)),
        Effect.catchCause(() => Effect.tryPromise(() => nc.close()).pipe(Effect.ignore))
      )
