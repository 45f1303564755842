import { Currency, Money } from "@paykit/core"
import { type Account, currentPersons } from "./Account.ts"
import * as Lifecycle from "./Lifecycle.ts"
import { CAPABILITIES, type Capability } from "./Registration.ts"
import type * as Verification from "./Verification.ts"

/**
 * One rule of a requirements policy: which requirement ids an applicant type in some countries
 * must provide for a capability, from the start (no `volumeAtLeast`) or once the account's
 * processed volume reaches `volumeAtLeast`. The threshold is stated in one or more currencies:
 * an account whose currency is listed is compared with that figure; any other account's volume
 * is converted into the first listed currency (the rule's reference currency) through the
 * `ReferenceRates` port, so a threshold applies whatever the account's currency.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * import { Currency, Money } from "@paykit/core"
 * const rule: Requirements.Rule = {
 *   id: "us.payouts.big", applicant: "business", countries: ["US"], capability: "payouts",
 *   requirements: ["owners.verification"], volumeAtLeast: Money.fromMinorUnsafe(5_000_000n, Currency.USD)
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Rule {
  readonly id: string
  readonly applicant: "individual" | "business"
  readonly countries: "*" | ReadonlyArray<string>
  readonly capability: Capability
  readonly requirements: ReadonlyArray<string>
  readonly volumeAtLeast?: Money.Money | ReadonlyArray<Money.Money>
}

/**
 * A requirements policy: its rules, the grace period between a volume threshold being reached
 * and its requirements' deadline, and the ownership share (basis points, default 2,500 = 25 %)
 * from which an owner is a beneficial owner whom `owners.*` requirements cover.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * const strict: Requirements.Policy = { ...Requirements.defaultPolicy, gracePeriodMillis: 7 * 86_400_000 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Policy {
  readonly rules: ReadonlyArray<Rule>
  readonly gracePeriodMillis: number
  readonly beneficialOwnershipBps?: number
}

/**
 * The ownership share from which an owner is a beneficial owner when the policy names none:
 * 25 % (the EU anti-money-laundering directives, FinCEN's CDD rule).
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * Requirements.BENEFICIAL_OWNERSHIP_BPS // 2500
 * ```
 * @category models
 * @since 0.5.0
 */
export const BENEFICIAL_OWNERSHIP_BPS = 2500

/**
 * A rule's volume thresholds, one per currency it states (none for an onboarding rule).
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * Requirements.thresholdsOf(Requirements.defaultPolicy.rules[2]!).map((m) => m.currency.code) // ["EUR", "USD", "GBP"]
 * ```
 * @category math
 * @since 0.5.0
 */
export const thresholdsOf = (r: Rule): ReadonlyArray<Money.Money> =>
  r.volumeAtLeast === undefined
    ? []
    : Array.isArray(r.volumeAtLeast)
      ? r.volumeAtLeast
      : [r.volumeAtLeast as Money.Money]

/**
 * The threshold an account in `currency` is held to: the rule's figure in that currency when it
 * states one, else its figure in its reference currency (the first listed), which the account's
 * volume must be converted into (`converted: true`).
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * const rule = Requirements.defaultPolicy.rules[2]!
 * Requirements.thresholdFor(rule, "CHF") // { threshold: 10,000.00 EUR, converted: true }
 * ```
 * @category math
 * @since 0.5.0
 */
export const thresholdFor = (
  r: Rule,
  currency: string
): { readonly threshold: Money.Money; readonly converted: boolean } | undefined => {
  const all = thresholdsOf(r)
  const own = all.find((m) => m.currency.code === currency)
  if (own !== undefined) return { threshold: own, converted: false }
  return all[0] === undefined ? undefined : { threshold: all[0], converted: true }
}

/** Whether a rule applies to an applicant type in a country. */
const appliesTo = (r: Rule, type: Account["type"], country: string): boolean =>
  r.applicant === type && (r.countries === "*" || r.countries.includes(country))

/**
 * The currencies an account's volume must be converted into for the policy's volume thresholds
 * that apply to it and state no figure in its own currency (empty when every threshold is stated
 * in the account's currency).
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * Requirements.conversionsNeeded(Requirements.defaultPolicy, { type: "business", country: "CH", currency: "CHF" }) // [EUR]
 * ```
 * @category math
 * @since 0.5.0
 */
