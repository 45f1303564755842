import { Currency, InvalidInput, Input, Rounding, UnknownCurrency } from "@paykit/core"
import { Result, Schema } from "effect"
import type * as Command from "./Command.ts"

/**
 * The accounts a payment business keeps, one per owner and currency:
 *
 * | kind | id | code | normal | limit |
 * | --- | --- | --- | --- | --- |
 * | `customerWallet` | `customer:<id>:wallet:<CUR>` | `liability.customer.wallet` | credit | debits ≤ credits |
 * | `merchantPending` | `merchant:<id>:pending:<CUR>` | `liability.merchant.pending` | credit | debits ≤ credits |
 * | `merchantAvailable` | `merchant:<id>:available:<CUR>` | `liability.merchant.available` | credit | none (may go negative) |
 * | `merchantReserve` | `merchant:<id>:reserve:<CUR>` | `liability.merchant.reserve` | credit | debits ≤ credits |
 * | `feeRevenue` | `platform:fees:<CUR>` | `revenue.fees` | credit | none |
 * | `schemeFeesPayable` | `scheme:<id>:fees:<CUR>` | `liability.scheme.fees` | credit | none |
 * | `interchangePayable` | `scheme:<id>:interchange:<CUR>` | `liability.scheme.interchange` | credit | none |
 * | `settlementBank` | `bank:<id>:clearing:<CUR>` | `asset.bank.clearing` | debit | none |
 * | `fxPosition` | `fx:position:<CUR>` | `fx.position` | credit | none |
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * const kind: ChartOfAccounts.Kind = "merchantAvailable"
 * ```
 * @category models
 * @since 0.2.0
 */
export type Kind =
  | "customerWallet"
  | "merchantPending"
  | "merchantAvailable"
  | "merchantReserve"
  | "feeRevenue"
  | "schemeFeesPayable"
  | "interchangePayable"
  | "settlementBank"
  | "fxPosition"

/**
 * What the chart says of one kind of account: its code, its normal side and its limits.
 *
 * @category models
 * @since 0.3.0
 */
export interface Spec {
  /** the id's first segment */
  readonly namespace: string
  /** whether the id names an owner (a customer, merchant, scheme or bank) after the namespace */
  readonly owned: boolean
  /** the id's segment after the owner: what the account is for */
  readonly purpose: string
  readonly code: string
  readonly normal: "debit" | "credit"
  readonly debitsMustNotExceedCredits: boolean
}

/**
 * How each kind of account is named and opened. Customer wallets, merchant pending balances and
 * reserves hold only what was put in (debits may not exceed credits). A merchant's available
 * balance may go negative: a refund or chargeback after settlement is then owed by the merchant.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.SPECS.customerWallet.code // "liability.customer.wallet"
 * ```
 * @category models
 * @since 0.2.0
 */
export const SPECS: { readonly [K in Kind]: Spec } = {
  customerWallet: spec("customer", true, "wallet", "liability.customer.wallet", "credit", true),
  merchantPending: spec("merchant", true, "pending", "liability.merchant.pending", "credit", true),
  merchantAvailable: spec("merchant", true, "available", "liability.merchant.available", "credit", false),
  merchantReserve: spec("merchant", true, "reserve", "liability.merchant.reserve", "credit", true),
  feeRevenue: spec("platform", false, "fees", "revenue.fees", "credit", false),
  schemeFeesPayable: spec("scheme", true, "fees", "liability.scheme.fees", "credit", false),
  interchangePayable: spec("scheme", true, "interchange", "liability.scheme.interchange", "credit", false),
  settlementBank: spec("bank", true, "clearing", "asset.bank.clearing", "debit", false),
  fxPosition: spec("fx", false, "position", "fx.position", "credit", false)
}

function spec(
  namespace: string,
  owned: boolean,
  purpose: string,
  code: string,
  normal: "debit" | "credit",
  debitsMustNotExceedCredits: boolean
): Spec {
  return { namespace, owned, purpose, code, normal, debitsMustNotExceedCredits }
}

