/**
 * Columns for the memory store, in chunks. Typed arrays hold numbers, non-negative `bigint`
 * totals and the characters of ids outside the garbage collector's view, and a column grows by
 * whole chunks instead of by copying itself into one twice as large: a ledger of millions of
 * lines allocates what it uses once, and so sets off far fewer collections (V8 collects
 * whenever off-heap memory has grown by some tens of megabytes). The first chunk starts small
 * and doubles up to the chunk size, so an empty store costs a few hundred bytes per column.
 */

const SHIFT = 16
/** Elements per chunk (64 Ki). */
const CHUNK = 1 << SHIFT
const MASK = CHUNK - 1
const FIRST = 64

type Chunk = Uint8Array | Int32Array | Float64Array | BigUint64Array

/** `a` copied into a typed array of `size` elements. */
const resized = <A extends Chunk>(a: A, size: number): A => {
  const b = new (a.constructor as new (size: number) => A)(size)
  b.set(a as never)
  return b
}

/** The size the first chunk must have to hold element `i` (a power of two, at most `CHUNK`). */
const firstSize = (current: number, i: number): number => {
  let size = current
  while (size <= i) size *= 2
  return Math.min(size, CHUNK)
}

/**
 * Makes room for element `i` in a column's chunks: the first chunk grows (doubling, up to
 * `CHUNK`) while `i` is in it; past it the first is made full and whole chunks are added.
 * Returns the chunk that holds `i`.
 */
const extend = <A extends Chunk>(chunks: Array<A>, i: number): A => {
  const c = i >>> SHIFT
  const first = chunks[0]!
  const size = c === 0 ? firstSize(first.length, i) : CHUNK
  if (size > first.length) chunks[0] = resized(first, size)
  while (chunks.length <= c) chunks.push(new (first.constructor as new (size: number) => A)(CHUNK))
  return chunks[c]!
}

/** 32-bit integers by index, default 0. */
export class Int32Column {
  private readonly chunks: Array<Int32Array> = [new Int32Array(FIRST)]

  /** The value at `i`, or 0 where nothing was ever set (also past the chunks allocated so far). */
  get(i: number): number {
    const chunk = this.chunks[i >>> SHIFT]
    if (chunk === undefined) return 0
    const v = chunk[i & MASK]
    return v === undefined ? 0 : v
  }

  set(i: number, v: number): void {
    let chunk = this.chunks[i >>> SHIFT]
    if (chunk === undefined || (i & MASK) >= chunk.length) chunk = this.extend(i)
    chunk[i & MASK] = v
  }

  private extend(i: number): Int32Array {
    return extend(this.chunks, i)
  }
}

/** Numbers by index, default 0 (times, which need more than 32 bits). */
export class Float64Column {
  private readonly chunks: Array<Float64Array> = [new Float64Array(FIRST)]

  /** The value at `i`, or 0 where nothing was ever set (also past the chunks allocated so far). */
  get(i: number): number {
    const chunk = this.chunks[i >>> SHIFT]
    if (chunk === undefined) return 0
    const v = chunk[i & MASK]
    return v === undefined ? 0 : v
  }

  set(i: number, v: number): void {
    let chunk = this.chunks[i >>> SHIFT]
    if (chunk === undefined || (i & MASK) >= chunk.length) chunk = this.extend(i)
    chunk[i & MASK] = v
  }

  private extend(i: number): Float64Array {
    return extend(this.chunks, i)
  }
}

/** 2^64 − 1: the slot value of a `BigColumn` element kept in its overflow map. */
const SPILLED = (1n << 64n) - 1n

/**
 * Non-negative `bigint`s by index, default 0n: values below 2^64 − 1 in `BigUint64Array`
 * chunks, larger ones (the ledger allows totals up to 2^127 − 1) in an overflow map, so every
 * value stays exact.
 */
export class BigColumn {
  private readonly chunks: Array<BigUint64Array> = [new BigUint64Array(FIRST)]
  private readonly spilled = new Map<number, bigint>()

