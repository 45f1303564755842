import { type AmountOutOfRange, Client, Ids, Input, type InvalidInput } from "@paykit/core"
import { Currency, Money } from "@paykit/core/schema"
import { Clock, Context, Duration, Effect, Layer, type Result, Schema } from "effect"
import type {
  DuplicateQuote,
  NoCorridor,
  NothingArrives,
  NothingToConvert,
  QuoteAlreadyUsed,
  QuoteStoreUnavailable,
  QuoteExpired,
  QuoteNotFound,
  RateNotFound,
  StaleRate,
  RateFromTheFuture,
  MalformedRate
} from "./errors.ts"
import * as Events from "./Events.ts"
import * as Quote from "./Quote.ts"
import { QuoteStore } from "./QuoteStore.ts"
import * as Rate from "./Rate.ts"
import { RateProvider, ReferenceRateProvider } from "./RateProvider.ts"
import * as Schedule from "./Schedule.ts"

const PositiveMinor = Money.MinorUnits.check(
  Schema.makeFilter((n: bigint) => n > 0n || "must be greater than zero", { title: "PositiveMinorUnits" })
)

const MAX_LOCK_MILLIS = 7 * 24 * 3_600_000

/**
 * A quote request (JSON). `amount` is in minor units as a string: of `source` when `direction`
 * is `send` (how much arrives?), of `target` when it is `receive` (how much to send?).
 * `lockForMillis` overrides the configured lock duration (1 ms to 7 days).
 *
 * @example
 * ```ts
 * import { Fx } from "@paykit/fx"
 * const request: typeof Fx.QuoteRequest.Encoded = { direction: "send", source: "USD", target: "EUR", amount: "100000" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const QuoteRequest = Schema.Struct({
  direction: Quote.Direction,
  source: Currency.Code,
  target: Currency.Code,
  amount: PositiveMinor,
  method: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  lockForMillis: Schema.optionalKey(
    Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: MAX_LOCK_MILLIS }))
  )
})

/**
 * The decoded quote request.
 *
 * @example
 * ```ts
 * import { Fx } from "@paykit/fx"
 * const request: typeof Fx.QuoteRequest.Encoded = { direction: "send", source: "USD", target: "EUR", amount: "100000" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type QuoteRequest = typeof QuoteRequest.Type

/**
 * The service configuration: the pricing schedule, how old a pricing rate and a reference rate
 * may be, and how long a quote's rates stay locked by default.
 *
 * @example
 * ```ts
 * import { Fx, Schedule } from "@paykit/fx"
 * declare const schedule: Schedule.Schedule
 * const config: Fx.Config = { schedule, maxRateAge: "1 hour", maxReferenceAge: "4 days", lockFor: "30 minutes" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Config {
  readonly schedule: Schedule.Schedule
  /** Maximum age of the pricing (mid) rate; older is `StaleRate`, dated more than a minute ahead of the clock is `RateFromTheFuture`, undated is `MalformedRate`. */
  readonly maxRateAge: Duration.Input
  /** Maximum age of the reference rate (the ECB publishes on working days: allow a long weekend). */
  readonly maxReferenceAge: Duration.Input
  /** Default lock duration of a quote. */
  readonly lockFor: Duration.Input
}

/**
 * Every error `Fx.quote` can fail with.
 *
 * @example
 * ```ts
 * import type { Fx } from "@paykit/fx"
 * const describe = (e: Fx.QuoteFailure): string => `${e._tag}: ${e.message}`
 * ```
 * @category errors
 * @since 0.1.0
 */
export type QuoteFailure =
  | InvalidInput
  | NoCorridor
  | RateNotFound
  | StaleRate
  | RateFromTheFuture
  | MalformedRate
  | NothingToConvert
  | NothingArrives
  | AmountOutOfRange
  | DuplicateQuote
  | QuoteStoreUnavailable

/**
 * Every error `Fx.execute` can fail with.
 *
 * @example
 * ```ts
 * import type { Fx } from "@paykit/fx"
 * const requote = (e: Fx.ExecuteFailure): boolean => e._tag === "QuoteExpired"
 * ```
 * @category errors
 * @since 0.1.0
 */
export type ExecuteFailure =
  | InvalidInput
  | QuoteNotFound
  | QuoteExpired
  | QuoteAlreadyUsed
  | QuoteStoreUnavailable

/**
 * The quoting service: decodes the request, finds the corridor, reads the mid rate and the
 * reference rate through their ports (refusing stale ones), computes the quote with the pure
 * `Quote` functions, locks it in the `QuoteStore` until `now + lockFor` (time from `Clock`, id
 * from `Ids`). `execute` uses a locked quote once, returning exactly its locked rates and amounts.
 * Each lock and each execution carries its event (`fx.quote.locked`, `fx.quote.executed`) into
 * the `QuoteStore` with the change itself, which stores it atomically with the change (the
 * PostgreSQL outbox) or hands it to the `Notifier` right after (the memory store).
 *
 * @example
 * ```ts
 * import { Fx } from "@paykit/fx"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const fx = yield* Fx.Fx
 *   const quote = yield* fx.quote({ direction: "send", source: "USD", target: "EUR", amount: "100000" })
 *   return yield* fx.execute(quote.id)
 * })
 * ```
 * @category services
 * @since 0.1.0
 */
export class Fx extends Context.Service<
  Fx,
  {
    readonly quote: (request: typeof QuoteRequest.Encoded) => Effect.Effect<Quote.Quote, QuoteFailure>
    readonly execute: (quoteId: string) => Effect.Effect<Quote.Quote, ExecuteFailure>
  }
>()("@paykit/fx/Fx") {}

/**
 * The span attribute of a quote's id. Each operation runs in its span, `paykit.fx.<operation>`
 * (`Effect.fn`), a child of the caller's; spans carry ids only, never amounts.
 */
