/**
 * The memory store's pending holds with a timeout, by expiry time: a binary min-heap of
 * (expiresAt, hold id). A write with nothing due reads the top and stops; finding the k due
 * holds visits them and the entries on their paths from the top, never the holds that are not
 * due. With every hold scanned on every write instead, 50,000 holds with a timeout took single
 * posts from 12,000/s to 1,100/s.
 *
 * A hold posted, voided or expired keeps its entry (deletion is lazy): the entry is dropped when
 * it reaches the top at or before `now`. A hold is resolved once, so each entry is dropped once.
 * The order of the holds a write expires is the core's (it sorts them by id); the index only
 * finds them.
 */
import type * as Hold from "../Hold.ts"

/** The hold `id` if it is still pending with the timeout `expiresAt`, else `undefined`. */
export type Live = (id: string, expiresAt: number) => Hold.Hold | undefined

export class ExpiryIndex {
  private readonly times: Array<number> = []
  private readonly ids: Array<string> = []
  /** Entries examined so far (tests count them to show that a write does not scan). */
  visits = 0

  constructor(private readonly live: Live) {}

  /** Entries, live or not yet dropped. */
  get size(): number {
    return this.times.length
  }

  /** Indexes a hold that became pending with a timeout. */
  add(id: string, expiresAt: number): void {
    const times = this.times
    const ids = this.ids
    let i = times.length
    times.push(expiresAt)
    ids.push(id)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (times[parent]! <= expiresAt) break
      times[i] = times[parent]!
      ids[i] = ids[parent]!
      i = parent
    }
    times[i] = expiresAt
    ids[i] = id
  }

  /** Whether some pending hold has `expiresAt ≤ now`: one comparison when none is. */
  anyDue(now: number): boolean {
    this.drop(now)
    return this.times.length > 0 && this.times[0]! <= now
  }

  /**
   * Every pending hold with `expiresAt ≤ now`, in no particular order: a walk down from the top
   * that turns back at the first entry of each path that is later than `now`.
   */
  due(now: number): Array<Hold.Hold> {
    this.drop(now)
    const out: Array<Hold.Hold> = []
    const times = this.times
    const n = times.length
    if (n === 0 || times[0]! > now) return out
    const stack = [0]
    while (stack.length > 0) {
      const i = stack.pop()!
      this.visits++
      if (times[i]! > now) continue
      const h = this.live(this.ids[i]!, times[i]!)
      if (h !== undefined) out.push(h)
      if (2 * i + 1 < n) stack.push(2 * i + 1)
      if (2 * i + 2 < n) stack.push(2 * i + 2)
    }
    return out
  }

  /** Drops the top while it is due at `now` but no longer pending (posted, voided, expired). */
  private drop(now: number): void {
    const times = this.times
    while (times.length > 0 && times[0]! <= now) {
      this.visits++
      if (this.live(this.ids[0]!, times[0]!) !== undefined) return
      this.pop()
    }
  }

  private pop(): void {
    const times = this.times
    const ids = this.ids
    const t = times.pop()!
    const id = ids.pop()!
    const n = times.length
    if (n === 0) return
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      if (child + 1 < n && times[child + 1]! < times[child]!) child++
      if (times[child]! >= t) break
      times[i] = times[child]!
      ids[i] = ids[child]!
      i = child
    }
    times[i] = t
    ids[i] = id
  }
}