export const conversionsNeeded = (
  policy: Policy,
  a: Pick<Account, "type" | "country" | "currency">
): ReadonlyArray<Currency.Currency> => {
  const out = new Map<string, Currency.Currency>()
  for (const r of policy.rules) {
    if (!appliesTo(r, a.type, a.country)) continue
    const t = thresholdFor(r, a.currency)
    if (t?.converted === true) out.set(t.threshold.currency.code, t.threshold.currency)
  }
  return [...out.values()]
}

const DAY = 86_400_000

const person = (prefix: "individual" | "representative", ...fields: ReadonlyArray<string>) =>
  fields.map((f) => `${prefix}.${f}`)

/** A threshold rule stated in EUR (its reference currency), USD and GBP, each `minor` minor units. */
const threshold = (base: Omit<Rule, "id" | "volumeAtLeast">, minor: bigint): Rule => ({
  ...base,
  id: `${base.applicant}.${base.capability}.volume_${minor}`,
  volumeAtLeast: [Currency.EUR, Currency.USD, Currency.GBP].map((c) => Money.fromMinorUnsafe(minor, c))
})

/**
 * The default policy (Stripe-like): contact data for card payments and a verified identity once
 * volume reaches 5,000.00; a bank account and a verified identity for payouts, an identity
 * document once volume reaches 10,000.00; a business's company data, its attestation that it
 * provided its owners, company verification and its beneficial owners (25 % and above)
 * verified for payouts once volume reaches 10,000.00. Thresholds are stated in EUR, USD and GBP;
 * accounts in other currencies are converted into EUR. 14 days of grace after a threshold.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * Requirements.defaultPolicy.rules.filter((r) => r.capability === "payouts").length
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const defaultPolicy: Policy = {
  gracePeriodMillis: 14 * DAY,
  rules: [
    {
      id: "individual.card_payments",
      applicant: "individual",
      countries: "*",
      capability: "card_payments",
      requirements: person("individual", "first_name", "last_name", "dob", "email", "phone", "address")
    },
    threshold(
      {
        applicant: "individual",
        countries: "*",
        capability: "card_payments",
        requirements: person("individual", "id_number", "verification")
      },
      500_000n
    ),
    {
      id: "individual.payouts",
      applicant: "individual",
      countries: "*",
      capability: "payouts",
      requirements: ["external_account", ...person("individual", "id_number", "verification")]
    },
    threshold(
      {
        applicant: "individual",
        countries: "*",
        capability: "payouts",
        requirements: ["individual.verification.document"]
      },
      1_000_000n
    ),
    {
      id: "individual.stored_value",
      applicant: "individual",
      countries: "*",
      capability: "stored_value",
      requirements: person("individual", "id_number", "verification", "verification.document")
    },
    {
      id: "individual.cross_border",
      applicant: "individual",
      countries: "*",
      capability: "cross_border",
      requirements: person("individual", "address", "id_number", "verification")
    },
    {
      id: "business.card_payments",
      applicant: "business",
      countries: "*",
      capability: "card_payments",
      requirements: [
        "company.name",
        "company.registration_number",
        "company.tax_id",
        "company.address",
        "company.phone",
        "business_profile.mcc",
        "company.owners_provided",
        ...person("representative", "first_name", "last_name", "dob")
      ]
    },
    threshold(
      {
        applicant: "business",
        countries: "*",
        capability: "card_payments",
        requirements: ["business_profile.url", ...person("representative", "id_number", "verification")]
      },
      500_000n
    ),
    {
      id: "business.payouts",
      applicant: "business",
      countries: "*",
      capability: "payouts",
      requirements: [
        "external_account",
        "company.verification",
        ...person("representative", "id_number", "verification")
      ]
    },
    threshold(
      {
        applicant: "business",
        countries: "*",
        capability: "payouts",
        requirements: ["owners.verification", "representative.verification.document"]
      },
      1_000_000n
    ),
    {
      id: "business.stored_value",
      applicant: "business",
      countries: "*",
      capability: "stored_value",
      requirements: ["company.verification", "owners.verification"]
    },
    {
      id: "business.cross_border",
      applicant: "business",
      countries: "*",
      capability: "cross_border",
      requirements: ["company.verification", "representative.verification", "owners.verification"]
    }
  ]
}

/**
 * The state of one requirement on an account.
 *
 * @example
 * ```ts
 * import type { Requirements } from "@paykit/accounts"
 * const done = (s: Requirements.ItemState) => s._tag === "satisfied"
 * ```
 * @category models
 * @since 0.1.0
 */
