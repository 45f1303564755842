/**
 * Importers: external files into {@link ExternalRecord}s for `Reconciliation.match`. A
 * configurable CSV mapping, Stripe's itemised balance change report and Adyen's Settlement
 * details report (with its per-batch control total). Files are read as a stream of bytes by a
 * strict RFC 4180 parser: UTF-8 only (a BOM is skipped), limits refused as soon as exceeded.
 *
 * Import is all-or-nothing: the records, or a typed error naming the row and the column, never a
 * partial list. Rows are counted from 1, the header being row 1 (a blank line counts as a row; a
 * quoted field spanning lines is one row).
 *
 * @since 0.1.0
 */
import { Currency, Input, Money } from "@paykit/core"
import { Effect, Schema } from "effect"
import * as Result from "effect/Result"
import { type CsvFailure, CsvParser } from "./internal/csvParse.ts"
import type { ExternalRecord } from "./Reconciliation.ts"

// ---------------------------------------------------------------------------------------------
// errors

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

// ---------------------------------------------------------------------------------------------
// models

/**
 * Limits of one import, each refused with {@link FileTooLarge} as soon as passed: `maxBytes`
 * (the whole file), `maxRowBytes` (one row) and `maxRows` (data rows, the header not counted).
 *
 * @example
 * ```ts
 * import type { Importers } from "@paykit/settlement"
 * const small: Partial<Importers.Limits> = { maxBytes: 10 * 1024 * 1024 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Limits {
  readonly maxBytes: number
  readonly maxRowBytes: number
  readonly maxRows: number
}

/**
 * 512 MiB per file, 1 MiB per row, 5,000,000 rows.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * Importers.defaultLimits.maxBytes // 536870912
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const defaultLimits: Limits = {
  maxBytes: 512 * 1024 * 1024,
  maxRowBytes: 1024 * 1024,
  maxRows: 5_000_000
}

/**
 * What an importer reads: the whole file as bytes or text, or a stream of byte chunks (an
 * iterable, an async iterable, a Node `Readable` without an encoding set).
 *
 * @example
 * ```ts
 * import type { Importers } from "@paykit/settlement"
 * import { createReadStream } from "node:fs"
 * const source: Importers.Source = createReadStream("settlement.csv")
 * ```
 * @category models
 * @since 0.1.0
 */
export type Source = Uint8Array | string | Iterable<Uint8Array> | AsyncIterable<Uint8Array>