  /** The value at `i`, or 0n where nothing was ever set (also past the chunks allocated so far). */
  get(i: number): bigint {
    const chunk = this.chunks[i >>> SHIFT]
    if (chunk === undefined) return 0n
    const v = chunk[i & MASK]
    return v === undefined ? 0n : v === SPILLED ? this.spilled.get(i)! : v
  }

  set(i: number, v: bigint): void {
    let chunk = this.chunks[i >>> SHIFT]
    if (chunk === undefined || (i & MASK) >= chunk.length) chunk = this.extend(i)
    const j = i & MASK
    if (v >= SPILLED) {
      chunk[j] = SPILLED
      this.spilled.set(i, v)
    } else {
      if (chunk[j] === SPILLED) this.spilled.delete(i)
      chunk[j] = v
    }
  }

  /**
   * `set` for a value below 2^64 − 1 at an index that holds no spilled value (a new row, or a
   * row the caller knows is small): no range check, and no `bigint` read back.
   */
  setSmall(i: number, v: bigint): void {
    let chunk = this.chunks[i >>> SHIFT]
    if (chunk === undefined || (i & MASK) >= chunk.length) chunk = this.extend(i)
    chunk[i & MASK] = v
  }

  private extend(i: number): BigUint64Array {
    return extend(this.chunks, i)
  }
}

/** The longest string a `TextColumn` keeps as bytes (its length is one byte). */
const MAX_BYTES = 255
/** A `TextColumn` string starts at a multiple of 4 bytes: a chunk has `CHUNK / 4` starts. */
const STARTS_SHIFT = SHIFT - 2
/** 2^17 chunks of 64 KiB: 8 GiB of ids, every start below 2^31. */
const MAX_CHUNKS = 1 << 17

/**
 * Strings by row, appended: ASCII strings (every id the ledger accepts) as a length byte and
 * their characters in `Uint8Array` chunks, each starting at a multiple of 4 bytes and never
 * spanning two chunks; any other string as itself in a map. Ten million ids as JS strings
 * kept some 400 MB on the heap that every full collection traced again, and the tenth million
 * of transfers ran at about 0.7× the first; as bytes they are never traced (the heap after ten
 * million stays under 40 MB). A string is built again only when a record is read.
 */
export class TextColumn {
  private readonly chunks: Array<Uint8Array> = [new Uint8Array(FIRST)]
  /** Per row: where its bytes start, in units of 4 bytes, or −1: the string is in `others`. */
  private readonly starts = new Int32Column()
  private readonly others = new Map<number, string>()
  private rows = 0
  /** The chunk the next string goes to, and its first free byte there (a multiple of 4). */
  private last = 0
  private free = 0

  get size(): number {
    return this.rows
  }

  /** Appends `s`; returns its row. */
  push(s: string): number {
    const row = this.rows++
    const at = s.length <= MAX_BYTES ? this.write(s) : -1
    this.starts.set(row, at)
    if (at < 0) this.others.set(row, s)
    return row
  }

  /** Writes `s` after the last string, as a length byte and its characters; −1 when one is not ASCII. */
  private write(s: string): number {
    const n = s.length
    let c = this.last
    let q = this.free
    if (q + n >= CHUNK) {
      c++
      q = 0
    }
    if (c >= MAX_CHUNKS) throw new RangeError("the memory store's ids take more than 8 GiB")
    let chunk = this.chunks[c]
    if (chunk === undefined) {
      chunk = new Uint8Array(CHUNK)
      this.chunks.push(chunk)
    } else if (q + n >= chunk.length) chunk = extend(this.chunks, q + n) // only the first chunk grows
    for (let i = 0; i < n; i++) {
      const code = s.charCodeAt(i)
      if (code > 0x7f) return -1
      chunk[q + 1 + i] = code
    }
    chunk[q] = n
    this.last = c
    this.free = (q + n + 4) & ~3
    return (c << STARTS_SHIFT) | (q >>> 2)
  }