export type ItemState =
  | { readonly _tag: "satisfied" }
  | { readonly _tag: "missing" }
  | { readonly _tag: "pending" }
  | { readonly _tag: "error"; readonly errors: ReadonlyArray<Verification.CaseError> }

const FIELD: Record<string, string> = {
  first_name: "firstName",
  last_name: "lastName",
  dob: "dateOfBirth",
  email: "email",
  phone: "phone",
  address: "address",
  id_number: "idNumber",
  tax_id: "taxId",
  registration_number: "registrationNumber"
}

/**
 * Which field a requirement id needs, and which verification case (kind and subject) if any.
 * `owners.*` covers the beneficial owners: the current owners holding at least
 * `beneficialOwnershipBps` (default {@link BENEFICIAL_OWNERSHIP_BPS}); `directors.*` the current
 * directors. Removed persons count for nothing.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * declare const account: import("@paykit/accounts").Account.Account
 * Requirements.target(account, "representative.verification") // { subjects: [rep id], kind: "identity" }
 * ```
 * @category math
 * @since 0.1.0
 */
export const target = (
  a: Account,
  requirement: string,
  beneficialOwnershipBps: number = BENEFICIAL_OWNERSHIP_BPS
): {
  readonly subjects: ReadonlyArray<string>
  readonly field?: string
  readonly kind?: Verification.Kind
} => {
  const [head, tail, more] = requirement.split(".")
  const ids = (role: "representative" | "owner" | "director") =>
    currentPersons(a, role)
      .filter((p) => role !== "owner" || (p.ownershipBps ?? 0) >= beneficialOwnershipBps)
      .map((p) => p.id)
  const subjects =
    head === "individual" || head === "company"
      ? [a.id]
      : head === "representative"
        ? ids("representative")
        : head === "directors"
          ? ids("director")
          : ids("owner")
  if (tail === "verification")
    return { subjects, kind: more === "document" ? "document" : head === "company" ? "company" : "identity" }
  if (head === "company" && tail === "name") return { subjects, field: "legalName" }
  if (head === "company" && tail === "address") return { subjects, field: "address" }
  return { subjects, field: FIELD[tail ?? ""] ?? tail ?? "" }
}

const caseState = (c: Verification.Case | undefined): ItemState => {
  switch (c?.status) {
    case "verified":
      return { _tag: "satisfied" }
    case "pending":
    case "manual_review":
      return { _tag: "pending" }
    case "action_required":
    case "rejected":
      return { _tag: "error", errors: c.errors }
    default:
      return { _tag: "missing" }
  }
}

/**
 * The state of one requirement id on an account: satisfied, missing, pending verification, or in
 * error (a verification failed or needs action).
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * declare const account: import("@paykit/accounts").Account.Account
 * Requirements.itemState(account, "external_account") // { _tag: "satisfied" } once a bank account is set
 * ```
 * @category math
 * @since 0.1.0
 */
