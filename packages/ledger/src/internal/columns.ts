/**
 * Growable typed columns for the memory store. Typed arrays hold numbers and non-negative
 * `bigint` totals outside the garbage collector's view: a ledger of millions of lines keeps a
 * few large buffers instead of millions of small objects.
 */

/** A copy of `a` with room for at least `n` elements (doubling), or `a` itself when it fits. */
export const grow = <A extends Int32Array | Float64Array | Uint8Array | BigUint64Array>(
  a: A,
  n: number
): A => {
  if (n <= a.length) return a
  let size = Math.max(16, a.length)
  while (size < n) size *= 2
  const b = new (a.constructor as new (size: number) => A)(size)
  b.set(a as never)
  return b
}

/** 2^64 − 1: the slot value of a `BigColumn` element kept in its overflow map. */
const SPILLED = (1n << 64n) - 1n

/**
 * Non-negative `bigint`s by index: values below 2^64 − 1 in a `BigUint64Array`, larger ones
 * (the ledger allows totals up to 2^127 − 1) in an overflow map, so every value stays exact.
 */
export class BigColumn {
  data = new BigUint64Array(64)
  /** The same memory as 32-bit halves: copying a value through it builds no `bigint`. */
  words = new Uint32Array(this.data.buffer)
  readonly spilled = new Map<number, bigint>()

  reserve(n: number): void {
    if (n > this.data.length) {
      this.data = grow(this.data, n)
      this.words = new Uint32Array(this.data.buffer)
    }
  }

  get(i: number): bigint {
    const v = this.data[i]!
    return v === SPILLED ? this.spilled.get(i)! : v
  }

  set(i: number, v: bigint): void {
    if (v >= SPILLED) {
      this.data[i] = SPILLED
      this.spilled.set(i, v)
    } else {
      if (this.data[i] === SPILLED) this.spilled.delete(i)
      this.data[i] = v
    }
  }
}

/** FNV-1a over UTF-16 code units. */
const hash = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * The index of entry ids: open addressing over an `Int32Array` of row numbers (+1), the ids
 * themselves in `ids`. A `Map` of millions of strings costs far more to grow and to trace.
 */
export class IdIndex {
  private table = new Int32Array(1024)
  private mask = 1023
  readonly ids: Array<string> = []
  /** Each row's hash, so growing the table hashes nothing again. */
  private hashes = new Int32Array(1024)

  get size(): number {
    return this.ids.length
  }

  /** Where the last `get` that found nothing stopped: `add` of the same id goes there. */
  private missId: string | undefined = undefined
  private missHash = 0
  private missSlot = 0

  /** The row of `id`, or −1. */
  get(id: string): number {
    const t = this.table
    const m = this.mask
    const ids = this.ids
    const h = hash(id)
    let i = h & m
    for (;;) {
      const v = t[i]!
      if (v === 0) {
        this.missId = id
        this.missHash = h
        this.missSlot = i
        return -1
      }
      if (ids[v - 1] === id) return v - 1
      i = (i + 1) & m
    }
  }

  /** Appends a new id (the caller checked it is absent) and returns its row. */
  add(id: string): number {
    const row = this.ids.length
    this.ids.push(id)
    if (row >= this.hashes.length) this.hashes = grow(this.hashes, row + 1)
    const known = this.missId === id
    this.missId = undefined
    const h = known ? this.missHash : hash(id)
    this.hashes[row] = h
    if (2 * this.ids.length > this.table.length) this.rehash()
    else if (known) this.table[this.missSlot] = row + 1
    else this.place(h, row)
    return row
  }

  private place(h: number, row: number): void {
    const t = this.table
    const m = this.mask
    let i = h & m
    while (t[i] !== 0) i = (i + 1) & m
    t[i] = row + 1
  }

  private rehash(): void {
    const size = this.table.length * 2
    this.table = new Int32Array(size)
    this.mask = size - 1
    const hashes = this.hashes
    for (let row = 0; row < this.ids.length; row++) this.place(hashes[row]!, row)
  }
}
