import { InvalidInput } from "@paykit/core"
import { Result } from "effect"
import * as Velocity from "./Velocity.ts"

/**
 * The type of an attribute, in CEL terms: `int` (a `bigint` at run time; amounts are integer
 * minor units), `double` (a `number`), `string`, `bool`, or `list<string>` (a `ReadonlySet<string>`
 * or an array at run time).
 *
 * @example
 * ```ts
 * import type { Attributes } from "@paykit/risk"
 * const t: Attributes.AttributeType = "int"
 * ```
 * @category models
 * @since 0.1.0
 */
export type AttributeType = "int" | "double" | "string" | "bool" | "list<string>"

/**
 * A declared attribute: its dotted path as written in rules (`payment.amount_ref`) and its type.
 *
 * @example
 * ```ts
 * import type { Attributes } from "@paykit/risk"
 * const a: Attributes.Attribute = { path: "custom.ip_risk", type: "double", doc: "IP risk score 0..1" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Attribute {
  readonly path: string
  readonly type: AttributeType
  readonly doc: string
}

/**
 * The attributes rules may read. Built with {@link make}; a rule naming anything else is
 * `UnknownAttribute` at definition time.
 *
 * @example
 * ```ts
 * import { Attributes } from "@paykit/risk"
 * Attributes.standard.attributes.get("payment.amount_ref")?.type // "int"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Catalog {
  readonly attributes: ReadonlyMap<string, Attribute>
  readonly velocity: Velocity.Config
  readonly lists: ReadonlyArray<string>
}

/**
 * The payment attributes (`payment.*`). Amounts: `amount` in minor units of `currency`,
 * `amount_ref` in minor units of the reference currency `ref_currency` (compare amounts across
 * currencies with `amount_ref`).
 *
 * @example
 * ```ts
 * import { Attributes } from "@paykit/risk"
 * Attributes.PAYMENT.map((a) => a.path).includes("payment.card_country") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const PAYMENT: ReadonlyArray<Attribute> = [
  { path: "payment.id", type: "string", doc: "the payment id" },
  { path: "payment.amount", type: "int", doc: "amount in minor units of payment.currency" },
  { path: "payment.currency", type: "string", doc: "ISO 4217 code of the payment" },
  { path: "payment.amount_ref", type: "int", doc: "amount in minor units of the reference currency" },
  { path: "payment.ref_currency", type: "string", doc: "the reference currency" },
  { path: "payment.method", type: "string", doc: 'payment method, e.g. "card", "wallet", "bank_transfer"' },
  { path: "payment.card_country", type: "string", doc: "issuing country of the card (ISO 3166-1 alpha-2)" },
  { path: "payment.ip_country", type: "string", doc: "country of the IP address (ISO 3166-1 alpha-2)" },
  { path: "payment.ip", type: "string", doc: "IP address" },
  { path: "payment.device_id", type: "string", doc: "device fingerprint id" },
  { path: "payment.email", type: "string", doc: "customer e-mail address (lower case)" },
  { path: "payment.email_domain", type: "string", doc: "domain of payment.email" },
  { path: "payment.card_fingerprint", type: "string", doc: "card fingerprint" },
  { path: "payment.merchant_id", type: "string", doc: "the merchant" },
  { path: "payment.customer_id", type: "string", doc: "the customer" }
]

/**
 * The customer-profile attributes (`customer.*`). `days_since_last_payment`, `device_is_new`
 * and `card_is_new` are derived from the velocity history when not given.
 *
 * @example
 * ```ts
 * import { Attributes } from "@paykit/risk"
 * Attributes.CUSTOMER.map((a) => a.path).includes("customer.usual_countries") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const CUSTOMER: ReadonlyArray<Attribute> = [
  { path: "customer.account_age_days", type: "int", doc: "days since the account was opened" },
  { path: "customer.avg_ticket_ref", type: "int", doc: "average payment, reference-currency minor units" },
  { path: "customer.usual_countries", type: "list<string>", doc: "countries the customer usually pays from" },
  { path: "customer.verified", type: "bool", doc: "identity verified (KYC)" },
  { path: "customer.days_since_last_payment", type: "int", doc: "whole days since the previous payment" },
  { path: "customer.device_is_new", type: "bool", doc: "the device was never seen for this customer" },
  { path: "customer.card_is_new", type: "bool", doc: "the card was never seen for this customer" }
]

/**
 * The built-in list names (`lists.*`, each a `list<string>`): allow and block lists of e-mails,
 * card fingerprints, IPs, countries and customer ids.
 *
 * @example
 * ```ts
 * import { Attributes } from "@paykit/risk"
 * Attributes.LISTS.includes("blocked_ips") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const LISTS: ReadonlyArray<string> = [
  "allowed_emails",
  "blocked_emails",
  "allowed_cards",
  "blocked_cards",
  "allowed_ips",
  "blocked_ips",
  "allowed_countries",
  "blocked_countries",
  "allowed_customers",
  "blocked_customers"
]

/**
 * Options of {@link make}: the velocity configuration (its windows name the velocity
 * attributes), extra list names, and custom attributes (`custom.<name>`).
 *
 * @example
 * ```ts
 * import type { Attributes } from "@paykit/risk"
 * const o: Attributes.Options = { lists: ["vip_customers"], custom: { ip_risk: "double" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly velocity?: Velocity.Config
  readonly lists?: ReadonlyArray<string>
  readonly custom?: Readonly<Record<string, AttributeType>>
}

const NAME = /^[a-z][a-z0-9_]{0,63}$/
const TYPES: ReadonlyArray<AttributeType> = ["int", "double", "string", "bool", "list<string>"]

const invalid = (path: string, reason: string) =>
  Result.fail(new InvalidInput({ operation: "Attributes.make", path, reason }))

/**
 * Builds the attribute catalog: payment, customer, lists (built-in + extra), velocity
 * (`velocity.<key>.<feature>_<window>` for every key kind, feature and window) and custom
 * attributes. A malformed list or custom name, an unknown type, or velocity windows that are not
 * strictly ascending with distinct names (lower-case letters and digits) are `InvalidInput`.
 *
 * @example
 * ```ts
 * import { Attributes, Velocity } from "@paykit/risk"
 * import { Result } from "effect"
 * const catalog = Result.getOrThrow(Attributes.make({ velocity: Velocity.defaultConfig, custom: { ip_risk: "double" } }))
 * catalog.attributes.has("velocity.card.count_1h") // true
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): Result.Result<Catalog, InvalidInput> => {
  const velocity = options.velocity ?? Velocity.defaultConfig
  for (const [i, w] of velocity.windows.entries()) {
    if (!/^[a-z0-9]{1,8}$/.test(w.name))
      return invalid(`velocity.windows[${i}].name`, 'expected a short window name such as "1h" or "15m"')
    if (!Number.isSafeInteger(w.millis) || w.millis < 1)
      return invalid(`velocity.windows[${i}].millis`, "expected a positive integer number of milliseconds")
    if (i > 0 && w.millis <= velocity.windows[i - 1]!.millis)
      return invalid(`velocity.windows[${i}]`, "windows must be strictly ascending")
    if (velocity.windows.findIndex((x) => x.name === w.name) !== i)
      return invalid(`velocity.windows[${i}].name`, `duplicate window name "${w.name}"`)
  }
  if (velocity.windows.length === 0) return invalid("velocity.windows", "at least one window is needed")
  const lists = [...LISTS, ...(options.lists ?? []).filter((l) => !LISTS.includes(l))]
  const all: Array<Attribute> = [...PAYMENT, ...CUSTOMER]
  for (const [i, l] of lists.entries()) {
    if (!NAME.test(l))
      return invalid(`lists[${i - LISTS.length}]`, `list name ${JSON.stringify(l)} must match ${NAME}`)
    all.push({ path: `lists.${l}`, type: "list<string>", doc: `the ${l.replaceAll("_", " ")} list` })
  }
  for (const kind of Velocity.KEY_KINDS) {
    for (const f of Velocity.featureNames(velocity)) {
      all.push({ path: `velocity.${kind}.${f}`, type: "int", doc: `velocity per ${kind}: ${f}` })
    }
  }
  for (const [name, type] of Object.entries(options.custom ?? {})) {
    if (!NAME.test(name)) return invalid(`custom.${name}`, `custom attribute name must match ${NAME}`)
    if (!TYPES.includes(type)) return invalid(`custom.${name}`, `expected one of ${TYPES.join(", ")}`)
    all.push({ path: `custom.${name}`, type, doc: "custom attribute" })
  }
  return Result.succeed({ attributes: new Map(all.map((a) => [a.path, a])), velocity, lists })
}

/**
 * Like {@link make} but throws its error. For constants and tests.
 *
 * @example
 * ```ts
 * import { Attributes } from "@paykit/risk"
 * const catalog = Attributes.makeUnsafe({ lists: ["vip_customers"] })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (options: Options = {}): Catalog => Result.getOrThrow(make(options))

/**
 * The catalog with the default velocity windows (1m, 1h, 24h, 7d), the built-in lists and no
 * custom attributes.
 *
 * @example
 * ```ts
 * import { Attributes } from "@paykit/risk"
 * Attributes.standard.attributes.size > 200 // true
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const standard: Catalog = makeUnsafe()

/**
 * The values a decision reads, nested as rules name them:
 * `{ payment: { amount_ref: 1250n, ... }, customer: {...}, lists: {...}, velocity: { card: { count_1h: 2n } }, custom: {...} }`.
 * A missing or wrongly typed value makes the rules that read it error (never a crash).
 *
 * @example
 * ```ts
 * import type { Attributes } from "@paykit/risk"
 * const values: Attributes.Values = { payment: { amount_ref: 1250n, card_country: "US" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Values = { readonly [namespace: string]: unknown }
