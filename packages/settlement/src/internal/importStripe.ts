// The importer of Stripe's itemised balance change report (`balance_change_from_activity.itemized`).
import type { Currency } from "@paykit/core"
import { Schema } from "effect"
import * as Result from "effect/Result"
import type { Importer } from "../Importers.ts"
import type { ExternalRecord } from "../Reconciliation.ts"
import { currencyCache, dateCell, isProblem, major, type Mutable } from "./importCells.ts"
import { cellProblem, decodeFormatOptions, locate } from "./importFormat.ts"

/**
 * Options of {@link stripeItemisedBalance}: the column holding the reference paykit knows the
 * payment by (default `source_id`, the charge, refund or payout id; e.g. `payment_intent_id` or
 * `payment_metadata[paykit_payment]`), the amount matched (`net`, the default, or `gross`), and
 * a registry for custom currencies.
 *
 * @example
 * ```ts
 * import type { Importers } from "@paykit/settlement"
 * const o: Importers.StripeOptions = { reference: "payment_metadata[order]", amount: "net" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface StripeOptions {
  readonly reference?: string
  readonly amount?: "net" | "gross"
  readonly registry?: Currency.Registry
}

const StripeOptionsSchema = Schema.Struct({
  reference: Schema.optionalKey(Schema.NonEmptyString),
  amount: Schema.optionalKey(Schema.Literals(["net", "gross"])),
  registry: Schema.optionalKey(Schema.Unknown)
})

/**
 * An importer for Stripe's itemised balance change report (`balance_change_from_activity.itemized`,
 * CSV). Columns read: `balance_transaction_id` (the record's id; a repeated id gets `#row<n>`),
 * `created_utc` (`YYYY-MM-DD HH:MM:SS`, UTC), `currency` (lower case, as Stripe writes it),
 * `gross`, `fee`, `net` (decimal major units, converted exactly with the currency's exponent;
 * `net` must equal `gross − fee`), `reporting_category` (the record's `type`), the reference
 * column (default `source_id`; an empty cell falls back to the balance transaction id) and, when
 * present, `automatic_payout_id` (the record's `batch`). Other columns are ignored.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * import { Effect } from "effect"
 * const file = "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,source_id\ntxn_1,2025-03-01 10:00:00,eur,10.00,0.30,9.70,charge,ch_1\n"
 * Effect.runPromise(Importers.run(Importers.stripeItemisedBalance(), file)) // [{ id: "txn_1", amount: 970n, … }]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const stripeItemisedBalance = (options: StripeOptions = {}): Importer => {
  const name = "Stripe itemised balance change report"
  const decoded = decodeFormatOptions(name, StripeOptionsSchema, options)
  if (Result.isFailure(decoded)) return decoded.failure
  const { options: o, registry } = decoded.success
  const referenceColumn = o.reference ?? "source_id"
  const useGross = o.amount === "gross"
  return {
    name,
    delimiter: ",",
    open: (header, headerRow) => {
      const located = locate(
        header,
        headerRow,
        [
          ["id", "balance_transaction_id"],
          ["created", "created_utc"],
          ["currency", "currency"],
          ["gross", "gross"],
          ["fee", "fee"],
          ["net", "net"],
          ["category", "reporting_category"],
          ["reference", referenceColumn]
        ],
        [["payout", "automatic_payout_id"]]
      )
      if (Result.isFailure(located)) return Result.fail(located.failure)
      const at = located.success
      const records: Array<ExternalRecord> = []
      const ids = new Set<string>()
      const currencyOf = currencyCache(registry)
      return Result.succeed({
        read: (fields, row) => {
          const txn = fields[at["id"]!]!
          if (txn === "")
            return cellProblem(row, "balance_transaction_id", "empty: expected a balance transaction id")
          const cur = currencyOf(fields[at["currency"]!]!)
          if (isProblem(cur)) return cellProblem(row, "currency", cur.problem)
          const gross = major(fields[at["gross"]!]!, cur)
          if (isProblem(gross)) return cellProblem(row, "gross", gross.problem)
          const fee = major(fields[at["fee"]!]!, cur)
          if (isProblem(fee)) return cellProblem(row, "fee", fee.problem)
          const net = major(fields[at["net"]!]!, cur)
          if (isProblem(net)) return cellProblem(row, "net", net.problem)
          if (net !== gross - fee) {
            return cellProblem(
              row,
              "net",
              `net ${fields[at["net"]!]} is not gross ${fields[at["gross"]!]} minus fee ${fields[at["fee"]!]}`
            )
          }
          const when = dateCell(fields[at["created"]!]!, "datetime")
          if (isProblem(when)) return cellProblem(row, "created_utc", when.problem)
          const category = fields[at["category"]!]!
          if (category === "")
            return cellProblem(row, "reporting_category", "empty: expected a reporting category")
          const ref = fields[at["reference"]!]!
          const payout = at["payout"] !== undefined ? fields[at["payout"]]! : ""
          const id = ids.has(txn) ? `${txn}#row${row}` : txn
          ids.add(id)
          const record: Mutable<ExternalRecord> = {
            id,
            reference: ref === "" ? txn : ref,
            amount: useGross ? gross : net,
            currency: cur.code,
            at: when,
            row,
            type: category,
            gross,
            fee
          }
          if (payout !== "") record.batch = payout
          records.push(record)
          return undefined
        },
        finish: () => Result.succeed(records)
      })
    }
  }
}