/**
 * Reads the data rows of one file, after the header: `read` takes each row's fields and row
 * number (a value returned stops the import), `finish` returns the records or the file-level
 * failure (a control total).
 *
 * @example
 * ```ts
 * import type { Importers } from "@paykit/settlement"
 * const none: Importers.RowReader = { read: () => undefined, finish: () => ({ _tag: "Success", success: [] }) as never }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RowReader {
  readonly read: (fields: ReadonlyArray<string>, row: number) => InvalidFile | undefined
  readonly finish: () => Result.Result<ReadonlyArray<ExternalRecord>, InvalidFile | ControlTotalMismatch>
}

/**
 * A file format: its name, its delimiter, and `open`, which reads the header (and its row
 * number) into a {@link RowReader} or refuses it. `invalid` is set when the configuration is not
 * valid: {@link run} then refuses before reading a byte. Write your own for a format none of the
 * importers here reads.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * const stripe: Importers.Importer = Importers.stripeItemisedBalance()
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Importer {
  readonly name: string
  readonly delimiter: string
  readonly invalid?: InvalidImportOptions
  readonly open: (header: ReadonlyArray<string>, row: number) => Result.Result<RowReader, InvalidFile>
}

// ---------------------------------------------------------------------------------------------
// running

const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "string" ? "a string" : typeof u

const checkLimits = (limits: unknown): Result.Result<Limits, InvalidImportOptions> => {
  if (limits === undefined) return Result.succeed(defaultLimits)
  if (typeof limits !== "object" || limits === null) {
    return Result.fail(
      new InvalidImportOptions({ path: "limits", reason: `expected an object, got ${describe(limits)}` })
    )
  }
  const out: Record<keyof Limits, number> = { ...defaultLimits }
  for (const key of ["maxBytes", "maxRowBytes", "maxRows"] as const) {
    const v = (limits as Record<string, unknown>)[key]
    if (v === undefined) continue
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
      return Result.fail(
        new InvalidImportOptions({
          path: `limits.${key}`,
          reason: `expected a whole number ≥ 1, got ${String(v)}`
        })
      )
    }
    out[key] = v
  }
  return Result.succeed(out)
}

const toChunks = (source: unknown): Iterable<unknown> | AsyncIterable<unknown> | undefined => {
  if (source instanceof Uint8Array) return [source]
  if (typeof source === "string") return [new TextEncoder().encode(source)]
  if (typeof source === "object" && source !== null) {
    if (typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
      return source as AsyncIterable<unknown>
    }
    if (typeof (source as Iterable<unknown>)[Symbol.iterator] === "function")
      return source as Iterable<unknown>
  }
  return undefined
}

const columnName = (header: ReadonlyArray<string> | undefined, column: number): string => {
  if (column <= 0) return ""
  const name = header?.[column - 1]
  return name === undefined || name === "" ? `#${column}` : name
}

/**
 * Runs an importer over a source, as a Promise of a `Result` (for code not on Effect; never
 * rejects). See {@link run}.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * const result = await Importers.runResult(Importers.stripeItemisedBalance(), "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,source_id\n")
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const runResult = async (
  importer: Importer,
  source: Source,
  limits?: Partial<Limits>
): Promise<Result.Result<ReadonlyArray<ExternalRecord>, ImportError>> => {
  if (typeof importer !== "object" || importer === null || typeof importer.open !== "function") {
    return Result.fail(new InvalidImportOptions({ path: "importer", reason: "expected an Importer" }))
  }
  if (importer.invalid !== undefined) return Result.fail(importer.invalid)
  const lim = checkLimits(limits)
  if (Result.isFailure(lim)) return Result.fail(lim.failure)
  const { maxBytes } = lim.success
  if (
    typeof importer.delimiter !== "string" ||
    importer.delimiter.length !== 1 ||
    importer.delimiter >= "\u0080"
  ) {
    return Result.fail(
      new InvalidImportOptions({ path: "delimiter", reason: "expected one ASCII character" })
    )
  }
  let header: ReadonlyArray<string> | undefined
  let reader: RowReader | undefined
  const onRow = (fields: ReadonlyArray<string>, row: number): InvalidFile | undefined => {
    if (reader === undefined) {
      const seen = new Set<string>()
      for (let c = 0; c < fields.length; c++) {
        const name = fields[c]!
        if (name !== "" && seen.has(name)) {
          return new InvalidFile({
            row,
            column: name,
            reason: "this column name appears twice in the header"
          })
        }
        seen.add(name)
      }
      header = fields
      const opened = importer.open(fields, row)
      if (Result.isFailure(opened)) return opened.failure
      reader = opened.success
      return undefined
    }
    const h = header!
    if (fields.length !== h.length) {
      return new InvalidFile({
        row,
        column: fields.length < h.length ? columnName(h, fields.length + 1) : `#${h.length + 1}`,
        reason: `expected ${h.length} fields like the header, found ${fields.length}`
      })
    }
    return reader.read(fields, row)
  }
  const parser = new CsvParser<InvalidFile>(importer.delimiter.charCodeAt(0), lim.success, onRow)
  const fail = (f: CsvFailure | InvalidFile): Result.Result<never, ImportError> =>
    Result.fail(
      f instanceof InvalidFile
        ? f
        : f._tag === "Limit"
          ? new FileTooLarge({ limit: f.limit, max: f.max, row: f.row })
          : new InvalidFile({ row: f.row, column: columnName(header, f.column), reason: f.reason })
    )
  const chunks = toChunks(source)
  if (chunks === undefined) {
    return Result.fail(
      new SourceFailed({
        reason: `expected bytes: a Uint8Array, a string, or an (async) iterable of Uint8Array chunks; got ${describe(source)}`
      })
    )
  }
  let total = 0
  try {
    for await (const chunk of chunks) {
      if (!(chunk instanceof Uint8Array)) {
        return Result.fail(
          new SourceFailed({
            reason: `a chunk is ${describe(chunk)}, not bytes: read the file as bytes (no encoding set) so its encoding can be checked`
          })
        )
      }
      total += chunk.byteLength
      if (total > maxBytes) {
        return Result.fail(new FileTooLarge({ limit: "maxBytes", max: maxBytes, row: parser.row }))
      }
      const f = parser.push(chunk)
      if (f !== undefined) return fail(f)
    }
  } catch (e) {
    return Result.fail(new SourceFailed({ reason: e instanceof Error ? e.message : String(e) }))
  }
  const f = parser.end()
  if (f !== undefined) return fail(f)
  if (reader === undefined) {
    return Result.fail(
      new InvalidFile({ row: parser.row, column: "", reason: "the file is empty: expected a header row" })
    )
  }
  try {
    return reader.finish()
  } catch (e) {
    return Result.fail(
      new SourceFailed({ reason: `the importer failed: ${e instanceof Error ? e.message : String(e)}` })
    )
  }
}

/**
 * Runs an importer over a source: the records of every data row, in file order, or the first
 * error (nothing partial). Reads the source once, as a stream; a limit passed stops the reading
 * at once.
 *
 * @example
 * ```ts
 * import { Importers } from "@paykit/settlement"
 * import { Effect } from "effect"
 * import { createReadStream } from "node:fs"
 * const records = Importers.run(Importers.adyenSettlementDetails(), createReadStream("settlement_detail_report_batch_4.csv"))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const run = (
  importer: Importer,
  source: Source,
  limits?: Partial<Limits>
): Effect.Effect<ReadonlyArray<ExternalRecord>, ImportError> =>
  Effect.flatMap(
    Effect.promise(() => runResult(importer, source, limits)),
    Effect.fromResult
  )

// ---------------------------------------------------------------------------------------------
// cells

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

type Cell<A> = A | { readonly problem: string }

const isProblem = <A>(c: Cell<A>): c is { readonly problem: string } =>
  typeof c === "object" && c !== null && "problem" in c

const MAX_AMOUNT = Money.MAX_AMOUNT

const MINOR = /^-?(0|[1-9]\d{0,38})$/

const minor = (s: string): Cell<bigint> =>
  s === ""
    ? { problem: "empty: expected an amount in minor units" }
    : MINOR.test(s)
      ? BigInt(s)
      : {
          problem: `${JSON.stringify(clip(s))} is not an amount in minor units (digits with an optional leading "-")`
        }

const clip = (s: string): string => (s.length > 40 ? s.slice(0, 40) + "…" : s)

const MAJOR = /^(-)?(\d+)(?:\.(\d+))?$/

/** A decimal in major units to minor units, exactly (the rules of `Money.parse`, without rounding). */
const major = (s: string, currency: Currency.Currency): Cell<bigint> => {
  if (s === "") return { problem: `empty: expected an amount in ${currency.code} such as "12.34"` }
  const m = s.length <= 64 ? MAJOR.exec(s) : null
  if (m === null) {
    return {
      problem: `${JSON.stringify(clip(s))} is not a decimal amount (digits, an optional leading "-" and "." fraction; no thousands separators, exponent or spaces)`
    }
  }
  const exponent = currency.exponent
  let fraction = m[3] ?? ""
  if (fraction.length > exponent) {
    // zeros past the currency's decimals carry no value: "12.340" EUR is exactly 12.34
    for (let k = exponent; k < fraction.length; k++) {
      if (fraction.charCodeAt(k) !== 48) {
        return {
          problem: `${JSON.stringify(clip(s))} has more decimals than ${currency.code} allows (${exponent})`
        }
      }
    }
    fraction = fraction.slice(0, exponent)
  }
  const units = BigInt(m[2]! + fraction.padEnd(exponent, "0"))
  if (units > MAX_AMOUNT) return { problem: `${JSON.stringify(clip(s))} is outside the supported range` }
  return m[1] === undefined || units === 0n ? units : -units
}

