import type { Client, InvalidInput } from "@paykit/core"
import { Effect } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"
import { type Account, Accounts, AccountStore, DuplicateApplicant, NotFound } from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

/** Deliberately bad input: typed inputs refuse it at compile time, so the test says it means it. */
const hostile = (value: unknown): never => value as never

const JANE = { kind: "member", id: "user-jane" } as const

describe("Accounts.client", () => {
  it("runs every call on one runtime: what one call writes the next one reads", async () => {
    await using accounts = Accounts.client(Fixtures.layer())
    const a = await accounts.register(Fixtures.individual())
    await expect(accounts.get(a.id)).resolves.toMatchObject({ id: a.id, status: a.status })
    await expect(accounts.audit(a.id, { kind: "operator", id: "ops-reader" })).resolves.toHaveLength(1)
    const dump = await accounts.runtime.runPromise(Effect.flatMap(AccountStore.AccountStore, (s) => s.dump))
    expect(dump.accounts.map((x) => x.id)).toEqual([a.id])
  })

  it("rejects with the typed error itself, and the next call still works", async () => {
    await using accounts = Accounts.client(Fixtures.layer())
    const a = await accounts.register(Fixtures.individual())
    const duplicate = await accounts.register(Fixtures.individual()).catch((e: unknown) => e)
    expect(duplicate).toBeInstanceOf(DuplicateApplicant)
    expect((duplicate as DuplicateApplicant).existing).toBe(a.id)
    await expect(accounts.get("no-such-account")).rejects.toBeInstanceOf(NotFound)
    await expect(accounts.submitVerification(a.id, JANE)).resolves.toMatchObject({ status: "active" })
  })

  it("still decodes at run time: hostile input is InvalidInput naming the field, and writes nothing", async () => {
    await using accounts = Accounts.client(Fixtures.layer())
    const e = await accounts
      .register(hostile({ ...Fixtures.individual(), emial: "x" }))
      .catch((x: unknown) => x)
    expect(e).toMatchObject({ _tag: "InvalidInput", operation: "register", path: "emial" })
    const a = await accounts.register(Fixtures.individual())
    await expect(accounts.transition(a.id, JANE, hostile("explode"))).rejects.toMatchObject({
      _tag: "InvalidInput"
    })
    await expect(accounts.get(a.id)).resolves.toMatchObject({ version: a.version })
  })

  it("sweep and rotateKeys (Effect-valued members) are functions of no arguments", async () => {
    await using accounts = Accounts.client(Fixtures.layer())
    await expect(accounts.sweep()).resolves.toEqual([])
    await expect(accounts.rotateKeys()).resolves.toMatchObject({ kekVersion: 2, rewrapped: 0 })
  })

  it("types every input as its schema's encoded type (compile-time checks)", () => {
    const accounts = Accounts.client(Fixtures.layer())
    expectTypeOf(accounts.register).parameters.toEqualTypeOf<[typeof Accounts.RegisterInput.Encoded]>()
    expectTypeOf(accounts.get).returns.toEqualTypeOf<Promise<Account.Account>>()
    expectTypeOf<
      Client.Rejection<Accounts.Accounts["Service"]["register"]>
    >().toEqualTypeOf<Accounts.AccountsError>()
    expectTypeOf<InvalidInput>().toExtend<Accounts.AccountsError>()
    const input = Fixtures.individual()
    const never = () => {
      // @ts-expect-error a misspelt field (emial for email) is a compile error
      void accounts.register({ ...input, emial: "jane@example.com" })
      // @ts-expect-error an actor kind that does not exist
      void accounts.submitVerification("a", { kind: "admin", id: "x" })
      // @ts-expect-error a command that is not in the lifecycle table
      void accounts.transition("a", JANE, "explode")
      // @ts-expect-error a role that does not exist
      void accounts.invite("a", JANE, { id: "user-bob", roles: ["viewer"] })
      // @ts-expect-error the amount is minor units as a string, not a number
      void accounts.recordVolume("a", { amount: 100, currency: "EUR" })
      // @ts-expect-error a version is a number
      void accounts.retireKeyVersion("1")
    }
    expect(typeof never).toBe("function") // compiled, never called
    void accounts.dispose()
  })

  it("the Effect service takes the same typed inputs", () => {
    const program = Effect.gen(function* () {
      const s = yield* Accounts.Accounts
      // @ts-expect-error a misspelt field is a compile error on the Effect service too
      yield* s.updateProfile("a", JANE, { phnoe: "+4915112345678" })
      // @ts-expect-error the Actor schema's encoded type: kind is "operator" or "member"
      yield* s.erase("s", { kind: "owner", id: "x" })
    })
    expect(Effect.isEffect(program)).toBe(true)
  })
})