  /** The string at `row`, built from its bytes. */
  get(row: number): string {
    const at = this.starts.get(row)
    if (at < 0) return this.others.get(row)!
    const chunk = this.chunks[at >>> STARTS_SHIFT]!
    const q = (at & (MASK >>> 2)) << 2
    return String.fromCharCode.apply(
      null,
      chunk.subarray(q + 1, q + 1 + chunk[q]!) as unknown as Array<number>
    )
  }

  /** Whether the string at `row` is `s`, compared without building it. */
  equals(row: number, s: string): boolean {
    const at = this.starts.get(row)
    if (at < 0) return this.others.get(row) === s
    const chunk = this.chunks[at >>> STARTS_SHIFT]!
    const q = (at & (MASK >>> 2)) << 2
    const n = s.length
    if (chunk[q] !== n) return false
    for (let i = 0; i < n; i++) if (chunk[q + 1 + i] !== s.charCodeAt(i)) return false
    return true
  }
}

/** FNV-1a over UTF-16 code units, as a signed 32-bit integer (what an `Int32Array` holds). */
const hash = (s: string): number => {
  let h = 0x811c9dc5 | 0
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h
}

/**
 * The index of entry ids: open addressing (linear probing) over an `Int32Array` of
 * (row + 1, hash) pairs, the ids themselves in a `TextColumn` (off the heap). A probe compares
 * the stored hash before it touches an id, so looking up a new id (the common case) reads one
 * cache line of the table and no id. A `Map` of millions of strings costs far more to grow and
 * to trace.
 */
export class IdIndex {
  /** Slot i: `table[2i]` = row + 1 (0: empty), `table[2i + 1]` = the id's hash. */
  private table = new Int32Array(2 * 1024)
  private mask = 1023
  private readonly ids = new TextColumn()
  /** Where the last `get` that found nothing stopped: `add` of the same id goes there. */
  private missId: string | undefined = undefined
  private missHash = 0
  private missSlot = 0

  get size(): number {
    return this.ids.size
  }

  /** The id at `row` (a new string each time). */
  id(row: number): string {
    return this.ids.get(row)
  }

  /** The row of `id`, or −1. */
  get(id: string): number {
    const t = this.table
    const m = this.mask
    const h = hash(id)
    let i = h & m
    for (;;) {
      const v = t[2 * i]!
      if (v === 0) {
        this.missId = id
        this.missHash = h
        this.missSlot = i
        return -1
      }
      if (t[2 * i + 1] === h && this.ids.equals(v - 1, id)) return v - 1
      i = (i + 1) & m
    }
  }

  /** Appends a new id (the caller checked it is absent) and returns its row. */
  add(id: string): number {
    const row = this.ids.push(id)
    const known = this.missId === id
    this.missId = undefined
    const h = known ? this.missHash : hash(id)
    const grow = 2 * this.ids.size > this.mask + 1
    if (grow) this.rehash()
    // the slot a miss stopped at is the id's own only in the table the miss probed
    if (known && !grow) this.fill(this.missSlot, row, h)
    else this.place(h, row)
    return row
  }

  private fill(i: number, row: number, h: number): void {
    this.table[2 * i] = row + 1
    this.table[2 * i + 1] = h
  }

  private place(h: number, row: number): void {
    const t = this.table
    const m = this.mask
    let i = h & m
    while (t[2 * i] !== 0) i = (i + 1) & m
    this.fill(i, row, h)
  }

  /**
   * Doubles the table, moving the pairs in the order of the old table: its slot i holds ids
   * whose new home is near i or near i + the old size, so the old table is read and the new one
   * written as three runs instead of at random (a table of millions is far larger than the
   * caches). Linear probing finds every id whatever order the ids were placed in.
   */
  private rehash(): void {
    const old = this.table
    const size = 2 * (this.mask + 1)
    this.table = new Int32Array(2 * size)
    this.mask = size - 1
    for (let i = 0; i < old.length; i += 2) {
      const v = old[i]!
      if (v !== 0) this.place(old[i + 1]!, v - 1)
    }
  }
}