export const itemState = (
  a: Account,
  requirement: string,
  beneficialOwnershipBps: number = BENEFICIAL_OWNERSHIP_BPS
): ItemState => {
  if (requirement === "company.owners_provided")
    return a.ownersAttestation === undefined ? { _tag: "missing" } : { _tag: "satisfied" }
  if (requirement === "external_account")
    return a.bank === undefined ? { _tag: "missing" } : { _tag: "satisfied" }
  if (requirement === "business_profile.url")
    return a.website === undefined ? { _tag: "missing" } : { _tag: "satisfied" }
  if (requirement === "business_profile.mcc")
    return a.industry === undefined ? { _tag: "missing" } : { _tag: "satisfied" }
  if (requirement === "company.name")
    return a.legalName === undefined ? { _tag: "missing" } : { _tag: "satisfied" }
  const t = target(a, requirement, beneficialOwnershipBps)
  const states: Array<ItemState> = t.subjects.map((s) => {
    if (t.kind !== undefined) return caseState(a.cases.find((c) => c.subject === s && c.kind === t.kind))
    const fields = s === a.id ? a.holderFields : (a.persons.find((p) => p.id === s)?.fields ?? [])
    return fields.includes(t.field ?? "") ? { _tag: "satisfied" } : { _tag: "missing" }
  })
  // no beneficial owner (attested by `company.owners_provided`) or no director: nothing to cover
  if (t.subjects.length === 0 && !requirement.startsWith("owners.") && !requirement.startsWith("directors."))
    return { _tag: "missing" }
  const errors = states.flatMap((s) => (s._tag === "error" ? s.errors : []))
  if (states.some((s) => s._tag === "missing")) return { _tag: "missing" }
  if (errors.length > 0) return { _tag: "error", errors }
  if (states.some((s) => s._tag === "pending")) return { _tag: "pending" }
  return { _tag: "satisfied" }
}

/**
 * Stripe-style requirement sets. Always `pastDue ⊆ currentlyDue ⊆ eventuallyDue`; items waiting
 * for a verification result are in `pendingVerification` only. `currentDeadline` is the earliest
 * deadline still ahead for a currently due item.
 *
 * @example
 * ```ts
 * import type { Requirements } from "@paykit/accounts"
 * const blocked = (r: Requirements.Requirements) => r.pastDue.length > 0
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Requirements {
  readonly eventuallyDue: ReadonlyArray<string>
  readonly currentlyDue: ReadonlyArray<string>
  readonly pastDue: ReadonlyArray<string>
  readonly pendingVerification: ReadonlyArray<string>
  readonly errors: ReadonlyArray<{
    readonly requirement: string
    readonly code: string
    readonly reason: string
  }>
  readonly currentDeadline: number | null
  readonly disabledReason: string | null
}

/**
 * A capability's status and why it is off.
 *
 * @example
 * ```ts
 * import type { Requirements } from "@paykit/accounts"
 * const why = (c: Requirements.CapabilityState) => c.disabledReason ?? "active"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CapabilityState {
  readonly capability: Capability
  readonly status: "active" | "pending" | "inactive"
  readonly requirements: Requirements
  readonly disabledReason: string | null
}

/**
 * The whole evaluation: the account-level requirement sets and each capability's state.
 *
 * @example
 * ```ts
 * import type { Requirements } from "@paykit/accounts"
 * const payoutsOn = (e: Requirements.Evaluation) => e.capabilities.payouts.status === "active"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Evaluation {
  readonly requirements: Requirements
  readonly capabilities: { readonly [C in Capability]: CapabilityState }
}

const applies = (policy: Policy, a: Account, capability: Capability): ReadonlyArray<Rule> =>
  policy.rules.filter((r) => r.capability === capability && appliesTo(r, a.type, a.country))

interface Acc {
  eventually: Set<string>
  currently: Set<string>
  past: Set<string>
  pending: Set<string>
  blocking: Set<string>
  /** onboarding items of a capability requested after registration, still within their grace */
  awaiting: Set<string>
  errors: Map<string, ReadonlyArray<Verification.CaseError>>
  deadlines: Map<string, number>
}

const empty = (): Acc => ({
  eventually: new Set(),
  currently: new Set(),
  past: new Set(),
  pending: new Set(),
  blocking: new Set(),
  awaiting: new Set(),
  errors: new Map(),
  deadlines: new Map()
})

const collect = (policy: Policy, a: Account, rules: ReadonlyArray<Rule>, now: number, acc: Acc): void => {
  for (const r of rules) {
    const onboarding = r.volumeAtLeast === undefined
    const crossed = a.thresholdsCrossed[r.id]
    const active = onboarding || crossed !== undefined
    const late = a.capabilityRequestedAt?.[r.capability]
    const deadline = onboarding
      ? late === undefined
        ? a.createdAt
        : late + policy.gracePeriodMillis
      : (crossed ?? 0) + policy.gracePeriodMillis
    for (const req of r.requirements) {
      const s = itemState(a, req, policy.beneficialOwnershipBps)
      if (s._tag === "satisfied") continue
      if (s._tag === "pending") {
        acc.pending.add(req)
        if (onboarding) acc.blocking.add(req)
        continue
      }
      acc.eventually.add(req)
      if (s._tag === "error") acc.errors.set(req, s.errors)
      if (!active) continue
      acc.currently.add(req)
      const d = Math.min(deadline, acc.deadlines.get(req) ?? Number.POSITIVE_INFINITY)
      acc.deadlines.set(req, d)
      if (d <= now) acc.past.add(req)
      else if (onboarding && late !== undefined) acc.awaiting.add(req)
    }
  }
}