const QUOTE_ID = "paykit.fx.quote_id"

const decodeRequest = Input.decode("Fx.quote", QuoteRequest)
const decodeId = Input.decode("Fx.execute", Schema.String.check(Schema.isNonEmpty()))

/**
 * Builds the service from its configuration and the ports in context.
 *
 * @example
 * ```ts
 * import { Fx, Schedule } from "@paykit/fx"
 * declare const schedule: Schedule.Schedule
 * const fx = Fx.make({ schedule, maxRateAge: "1 hour", maxReferenceAge: "4 days", lockFor: "30 minutes" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  config: Config
): Effect.Effect<Fx["Service"], never, RateProvider | ReferenceRateProvider | QuoteStore | Ids.Ids> =>
  Effect.gen(function* () {
    const rates = yield* RateProvider
    const references = yield* ReferenceRateProvider
    const store = yield* QuoteStore
    const ids = yield* Ids.Ids
    const maxRateAge = Duration.toMillis(config.maxRateAge)
    const maxReferenceAge = Duration.toMillis(config.maxReferenceAge)
    const lockFor = Duration.toMillis(config.lockFor)

    const rateFor = (
      provider: RateProvider["Service"],
      source: string,
      target: string,
      now: number,
      maxAge: number
    ): Effect.Effect<Rate.Rate, RateNotFound | StaleRate | RateFromTheFuture | MalformedRate> =>
      source === target
        ? Effect.succeed(Rate.identity(source, now))
        : Effect.flatMap(provider.rate(source, target), (r) =>
            Effect.fromResult(Rate.ensureFresh(r, now, maxAge))
          )

    const quote = Effect.fn("paykit.fx.quote")(function* (input: typeof QuoteRequest.Encoded) {
      const request = yield* decodeRequest(input)
      const corridor = yield* Effect.fromResult(
        Schedule.match(config.schedule, request.source, request.target, request.method ?? null)
      )
      const now = yield* Clock.currentTimeMillis
      const mid = yield* rateFor(rates, request.source, request.target, now, maxRateAge)
      const reference = yield* rateFor(references, request.source, request.target, now, maxReferenceAge)
      const id = yield* ids.next
      const ctx: Quote.Context = {
        corridor,
        mid,
        reference,
        id,
        now,
        lockMillis: request.lockForMillis ?? lockFor
      }
      const q = yield* Effect.fromResult(
        request.direction === "send"
          ? Quote.fromSendAmount(ctx, Money.fromMinorUnsafe(request.amount, corridor.source))
          : Quote.fromReceiveAmount(ctx, Money.fromMinorUnsafe(request.amount, corridor.target))
      )
      yield* Effect.annotateCurrentSpan(QUOTE_ID, q.id)
      yield* store.save(q, [Events.locked(yield* ids.next, q)])
      return q
    })

    const execute = Effect.fn("paykit.fx.execute")(function* (input: string) {
      const id = yield* decodeId(input)
      yield* Effect.annotateCurrentSpan(QUOTE_ID, id)
      const now = yield* Clock.currentTimeMillis
      const eventId = yield* ids.next
      return yield* store.consume(id, now, (q) => [Events.executed(eventId, q, now)])
    })

    return Fx.of({ quote, execute })
  })

/**
 * The quoting service as a layer.
 *
 * @example
 * ```ts
 * import { Fx, QuoteStore, RateProvider, Schedule } from "@paykit/fx"
 * import { Ids, Notifier } from "@paykit/core"
 * import { Layer } from "effect"
 * declare const schedule: Schedule.Schedule
 * const rates = RateProvider.layerMemory([{ base: "USD", quote: "EUR", rate: "0.92", asOf: 0 }])
 * const layer = Fx.layer({ schedule, maxRateAge: "1 hour", maxReferenceAge: "4 days", lockFor: "30 minutes" }).pipe(
 *   Layer.provide(RateProvider.layerReferenceFromRateProvider),
 *   Layer.provide(rates),
 *   Layer.provide(QuoteStore.layerMemory),
 *   Layer.provide([Ids.layer, Notifier.layerMemory])
 * )
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  config: Config
): Layer.Layer<Fx, never, RateProvider | ReferenceRateProvider | QuoteStore | Ids.Ids> =>
  Layer.effect(Fx, make(config))

/**
 * Decodes a request without running it: `InvalidInput` naming the field, or the typed request.
 *
 * @example
 * ```ts
 * import { Fx } from "@paykit/fx"
 * Fx.decodeRequestResult({ direction: "send", source: "USD", target: "EUR", amount: "-5" }) // Failure(InvalidInput at amount)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decodeRequestResult = (input: unknown): Result.Result<QuoteRequest, InvalidInput> =>
  Input.decodeResult("Fx.quote", QuoteRequest)(input)

/**
 * The service as a Promise client, for code not written with Effect: `quote` and `execute`
 * return Promises that reject with the typed error itself (`QuoteFailure`, `ExecuteFailure`).
 * The layer is built once, on the first call (or `ready()`), on one long-lived runtime: create
 * the client at module load, share it across requests, and `dispose()` it on shutdown (or
 * `await using`).
 *
 * @example
 * ```ts
 * import { Fx } from "@paykit/fx"
 * import type { Layer } from "effect"
 * declare const FxLive: Layer.Layer<Fx.Fx>
 * const fx = Fx.client(FxLive)
 * const quote = await fx.quote({ direction: "send", source: "USD", target: "EUR", amount: "100000" })
 * await fx.execute(quote.id)
 * await fx.dispose()
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const client = <E>(layer: Layer.Layer<Fx, E>): Client.Client<Fx["Service"], Fx, E> =>
  Client.make(Fx, layer)