const lookupCurrency = (s: string, registry: Currency.Registry): Cell<Currency.Currency> => {
  const exact = registry.get(s)
  if (Result.isSuccess(exact)) return exact.success
  const upper = registry.get(s.toUpperCase())
  if (Result.isSuccess(upper)) return upper.success
  return {
    problem: `unknown currency ${JSON.stringify(clip(s))}: expected an ISO 4217 code or a registered unit`
  }
}

/** Currency lookups of one import, remembered: a file names few currencies, on every row. */
const currencyCache = (registry: Currency.Registry) => {
  const seen = new Map<string, Cell<Currency.Currency>>()
  return (s: string): Cell<Currency.Currency> => {
    let c = seen.get(s)
    if (c === undefined) {
      c = lookupCurrency(s, registry)
      if (seen.size < 1024) seen.set(s, c)
    }
    return c
  }
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const utc = (
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number
): number | undefined => {
  // years before 1000 are refused: Date.UTC reads 0–99 as 1900–1999
  if (y < 1000 || mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || d < 1) return undefined
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
  if (d > DAYS[mo - 1]! + (mo === 2 && leap ? 1 : 0)) return undefined
  return Date.UTC(y, mo - 1, d, h, mi, s, ms)
}

/**
 * How a date cell is written: `iso` (ISO 8601 with `Z` or an offset), `date` (`YYYY-MM-DD`, UTC
 * midnight), `datetime` (`YYYY-MM-DD HH:MM:SS`, UTC, as Stripe's `created_utc`), `epoch_ms`,
 * `epoch_s`.
 *
 * @example
 * ```ts
 * import type { Importers } from "@paykit/settlement"
 * const f: Importers.DateFormat = "datetime"
 * ```
 * @category models
 * @since 0.1.0
 */
export type DateFormat = "iso" | "date" | "datetime" | "epoch_ms" | "epoch_s"

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/

const fractionMs = (f: string | undefined): number =>
  f === undefined ? 0 : Number(f.padEnd(3, "0").slice(0, 3))

const dateCell = (s: string, format: DateFormat, offsetMinutes = 0): Cell<number> => {
  const r = dateValue(s, format, offsetMinutes)
  return r === undefined ? { problem: `${JSON.stringify(clip(s))} is not a date in the ${format} format` } : r
}

const dateValue = (s: string, format: DateFormat, offsetMinutes: number): number | undefined => {
  switch (format) {
    case "epoch_ms":
    case "epoch_s": {
      if (!/^\d{1,15}$/.test(s)) return undefined
      const n = Number(s) * (format === "epoch_s" ? 1000 : 1)
      return Number.isSafeInteger(n) ? n : undefined
    }
    case "date": {
      const m = DATE.exec(s)
      if (m === null) return undefined
      return utc(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, 0)
    }
    case "datetime": {
      const m = DATETIME.exec(s)
      if (m === null) return undefined
      const t = utc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, fractionMs(m[7]))
      return t === undefined ? undefined : t - offsetMinutes * 60_000
    }
    case "iso": {
      const m = ISO.exec(s)
      if (m === null) return undefined
      const t = utc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), fractionMs(m[7]))
      if (t === undefined) return undefined
      const z = m[8]!
      if (z === "Z") return t
      const oh = +z.slice(1, 3)
      const om = +z.slice(4, 6)
      if (oh > 23 || om > 59) return undefined
      return t - (z[0] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000
    }
  }
}

