import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Ids, Ulid } from "./Ids.ts"

/**
 * The envelope every domain event travels in: a unique id (ULID, also the webhook message id),
 * a dotted `type` (`ledger.entry.posted`), when it happened (ISO-8601 UTC), the `subject` it is
 * about (an account or aggregate id, the key for per-subject ordering) and the event's own `data`.
 *
 * @category models
 * @since 0.1.0
 */
export const DomainEvent = Schema.Struct({
  id: Ulid,
  type: Schema.String.check(
    Schema.isPattern(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, {
      message: 'expected a dotted lower-case event type such as "ledger.entry.posted"'
    })
  ),
  occurredAt: Schema.String.check(
    Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, {
      message: 'expected an ISO-8601 UTC timestamp such as "2026-01-31T12:00:00.000Z"'
    })
  ),
  subject: Schema.String,
  data: Schema.Unknown
})

/**
 * A domain event in its envelope.
 *
 * @category models
 * @since 0.1.0
 */
export type DomainEvent = typeof DomainEvent.Type

/**
 * Builds an envelope. `occurredAt` is taken from epoch milliseconds (from `Clock`).
 *
 * @example
 * ```ts
 * import { DomainEvent } from "@paykit/core"
 * DomainEvent.make({ id: "01J0000000000000000000000A", type: "ledger.entry.posted", at: 0, subject: "acc_1", data: {} })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (input: {
  readonly id: string
  readonly type: string
  readonly at: number
  readonly subject: string
  readonly data: unknown
}): DomainEvent => ({
  id: input.id,
  type: input.type,
  occurredAt: new Date(input.at).toISOString(),
  subject: input.subject,
  data: input.data
})

/**
 * An event before its envelope: what happened (`type`), to what (`subject`, the aggregate id
 * that orders its events), the event's `data`, and optionally when (`at`, epoch milliseconds;
 * the `Clock`'s reading when absent).
 *
 * @category models
 * @since 0.1.0
 */
export interface Draft {
  readonly type: string
  readonly subject: string
  readonly data: unknown
  readonly at?: number | undefined
}

/**
 * Puts drafts into their envelopes: each gets a fresh id from `Ids` (a ULID, the id consumers
 * deduplicate on) and its time from the draft or else from `Clock`. The one way every paykit
 * service builds its events, so ids and times come from the same services everywhere (seeded
 * ids and a `TestClock` make them deterministic in tests).
 *
 * @example
 * ```ts
 * import { DomainEvent, Ids } from "@paykit/core"
 * import { Effect } from "effect"
 * const events = DomainEvent.envelopes([{ type: "fx.quote.locked", subject: "q_1", data: {} }]).pipe(
 *   Effect.provide(Ids.layerSeeded(1))
 * )
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const envelopes = (
  drafts: ReadonlyArray<Draft>
): Effect.Effect<ReadonlyArray<DomainEvent>, never, Ids> =>
  Effect.gen(function* () {
    if (drafts.length === 0) return []
    const ids = yield* Ids
    const now = yield* Clock.currentTimeMillis
    const out: Array<DomainEvent> = []
    for (const d of drafts) {
      out.push(make({ id: yield* ids.next, type: d.type, at: d.at ?? now, subject: d.subject, data: d.data }))
    }
    return out
  })

/**
 * The Schema of one event type in its envelope: the envelope's fields, `type` fixed to the given
 * literal, and `data` decoded by its own schema. A package's event union is a `Schema.Union` of
 * these, so a consumer's `switch (event.type)` narrows `data`.
 *
 * @example
 * ```ts
 * import { DomainEvent } from "@paykit/core"
 * import { Schema } from "effect"
 * const Locked = DomainEvent.typed("fx.quote.locked", Schema.Struct({ quoteId: Schema.String }))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const typed = <const T extends string, D extends Schema.Top>(type: T, data: D) =>
  Schema.Struct({ ...DomainEvent.fields, type: Schema.Literal(type), data })
