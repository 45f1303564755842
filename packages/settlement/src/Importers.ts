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
import { Effect } from "effect"
import * as Result from "effect/Result"
import { type CsvFailure, CsvParser } from "./internal/csvParse.ts"
import {
  type ControlTotalMismatch,
  FileTooLarge,
  type ImportError,
  InvalidFile,
  InvalidImportOptions,
  SourceFailed
} from "./internal/importErrors.ts"
import type { ExternalRecord } from "./Reconciliation.ts"

export { type AdyenOptions, adyenSettlementDetails, adyenTimeZones } from "./internal/importAdyen.ts"
export type { DateFormat } from "./internal/importCells.ts"
export { type CsvMappingConfig, csvMapping } from "./internal/importCsvMapping.ts"
export * from "./internal/importErrors.ts"
export { type StripeOptions, stripeItemisedBalance } from "./internal/importStripe.ts"

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
