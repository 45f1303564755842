import { Context, Effect, Layer, Schema } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"
import { Client } from "../src/index.ts"

class Overdrawn extends Schema.TaggedError<Overdrawn>()("Overdrawn", { shortBy: Schema.BigInt }) {}

class Wallet extends Context.Service<
  Wallet,
  {
    readonly deposit: (input: { readonly amount: bigint }) => Effect.Effect<bigint>
    readonly withdraw: (input: { readonly amount: bigint }) => Effect.Effect<bigint, Overdrawn>
    readonly balance: Effect.Effect<bigint>
    readonly crash: () => Effect.Effect<void>
  }
>()("test/Wallet") {}

/** A wallet layer that counts how many times it was built and released. */
const counted = () => {
  const counts = { built: 0, released: 0 }
  const layer = Layer.effect(
    Wallet,
    Effect.gen(function* () {
      counts.built++
      yield* Effect.addFinalizer(() => Effect.sync(() => void counts.released++))
      let balance = 0n
      return Wallet.of({
        deposit: ({ amount }) => Effect.sync(() => (balance += amount)),
        withdraw: ({ amount }) =>
          amount > balance
            ? Effect.fail(new Overdrawn({ shortBy: amount - balance }))
            : Effect.sync(() => (balance -= amount)),
        balance: Effect.sync(() => balance),
        crash: () => Effect.die(new RangeError("boom"))
      })
    })
  )
  return { counts, layer }
}

describe("Client.make", () => {
  it("builds the layer once, on first use, for every call", async () => {
    const { counts, layer } = counted()
    const wallet = Client.make(Wallet, layer)
    expect(counts.built).toBe(0)
    await expect(wallet.deposit({ amount: 5n })).resolves.toBe(5n)
    await expect(wallet.deposit({ amount: 7n })).resolves.toBe(12n)
    await expect(wallet.balance()).resolves.toBe(12n)
    expect(counts.built).toBe(1)
    await wallet.dispose()
    expect(counts.released).toBe(1)
  })

  it("rejects with the typed error itself, and the next call still works", async () => {
    const { layer } = counted()
    const wallet = Client.make(Wallet, layer)
    const error = await wallet.withdraw({ amount: 3n }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Overdrawn)
    expect((error as Overdrawn).shortBy).toBe(3n)
    await expect(wallet.deposit({ amount: 3n })).resolves.toBe(3n)
    await expect(wallet.withdraw({ amount: 3n })).resolves.toBe(0n)
    await wallet.dispose()
  })

  it("rejects a defect with the defect", async () => {
    const { layer } = counted()
    const wallet = Client.make(Wallet, layer)
    await expect(wallet.crash()).rejects.toBeInstanceOf(RangeError)
    await wallet.dispose()
  })

  it("is not a thenable and disposes with await using", async () => {
    const { counts, layer } = counted()
    {
      await using wallet = Client.make(Wallet, layer)
      expect(await wallet).toBe(wallet)
      await wallet.ready()
      expect(counts.built).toBe(1)
    }
    expect(counts.released).toBe(1)
  })

  it("types each member as a Promise and the errors as Rejection", () => {
    const { layer } = counted()
    const wallet = Client.make(Wallet, layer)
    expectTypeOf(wallet.withdraw).parameters.toEqualTypeOf<[{ readonly amount: bigint }]>()
    expectTypeOf(wallet.withdraw).returns.toEqualTypeOf<Promise<bigint>>()
    expectTypeOf(wallet.balance).toEqualTypeOf<() => Promise<bigint>>()
    expectTypeOf<Client.Rejection<Wallet["Service"]["withdraw"]>>().toEqualTypeOf<Overdrawn>()
    // @ts-expect-error a mistyped field is a compile error
    void wallet.deposit({ amuont: 1n }).catch(() => undefined)
    void wallet.dispose()
  })
})
