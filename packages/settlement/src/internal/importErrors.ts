// The errors of an import: a cell, a row or the file's shape (`InvalidFile`), a limit passed
// (`FileTooLarge`), a batch that does not add up (`ControlTotalMismatch`), a source that could not
// be read (`SourceFailed`), options that are not valid (`InvalidImportOptions`).
import { Schema } from "effect"
import type { Limits } from "../Importers.ts"

/**
 * A cell, a row or the file's shape is not what the importer reads: `row` counts from 1 with the
 * header as row 1, `column` is the header's name of the column (`#3` when the file has no such
 * header cell), `reason` says what was expected. Nothing was imported.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * new Importers.InvalidFile({ row: 7, column: "amount", reason: '"1,00" is not a decimal amount' }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidFile extends Schema.TaggedError<InvalidFile>()("InvalidFile", {
  row: Schema.Number,
  column: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    const where =
      this.column === "" ? `row ${this.row}` : `row ${this.row}, column ${JSON.stringify(this.column)}`
    return `${where} (rows count from 1, the header being row 1): ${this.reason}; nothing was imported, fix the file and import it again`
  }
}

/**
 * The file exceeds a limit (`maxBytes`, `maxRowBytes` or `maxRows`, see {@link Limits}): it was
 * refused as soon as the limit was passed, without reading the rest. `row` is the row being
 * read. Nothing was imported.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * new Importers.FileTooLarge({ limit: "maxBytes", max: 1024, row: 12 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class FileTooLarge extends Schema.TaggedError<FileTooLarge>()("FileTooLarge", {
  limit: Schema.Literals(["maxBytes", "maxRowBytes", "maxRows"]),
  max: Schema.Number,
  row: Schema.Number
}) {
  override get message(): string {
    return `the file passes the limit ${this.limit} = ${this.max} at row ${this.row} and was refused without reading the rest; nothing was imported: split the file or raise the limit`
  }
}

/**
 * An Adyen Settlement details report whose batch does not add up: the lines of the batch
 * (transactions, fees, balance transfers, …; credit − debit, in the net currency) sum to
 * `actual`, but its `MerchantPayout` line pays out `expected` (minor units; 0 when the batch has
 * no payout line). The whole file was refused.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * new Importers.ControlTotalMismatch({ merchantAccount: "Shop", batch: "4", currency: "EUR", expected: "10000", actual: "9999" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ControlTotalMismatch extends Schema.TaggedError<ControlTotalMismatch>()("ControlTotalMismatch", {
  merchantAccount: Schema.String,
  batch: Schema.String,
  currency: Schema.String,
  expected: Schema.String,
  actual: Schema.String
}) {
  override get message(): string {
    const who = this.merchantAccount === "" ? "" : `${this.merchantAccount} `
    return `${who}batch ${this.batch} (${this.currency}): the lines add up to ${this.actual} minor units but the payout is ${this.expected}; the whole file was refused: ask the acquirer for a corrected report`
  }
}

/**
 * The source could not be read: it is not bytes, or reading it failed (`reason` says which).
 * Nothing was imported.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * new Importers.SourceFailed({ reason: "ECONNRESET" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class SourceFailed extends Schema.TaggedError<SourceFailed>()("SourceFailed", {
  reason: Schema.String
}) {
  override get message(): string {
    return `the file could not be read: ${this.reason}; nothing was imported`
  }
}

/**
 * An importer's configuration or the limits are not valid: `path` names the option
 * (`columns.amount`, `limits.maxBytes`). The importer refuses before reading a byte.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * new Importers.InvalidImportOptions({ path: "amountFormat", reason: 'expected "minor" or "major"' }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidImportOptions extends Schema.TaggedError<InvalidImportOptions>()("InvalidImportOptions", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `import option ${this.path}: ${this.reason}; nothing was read`
  }
}

/**
 * Every way an import fails.
 *
 * @example
 * ```ts
 * import type { Importers } from "@paykit/settlement"
 * const where = (e: Importers.ImportError) => (e._tag === "InvalidFile" ? `${e.row}:${e.column}` : e._tag)
 * ```
 * @category errors
 * @since 0.1.0
 */
export type ImportError =
  | InvalidFile
  | FileTooLarge
  | ControlTotalMismatch
  | SourceFailed
  | InvalidImportOptions
