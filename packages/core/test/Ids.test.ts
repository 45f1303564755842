import { Effect, Schema } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Ids } from "../src/index.ts"

const take = (n: number) => Effect.all(Array.from({ length: n }, () => Ids.Ids.next))

describe("Ids", () => {
  it("seeded ids are deterministic under the same clock, and monotonic", async () => {
    const run = () =>
      Effect.runPromise(take(500).pipe(Effect.provide(Ids.layerSeeded(7)), Effect.provide(TestClock.layer())))
    const a = await run()
    const b = await run()
    expect(a).toEqual(b)
    expect([...a].sort()).toEqual(a)
    expect(new Set(a).size).toBe(a.length)
    for (const id of a) expect(Schema.is(Ids.Ulid)(id)).toBe(true)
  })

  it("takes the time part from the Clock (TestClock)", async () => {
    const ids = await Effect.runPromise(
      Effect.gen(function* () {
        const first = yield* Ids.Ids.next
        yield* TestClock.adjust("1 hour")
        const second = yield* Ids.Ids.next
        return [first, second] as const
      }).pipe(Effect.provide(Ids.layerSeeded(1)), Effect.provide(TestClock.layer()))
    )
    expect(ids[0].slice(0, 10)).toBe("0000000000")
    expect(ids[1] > ids[0]).toBe(true)
    expect(ids[1].slice(0, 10)).not.toBe("0000000000")
  })

  it("the random layer yields distinct valid ULIDs", async () => {
    const ids = await Effect.runPromise(take(1000).pipe(Effect.provide(Ids.layer)))
    expect(new Set(ids).size).toBe(1000)
  })

  it("branded id schemas reject non-ULIDs, naming the reason", () => {
    const AccountId = Ids.brandedId("AccountId")
    expect(Schema.is(AccountId)("01J8ZK5V6Q4W2X3Y4Z5A6B7C8D")).toBe(true)
    const r = Schema.decodeUnknownResult(AccountId)("not-a-ulid")
    expect(r._tag).toBe("Failure")
    if (r._tag === "Failure") expect(r.failure.message).toContain("ULID")
  })
})
