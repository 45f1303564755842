// A push-based, streaming RFC 4180 CSV parser over bytes. It scans bytes, not text: every byte
// CSV syntax uses (the delimiter, `"`, CR, LF) is ASCII and never part of a multi-byte UTF-8
// sequence, so records and fields are cut on bytes and each field is then decoded on its own
// with a fatal UTF-8 decoder. Invalid UTF-8 is therefore reported at its exact row and column.
//
// Rows are numbered from 1 as records (the header is row 1; a blank line counts as a row and is
// skipped; a quoted field spanning lines is one row).

/** Limits the parser enforces, refused as soon as exceeded. */
export interface CsvLimits {
  readonly maxRowBytes: number
  /** Data rows, the header not counted. */
  readonly maxRows: number
}

/** A failure of the CSV layer; `column` is 1-based (0 when no field is in progress). */
export type CsvFailure =
  | { readonly _tag: "Malformed"; readonly row: number; readonly column: number; readonly reason: string }
  | {
      readonly _tag: "Limit"
      readonly limit: "maxRowBytes" | "maxRows"
      readonly max: number
      readonly row: number
    }

const QUOTE = 0x22
const CR = 0x0d
const LF = 0x0a
const NUL = 0x00

const State = { FieldStart: 0, Unquoted: 1, Quoted: 2, QuoteInQuoted: 3 } as const
type State = (typeof State)[keyof typeof State]

const BOM = [0xef, 0xbb, 0xbf] as const

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/**
 * Feed chunks with `push`, then call `end`. `onRow` receives each record's fields and its row
 * number; a value it returns stops the parse and is returned by `push`/`end`.
 */
export class CsvParser<E> {
  private state: State = State.FieldStart
  private buf = new Uint8Array(256)
  private len = 0
  private nonAscii = false
  private fields: Array<string> = []
  /** The row being read. */
  row = 1
  private rowBytes = 0
  private records = 0
  private skipLF = false
  private bomSeen = 0
  private started = false
  private stopped: CsvFailure | E | undefined = undefined

  constructor(
    private readonly delimiter: number,
    private readonly limits: CsvLimits,
    private readonly onRow: (fields: ReadonlyArray<string>, row: number) => E | undefined
  ) {}

  private malformed(reason: string, column = this.fields.length + 1): CsvFailure {
    return { _tag: "Malformed", row: this.row, column, reason }
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from
    if (n <= 0) return
    if (this.len + n > this.buf.length) {
      let size = this.buf.length * 2
      while (size < this.len + n) size *= 2
      const next = new Uint8Array(size)
      next.set(this.buf.subarray(0, this.len))
      this.buf = next
    }
    this.buf.set(chunk.subarray(from, to), this.len)
    this.len += n
  }

  private endField(): CsvFailure | undefined {
    let text: string
    if (this.len === 0) text = ""
    else if (!this.nonAscii && this.len <= 1024)
      text = String.fromCharCode.apply(null, this.buf.subarray(0, this.len) as never)
    else {
      try {
        text = utf8.decode(this.buf.subarray(0, this.len))
      } catch {
        return this.malformed(
          "not valid UTF-8 (the file must be saved as UTF-8; a Latin-1 or Windows-1252 export must be converted first)"
        )
      }
    }
    this.fields.push(text)
    this.len = 0
    this.nonAscii = false
    return undefined
  }

  private endRecord(): CsvFailure | E | undefined {
    const fields = this.fields
    this.fields = []
    const row = this.row
    this.row++
    this.rowBytes = 0
    this.records++
    if (this.records > this.limits.maxRows + 1) {
      return { _tag: "Limit", limit: "maxRows", max: this.limits.maxRows, row }
    }
    return this.onRow(fields, row)
  }

  /** Parses one chunk; a failure stops the parser for good. */
  push(chunk: Uint8Array): CsvFailure | E | undefined {
    if (this.stopped !== undefined) return this.stopped
    let start = 0
    if (!this.started) {
      // the byte order mark, possibly split over chunks
      while (start < chunk.length && !this.started) {
        const b = chunk[start]!
        if (this.bomSeen === 0 && (b === 0xff || b === 0xfe)) {
          this.stopped = this.malformed("the file starts with a UTF-16 byte order mark: save it as UTF-8", 1)
          return this.stopped
        }
        if (b === BOM[this.bomSeen]) {
          this.bomSeen++
          start++
          if (this.bomSeen === 3) this.started = true
        } else {
          this.started = true
          if (this.bomSeen > 0) {
            // a partial mark was data after all
            const seen = Uint8Array.from(BOM.slice(0, this.bomSeen))
            this.bomSeen = 0
            const r = this.scan(seen, 0)
            if (r !== undefined) {
              this.stopped = r
              return r
            }
          }
        }
      }
      if (!this.started) return undefined
    }
    const r = this.scan(chunk, start)
    if (r !== undefined) this.stopped = r
    return r
  }

