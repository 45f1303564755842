// The CSV mapping importer: any CSV file, by a configuration naming its columns and how its
// amounts and dates are written.
import type { Currency } from "@paykit/core"
import { Schema } from "effect"
import * as Result from "effect/Result"
import type { Importer } from "../Importers.ts"
import type { ExternalRecord } from "../Reconciliation.ts"
import {
  currencyCache,
  type DateFormat,
  dateCell,
  isProblem,
  lookupCurrency,
  major,
  type Mutable,
  minor
} from "./importCells.ts"
import { InvalidImportOptions } from "./importErrors.ts"
import { cellProblem, decodeFormatOptions, locate, refused } from "./importFormat.ts"

/**
 * A CSV mapping: which header names hold the reference, the amount, the currency and the date
 * (and, optionally, an id, a batch and a type), how amounts are written (`minor`: integer minor
 * units; `major`: a decimal in the currency, converted exactly with its exponent) and how dates
 * are written ({@link DateFormat}). `currency` instead of `columns.currency` gives every row one
 * currency. `delimiter` defaults to `,`; `registry` to ISO 4217.
 *
 * @example
 * ```ts
 * import type { Importers } from "@paykit/settlement"
 * const config: Importers.CsvMappingConfig = { columns: { reference: "ref", amount: "amount", currency: "ccy", date: "booked" }, amountFormat: "major", dateFormat: "date" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CsvMappingConfig {
  readonly name?: string
  readonly columns: {
    readonly reference: string
    readonly amount: string
    readonly currency?: string
    readonly date: string
    readonly id?: string
    readonly batch?: string
    readonly type?: string
  }
  readonly amountFormat: "minor" | "major"
  readonly dateFormat: DateFormat
  readonly currency?: string
  readonly delimiter?: "," | ";" | "\t" | "|"
  readonly registry?: Currency.Registry
}

const Column = Schema.NonEmptyString
const CsvMappingSchema = Schema.Struct({
  name: Schema.optionalKey(Schema.NonEmptyString),
  columns: Schema.Struct({
    reference: Column,
    amount: Column,
    currency: Schema.optionalKey(Column),
    date: Column,
    id: Schema.optionalKey(Column),
    batch: Schema.optionalKey(Column),
    type: Schema.optionalKey(Column)
  }),
  amountFormat: Schema.Literals(["minor", "major"]),
  dateFormat: Schema.Literals(["iso", "date", "datetime", "epoch_ms", "epoch_s"]),
  currency: Schema.optionalKey(Schema.String),
  delimiter: Schema.optionalKey(Schema.Literals([",", ";", "\t", "|"])),
  registry: Schema.optionalKey(Schema.Unknown)
})

/**
 * An importer for any CSV file, by a {@link CsvMappingConfig}. Each data row becomes a record:
 * `id` from `columns.id` (else `row:<n>`), `reference`, `amount` (signed), `currency`, `at`,
 * and `batch`/`type` when mapped and not empty. A configuration that is not valid makes the
 * importer refuse with `InvalidImportOptions` before reading.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * const bank = Importers.csvMapping({
 *   columns: { reference: "End-to-end id", amount: "Amount", currency: "Currency", date: "Value date" },
 *   amountFormat: "major",
 *   dateFormat: "date",
 *   delimiter: ";"
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const csvMapping = (config: CsvMappingConfig): Importer => {
  const name = "csv mapping"
  const decoded = decodeFormatOptions(name, CsvMappingSchema, config)
  if (Result.isFailure(decoded)) return decoded.failure
  const { options: c, registry } = decoded.success
  if ((c.columns.currency === undefined) === (c.currency === undefined)) {
    return refused(
      name,
      new InvalidImportOptions({
        path: "columns.currency",
        reason:
          "expected exactly one of columns.currency (a column) and currency (one currency for every row)"
      })
    )
  }
  let fixed: Currency.Currency | undefined
  if (c.currency !== undefined) {
    const cur = lookupCurrency(c.currency, registry)
    if (isProblem(cur))
      return refused(name, new InvalidImportOptions({ path: "currency", reason: cur.problem }))
    fixed = cur
  }
  const cols = c.columns
  return {
    name: c.name ?? name,
    delimiter: c.delimiter ?? ",",
    open: (header, headerRow) => {
      const located = locate(
        header,
        headerRow,
        [
          ["reference", cols.reference],
          ["amount", cols.amount],
          ["date", cols.date],
          ...(cols.currency !== undefined ? [["currency", cols.currency] as const] : [])
        ],
        [
          ["id", cols.id],
          ["batch", cols.batch],
          ["type", cols.type]
        ]
      )
      if (Result.isFailure(located)) return Result.fail(located.failure)
      const at = located.success
      const records: Array<ExternalRecord> = []
      const currencyOf = currencyCache(registry)
      return Result.succeed({
        read: (fields, row) => {
          const reference = fields[at["reference"]!]!
          if (reference === "") return cellProblem(row, cols.reference, "empty: expected a reference")
          let currency = fixed
          if (currency === undefined) {
            const cur = currencyOf(fields[at["currency"]!]!)
            if (isProblem(cur)) return cellProblem(row, cols.currency!, cur.problem)
            currency = cur
          }
          const raw = fields[at["amount"]!]!
          const amount = c.amountFormat === "minor" ? minor(raw) : major(raw, currency)
          if (isProblem(amount)) return cellProblem(row, cols.amount, amount.problem)
          const when = dateCell(fields[at["date"]!]!, c.dateFormat)
          if (isProblem(when)) return cellProblem(row, cols.date, when.problem)
          const id = at["id"] !== undefined ? fields[at["id"]]! : ""
          if (at["id"] !== undefined && id === "") return cellProblem(row, cols.id!, "empty: expected an id")
          const batch = at["batch"] !== undefined ? fields[at["batch"]]! : ""
          const type = at["type"] !== undefined ? fields[at["type"]]! : ""
          const record: Mutable<ExternalRecord> = {
            id: id === "" ? `row:${row}` : id,
            reference,
            amount,
            currency: currency.code,
            at: when,
            row
          }
          if (batch !== "") record.batch = batch
          if (type !== "") record.type = type
          records.push(record)
          return undefined
        },
        finish: () => Result.succeed(records)
      })
    }
  }
}