const sorted = (s: ReadonlySet<string>) => [...s].sort()

const finish = (acc: Acc, now: number, disabledReason: string | null): Requirements => {
  let deadline: number | null = null
  for (const [req, d] of acc.deadlines) {
    if (acc.currently.has(req) && d > now && (deadline === null || d < deadline)) deadline = d
  }
  return {
    eventuallyDue: sorted(acc.eventually),
    currentlyDue: sorted(acc.currently),
    pastDue: sorted(acc.past),
    pendingVerification: sorted(acc.pending),
    errors: sorted(new Set(acc.errors.keys())).flatMap((requirement) =>
      (acc.errors.get(requirement) ?? []).map((e) => ({ requirement, code: e.code, reason: e.reason }))
    ),
    currentDeadline: deadline,
    disabledReason
  }
}

/** An operator (risk, compliance, support) restricted the account: payouts pause until lifted. */
const isOperatorRestricted = (a: Account): boolean =>
  a.status === "restricted" && a.restriction?.by === "operator"

/**
 * Whether an identity or company check of the account failed: a `rejected` identity case of the
 * holder or of a current person, or a rejected company case. It stops charges and payouts
 * (`disabledReason: "verification.rejected"`) until the data is corrected and verified.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * declare const account: import("@paykit/accounts").Account.Account
 * Requirements.checkRejected(account) // true after a rejected identity check
 * ```
 * @category guards
 * @since 0.5.0
 */
export const checkRejected = (a: Account): boolean => {
  const current = new Set([a.id, ...currentPersons(a).map((p) => p.id)])
  return a.cases.some(
    (c) =>
      c.status === "rejected" && (c.kind === "identity" || c.kind === "company") && current.has(c.subject)
  )
}

/** The capabilities a failed identity or company check stops. */
const STOPPED_BY_REJECTION: ReadonlySet<Capability> = new Set(["card_payments", "payouts"])

const statusReason = (s: Lifecycle.Status): string | null =>
  Lifecycle.isOperating(s) || s === "pending" ? null : `account.${s}`

/**
 * Evaluates an account against a policy at `now`: a pure function of the stored account, the
 * policy and the clock. Capabilities are active only when the account operates, none of their
 * items is past due and none of their onboarding items awaits verification (or, for a capability
 * requested after registration, is still due: `requirements.currently_due`). A failed identity or
 * company check stops `card_payments` and `payouts` (`verification.rejected`). An operator's
 * restriction also pauses `payouts` (`disabledReason: "account.restricted"`, after
 * `requirements.past_due`); charges and the other capabilities go on.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * declare const account: import("@paykit/accounts").Account.Account
 * const e = Requirements.evaluate(Requirements.defaultPolicy, account, Date.now())
 * e.capabilities.payouts.disabledReason // e.g. "requirements.past_due"
 * ```
 * @category math
 * @since 0.1.0
 */