  private scan(chunk: Uint8Array, from: number): CsvFailure | E | undefined {
    const d = this.delimiter
    const n = chunk.length
    let i = from
    while (i < n) {
      const b = chunk[i]!
      if (this.skipLF) {
        this.skipLF = false
        if (b === LF) {
          i++
          continue
        }
      }
      if (b === NUL) {
        return this.malformed("a NUL byte: the file is binary or UTF-16, not UTF-8 text")
      }
      switch (this.state) {
        case State.FieldStart: {
          if (b === QUOTE) {
            this.state = State.Quoted
            this.rowBytes++
            i++
          } else if (b === d) {
            this.rowBytes++
            const f = this.endField()
            if (f !== undefined) return f
            i++
          } else if (b === CR || b === LF) {
            i++
            if (b === CR) this.skipLF = true
            if (this.fields.length === 0) {
              // a blank line: counted, skipped
              this.row++
              this.rowBytes = 0
            } else {
              const f = this.endField() ?? this.endRecord()
              if (f !== undefined) return f
            }
          } else {
            this.state = State.Unquoted
          }
          break
        }
        case State.Unquoted: {
          let j = i
          let high = false
          while (j < n) {
            const c = chunk[j]!
            if (c === d || c === CR || c === LF || c === QUOTE || c === NUL) break
            if (c >= 0x80) high = true
            j++
          }
          this.rowBytes += j - i
          if (this.rowBytes > this.limits.maxRowBytes) {
            return { _tag: "Limit", limit: "maxRowBytes", max: this.limits.maxRowBytes, row: this.row }
          }
          this.append(chunk, i, j)
          if (high) this.nonAscii = true
          i = j
          if (j === n) break
          const c = chunk[j]!
          if (c === QUOTE) {
            return this.malformed(
              'a quote inside an unquoted field: quote the whole field ("…") and double each quote in it ("")'
            )
          }
          if (c === NUL) break
          this.state = State.FieldStart
          if (c === d) {
            this.rowBytes++
            const f = this.endField()
            if (f !== undefined) return f
            i++
          } else {
            i++
            if (c === CR) this.skipLF = true
            const f = this.endField() ?? this.endRecord()
            if (f !== undefined) return f
          }
          break
        }
        case State.Quoted: {
          let j = i
          let high = false
          while (j < n) {
            const c = chunk[j]!
            if (c === QUOTE || c === NUL) break
            if (c >= 0x80) high = true
            j++
          }
          this.rowBytes += j - i
          if (this.rowBytes > this.limits.maxRowBytes) {
            return { _tag: "Limit", limit: "maxRowBytes", max: this.limits.maxRowBytes, row: this.row }
          }
          this.append(chunk, i, j)
          if (high) this.nonAscii = true
          i = j
          if (j < n && chunk[j] === QUOTE) {
            this.rowBytes++
            this.state = State.QuoteInQuoted
            i++
          }
          break
        }
        case State.QuoteInQuoted: {
          if (b === QUOTE) {
            // an escaped quote
            this.append(chunk, i, i + 1)
            this.rowBytes++
            this.state = State.Quoted
            i++
          } else if (b === d) {
            this.rowBytes++
            this.state = State.FieldStart
            const f = this.endField()
            if (f !== undefined) return f
            i++
          } else if (b === CR || b === LF) {
            i++
            if (b === CR) this.skipLF = true
            this.state = State.FieldStart
            const f = this.endField() ?? this.endRecord()
            if (f !== undefined) return f
          } else {
            return this.malformed(
              "text after a closing quote: a quoted field must end at the delimiter or the end of the line"
            )
          }
          break
        }
      }
    }
    return undefined
  }

  /** The end of the input: closes the last record. */
  end(): CsvFailure | E | undefined {
    if (this.stopped !== undefined) return this.stopped
    if (!this.started && this.bomSeen > 0) {
      this.started = true
      const r = this.scan(Uint8Array.from(BOM.slice(0, this.bomSeen)), 0)
      if (r !== undefined) return r
    }
    switch (this.state) {
      case State.Quoted:
        return this.malformed("a quoted field is never closed: the file ends inside quotes")
      case State.FieldStart:
        if (this.fields.length === 0) return undefined
        return this.endField() ?? this.endRecord()
      default:
        this.state = State.FieldStart
        return this.endField() ?? this.endRecord()
    }
  }
}
