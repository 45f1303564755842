import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Accounts, AccountStore, ClosureCheck, KeyStore, VerificationProvider } from "../src/index.ts"
import { ConcurrencyContract, Fixtures } from "../src/testing/index.ts"

/**
 * The concurrency contract on the memory store. Several "pools" share one memory store; every
 * call to it first yields to the other fibers, so the service's reads and its commit interleave
 * with other operations' as they would on a database with several connections.
 */
const interleaving = (store: AccountStore.AccountStore["Service"]): AccountStore.AccountStore["Service"] => {
  const out: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(store)) {
    out[name] = Effect.isEffect(member)
      ? Effect.andThen(Effect.yieldNow, member as Effect.Effect<unknown, unknown>)
      : (...args: Array<unknown>) =>
          Effect.andThen(
            Effect.yieldNow,
            (member as (...a: Array<unknown>) => Effect.Effect<unknown, unknown>)(...args)
          )
  }
  return out as unknown as AccountStore.AccountStore["Service"]
}

ConcurrencyContract.suite(
  "memory",
  (pools) =>
    Effect.map(AccountStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)), (store) =>
      Array.from({ length: pools }, () => interleaving(store))
    ),
  { trials: 30, runs: 30 }
)

describe("key rotation works in pages", () => {
  it("rotation re-wraps rotationPageSize data keys per transaction, continuing in subject order, and every subject still decrypts", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const inner = yield* AccountStore.makeMemory
        const batches: Array<ReadonlyArray<string>> = []
        const store = AccountStore.AccountStore.of({
          ...inner,
          rewrapKeys: (rewraps) =>
            Effect.andThen(
              Effect.sync(() => batches.push(rewraps.map((r) => r.subject))),
              inner.rewrapKeys(rewraps)
            )
        })
        const s = yield* Accounts.make({ rotationPageSize: 2 }).pipe(
          Effect.provideService(AccountStore.AccountStore, store)
        )
        const ids: Array<string> = []
        for (let i = 0; i < 3; i++) {
          const a = yield* s.register(
            Fixtures.individual({ email: `p${i}@example.com`, owner: { userId: `user-${i}` } })
          )
          ids.push(a.id)
        }
        // and a business: holder, representative and two owners, four subjects
        ids.push((yield* s.register(Fixtures.business())).id)
        const keys = (yield* inner.dump).keys.map((k) => k.subject)
        expect(keys).toHaveLength(7)
        const r = yield* s.rotateKeys
        expect(r).toEqual({ kekVersion: 2, rewrapped: 7 })
        expect(batches.map((b) => b.length)).toEqual([2, 2, 2, 1])
        expect(batches.flat()).toEqual(keys)
        expect((yield* inner.dump).keys.every((k) => k.wrapped.kekVersion === 2)).toBe(true)
        expect(yield* s.retireKeyVersion(1)).toEqual({ kekVersion: 1 })
        for (const id of ids)
          for (const v of yield* s.profile(id, { kind: "operator", id: "ops-reader" }))
            expect(v._tag).toBe("available")
      }).pipe(
        Effect.provide(
          Layer.mergeAll(
            Notifier.layerNoop,
            KeyStore.layerMemory,
            VerificationProvider.layerMemory,
            ClosureCheck.layerMemory,
            Ids.layerSeeded(3)
          )
        )
      )
    ))
})
