import { Currency } from "@paykit/core"
import { Money } from "@paykit/core/schema"
import { Schema } from "effect"
import type { Catalog, Values } from "./Attributes.ts"
import * as Velocity from "./Velocity.ts"

const Text = Schema.String.check(Schema.isNonEmpty(), Schema.isMaxLength(320))
/** An amount of money that is not negative (zero is legal): a payment, a refund, a volume. */
export const NonNegativeMoney = Money.Json.check(
  Schema.makeFilter((m: Money.Money) => m.amount >= 0n || "an amount that is not negative")
)
/** Minor units that are not negative (zero is legal). */
export const NonNegativeMinorUnits = Money.MinorUnits.check(
  Schema.makeFilter((n: bigint) => n >= 0n || "an amount that is not negative")
)
const Country = Schema.String.check(
  Schema.isPattern(/^[A-Z]{2}$/, { message: 'expected an ISO 3166-1 alpha-2 country code such as "US"' })
)

/**
 * A payment to assess (JSON). `amount` is exact money (`{ "amount": "1250", "currency": "EUR" }`);
 * `amountRef` is the same amount in the reference currency, required when the payment currency
 * is not the reference currency (convert it with `@paykit/fx` or your own rates).
 *
 * @example
 * ```ts
 * import type { Features } from "@paykit/risk"
 * const p: Features.PaymentInput = { id: "pay_1", amount: { amount: "1250", currency: "USD" }, customerId: "cus_1", cardFingerprint: "fp_1", cardCountry: "US", ipCountry: "US" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const Payment = Schema.Struct({
  id: Text,
  amount: NonNegativeMoney,
  amountRef: Schema.optionalKey(NonNegativeMoney),
  method: Schema.optionalKey(Text),
  cardCountry: Schema.optionalKey(Country),
  ipCountry: Schema.optionalKey(Country),
  ip: Schema.optionalKey(Text),
  deviceId: Schema.optionalKey(Text),
  email: Schema.optionalKey(
    Text.check(Schema.isPattern(/^[^@\s]+@[^@\s]+$/, { message: "expected an e-mail address" }))
  ),
  cardFingerprint: Schema.optionalKey(Text),
  merchantId: Schema.optionalKey(Text),
  customerId: Schema.optionalKey(Text)
})

/**
 * The JSON shape of a payment to assess.
 *
 * @example
 * ```ts
 * import type { Features } from "@paykit/risk"
 * const p: Features.PaymentInput = { id: "pay_1", amount: { amount: "1250", currency: "USD" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export type PaymentInput = typeof Payment.Encoded

/**
 * A decoded payment.
 *
 * @example
 * ```ts
 * import type { Features } from "@paykit/risk"
 * declare const p: Features.Payment
 * p.amount.amount // bigint minor units
 * ```
 * @category models
 * @since 0.1.0
 */
export type Payment = typeof Payment.Type

/**
 * The customer profile (JSON), all optional: account age in days, average ticket in
 * reference-currency minor units, the countries the customer usually pays from, KYC state.
 *
 * @example
 * ```ts
 * import type { Features } from "@paykit/risk"
 * const c: Features.ProfileInput = { accountAgeDays: 400, avgTicketRef: "4200", usualCountries: ["FR", "DE"], verified: true }
 * ```
 * @category models
 * @since 0.1.0
 */
export const Profile = Schema.Struct({
  accountAgeDays: Schema.optionalKey(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))),
  avgTicketRef: Schema.optionalKey(NonNegativeMinorUnits),
  usualCountries: Schema.optionalKey(Schema.Array(Country)),
  verified: Schema.optionalKey(Schema.Boolean)
})

/**
 * The JSON shape of a customer profile.
 *
 * @example
 * ```ts
 * import type { Features } from "@paykit/risk"
 * const c: Features.ProfileInput = { accountAgeDays: 3 }
 * ```
 * @category models
 * @since 0.1.0
 */
export type ProfileInput = typeof Profile.Encoded

/**
 * A decoded customer profile.
 *
 * @example
 * ```ts
 * import type { Features } from "@paykit/risk"
 * declare const c: Features.Profile
 * ```
 * @category models
 * @since 0.1.0
 */
export type Profile = typeof Profile.Type

/**
 * Allow and block lists by name (`blocked_ips` → `lists.blocked_ips` in rules).
 *
 * @example
 * ```ts
 * import type { Features } from "@paykit/risk"
 * const lists: Features.Lists = { blocked_countries: new Set(["KP"]) }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Lists = Readonly<Record<string, ReadonlySet<string>>>

/**
 * The velocity histories of a payment's keys, by key kind (as read from the `VelocityStore`).
 *
 * @example
 * ```ts
 * import type { Features } from "@paykit/risk"
 * const h: Features.Histories = { customer: [] }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Histories = Partial<Record<Velocity.KeyKind, ReadonlyArray<Velocity.Event>>>

/**
 * The velocity keys of a payment: customer id, card fingerprint, IP, device id, e-mail.
 *
 * @example
 * ```ts
 * import { Features } from "@paykit/risk"
 * declare const p: Features.Payment
 * Features.keys(p).card // the card fingerprint, if any
 * ```
 * @category math
 * @since 0.1.0
 */
export const keys = (p: Payment): Partial<Record<Velocity.KeyKind, string>> => {
  const out: { -readonly [K in Velocity.KeyKind]?: string } = {}
  if (p.customerId !== undefined) out.customer = p.customerId
  if (p.cardFingerprint !== undefined) out.card = p.cardFingerprint
  if (p.ip !== undefined) out.ip = p.ip
  if (p.deviceId !== undefined) out.device = p.deviceId
  if (p.email !== undefined) out.email = p.email.toLowerCase()
  return out
}

