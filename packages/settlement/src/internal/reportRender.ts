// Rendering a report's rows with its table: CSV lines (RFC 4180, spreadsheet-safe) and JSON,
// whole or streamed as JSON Lines, from a sync or an async source.
import { type CellValue, line, recordLine } from "./csvWrite.ts"
import { isAsync } from "./reportFold.ts"
import type { Cell, Table } from "./reportTables.ts"

function* linesSync<Row>(t: Table<Row>, source: Iterable<Row>): Generator<string, void, undefined> {
  yield line(t.columns)
  for (const row of source) yield recordLine(t.columns, t.record(row) as Record<string, CellValue>)
}

async function* linesAsync<Row>(
  t: Table<Row>,
  source: AsyncIterable<Row>
): AsyncGenerator<string, void, undefined> {
  yield line(t.columns)
  for await (const row of source) yield recordLine(t.columns, t.record(row) as Record<string, CellValue>)
}

/**
 * The CSV of `rows`, line by line as they are read (a header line first; each line ends with
 * `\r\n`): for streaming to a file or a response. Cells follow RFC 4180 and are safe to open in
 * a spreadsheet: text starting with `=`, `+`, `-`, `@`, a tab or a CR gets a leading `'`, except
 * a pure number such as `-12.34`.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * for (const line of Reports.csvLines(Reports.salesTable, [])) process.stdout.write(line)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export function csvLines<Row>(t: Table<Row>, source: Iterable<Row>): Generator<string, void, undefined>
export function csvLines<Row>(
  t: Table<Row>,
  source: AsyncIterable<Row>
): AsyncGenerator<string, void, undefined>
export function csvLines<Row>(
  t: Table<Row>,
  source: Iterable<Row> | AsyncIterable<Row>
): Generator<string, void, undefined> | AsyncGenerator<string, void, undefined> {
  return isAsync(source) ? linesAsync(t, source) : linesSync(t, source)
}

/**
 * The whole CSV document of `rows` as one string (header line included). For small results;
 * stream large ones with {@link csvLines}.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.toCsv(Reports.feeDetailsTable, []) // "merchant,currency,...,amount\r\n"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const toCsv = <Row>(t: Table<Row>, source: Iterable<Row>): string => {
  let out = ""
  for (const l of linesSync(t, source)) out += l
  return out
}

/**
 * The JSON form of `rows`: one record per row, keyed by the table's column names, amounts as
 * strings (`JSON.stringify` it as is).
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * JSON.stringify(Reports.toJson(Reports.salesTable, [])) // "[]"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const toJson = <Row, C extends string>(
  t: Table<Row, C>,
  source: Iterable<Row>
): ReadonlyArray<{ readonly [K in C]: Cell }> => Array.from(source, t.record)

async function* jsonAsync<Row>(
  t: Table<Row>,
  source: AsyncIterable<Row>
): AsyncGenerator<string, void, undefined> {
  for await (const row of source) yield `${JSON.stringify(t.record(row))}\n`
}

function* jsonSync<Row>(t: Table<Row>, source: Iterable<Row>): Generator<string, void, undefined> {
  for (const row of source) yield `${JSON.stringify(t.record(row))}\n`
}

/**
 * The JSON form of `rows` as JSON Lines (one record and `\n` per row), streamed as they are
 * read: for itemised reports too large to hold.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * for (const line of Reports.jsonLines(Reports.itemisedTable, [])) process.stdout.write(line)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export function jsonLines<Row>(t: Table<Row>, source: Iterable<Row>): Generator<string, void, undefined>
export function jsonLines<Row>(
  t: Table<Row>,
  source: AsyncIterable<Row>
): AsyncGenerator<string, void, undefined>
export function jsonLines<Row>(
  t: Table<Row>,
  source: Iterable<Row> | AsyncIterable<Row>
): Generator<string, void, undefined> | AsyncGenerator<string, void, undefined> {
  return isAsync(source) ? jsonAsync(t, source) : jsonSync(t, source)
}