/** Indexes of named columns in a header; a missing required one is `InvalidFile` at the header row. */
const locate = <K extends string>(
  header: ReadonlyArray<string>,
  row: number,
  required: ReadonlyArray<readonly [K, string]>,
  optional: ReadonlyArray<readonly [K, string | undefined]> = []
): Result.Result<Record<string, number>, InvalidFile> => {
  const at = new Map<string, number>()
  header.forEach((h, i) => {
    at.set(h, i)
  })
  const out: Record<string, number> = {}
  for (const [key, name] of required) {
    const i = at.get(name)
    if (i === undefined) {
      const shown = header.slice(0, 30).join(", ") + (header.length > 30 ? ", …" : "")
      return Result.fail(
        new InvalidFile({ row, column: name, reason: `missing column; the header has: ${shown}` })
      )
    }
    out[key] = i
  }
  for (const [key, name] of optional) {
    if (name === undefined) continue
    const i = at.get(name)
    if (i !== undefined) out[key] = i
  }
  return Result.succeed(out)
}

const cellProblem = (row: number, column: string, problem: string) =>
  new InvalidFile({ row, column, reason: problem })

const checkRegistry = (registry: unknown): InvalidImportOptions | undefined =>
  registry === undefined ||
  (typeof registry === "object" &&
    registry !== null &&
    typeof (registry as Currency.Registry).get === "function")
    ? undefined
    : new InvalidImportOptions({
        path: "registry",
        reason: "expected a Currency.Registry (Currency.registry([...]))"
      })

