import fc from "fast-check"
import type { Attributes, Rule } from "../src/index.ts"

export const INT_ATTRS = [
  "payment.amount_ref",
  "payment.amount",
  "customer.account_age_days",
  "velocity.customer.count_1h",
  "velocity.customer.count_24h",
  "velocity.card.declined_1h"
] as const
export const STRING_ATTRS = [
  "payment.card_country",
  "payment.ip_country",
  "payment.method",
  "payment.customer_id"
] as const
export const BOOL_ATTRS = ["customer.device_is_new", "customer.verified"] as const
export const LIST_ATTRS = [
  "customer.usual_countries",
  "lists.blocked_countries",
  "lists.allowed_customers"
] as const

const COUNTRIES = ["US", "FR", "DE", "KP"] as const
const STRINGS = [...COUNTRIES, "card", "wallet", "cus_1", "cus_2"] as const

/** Ints around 2^53, where a frame switches from numbers to bigints, and near 2^63. */
const huge = fc.constantFrom(
  9_007_199_254_740_991n,
  9_007_199_254_740_992n,
  9_007_199_254_740_993n,
  -9_007_199_254_740_993n,
  4_611_686_018_427_387_904n,
  9_223_372_036_854_775_807n
)
const intLiteral = fc
  .oneof(fc.bigInt({ min: -1n, max: 3n }), fc.bigInt({ min: -5n, max: 2_000n }), huge)
  .map(String)
const small = (max: bigint) =>
  fc.oneof(
    { arbitrary: fc.bigInt({ min: 0n, max: 3n }), weight: 3 },
    { arbitrary: fc.bigInt({ min: 0n, max }), weight: 3 },
    huge
  )
const stringLiteral = fc.constantFrom(...STRINGS).map((s) => JSON.stringify(s))

export const leaf: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...INT_ATTRS), fc.constantFrom("<", "<=", ">", ">=", "==", "!="), intLiteral)
    .map(([a, op, k]) => `${a} ${op} ${k}`),
  fc
    .tuple(
      fc.constantFrom(...INT_ATTRS),
      fc.constantFrom(...INT_ATTRS),
      fc.constantFrom("+", "-", "*"),
      intLiteral
    )
    .map(([a, b, op, k]) => `${a} ${op} ${b} > ${k}`),
  fc
    .tuple(fc.constantFrom(...INT_ATTRS), fc.bigInt({ min: -3n, max: 3n }), intLiteral)
    .map(([a, d, k]) => `${a} / ${d} >= ${k}`),
  fc
    .tuple(fc.constantFrom(...STRING_ATTRS), fc.constantFrom("==", "!="), stringLiteral)
    .map(([a, op, k]) => `${a} ${op} ${k}`),
  fc
    .tuple(fc.constantFrom(...STRING_ATTRS), fc.constantFrom(...STRING_ATTRS))
    .map(([a, b]) => `${a} != ${b}`),
  fc.tuple(fc.constantFrom(...STRING_ATTRS), fc.constantFrom(...LIST_ATTRS)).map(([a, l]) => `${a} in ${l}`),
  fc
    .tuple(fc.constantFrom(...STRING_ATTRS), fc.uniqueArray(stringLiteral, { minLength: 1, maxLength: 3 }))
    .map(([a, ks]) => `${a} in [${ks.join(", ")}]`),
  fc.constantFrom(...BOOL_ATTRS),
  fc.constantFrom(...INT_ATTRS, ...STRING_ATTRS, ...BOOL_ATTRS).map((a) => `has(${a})`),
  fc.tuple(fc.constantFrom(...LIST_ATTRS), intLiteral).map(([l, k]) => `size(${l}) >= ${k}`),
  fc
    .tuple(fc.constantFrom(...STRING_ATTRS), fc.constantFrom("U", "c", "F"))
    .map(([a, p]) => `${a}.startsWith("${p}")`),
  fc.constantFrom("true", "false")
)

/** A boolean condition over the attributes above: leaves combined with &&, ||, ! and ?:. */
export const condition: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `(${a} && ${b})`),
    fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `(${a} || ${b})`),
    tie("expr").map((a) => `!(${a})`),
    fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([c, a, b]) => `(${c} ? ${a} : ${b})`)
  )
})).expr

const maybe = <A>(a: fc.Arbitrary<A>): fc.Arbitrary<A | undefined> =>
  fc.option(a, { nil: undefined, freq: 5 })

/** Values for the attributes above; each may be missing. */
export const values: fc.Arbitrary<Attributes.Values> = fc
  .record({
    amount_ref: maybe(small(3_000n)),
    amount: maybe(small(3_000n)),
    account_age_days: maybe(small(2_000n)),
    count_1h: maybe(small(30n)),
    count_24h: maybe(small(30n)),
    declined_1h: maybe(fc.bigInt({ min: 0n, max: 5n })),
    card_country: maybe(fc.constantFrom(...COUNTRIES)),
    ip_country: maybe(fc.constantFrom(...COUNTRIES)),
    method: maybe(fc.constantFrom("card", "wallet")),
    customer_id: maybe(fc.constantFrom("cus_1", "cus_2", "cus_3")),
    device_is_new: maybe(fc.boolean()),
    verified: maybe(fc.boolean()),
    usual_countries: maybe(fc.uniqueArray(fc.constantFrom(...COUNTRIES), { maxLength: 3 })),
    blocked_countries: maybe(fc.uniqueArray(fc.constantFrom(...COUNTRIES), { maxLength: 2 })),
    allowed_customers: maybe(fc.uniqueArray(fc.constantFrom("cus_1", "cus_2"), { maxLength: 2 }))
  })
  .map((r) => {
    const clean = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
    const set = (a: ReadonlyArray<string> | undefined) => (a === undefined ? undefined : new Set(a))
    return {
      payment: clean({
        amount_ref: r.amount_ref,
        amount: r.amount,
        card_country: r.card_country,
        ip_country: r.ip_country,
        method: r.method,
        customer_id: r.customer_id
      }),
      customer: clean({
        account_age_days: r.account_age_days,
        device_is_new: r.device_is_new,
        verified: r.verified,
        usual_countries: set(r.usual_countries)
      }),
      lists: clean({
        blocked_countries: set(r.blocked_countries),
        allowed_customers: set(r.allowed_customers)
      }),
      velocity: {
        customer: clean({ count_1h: r.count_1h, count_24h: r.count_24h }),
        card: clean({ declined_1h: r.declined_1h })
      }
    }
  })

export const action = fc.constantFrom<Rule.Action>("allow", "request_3ds", "review", "block")

/** Rules with distinct ids. */
export const rules: fc.Arbitrary<Array<Rule.Input>> = fc
  .array(
    fc.record({
      action,
      score: fc.integer({ min: -50, max: 100 }),
      condition,
      mode: fc.constantFrom<Rule.Mode>("active", "active", "active", "shadow")
    }),
    { maxLength: 12 }
  )
  .map((rs) => rs.map((r, i) => ({ id: `r${i}`, description: `rule ${i}`, ...r })))

/**
 * Rules of which some pivot on the customer id and are snoozed for one customer (`cus_1` or
 * `cus_2`) until a time from 0 to 20: pair it with times around that range.
 */
export const withSnoozes: fc.Arbitrary<Array<Rule.Input>> = fc
  .tuple(rules, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), fc.integer({ min: 0, max: 20 }))
  .map(([rs, snoozed, until]) =>
    rs.map((r, i) =>
      snoozed[i]
        ? { ...r, pivot: "payment.customer_id", snoozes: [{ value: i % 2 === 0 ? "cus_1" : "cus_2", until }] }
        : r
    )
  )
