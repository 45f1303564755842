// A strict RFC 4180 reader for the report tests: comma separator, CRLF (or LF) line ends,
// quoted cells with doubled quotes. A quote inside an unquoted cell, or text after a closing
// quote, is an error (the writer never produces either).

/** Parses a CSV document into rows of cells. */
export const parseCsv = (text: string): Array<Array<string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let cell = ""
  let quoted = false
  let closed = false
  let i = 0
  const endCell = () => {
    row.push(cell)
    cell = ""
    closed = false
  }
  while (i < text.length) {
    const c = text[i]!
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i += 2
          continue
        }
        quoted = false
        closed = true
        i++
        continue
      }
      cell += c
      i++
      continue
    }
    if (c === ",") {
      endCell()
      i++
      continue
    }
    if (c === "\r" || c === "\n") {
      endCell()
      rows.push(row)
      row = []
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1
      continue
    }
    if (closed) throw new Error(`text after a closing quote at ${i}`)
    if (c === '"') {
      if (cell !== "") throw new Error(`a quote inside an unquoted cell at ${i}`)
      quoted = true
      i++
      continue
    }
    cell += c
    i++
  }
  if (quoted) throw new Error("an unterminated quoted cell")
  if (cell !== "" || row.length > 0 || closed) {
    endCell()
    rows.push(row)
  }
  return rows
}

/** The text of a cell the writer neutralised against formula injection (a leading `'` dropped). */
export const unneutralise = (cell: string): string => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell)

/** Parses a CSV document with a header into records keyed by column name, with the header. */
export const parseTable = (
  text: string
): {
  readonly header: ReadonlyArray<string>
  readonly records: ReadonlyArray<Readonly<Record<string, string>>>
} => {
  const [header = [], ...rest] = parseCsv(text)
  return {
    header,
    records: rest.map((cells) => {
      if (cells.length !== header.length)
        throw new Error(`a row of ${cells.length} cells, the header has ${header.length}`)
      return Object.fromEntries(header.map((h, i) => [h, cells[i]!]))
    })
  }
}