const refused = (name: string, invalid: InvalidImportOptions): Importer => ({
  name,
  delimiter: ",",
  invalid,
  open: () => Result.fail(new InvalidFile({ row: 1, column: "", reason: invalid.message }))
})

// ---------------------------------------------------------------------------------------------
// CSV mapping

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

const decodeOptions = <S extends Schema.Codec<unknown, unknown, never, never>>(
  schema: S,
  input: unknown
): Result.Result<S["Type"], InvalidImportOptions> => {
  const r = Input.decodeResult("import options", schema)(input)
  return Result.isSuccess(r)
    ? Result.succeed(r.success)
    : Result.fail(new InvalidImportOptions({ path: r.failure.path || "(root)", reason: r.failure.reason }))
}

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
  const decoded = decodeOptions(CsvMappingSchema, config)
  if (Result.isFailure(decoded)) return refused(name, decoded.failure)
  const c = decoded.success
  const badRegistry = checkRegistry(c.registry)
  if (badRegistry !== undefined) return refused(name, badRegistry)
  const registry = (c.registry as Currency.Registry | undefined) ?? Currency.isoRegistry
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

// ---------------------------------------------------------------------------------------------
// Stripe

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
  const decoded = decodeOptions(StripeOptionsSchema, options)
  if (Result.isFailure(decoded)) return refused(name, decoded.failure)
  const badRegistry = checkRegistry(decoded.success.registry)
  if (badRegistry !== undefined) return refused(name, badRegistry)
  const registry = (decoded.success.registry as Currency.Registry | undefined) ?? Currency.isoRegistry
  const referenceColumn = decoded.success.reference ?? "source_id"
  const useGross = decoded.success.amount === "gross"
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

// ---------------------------------------------------------------------------------------------
// Adyen

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
  const decoded = decodeOptions(AdyenOptionsSchema, options)
  if (Result.isFailure(decoded)) return refused(name, decoded.failure)
  const badRegistry = checkRegistry(decoded.success.registry)
  if (badRegistry !== undefined) return refused(name, badRegistry)
  const registry = (decoded.success.registry as Currency.Registry | undefined) ?? Currency.isoRegistry
  const zones: Readonly<Record<string, number>> = { ...adyenTimeZones, ...decoded.success.timeZones }
  const referenceColumn = decoded.success.reference === "psp" ? "Psp Reference" : "Merchant Reference"
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
