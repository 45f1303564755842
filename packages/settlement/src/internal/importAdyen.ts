// The importer of Adyen's Settlement details report, with its per-batch control total.
import type { Currency } from "@paykit/core"
import { Schema } from "effect"
import * as Result from "effect/Result"
import type { Importer } from "../Importers.ts"
import type { ExternalRecord } from "../Reconciliation.ts"
import { clip, currencyCache, dateCell, isProblem, major } from "./importCells.ts"
import { ControlTotalMismatch } from "./importErrors.ts"
import { cellProblem, decodeFormatOptions, locate } from "./importFormat.ts"

/**
 * UTC offsets, in minutes, of the time zone abbreviations an Adyen report may name in its
 * `TimeZone` column. Ambiguous abbreviations (`CST`, `IST`) are left out: pass them in
 * `AdyenOptions.timeZones`. An offset written `+02:00` is always understood.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * Importers.adyenTimeZones["CEST"] // 120
 * ```
 * @category models
 * @since 0.1.0
 */
export const adyenTimeZones: Readonly<Record<string, number>> = {
  UTC: 0,
  GMT: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  GST: 240,
  SGT: 480,
  HKT: 480,
  JST: 540,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  BRT: -180,
  EST: -300,
  EDT: -240,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420
}

/**
 * Options of {@link adyenSettlementDetails}: the reference paykit knows a payment by (`merchant`,
 * the default: the `Merchant Reference` paykit sent; or `psp`: Adyen's `Psp Reference`), extra
 * time zone abbreviations (minutes east of UTC), and a registry for custom currencies.
 *
 * @example
 * ```ts
 * import type { Importers } from "@paykit/settlement"
 * const o: Importers.AdyenOptions = { reference: "psp", timeZones: { IST: 330 } }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface AdyenOptions {
  readonly reference?: "merchant" | "psp"
  readonly timeZones?: Readonly<Record<string, number>>
  readonly registry?: Currency.Registry
}

const AdyenOptionsSchema = Schema.Struct({
  reference: Schema.optionalKey(Schema.Literals(["merchant", "psp"])),
  timeZones: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Int.check(Schema.isBetween({ minimum: -900, maximum: 900 })))
  ),
  registry: Schema.optionalKey(Schema.Unknown)
})

const OFFSET = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$/

/**
 * An importer for Adyen's Settlement details report (SDR, CSV). Columns read: `Merchant
 * Account` (optional), `Psp Reference`, `Merchant Reference`, `Creation Date` (`YYYY-MM-DD
 * HH:MM:SS` in the `TimeZone` column's zone), `TimeZone`, `Type` (the journal type: the record's
 * `type`), `Modification Reference`, `Net Currency`, `Net Debit (NC)`, `Net Credit (NC)` and
 * `Batch Number` (the record's `batch`). Every line becomes a record, `MerchantPayout`, `Fee` and
 * `Balancetransfer` lines too (filter by `type`): `amount` = Net Credit − Net Debit, converted
 * exactly with the net currency's exponent (a payout is negative, as in paykit); `reference` =
 * the Merchant (or Psp) Reference, else the Modification Reference, else `<Type>:<batch>`; `id` =
 * `adyen:<merchant account>:<batch>:<row>`.
 *
 * The control total: per merchant account, batch and net currency, the lines other than
 * `MerchantPayout` (credit − debit) must add up to what the `MerchantPayout` lines pay out
 * (debit − credit), or to zero in a batch without one. A batch that does not add up refuses the
 * whole file with {@link ControlTotalMismatch}.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * import { Effect } from "effect"
 * import { createReadStream } from "node:fs"
 * Effect.runPromise(Importers.run(Importers.adyenSettlementDetails(), createReadStream("settlement_detail_report_batch_4.csv")))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const adyenSettlementDetails = (options: AdyenOptions = {}): Importer => {
  const name = "Adyen Settlement details report"
  const decoded = decodeFormatOptions(name, AdyenOptionsSchema, options)
  if (Result.isFailure(decoded)) return decoded.failure
  const { options: o, registry } = decoded.success
  const zones: Readonly<Record<string, number>> = { ...adyenTimeZones, ...o.timeZones }
  const referenceColumn = o.reference === "psp" ? "Psp Reference" : "Merchant Reference"
  const offsetOf = (tz: string): number | undefined => {
    if (Object.hasOwn(zones, tz)) return zones[tz]
    const m = OFFSET.exec(tz)
    if (m === null) return undefined
    const minutes = +m[2]! * 60 + +m[3]!
    return minutes > 900 || +m[3]! > 59 ? undefined : (m[1] === "-" ? -1 : 1) * minutes
  }
  return {
    name,
    delimiter: ",",
    open: (header, headerRow) => {
      const located = locate(
        header,
        headerRow,
        [
          ["psp", "Psp Reference"],
          ["merchantRef", "Merchant Reference"],
          ["created", "Creation Date"],
          ["tz", "TimeZone"],
          ["type", "Type"],
          ["modification", "Modification Reference"],
          ["currency", "Net Currency"],
          ["debit", "Net Debit (NC)"],
          ["credit", "Net Credit (NC)"],
          ["batch", "Batch Number"]
        ],
        [["merchant", "Merchant Account"]]
      )
      if (Result.isFailure(located)) return Result.fail(located.failure)
      const at = located.success
      const refAt = referenceColumn === "Psp Reference" ? at["psp"]! : at["merchantRef"]!
      const records: Array<ExternalRecord> = []
      interface Batch {
        readonly merchant: string
        readonly batch: string
        readonly currency: string
        lines: bigint
        payout: bigint
      }
      const batches = new Map<string, Batch>()
      const currencyOf = currencyCache(registry)
      return Result.succeed({
        read: (fields, row) => {
          const type = fields[at["type"]!]!
          if (type === "")
            return cellProblem(
              row,
              "Type",
              "empty: expected a journal type (Settled, Fee, MerchantPayout, …)"
            )
          const batch = fields[at["batch"]!]!
          if (batch === "") return cellProblem(row, "Batch Number", "empty: expected the batch number")
          const cur = currencyOf(fields[at["currency"]!]!)
          if (isProblem(cur)) return cellProblem(row, "Net Currency", cur.problem)
          let amount = 0n
          for (const [key, column, sign] of [
            ["credit", "Net Credit (NC)", 1n],
            ["debit", "Net Debit (NC)", -1n]
          ] as const) {
            const raw = fields[at[key]!]!
            if (raw === "") continue
            const v = major(raw, cur)
            if (isProblem(v)) return cellProblem(row, column, v.problem)
            amount += sign * v
          }
          const tz = fields[at["tz"]!]!
          const offset = offsetOf(tz)
          if (offset === undefined) {
            return cellProblem(
              row,
              "TimeZone",
              `unknown time zone ${JSON.stringify(clip(tz))}: pass its UTC offset in options.timeZones`
            )
          }
          const when = dateCell(fields[at["created"]!]!, "datetime", offset)
          if (isProblem(when)) return cellProblem(row, "Creation Date", when.problem)
          const merchant = at["merchant"] !== undefined ? fields[at["merchant"]]! : ""
          const key = `${merchant}\u0000${batch}\u0000${cur.code}`
          let b = batches.get(key)
          if (b === undefined) {
            b = { merchant, batch, currency: cur.code, lines: 0n, payout: 0n }
            batches.set(key, b)
          }
          if (type === "MerchantPayout") b.payout -= amount
          else b.lines += amount
          const reference = fields[refAt]! || fields[at["modification"]!]! || `${type}:${batch}`
          records.push({
            id: `adyen:${merchant}:${batch}:${row}`,
            reference,
            amount,
            currency: cur.code,
            at: when,
            row,
            type,
            batch
          })
          return undefined
        },
        finish: () => {
          for (const b of batches.values()) {
            if (b.lines !== b.payout) {
              return Result.fail(
                new ControlTotalMismatch({
                  merchantAccount: b.merchant,
                  batch: b.batch,
                  currency: b.currency,
                  expected: b.payout.toString(),
                  actual: b.lines.toString()
                })
              )
            }
          }
          return Result.succeed(records)
        }
      })
    }
  }
}
