/**
 * The @paykit/accounts part of the demo: a company signs up, is verified and activated, builds
 * its team, and is later closed and erased, with its personal data encrypted throughout.
 */
import { AccountStore, Accounts, ClosureCheck, KeyStore, VerificationProvider } from "@paykit/accounts"
import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer } from "effect"

const line = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`)

// the memory store delivers events to the Notifier after its commit, so it is given one below it
const AccountsLive = Accounts.layer().pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      AccountStore.layerMemory,
      KeyStore.layerMemory,
      VerificationProvider.layerMemory,
      ClosureCheck.layerMemory,
      Ids.layer
    )
  ),
  Layer.provideMerge(Notifier.layerMemory)
)

const acme = {
  type: "business",
  email: "finance@acme.example",
  phone: "+4930123456789",
  country: "DE",
  currency: "EUR",
  capabilities: ["card_payments", "payouts"],
  owner: { userId: "user-ada" },
  legalName: "Acme GmbH",
  registrationNumber: "HRB 123456",
  taxId: VerificationProvider.MAGIC.verified,
  address: { line1: "Friedrichstr. 10", city: "Berlin", postalCode: "10117", country: "DE" },
  industry: "5734",
  representative: {
    firstName: "Ada",
    lastName: "Lovelace",
    dateOfBirth: "1985-12-10",
    email: "ada@acme.example",
    idNumber: VerificationProvider.MAGIC.verified
  },
  owners: [
    { firstName: "Ada", lastName: "Lovelace", dateOfBirth: "1985-12-10", ownershipPercent: 60 },
    { firstName: "Charles", lastName: "Babbage", dateOfBirth: "1980-12-26", ownershipPercent: 40 }
  ],
  bankAccount: { country: "DE", currency: "EUR", accountNumber: "DE89370400440532013000" },
  card: { number: "4242424242424242", expMonth: 12, expYear: 2030 },
  // the signing owner attests that every beneficial owner (25 % and above) is listed
  ownersProvided: true
} satisfies typeof Accounts.RegisterInput.Encoded

const ADA = { kind: "member", id: "user-ada" } as const
const OPERATOR = { kind: "operator", id: "ops-1" } as const

export const runAccountsDemo: Effect.Effect<void, unknown> = Effect.gen(function* () {
  console.log("\n== @paykit/accounts: onboarding, permissions and the PII vault ==")
  const accounts = yield* Accounts.Accounts
  const store = yield* AccountStore.AccountStore

  // bad input is refused before anything is written, naming the field
  const tooMuch = yield* Effect.flip(
    accounts.register({
      ...acme,
      email: "other@acme.example",
      owners: [{ ...acme.owners[0]!, ownershipPercent: 70 }, acme.owners[1]!]
    })
  )
  line("owners holding 110 %", `${tooMuch._tag}: ${"message" in tooMuch ? tooMuch.message : ""}`)

  const registered = yield* accounts.register(acme)
  line("Acme GmbH registered", `${registered.id}, status ${registered.status}`)
  const due = yield* accounts.evaluate(registered.id)
  line("  currently due", due.requirements.currentlyDue.join(", ") || "(nothing)")
  const duplicate = yield* Effect.flip(accounts.register({ ...acme, email: "ops@acme.example" }))
  line("  same registration number again", duplicate._tag)

  const active = yield* accounts.submitVerification(registered.id, ADA)
  const after = yield* accounts.evaluate(registered.id)
  line("verified by the provider", `status ${active.status}`)
  line(
    "  card payments / payouts",
    `${after.capabilities.card_payments.status} / ${after.capabilities.payouts.status}`
  )

  // the team: roles are a union of permissions, default deny, no escalation
  yield* accounts.invite(registered.id, ADA, { id: "user-sam", roles: ["support"] })
  const denied = yield* accounts.decide(registered.id, "user-sam", "payouts:manage")
  line("support agent may manage payouts?", denied.allowed ? "yes" : `no: ${denied.reason}`)
  yield* accounts.changeRoles(registered.id, ADA, { id: "user-sam", roles: ["support", "finance"] })
  const granted = yield* accounts.decide(registered.id, "user-sam", "payouts:manage")
  line("  after adding the finance role", granted.allowed ? `yes, by ${granted.grantedBy.join(" + ")}` : "no")
  const escalation = yield* Effect.flip(
    accounts.invite(registered.id, { kind: "member", id: "user-sam" }, { id: "user-eve", roles: ["finance"] })
  )
  line(
    "  Sam invites a finance member",
    `${escalation._tag}: ${"reason" in escalation ? escalation.reason : ""}`
  )

  // personal data is encrypted at rest: nothing readable in the store
  const dump = JSON.stringify(yield* store.dump)
  line(
    "store holds plaintext email / card?",
    `${dump.includes("finance@acme.example") ? "yes" : "no"} / ${dump.includes("4242424242424242") ? "yes" : "no"}`
  )
  const exported = yield* accounts.exportSubject(registered.id, { kind: "member", id: "user-ada" })
  line(
    "subject access export",
    `email ${exported.personalData["email"]}, card ${exported.accounts[0]?.card?.last4}`
  )

  // closing places the anti-money-laundering hold: erasure is retained, not refused
  yield* accounts.transition(registered.id, ADA, "close")
  const erasure = yield* accounts.erase(registered.id, OPERATOR)
  line(
    "erase after closing",
    erasure._tag === "Retained"
      ? `Retained until ${new Date(erasure.until).toISOString().slice(0, 10)} (${erasure.basis})`
      : erasure._tag
  )
  const events = yield* Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
  line("domain events emitted", `${events.length} (${[...new Set(events.map((e) => e.type))].length} kinds)`)
}).pipe(Effect.provide(AccountsLive))
