import { Decimal, DomainEvent } from "@paykit/core"
import { Money } from "@paykit/core/schema"
import { Schema } from "effect"
import type { Quote } from "./Quote.ts"

/**
 * The data of a `fx.quote.locked` event: a quote was computed and its rates and amounts locked
 * until `expiresAt`. JSON form (amounts as minor-unit strings, the rate as a decimal string).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/fx"
 * import { Schema } from "effect"
 * declare const data: unknown
 * const locked = Schema.decodeUnknownSync(Events.QuoteLocked)(data)
 * ```
 * @category models
 * @since 0.1.0
 */
export const QuoteLocked = Schema.Struct({
  quoteId: Schema.String,
  direction: Schema.Literals(["send", "receive"]),
  paid: Money.Json,
  received: Money.Json,
  receivedIsEstimate: Schema.Boolean,
  customerRate: Decimal.FromString,
  expiresAt: Schema.Number
})

/**
 * The data of a `fx.quote.executed` event: a locked quote was used (at most once).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/fx"
 * import { Schema } from "effect"
 * declare const data: unknown
 * const executed = Schema.decodeUnknownSync(Events.QuoteExecuted)(data)
 * ```
 * @category models
 * @since 0.1.0
 */
export const QuoteExecuted = Schema.Struct({
  quoteId: Schema.String,
  paid: Money.Json,
  received: Money.Json,
  executedAt: Schema.Number
})

/**
 * The event types this package emits through the core `Notifier`.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/fx"
 * Events.TYPES.locked // "fx.quote.locked"
 * ```
 * @category models
 * @since 0.1.0
 */
export const TYPES = { locked: "fx.quote.locked", executed: "fx.quote.executed" } as const

const encodeLocked = Schema.encodeSync(QuoteLocked)
const encodeExecuted = Schema.encodeSync(QuoteExecuted)

/**
 * The `fx.quote.locked` envelope for a quote (subject: the quote id).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/fx"
 * declare const quote: import("@paykit/fx").Quote.Quote
 * const event = Events.locked("01J0000000000000000000000E", quote)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const locked = (eventId: string, quote: Quote): DomainEvent.DomainEvent =>
  DomainEvent.make({
    id: eventId,
    type: TYPES.locked,
    at: quote.createdAt,
    subject: quote.id,
    data: encodeLocked({
      quoteId: quote.id,
      direction: quote.direction,
      paid: quote.paid,
      received: quote.received,
      receivedIsEstimate: quote.receivedIsEstimate,
      customerRate: quote.customerRate,
      expiresAt: quote.expiresAt
    })
  })

/**
 * The `fx.quote.executed` envelope for a quote used at `at` (subject: the quote id).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/fx"
 * declare const quote: import("@paykit/fx").Quote.Quote
 * const event = Events.executed("01J0000000000000000000000F", quote, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const executed = (eventId: string, quote: Quote, at: number): DomainEvent.DomainEvent =>
  DomainEvent.make({
    id: eventId,
    type: TYPES.executed,
    at,
    subject: quote.id,
    data: encodeExecuted({ quoteId: quote.id, paid: quote.paid, received: quote.received, executedAt: at })
  })

/**
 * Every event this package emits, as one Schema: the envelope whose `type` selects the data's
 * schema (`fx.quote.locked` → {@link QuoteLocked}, `fx.quote.executed` → {@link QuoteExecuted}).
 * The subject is the quote id. Decoding refuses an unknown type and wrong data, naming the field.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/fx"
 * import { Schema } from "effect"
 * declare const received: unknown
 * const event = Schema.decodeUnknownSync(Events.Event)(received)
 * if (event.type === "fx.quote.executed") console.log(event.data.executedAt)
 * ```
 * @category models
 * @since 0.1.0
 */
export const Event = Schema.Union([
  DomainEvent.typed(TYPES.locked, QuoteLocked),
  DomainEvent.typed(TYPES.executed, QuoteExecuted)
])

/**
 * A decoded event of this package.
 *
 * @category models
 * @since 0.1.0
 */
export type Event = typeof Event.Type
