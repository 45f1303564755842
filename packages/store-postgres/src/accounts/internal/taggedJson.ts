import { Currency, Money } from "@paykit/core"
import { Result } from "effect"

/**
 * A JSON encoding of domain objects that keeps what plain JSON loses: `bigint` becomes
 * `{"$bigint": "123"}`, `Money` becomes `{"$money": {"amount": "123", "currency": {…}}}` (the
 * whole currency, so custom units come back too), non-finite numbers become `{"$number": "…"}`.
 * `undefined` properties are dropped (as `exactOptionalPropertyTypes` objects never hold them).
 */
export const encode = (value: unknown): unknown => {
  switch (typeof value) {
    case "bigint":
      return { $bigint: value.toString() }
    case "number":
      return Number.isFinite(value) ? value : { $number: String(value) }
    case "object": {
      if (value === null) return null
      if (Array.isArray(value)) return value.map(encode)
      if (isMoney(value)) {
        return { $money: { amount: value.amount.toString(), currency: { ...value.currency } } }
      }
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encode(v)
      return out
    }
    default:
      return value
  }
}

/** The inverse of {@link encode}. */
export const decode = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) return value.map(decode)
  const o = value as Record<string, unknown>
  const keys = Object.keys(o)
  if (keys.length === 1) {
    if (typeof o["$bigint"] === "string") return BigInt(o["$bigint"])
    if (typeof o["$number"] === "string") return Number(o["$number"])
    const m = o["$money"] as { amount: string; currency: Currency.Currency } | undefined
    if (typeof m === "object" && m !== null && typeof m.amount === "string") {
      const known = Currency.isoRegistry.get(m.currency.code)
      const currency =
        Result.isSuccess(known) && known.success.exponent === m.currency.exponent ? known.success : m.currency
      return Money.fromMinorUnsafe(BigInt(m.amount), currency)
    }
  }
  const out: Record<string, unknown> = {}
  for (const k of keys) out[k] = decode(o[k])
  return out
}

const isMoney = (v: object): v is Money.Money =>
  v instanceof Money.Money ||
  ("amount" in v &&
    typeof v.amount === "bigint" &&
    "currency" in v &&
    typeof v.currency === "object" &&
    v.currency !== null &&
    "code" in v.currency &&
    typeof v.currency.code === "string" &&
    "exponent" in v.currency)
