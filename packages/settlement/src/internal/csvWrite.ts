// The CSV writer of the reports: RFC 4180 (comma separator, `\r\n` line ends, a cell quoted when
// it holds a comma, a double quote, CR or LF, a double quote doubled inside a quoted cell), and
// safe to open in a spreadsheet (formula injection, OWASP's "CSV injection"): a cell that starts
// with `=`, `+`, `-`, `@`, a tab or a CR gets a leading `'` so no spreadsheet reads it as a
// formula — except a pure number (`-12.34`, `+5`, `-1234`), which is left as it is so negative
// amounts stay numbers. A reader gets the exact text back by parsing RFC 4180 and, for a cell
// that starts with `'` followed by one of those characters, dropping the `'`.

/**
 * The line end of every CSV line: `\r\n` (RFC 4180).
 *
 * @example
 * ```ts
 * import { CRLF } from "./csvWrite.ts"
 * CRLF === "\r\n" // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const CRLF = "\r\n"

/** A plain decimal number: an optional sign, digits, an optional fraction. */
const PURE_NUMBER = /^[+-]?\d+(\.\d+)?$/
/** The characters that make RFC 4180 quote a cell. */
const NEEDS_QUOTES = /[",\r\n]/

/**
 * A value a CSV cell holds: text as is, numbers and booleans as their text, `null` and
 * `undefined` as an empty cell.
 *
 * @example
 * ```ts
 * import type { CellValue } from "./csvWrite.ts"
 * const v: CellValue = null
 * ```
 * @category models
 * @since 0.1.0
 */
export type CellValue = string | number | bigint | boolean | null | undefined

/**
 * Neutralises a cell a spreadsheet could run as a formula: text starting with `=`, `+`, `-`,
 * `@`, a tab or a CR gets a leading `'`; a pure number (`-12.34`) is left as it is.
 *
 * @example
 * ```ts
 * import { neutralise } from "./csvWrite.ts"
 * neutralise("=HYPERLINK(1)") // "'=HYPERLINK(1)"
 * neutralise("-12.34") // "-12.34"
 * ```
 * @category math
 * @since 0.1.0
 */
export const neutralise = (text: string): string => {
  const first = text.charCodeAt(0)
  // = + - @ tab CR
  if (first !== 61 && first !== 43 && first !== 45 && first !== 64 && first !== 9 && first !== 13) return text
  return PURE_NUMBER.test(text) ? text : `'${text}`
}

/**
 * Quotes a cell when RFC 4180 requires it (a comma, a double quote, CR or LF inside).
 *
 * @example
 * ```ts
 * import { quote } from "./csvWrite.ts"
 * quote('say "hi", then go') // '"say ""hi"", then go"'
 * ```
 * @category math
 * @since 0.1.0
 */
export const quote = (text: string): string =>
  NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text

/**
 * The text of one cell: neutralised, then quoted when needed.
 *
 * @example
 * ```ts
 * import { cell } from "./csvWrite.ts"
 * cell(null) // ""
 * cell("a,b") // '"a,b"'
 * ```
 * @category math
 * @since 0.1.0
 */
export const cell = (value: CellValue): string =>
  value === null || value === undefined ? "" : quote(neutralise(String(value)))

/**
 * One CSV line: the cells joined by commas, ended by `\r\n`.
 *
 * @example
 * ```ts
 * import { line } from "./csvWrite.ts"
 * line(["id", 12, null]) // "id,12,\r\n"
 * ```
 * @category math
 * @since 0.1.0
 */
export const line = (values: ReadonlyArray<CellValue>): string => {
  let out = ""
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ","
    out += cell(values[i])
  }
  return out + CRLF
}

/**
 * The line of one record, its cells in the order of `columns` (a missing key is an empty cell).
 *
 * @example
 * ```ts
 * import { recordLine } from "./csvWrite.ts"
 * recordLine(["a", "b"], { b: 2, a: 1 }) // "1,2\r\n"
 * ```
 * @category math
 * @since 0.1.0
 */
export const recordLine = (
  columns: ReadonlyArray<string>,
  record: Readonly<Record<string, CellValue>>
): string => line(columns.map((c) => record[c]))