export const evaluate = (policy: Policy, a: Account, now: number): Evaluation => {
  const all = empty()
  const rejected = checkRejected(a)
  const caps = {} as { [C in Capability]: CapabilityState }
  for (const capability of CAPABILITIES) {
    const requested = a.capabilities.includes(capability)
    const acc = empty()
    if (requested) {
      collect(policy, a, applies(policy, a, capability), now, acc)
      collect(policy, a, applies(policy, a, capability), now, all)
    }
    const reason = !requested
      ? "capability.not_requested"
      : (statusReason(a.status) ??
        (acc.past.size > 0
          ? "requirements.past_due"
          : capability === "payouts" && isOperatorRestricted(a)
            ? "account.restricted"
            : acc.blocking.size > 0
              ? "requirements.pending_verification"
              : STOPPED_BY_REJECTION.has(capability) && rejected
                ? "verification.rejected"
                : acc.awaiting.size > 0
                  ? "requirements.currently_due"
                  : a.status === "pending"
                    ? "account.pending"
                    : null))
    const status: CapabilityState["status"] =
      reason === null
        ? "active"
        : reason === "requirements.pending_verification" || reason === "account.pending"
          ? "pending"
          : "inactive"
    caps[capability] = { capability, status, requirements: finish(acc, now, reason), disabledReason: reason }
  }
  const reason =
    statusReason(a.status) ??
    (all.past.size > 0
      ? "requirements.past_due"
      : all.blocking.size > 0
        ? "requirements.pending_verification"
        : null)
  return { requirements: finish(all, now, reason), capabilities: caps }
}

/**
 * "Can charge now": the `card_payments` capability is active at `now`.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * declare const account: import("@paykit/accounts").Account.Account
 * Requirements.canCharge(Requirements.defaultPolicy, account, Date.now())
 * ```
 * @category guards
 * @since 0.1.0
 */
export const canCharge = (policy: Policy, a: Account, now: number): boolean =>
  evaluate(policy, a, now).capabilities.card_payments.status === "active"

/**
 * "Can pay out now": the `payouts` capability is active at `now`.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * declare const account: import("@paykit/accounts").Account.Account
 * Requirements.canPayout(Requirements.defaultPolicy, account, Date.now())
 * ```
 * @category guards
 * @since 0.1.0
 */
export const canPayout = (policy: Policy, a: Account, now: number): boolean =>
  evaluate(policy, a, now).capabilities.payouts.status === "active"

/**
 * The rules whose volume threshold the account reaches with `volume` (in the account's currency)
 * and had not reached before. `converted` holds the same volume in the currencies
 * {@link conversionsNeeded} names (from the `ReferenceRates` port); a rule whose threshold needs a
 * conversion missing from it is not reached.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * import { Currency, Money } from "@paykit/core"
 * declare const account: import("@paykit/accounts").Account.Account
 * Requirements.newlyCrossed(Requirements.defaultPolicy, account, Money.fromMinorUnsafe(1_000_000n, Currency.EUR))
 * ```
 * @category math
 * @since 0.1.0
 */
export const newlyCrossed = (
  policy: Policy,
  a: Account,
  volume: Money.Money,
  converted: ReadonlyArray<Money.Money> = []
): ReadonlyArray<string> =>
  policy.rules
    .filter((r) => {
      if (a.thresholdsCrossed[r.id] !== undefined || !appliesTo(r, a.type, a.country)) return false
      const t = thresholdFor(r, volume.currency.code)
      if (t === undefined) return false
      const v = t.converted ? converted.find((m) => m.currency.code === t.threshold.currency.code) : volume
      return v !== undefined && v.amount >= t.threshold.amount
    })
    .map((r) => r.id)

/**
 * The lifecycle move the platform makes on its own at `now`, if any: activate a pending account
 * whose onboarding is complete, restrict an active one with past-due items, and lift a
 * restriction the platform imposed (`restriction.by === "system"`, or no recorded origin) once
 * nothing is past due. An operator's restriction is never lifted automatically.
 *
 * @example
 * ```ts
 * import { Requirements } from "@paykit/accounts"
 * declare const account: import("@paykit/accounts").Account.Account
 * Requirements.automaticMove(Requirements.defaultPolicy, account, Date.now()) // e.g. "restrict"
 * ```
 * @category math
 * @since 0.1.0
 */
export const automaticMove = (policy: Policy, a: Account, now: number): Lifecycle.Command | undefined => {
  const e = evaluate(policy, a, now)
  const caps = a.capabilities.map((c) => e.capabilities[c])
  const pastDue = caps.some((c) => c.requirements.pastDue.length > 0)
  const blocked = caps.some((c) => c.disabledReason === "requirements.pending_verification")
  if (a.status === "pending" && !pastDue && !blocked) return "activate"
  if (a.status === "active" && pastDue) return "restrict"
  if (a.status === "restricted" && !pastDue && a.restriction?.by !== "operator") return "lift_restriction"
  return undefined
}
