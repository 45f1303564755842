/**
 * A fee schedule as the payments package's fee policy port: the function `Books.postings` and
 * `Books.priceCaptures` call to price each new capture.
 *
 * @since 0.1.0
 */
import { Money } from "@paykit/core"
import type { Books, Payment } from "@paykit/payments"
import * as Result from "effect/Result"
import type { FeeKind } from "./BalanceTransaction.ts"
import * as FeeSchedule from "./FeeSchedule.ts"

/**
 * What a payment's fees depend on: its payment method type, card brand and card region, each
 * left out (or `undefined`) when unknown.
 *
 * @example
 * ```ts
 * import type { FeePolicy } from "@paykit/settlement"
 * const d: FeePolicy.Description = { method: "card", brand: "visa", region: "domestic" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Description {
  readonly method?: string | undefined
  readonly brand?: string | undefined
  readonly region?: string | undefined
}

/**
 * Options of {@link fromSchedule}:
 * - `describe`: the payment's dimensions; by default {@link fromMetadata};
 * - `account`: the ledger account a fee line goes to, by kind and currency (`undefined` keeps the
 *   payments package's default, `platform:fees:<cur>`), e.g. to book pass-through interchange
 *   apart from the platform's revenue.
 *
 * @example
 * ```ts
 * import type { FeePolicy } from "@paykit/settlement"
 * const options: FeePolicy.Options = {
 *   describe: (p) => ({ brand: p.metadata["brand"] }),
 *   account: (kind, currency) => (kind === "interchange" ? `platform:passthrough:${currency}` : undefined)
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly describe?: (p: Payment.Payment) => Description
  readonly account?: (kind: FeeKind, currency: string) => string | undefined
}

/**
 * The default {@link Description}: the payment's metadata keys `method`, `card_brand` and
 * `card_region` (set them when you create the payment, e.g. from the provider's card details).
 *
 * @example
 * ```ts
 * import { FeePolicy } from "@paykit/settlement"
 * declare const p: import("@paykit/payments").Payment.Payment
 * FeePolicy.fromMetadata(p).brand // p.metadata.card_brand
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fromMetadata = (p: Payment.Payment): Description => ({
  method: own(p.metadata, "method"),
  brand: own(p.metadata, "card_brand"),
  region: own(p.metadata, "card_region")
})

const own = (r: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(r, key) ? r[key] : undefined

/**
 * The payments package's fee policy port over a decoded schedule: prices what the merchant
 * settles (`c.conversion?.settled ?? c.amount`, in that currency) at the capture's time `c.at`
 * with {@link FeeSchedule.price}, with the FX surcharge when the capture was converted, and
 * returns one `Books.Fee` per fee line, labelled `<kind>: <label>`.
 *
 * A port cannot fail, so: a capture before the schedule's first version is priced with the first
 * version; a capture of zero pays no fee. Anything else `FeeSchedule.price` would refuse (a
 * dimension over 500 characters, a time that is not finite) cannot come from a payment the
 * payments package made, and is thrown as a defect.
 *
 * @example
 * ```ts
 * import { FeePolicy, FeeSchedule } from "@paykit/settlement"
 * import { Books } from "@paykit/payments"
 * declare const schedule: FeeSchedule.FeeSchedule
 * const fees: Parameters<typeof Books.postings>[3] = FeePolicy.fromSchedule(schedule)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fromSchedule =
  (schedule: FeeSchedule.FeeSchedule, options: Options = {}) =>
  (p: Payment.Payment, c: Payment.Capture): ReadonlyArray<Books.Fee> => {
    const settled = c.conversion?.settled ?? c.amount
    if (settled.amount <= 0n) return []
    const d = (options.describe ?? fromMetadata)(p)
    const first = schedule.versions[0]?.effectiveFrom ?? c.at
    const priced = FeeSchedule.price(schedule, {
      amount: settled.amount,
      currency: settled.currency.code,
      exponent: settled.currency.exponent,
      at: c.at < first ? first : c.at,
      method: d.method,
      brand: d.brand,
      region: d.region,
      converted: c.conversion !== undefined
    })
    return Result.getOrThrow(priced).map((line) => {
      const account = options.account?.(line.kind, settled.currency.code)
      return {
        amount: Money.fromMinorUnsafe(line.amount, settled.currency),
        label: `${line.kind}: ${line.label}`,
        ...(account === undefined ? {} : { account })
      }
    })
  }