/**
 * The amount in the reference currency, in its minor units: `amountRef` when given (it must be
 * in the reference currency), the amount itself when the payment is in the reference currency,
 * otherwise `undefined` (rules reading `payment.amount_ref` then error).
 *
 * @example
 * ```ts
 * import { Currency } from "@paykit/core"
 * import { Features } from "@paykit/risk"
 * declare const payment: Features.Payment
 * Features.amountRef(payment, Currency.USD) // bigint | undefined
 * ```
 * @category math
 * @since 0.1.0
 */
export const amountRef = (p: Payment, reference: Currency.Currency): bigint | undefined => {
  if (p.amountRef !== undefined)
    return Currency.equals(p.amountRef.currency, reference) ? p.amountRef.amount : undefined
  return Currency.equals(p.amount.currency, reference) ? p.amount.amount : undefined
}

const DAY = 86_400_000

/**
 * Computes the attribute values of a payment at `now`, before deciding: the payment fields, the
 * profile (with `days_since_last_payment`, `device_is_new` and `card_is_new` derived from the
 * customer's history), the lists, and the velocity features of every key the payment has (from
 * its history, which does not include this payment yet). Pure.
 *
 * @example
 * ```ts
 * import { Attributes, Features } from "@paykit/risk"
 * declare const payment: Features.Payment
 * const values = Features.compute({ catalog: Attributes.standard, reference: payment.amount.currency, payment, histories: {}, now: Date.now() })
 * ```
 * @category math
 * @since 0.1.0
 */
export const compute = (input: {
  readonly catalog: Catalog
  readonly reference: Currency.Currency
  readonly payment: Payment
  readonly profile?: Profile | undefined
  readonly lists?: Lists | undefined
  readonly histories: Histories
  readonly now: number
  readonly custom?: Readonly<Record<string, unknown>> | undefined
  /** When given, only the velocity features these rules read are computed. */
  readonly only?: { readonly velocityFeatures: ReadonlyMap<string, ReadonlySet<string>> } | undefined
}): Values => {
  const { payment: p, histories, now } = input
  const profile = input.profile ?? {}
  const email = p.email?.toLowerCase()
  const payment: Record<string, unknown> = {
    id: p.id,
    amount: p.amount.amount,
    currency: p.amount.currency.code,
    amount_ref: amountRef(p, input.reference),
    ref_currency: input.reference.code,
    method: p.method,
    card_country: p.cardCountry,
    ip_country: p.ipCountry,
    ip: p.ip,
    device_id: p.deviceId,
    email,
    email_domain: email?.slice(email.indexOf("@") + 1),
    card_fingerprint: p.cardFingerprint,
    merchant_id: p.merchantId,
    customer_id: p.customerId
  }
  const customerHistory = p.customerId === undefined ? undefined : (histories.customer ?? [])
  let last: number | undefined
  let deviceSeen = false
  let cardSeen = false
  if (customerHistory !== undefined) {
    for (const e of customerHistory) {
      if (e.at > now) continue
      if (last === undefined || e.at > last) last = e.at
      if (p.deviceId !== undefined && e.device === p.deviceId) deviceSeen = true
      if (p.cardFingerprint !== undefined && e.card === p.cardFingerprint) cardSeen = true
    }
  }
  const customer: Record<string, unknown> = {
    account_age_days: profile.accountAgeDays === undefined ? undefined : BigInt(profile.accountAgeDays),
    avg_ticket_ref: profile.avgTicketRef,
    usual_countries: profile.usualCountries === undefined ? undefined : new Set(profile.usualCountries),
    verified: profile.verified,
    days_since_last_payment: last === undefined ? undefined : BigInt(Math.floor((now - last) / DAY)),
    device_is_new: customerHistory === undefined || p.deviceId === undefined ? undefined : !deviceSeen,
    card_is_new: customerHistory === undefined || p.cardFingerprint === undefined ? undefined : !cardSeen
  }
  const velocity: Record<string, Velocity.KeyFeatures> = {}
  const k = keys(p)
  for (const kind of Velocity.KEY_KINDS) {
    if (k[kind] === undefined) continue
    if (input.only === undefined) {
      velocity[kind] = Velocity.keyFeatures(input.catalog.velocity, histories[kind] ?? [], now)
      continue
    }
    const wanted = input.only.velocityFeatures.get(kind)
    if (wanted !== undefined)
      velocity[kind] = Velocity.keyFeatures(input.catalog.velocity, histories[kind] ?? [], now, wanted)
  }
  return { payment, customer, lists: input.lists ?? {}, velocity, custom: input.custom ?? {} }
}

/**
 * The velocity event a payment leaves behind once decided: `blocked` when this service blocked
 * it; never `declined` (an issuer's decline arrives later, through `Risk.record`), unless
 * `declined` says so (a backtest replaying history).
 *
 * @example
 * ```ts
 * import { Features } from "@paykit/risk"
 * declare const payment: Features.Payment
 * const event = Features.eventOf(payment, 1250n, Date.now(), false)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const eventOf = (
  p: Payment,
  amountRefMinor: bigint,
  at: number,
  blocked: boolean,
  declined = false
): Velocity.Event => {
  const k = keys(p)
  return {
    id: p.id,
    at,
    amountRef: amountRefMinor,
    declined,
    blocked,
    customer: k.customer,
    card: k.card,
    ip: k.ip,
    device: k.device,
    email: k.email,
    ipCountry: p.ipCountry
  }
}
