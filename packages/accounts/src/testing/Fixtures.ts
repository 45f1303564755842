import { Ids, Notifier } from "@paykit/core"
import { Layer } from "effect"
import { TestClock } from "effect/testing"
import * as Accounts from "../Accounts.ts"
import * as AccountStore from "../AccountStore.ts"
import * as ClosureCheck from "../ClosureCheck.ts"
import * as KeyStore from "../KeyStore.ts"
import type * as Registration from "../Registration.ts"
import * as VerificationProvider from "../VerificationProvider.ts"

/**
 * An individual applicant that passes every default requirement with the memory provider's
 * success values; override any field (typed as `register`'s input: cast deliberate bad input).
 *
 * @example
 * ```ts
 * import { Fixtures } from "@paykit/accounts/testing"
 * const jane = Fixtures.individual({ email: "jane@example.com" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const individual = (
  overrides: Partial<typeof Registration.IndividualApplicant.Encoded> = {}
): typeof Registration.IndividualApplicant.Encoded => ({
  type: "individual",
  email: "jane.doe@example.com",
  phone: "+4915112345678",
  country: "DE",
  currency: "EUR",
  capabilities: ["card_payments", "payouts"],
  owner: { userId: "user-jane" },
  person: {
    firstName: "Jane",
    lastName: "Doe",
    dateOfBirth: "1990-04-01",
    address: { line1: "Invalidenstr. 1", city: "Berlin", postalCode: "10115", country: "DE" },
    idNumber: VerificationProvider.MAGIC.verified
  },
  bankAccount: { country: "DE", currency: "EUR", accountNumber: "DE89370400440532013000" },
  ...overrides
})

/**
 * A business applicant (representative, two owners, and the owner's attestation that they are
 * every beneficial owner) that passes the default requirements; override any field.
 *
 * @example
 * ```ts
 * import { Fixtures } from "@paykit/accounts/testing"
 * const acme = Fixtures.business({ email: "ops@acme.example" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const business = (
  overrides: Partial<typeof Registration.BusinessApplicant.Encoded> = {}
): typeof Registration.BusinessApplicant.Encoded => ({
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
    {
      firstName: "Ada",
      lastName: "Lovelace",
      dateOfBirth: "1985-12-10",
      ownershipPercent: 60,
      idNumber: "000000000"
    },
    {
      firstName: "Charles",
      lastName: "Babbage",
      dateOfBirth: "1980-12-26",
      ownershipPercent: 40,
      idNumber: "000000000"
    }
  ],
  bankAccount: { country: "DE", currency: "EUR", accountNumber: "DE89370400440532013000" },
  ownersProvided: true,
  ...overrides
})

/**
 * Every port on memory, seeded ids, the memory notifier and a `TestClock`: the `Accounts`
 * service plus `AccountStore`, `KeyStore`, `RecordedEvents`, `MemoryStanding` for assertions.
 * The memory store delivers each commit's events to the memory notifier, so `RecordedEvents`
 * holds every event of every committed change, in commit order.
 *
 * @example
 * ```ts
 * import { Fixtures } from "@paykit/accounts/testing"
 * const layer = Fixtures.layer()
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (config: Accounts.Config = {}, seed = 1) =>
  Accounts.layer(config).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        AccountStore.layerMemory.pipe(Layer.provideMerge(Notifier.layerMemory)),
        KeyStore.layerMemory,
        VerificationProvider.layerMemory,
        ClosureCheck.layerMemory,
        Ids.layerSeeded(seed)
      )
    ),
    Layer.provideMerge(TestClock.layer())
  )