/**
 * Every kind of account, in the order of {@link SPECS}.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.KINDS.includes("fxPosition") // true
 * ```
 * @category models
 * @since 0.2.0
 */
export const KINDS = Object.keys(SPECS) as ReadonlyArray<Kind>

/**
 * A typed reference to one account of the chart: its ledger id, kind, owner (absent for the
 * platform's own fee revenue and FX positions) and currency. Build it with a constructor
 * ({@link customerWallet}, {@link merchantAvailable}, …), open it with {@link open}, and hand it
 * to the posting templates, which check that amounts and accounts share a currency.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * import { Result } from "effect"
 * const wallet = Result.getOrThrow(ChartOfAccounts.customerWallet("c_1", "EUR"))
 * wallet.id // "customer:c_1:wallet:EUR"
 * ```
 * @category models
 * @since 0.2.0
 */
export interface AccountRef {
  readonly id: string
  readonly kind: Kind
  readonly owner?: string
  readonly currency: Currency.Currency
}

/**
 * An owner id that cannot be part of an account id: not a string, empty, longer than 32
 * characters, or with characters other than letters, digits, `_`, `.` and `-` (a `:` would make
 * ids ambiguous). ULIDs and most database keys fit.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * new ChartOfAccounts.InvalidOwnerId({ kind: "customerWallet", ownerId: 'the string "a:b"', reason: "contains ':'" }).message
 * ```
 * @category errors
 * @since 0.2.0
 */
