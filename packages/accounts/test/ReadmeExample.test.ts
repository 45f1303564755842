import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer } from "effect"
import { expect, it } from "vitest"
import { Accounts, AccountStore, ClosureCheck, KeyStore, VerificationProvider } from "../src/index.ts"

it("the README example does what it says", async () => {
  // --- README example starts
  const AccountsLive = Accounts.layer().pipe(
    Layer.provide([AccountStore.layerMemory, KeyStore.layerMemory, VerificationProvider.layerMemory]),
    Layer.provide([ClosureCheck.layerMemory, Ids.layer, Notifier.layerMemory])
  )
  // the memory AccountStore delivers each commit's events to the Notifier (here: recorded in memory)

  const program = Effect.gen(function* () {
    const accounts = yield* Accounts.Accounts
    const jane = yield* accounts.register({
      type: "individual",
      email: "jane@example.com",
      phone: "+4915112345678",
      country: "DE",
      currency: "EUR",
      capabilities: ["card_payments", "payouts"],
      owner: { userId: "user-jane" },
      person: { firstName: "Jane", lastName: "Doe", dateOfBirth: "1990-04-01", idNumber: "000000000" },
      bankAccount: { country: "DE", currency: "EUR", accountNumber: "DE89370400440532013000" }
    })
    const before = yield* accounts.evaluate(jane.id) // pastDue: individual.address, individual.verification
    yield* accounts.updateProfile(
      jane.id,
      { kind: "member", id: "user-jane" },
      {
        address: { line1: "Invalidenstr. 1", city: "Berlin", postalCode: "10115", country: "DE" }
      }
    )
    const active = yield* accounts.submitVerification(jane.id, { kind: "member", id: "user-jane" })
    const after = yield* accounts.evaluate(jane.id)
    return { before, active, after }
  })

  const { before, active, after } = await Effect.runPromise(program.pipe(Effect.provide(AccountsLive)))
  // --- README example ends
  expect(before.requirements.pastDue).toEqual(["individual.address", "individual.verification"])
  expect(before.capabilities.payouts.disabledReason).toBe("requirements.past_due")
  expect(active.status).toBe("active")
  expect(after.capabilities.payouts.status).toBe("active")
  expect(after.requirements.eventuallyDue).toEqual(["individual.verification.document"])
})
