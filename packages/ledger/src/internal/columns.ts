/**
 * Columns for the memory store, in chunks. Typed arrays hold numbers and non-negative `bigint`
 * totals outside the garbage collector's view, and a column grows by whole chunks instead of by
 * copying itself into one twice as large: a ledger of millions of lines allocates what it uses
 * once, and so sets off far fewer collections (V8 collects whenever off-heap memory has grown
 * by some tens of megabytes). The first chunk starts small and doubles up to the chunk size,
 * so an empty store costs a few hundred bytes per column.
 */

const SHIFT = 16
/** Elements per chunk (64 Ki). */
const CHUNK = 1 << SHIFT
const MASK = CHUNK - 1
const FIRST = 64

/** `a` copied into a typed array of `size` elements. */
const resized = <A extends Int32Array | BigUint64Array>(a: A, size: number): A => {
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
const extend = <A extends Int32Array | BigUint64Array>(chunks: Array<A>, i: number): A => {
  const c = i >>> SHIFT
  const first = chunks[0]!
  chunks[0] = resized(first, c === 0 ? firstSize(first.length, i) : CHUNK)
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

/** FNV-1a over UTF-16 code units, as a signed 32-bit integer (what an `Int32Array` holds). */
const hash = (s: string): number => {
  let h = 0x811c9dc5 | 0
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h
}

/**
 * The index of entry ids: open addressing over an `Int32Array` of (row + 1, hash) pairs, the
 * ids themselves in `ids`, their hashes in a column (growing the table hashes nothing again).
 * A probe compares the stored hash before it touches an id, so looking up a new id (the common
 * case) reads one cache line of the table and no string. A `Map` of millions of strings costs
 * far more to grow and to trace.
 */
export class IdIndex {
  /** Slot i: `table[2i]` = row + 1 (0: empty), `table[2i + 1]` = the id's hash. */
  private table = new Int32Array(2 * 1024)
  private mask = 1023
  readonly ids: Array<string> = []
  private readonly hashes = new Int32Column()
  /** Where the last `get` that found nothing stopped: `add` of the same id goes there. */
  private missId: string | undefined = undefined
  private missHash = 0
  private missSlot = 0

  get size(): number {
    return this.ids.length
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
      if (t[2 * i + 1] === h && this.ids[v - 1] === id) return v - 1
      i = (i + 1) & m
    }
  }

  /** Appends a new id (the caller checked it is absent) and returns its row. */
  add(id: string): number {
    const row = this.ids.length
    this.ids.push(id)
    const known = this.missId === id
    this.missId = undefined
    const h = known ? this.missHash : hash(id)
    this.hashes.set(row, h)
    if (2 * this.ids.length > this.mask + 1) this.rehash()
    else if (known) this.fill(this.missSlot, row, h)
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

  private rehash(): void {
    const size = 2 * (this.mask + 1)
    this.table = new Int32Array(2 * size)
    this.mask = size - 1
    for (let row = 0; row < this.ids.length; row++) this.place(this.hashes.get(row), row)
  }
}
