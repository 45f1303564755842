import { readFileSync } from "node:fs"
import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import {
  Accounts,
  AccountStore,
  ClosureCheck,
  DuplicateApplicant,
  KeyStore,
  type Registration,
  VerificationProvider
} from "../src/index.ts"

/** The README's ```ts blocks and this file's marked copies of them, without imports and white space. */
const normalized = (code: string) => code.replace(/^import[\s\S]*?from "[^"]+"$/gm, "").replace(/\s+/g, "")
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalized(m[1]!))
const self = readFileSync(new URL(import.meta.url), "utf8")
const copy = (name: string) => {
  const m = new RegExp(`// --- README ${name} starts\\n([\\s\\S]*?)\\n\\s*// --- README ${name} ends`).exec(
    self
  )
  return normalized(m?.[1] ?? "")
}

describe("the README's examples", () => {
  it("are the code these tests run, as written there", () => {
    expect(copy("client example")).not.toBe("")
    expect(copy("Effect example")).not.toBe("")
    expect(blocks).toContain(copy("client example"))
    expect(blocks).toContain(copy("Effect example"))
  })

  it("do what they say: the client (created once, shared, disposed on shutdown), then the Effect program", async () => {
    // --- README client example starts
    // once, at module load: one runtime (one store, one pool) shared by every request
    const accounts = Accounts.client(
      Accounts.layer().pipe(
        Layer.provide([AccountStore.layerMemory, KeyStore.layerMemory, VerificationProvider.layerMemory]),
        Layer.provide([ClosureCheck.layerMemory, Ids.layer, Notifier.layerMemory])
      )
    )

    // in a request handler
    const application = {
      type: "individual",
      email: "jane@example.com",
      phone: "+4915112345678",
      country: "DE",
      currency: "EUR",
      capabilities: ["card_payments", "payouts"],
      owner: { userId: "user-jane" },
      person: { firstName: "Jane", lastName: "Doe", dateOfBirth: "1990-04-01", idNumber: "000000000" },
      bankAccount: { country: "DE", currency: "EUR", accountNumber: "DE89370400440532013000" }
    } satisfies typeof Accounts.RegisterInput.Encoded
    const jane = await accounts.register(application)
    const before = await accounts.evaluate(jane.id) // pastDue: individual.address, individual.verification
    await accounts.updateProfile(
      jane.id,
      { kind: "member", id: "user-jane" },
      {
        address: { line1: "Invalidenstr. 1", city: "Berlin", postalCode: "10115", country: "DE" }
      }
    )
    const active = await accounts.submitVerification(jane.id, { kind: "member", id: "user-jane" })
    // active.status === "active", payouts on

    // a failure rejects with the typed error itself
    let existing: string | undefined
    try {
      await accounts.register({ ...application, email: "JANE@example.com" })
    } catch (e) {
      if (!(e instanceof DuplicateApplicant)) throw e
      existing = e.existing // the account that has this email: jane.id
    }

    // on shutdown (see below): release the runtime's resources
    await accounts.dispose()
    // --- README client example ends
    expect(before.requirements.pastDue).toEqual(["individual.address", "individual.verification"])
    expect(before.capabilities.payouts.disabledReason).toBe("requirements.past_due")
    expect(active.status).toBe("active")
    expect(existing).toBe(jane.id)
    // disposed: later calls reject instead of building the layer again
    await expect(accounts.get(jane.id)).rejects.toBeDefined()

    // --- README Effect example starts
    const AccountsLive = Accounts.layer().pipe(
      Layer.provide([AccountStore.layerMemory, KeyStore.layerMemory, VerificationProvider.layerMemory]),
      Layer.provide([ClosureCheck.layerMemory, Ids.layer, Notifier.layerMemory])
    )
    // the memory AccountStore delivers each commit's events to the Notifier (here: recorded in memory)

    const onboard = (
      input: typeof Accounts.RegisterInput.Encoded,
      address: typeof Registration.Address.Encoded
    ) =>
      Effect.gen(function* () {
        const accounts = yield* Accounts.Accounts
        const owner = { kind: "member", id: input.owner.userId } as const
        const { id } = yield* accounts.register(input)
        const before = yield* accounts.evaluate(id) // pastDue: individual.address, individual.verification
        yield* accounts.updateProfile(id, owner, { address })
        return { before, active: yield* accounts.submitVerification(id, owner) } // active.status === "active"
      })

    const berlin = { line1: "Invalidenstr. 1", city: "Berlin", postalCode: "10115", country: "DE" }
    await Effect.runPromise(onboard(application, berlin).pipe(Effect.provide(AccountsLive)))
    // --- README Effect example ends
    // the same program again (a fresh layer, a fresh memory store), to look at its answer
    const answer = await Effect.runPromise(
      Effect.gen(function* () {
        const { before, active } = yield* onboard(application, berlin)
        const after = yield* Effect.flatMap(Accounts.Accounts, (s) => s.evaluate(active.id))
        return { before, active, after }
      }).pipe(Effect.provide(AccountsLive))
    )
    expect(answer.before.requirements.pastDue).toEqual(["individual.address", "individual.verification"])
    expect(answer.active.status).toBe("active")
    expect(answer.after.capabilities.payouts.status).toBe("active")
    expect(answer.after.requirements.eventuallyDue).toEqual(["individual.verification.document"])
  })
})