export class InvalidOwnerId extends Schema.TaggedError<InvalidOwnerId>()("InvalidOwnerId", {
  kind: Schema.String,
  ownerId: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.kind}: owner id ${this.ownerId} cannot name a ledger account (${this.reason}); use 1 to 32 letters, digits, '_', '.' or '-', starting with a letter or digit (a ULID fits)`
  }
}

/**
 * Every error a chart constructor can return: a bad owner id, an unknown currency, or input that
 * could not be read (a getter that throws).
 *
 * @example
 * ```ts
 * import type { ChartOfAccounts } from "@paykit/ledger"
 * const tag = (e: ChartOfAccounts.ChartError) => e._tag
 * ```
 * @category errors
 * @since 0.2.0
 */
export type ChartError = InvalidOwnerId | UnknownCurrency | InvalidInput

/** The longest owner id: the longest chart id (`scheme:<32>:interchange:<12>`) is then 64 characters. */
const MAX_OWNER = 32
const OWNER = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const CURRENCY_CODE = /^[A-Z][A-Z0-9_]{1,11}$/

const ownerProblem = (owner: unknown): string | undefined => {
  if (typeof owner !== "string") return "not a string"
  if (owner.length === 0) return "empty"
  if (owner.length > MAX_OWNER) return `${owner.length} characters, more than ${MAX_OWNER}`
  if (owner.includes(":")) return "contains ':', which separates the parts of an account id"
  return OWNER.test(owner) ? undefined : "has a character other than letters, digits, '_', '.' and '-'"
}

/** The currency named by a code or a `Currency` object, or why not. */
const currencyOf = (currency: unknown): Result.Result<Currency.Currency, UnknownCurrency> => {
  if (typeof currency === "string") return Currency.isoRegistry.get(currency)
  if (typeof currency === "object" && currency !== null) {
    const c = currency as Currency.Currency
    if (
      typeof c.code === "string" &&
      CURRENCY_CODE.test(c.code) &&
      Number.isSafeInteger(c.exponent) &&
      c.exponent >= 0 &&
      c.exponent <= 18
    )
      return Result.succeed(c)
  }
  return Result.fail(new UnknownCurrency({ code: Rounding.describeValue(currency) }))
}

const idOf = (s: Spec, owner: string | undefined, code: string): string =>
  s.owned ? `${s.namespace}:${owner}:${s.purpose}:${code}` : `${s.namespace}:${s.purpose}:${code}`

/**
 * The account of `kind` for `owner` in `currency`: the general constructor behind the named ones.
 * `owner` is ignored for the platform's own kinds (`feeRevenue`, `fxPosition`). A currency is an
 * ISO 4217 code or a `Currency` (custom units such as `Currency.POINTS` are passed as objects).
 * Total: a bad owner id is `InvalidOwnerId`, a bad currency `UnknownCurrency`, never a throw.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.account("merchantReserve", "m_42", "USD") // Success({ id: "merchant:m_42:reserve:USD", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const account = (
  kind: Kind,
  owner: string | undefined,
  currency: Currency.Currency | string
): Result.Result<AccountRef, ChartError> => {
  try {
    const s = typeof kind === "string" && Object.hasOwn(SPECS, kind) ? SPECS[kind] : undefined
    if (s === undefined)
      return Result.fail(
        new InvalidInput({
          operation: "ChartOfAccounts.account",
          path: "kind",
          reason: `expected one of ${KINDS.join(", ")}; got ${Rounding.describeValue(kind)}`
        })
      )
    const problem = s.owned ? ownerProblem(owner) : undefined
    if (problem !== undefined)
      return Result.fail(
        new InvalidOwnerId({ kind, ownerId: Rounding.describeValue(owner), reason: problem })
      )
    const cur = currencyOf(currency)
    if (Result.isFailure(cur)) return Result.fail(cur.failure)
    const id = idOf(s, owner, cur.success.code)
    return Result.succeed(
      s.owned
        ? { id, kind, owner: owner as string, currency: cur.success }
        : { id, kind, currency: cur.success }
    )
  } catch (e) {
    return Result.fail(Input.unreadable("ChartOfAccounts.account", e))
  }
}

/**
 * A customer's stored-value wallet, `customer:<id>:wallet:<CUR>`: a liability that can never be
 * overdrawn (debits may not exceed credits).
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.customerWallet("c_1", "EUR") // Success({ id: "customer:c_1:wallet:EUR", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const customerWallet = (customerId: string, currency: Currency.Currency | string) =>
  account("customerWallet", customerId, currency)

/**
 * What the platform owes a merchant for captures not yet settled, `merchant:<id>:pending:<CUR>`.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.merchantPending("m_42", "USD") // Success({ id: "merchant:m_42:pending:USD", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const merchantPending = (merchantId: string, currency: Currency.Currency | string) =>
  account("merchantPending", merchantId, currency)

/**
 * A merchant's settled balance, payable out, `merchant:<id>:available:<CUR>`. It may go negative
 * (a refund or chargeback after settlement is then owed by the merchant): check it before a payout.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.merchantAvailable("m_42", "USD") // Success({ id: "merchant:m_42:available:USD", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const merchantAvailable = (merchantId: string, currency: Currency.Currency | string) =>
  account("merchantAvailable", merchantId, currency)

/**
 * A merchant's rolling reserve, held back from settlements, `merchant:<id>:reserve:<CUR>`.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.merchantReserve("m_42", "USD") // Success({ id: "merchant:m_42:reserve:USD", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const merchantReserve = (merchantId: string, currency: Currency.Currency | string) =>
  account("merchantReserve", merchantId, currency)

/**
 * The platform's fee revenue in a currency, `platform:fees:<CUR>`.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.feeRevenue("USD") // Success({ id: "platform:fees:USD", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const feeRevenue = (currency: Currency.Currency | string) => account("feeRevenue", undefined, currency)

/**
 * Scheme fees owed to a card scheme, `scheme:<scheme>:fees:<CUR>`.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.schemeFeesPayable("visa", "USD") // Success({ id: "scheme:visa:fees:USD", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const schemeFeesPayable = (scheme: string, currency: Currency.Currency | string) =>
  account("schemeFeesPayable", scheme, currency)

/**
 * Interchange owed to issuers through a scheme, `scheme:<scheme>:interchange:<CUR>`.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.interchangePayable("visa", "USD") // Success({ id: "scheme:visa:interchange:USD", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const interchangePayable = (scheme: string, currency: Currency.Currency | string) =>
  account("interchangePayable", scheme, currency)

/**
 * The clearing account at a settlement bank, `bank:<bank>:clearing:<CUR>`: an asset (money the
 * platform holds), debit-normal. Top-ups come in through it, refunds to cards go out through it.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.settlementBank("jpm", "USD") // Success({ id: "bank:jpm:clearing:USD", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const settlementBank = (bank: string, currency: Currency.Currency | string) =>
  account("settlementBank", bank, currency)

/**
 * The FX desk's position in one currency, `fx:position:<CUR>`: a conversion credits the position
 * of the currency paid and debits the position of the currency received, in one entry.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.fxPosition("EUR") // Success({ id: "fx:position:EUR", … })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const fxPosition = (currency: Currency.Currency | string) => account("fxPosition", undefined, currency)

/**
 * A merchant's three accounts in one currency: pending, available and reserve.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * import { Result } from "effect"
 * const { pending, available, reserve } = Result.getOrThrow(ChartOfAccounts.merchantAccounts("m_42", "USD"))
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const merchantAccounts = (
  merchantId: string,
  currency: Currency.Currency | string
): Result.Result<
  { readonly pending: AccountRef; readonly available: AccountRef; readonly reserve: AccountRef },
  ChartError
> =>
  Result.all({
    pending: merchantPending(merchantId, currency),
    available: merchantAvailable(merchantId, currency),
    reserve: merchantReserve(merchantId, currency)
  })

/**
 * The `CreateAccount` command that opens an account of the chart with its code, normal side and
 * limit (`ownerRef` is `<namespace>:<owner>`). Opening is idempotent: sending it again replays.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * import { Result } from "effect"
 * const open = ChartOfAccounts.open(Result.getOrThrow(ChartOfAccounts.customerWallet("c_1", "EUR")))
 * open.debitsMustNotExceedCredits // true
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const open = (ref: AccountRef): Command.CreateAccount => {
  const s = SPECS[ref.kind]
  return {
    _tag: "CreateAccount",
    id: ref.id,
    currency: ref.currency.code,
    code: s.code,
    normal: s.normal,
    ...(ref.owner === undefined ? {} : { ownerRef: `${s.namespace}:${ref.owner}` }),
    ...(s.debitsMustNotExceedCredits ? { debitsMustNotExceedCredits: true } : {})
  }
}

/**
 * Reads an id the chart built back into its kind, owner and currency code; `undefined` for any
 * other id. Ids are unambiguous: `parse(ref.id)` gives back `ref`'s parts.
 *
 * @example
 * ```ts
 * import { ChartOfAccounts } from "@paykit/ledger"
 * ChartOfAccounts.parse("merchant:m_42:reserve:USD") // { kind: "merchantReserve", owner: "m_42", currency: "USD" }
 * ```
 * @category guards
 * @since 0.2.0
 */
export const parse = (
  id: string
): { readonly kind: Kind; readonly owner?: string; readonly currency: string } | undefined => {
  if (typeof id !== "string") return undefined
  const parts = id.split(":")
  for (const kind of KINDS) {
    const s = SPECS[kind]
    const [ns, a, b, c] = parts
    if (ns !== s.namespace) continue
    if (
      s.owned &&
      parts.length === 4 &&
      b === s.purpose &&
      ownerProblem(a) === undefined &&
      CURRENCY_CODE.test(c!)
    )
      return { kind, owner: a!, currency: c! }
    if (!s.owned && parts.length === 3 && a === s.purpose && CURRENCY_CODE.test(b!))
      return { kind, currency: b! }
  }
  return undefined
}
