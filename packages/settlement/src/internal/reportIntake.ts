// The intake of every report: checks that each transaction is a well-formed balance
// transaction, resolves its currency's exponent, applies the merchant and currency filters, and
// counts what it leaves out (the first as an `UnreportableTransaction`).
import { Result, Schema } from "effect"
import { type BalanceTransaction, feeKinds, reportingCategoryOf, types } from "../BalanceTransaction.ts"
import type { Unreportable } from "../Reports.ts"
import type { Scope } from "./reportOptions.ts"

/**
 * A report met transactions it cannot report: one that is not a well-formed balance transaction
 * (a missing field, an amount that is not a `bigint`, `net` other than `gross - fee`, a reporting
 * category that does not match its type) or one in a currency the report does not know (give
 * custom units in the `currencies` option). `transaction`, `field` and `reason` describe the
 * first one, `count` is how many there were. They were left out of every total.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * new Reports.UnreportableTransaction({ report: "sales", transaction: "bt_1", field: "currency", reason: "unknown currency", count: 1 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class UnreportableTransaction extends Schema.TaggedError<UnreportableTransaction>()(
  "UnreportableTransaction",
  {
    report: Schema.String,
    transaction: Schema.String,
    field: Schema.String,
    reason: Schema.String,
    count: Schema.Number
  }
) {
  override get message(): string {
    return `${this.report}: balance transaction ${this.transaction}: ${this.field} ${this.reason}; ${this.count} transaction(s) were left out of the report: fix them, or register their currency in the currencies option`
  }
}

/** Largest instant a report renders: the end of year 9999 UTC. */
const MAX_INSTANT = 253_402_300_799_999

const typeSet: ReadonlySet<string> = new Set(types)
const feeKindSet: ReadonlySet<string> = new Set(feeKinds)

const isInstant = (n: unknown): n is number =>
  Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= MAX_INSTANT
const isOptionalString = (v: unknown) => v === undefined || typeof v === "string"

/** The first problem of `t` as [field, reason], or undefined when it is a well-formed transaction. */
const problemOf = (t: BalanceTransaction, withFeeDetails: boolean): readonly [string, string] | undefined => {
  if (typeof t !== "object" || t === null) return ["(root)", "is not a balance transaction object"]
  if (typeof t.id !== "string") return ["id", "is not a string"]
  if (typeof t.merchant !== "string") return ["merchant", "is not a string"]
  if (typeof t.currency !== "string") return ["currency", "is not a string"]
  if (!typeSet.has(t.type)) return ["type", "is not a balance transaction type"]
  if (t.reportingCategory !== reportingCategoryOf[t.type])
    return ["reportingCategory", `is not ${reportingCategoryOf[t.type]}, the category of ${t.type}`]
  if (typeof t.gross !== "bigint") return ["gross", "is not a bigint"]
  if (typeof t.fee !== "bigint") return ["fee", "is not a bigint"]
  if (typeof t.net !== "bigint") return ["net", "is not a bigint"]
  if (t.net !== t.gross - t.fee) return ["net", "is not gross - fee"]
  if (!isInstant(t.availableOn)) return ["availableOn", "is not an instant in ms between 1970 and 9999"]
  if (!isInstant(t.createdAt)) return ["createdAt", "is not an instant in ms between 1970 and 9999"]
  if (typeof t.source !== "string") return ["source", "is not a string"]
  if (!isOptionalString(t.payout)) return ["payout", "is not a string"]
  if (!isOptionalString(t.payment)) return ["payment", "is not a string"]
  if (t.status !== "pending" && t.status !== "available") return ["status", "is not pending or available"]
  if (!isOptionalString(t.exchangeRate)) return ["exchangeRate", "is not a string"]
  if (!isOptionalString(t.description)) return ["description", "is not a string"]
  const d = t.dimensions
  if (typeof d !== "object" || d === null) return ["dimensions", "is not an object"]
  if (!isOptionalString(d.method)) return ["dimensions.method", "is not a string"]
  if (!isOptionalString(d.brand)) return ["dimensions.brand", "is not a string"]
  if (!isOptionalString(d.region)) return ["dimensions.region", "is not a string"]
  if (!Array.isArray(t.feeDetails)) return ["feeDetails", "is not an array"]
  if (withFeeDetails) {
    for (let i = 0; i < t.feeDetails.length; i++) {
      const f = t.feeDetails[i]
      if (typeof f !== "object" || f === null || !feeKindSet.has(f.kind))
        return [`feeDetails[${i}].kind`, "is not a fee kind"]
      if (typeof f.amount !== "bigint") return [`feeDetails[${i}].amount`, "is not a bigint"]
    }
  }
  return undefined
}

const idOf = (t: unknown): string => {
  try {
    const id = (t as { id?: unknown }).id
    return typeof id === "string" ? id : "(no id)"
  } catch {
    return "(no id)"
  }
}

export class Intake {
  private readonly exponents = new Map<string, number>()
  private count = 0
  private first: { transaction: string; field: string; reason: string } | undefined
  readonly scope: Scope
  private readonly withFeeDetails: boolean
  constructor(scope: Scope, withFeeDetails = false) {
    this.scope = scope
    this.withFeeDetails = withFeeDetails
  }

  /** The exponent of `t`'s currency when `t` is reportable and passes the filters; -1 otherwise. */
  admit(t: BalanceTransaction): number {
    let problem: readonly [string, string] | undefined
    try {
      problem = problemOf(t, this.withFeeDetails)
    } catch {
      problem = ["(root)", "could not be read (a getter threw)"]
    }
    if (problem === undefined) {
      const s = this.scope
      if (s.merchant !== undefined && t.merchant !== s.merchant) return -1
      if (s.currency !== undefined && t.currency !== s.currency) return -1
      const known = this.exponents.get(t.currency)
      if (known !== undefined) return known
      const c = s.registry.get(t.currency)
      if (Result.isSuccess(c)) {
        this.exponents.set(t.currency, c.success.exponent)
        return c.success.exponent
      }
      problem = ["currency", `${t.currency} is not a known currency`]
    }
    this.count++
    if (this.first === undefined) this.first = { transaction: idOf(t), field: problem[0], reason: problem[1] }
    return -1
  }

  unreportable(): Unreportable {
    return {
      count: this.count,
      first:
        this.first === undefined
          ? undefined
          : new UnreportableTransaction({ report: this.scope.report, ...this.first, count: this.count })
    }
  }
}
