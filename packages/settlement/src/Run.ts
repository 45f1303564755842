import type { Command } from "@paykit/ledger"
import type * as BalanceTransaction from "./BalanceTransaction.ts"
import * as Payout from "./Payout.ts"
import * as ReservePlan from "./ReservePlan.ts"
import * as Transactions from "./Transactions.ts"

/**
 * What one settlement run did for one merchant and currency up to its cut-off: how many
 * transactions it made available and their net, what it put into and released from the reserve
 * (released includes what it drew to cover a negative balance), and the payout it created, if
 * any (or why it carried the balance forward).
 *
 * @example
 * ```ts
 * import type { Run } from "@paykit/settlement"
 * const paid = (r: Run.Run) => r.payout !== undefined
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Run {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly cutoff: number
  readonly madeAvailable: number
  readonly madeAvailableNet: bigint
  readonly reserveHeld: bigint
  readonly reserveReleased: bigint
  readonly payout?: string
  readonly carried?: "below_minimum" | "negative" | "zero" | "not_a_payout_day" | "manual"
  readonly createdAt: number
}

/**
 * One amount held in the reserve by one run, released on `releaseOn`; `remaining` goes down as
 * it is released or drawn on.
 *
 * @example
 * ```ts
 * import type { Run } from "@paykit/settlement"
 * const due = (t: Run.Tranche, at: number) => t.remaining > 0n && t.releaseOn <= at
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Tranche {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly amount: bigint
  readonly remaining: bigint
  readonly releaseOn: number
}

/**
 * The id of the run for one merchant, currency and cut-off: a run is idempotent on it.
 *
 * @example
 * ```ts
 * import { Run } from "@paykit/settlement"
 * Run.idOf("m_1", "EUR", 0) // "run:m_1:EUR:0"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const idOf = (merchant: string, currency: string, cutoff: number): string =>
  `run:${merchant}:${currency}:${cutoff}`

/**
 * What a run needs to know: the merchant's pending transactions due by the cut-off, its
 * available transactions no payout owns yet, its reserve tranches with money left, its reserve
 * plan, the payout decision for the balance (from its payout schedule, or `manual` / not a payout
 * day), the ledger accounts, and the time.
 *
 * @example
 * ```ts
 * import type { Run } from "@paykit/settlement"
 * declare const input: Run.Input
 * input.due.length
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Input {
  readonly merchant: string
  readonly currency: string
  readonly cutoff: number
  readonly now: number
  readonly due: ReadonlyArray<BalanceTransaction.BalanceTransaction>
  readonly unpaid: ReadonlyArray<BalanceTransaction.BalanceTransaction>
  readonly tranches: ReadonlyArray<Tranche>
  readonly plan: ReservePlan.ReservePlan | undefined
  /** Decides the payout for the available balance the run leaves (after its moves). */
  readonly decide: (
    available: bigint
  ) =>
    | { readonly _tag: "pay"; readonly amount: bigint }
    | { readonly _tag: "debit"; readonly amount: bigint }
    | { readonly _tag: "carry"; readonly reason: NonNullable<Run["carried"]> }
  readonly accounts: {
    readonly pending: string
    readonly available: string
    readonly reserve: string
    readonly bank: string
  }
}

/**
 * A run's plan: the run record, the transactions it creates, those it changes (made available,
 * or now owned by the payout), the tranches it creates or changes, its payout, and the ledger
 * commands (one linked batch, ids derived from the run's id, so a retry replays).
 *
 * @example
 * ```ts
 * import type { Run } from "@paykit/settlement"
 * declare const plan: Run.Plan
 * plan.commands.length
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Plan {
  readonly run: Run
  readonly created: ReadonlyArray<BalanceTransaction.BalanceTransaction>
  readonly updated: ReadonlyArray<BalanceTransaction.BalanceTransaction>
  readonly tranches: ReadonlyArray<Tranche>
  readonly payout: Payout.Payout | undefined
  readonly commands: ReadonlyArray<Command.Command>
}

const movement = (
  source: string,
  type: "reserve_hold" | "reserve_release" | "payout",
  net: bigint,
  input: Input,
  description: string,
  payout?: string
): BalanceTransaction.BalanceTransaction => ({
  id: Transactions.idOf(source),
  merchant: input.merchant,
  currency: input.currency,
  type,
  reportingCategory: type === "payout" ? "payout" : "risk_reserved_funds",
  gross: net,
  fee: 0n,
  feeDetails: [],
  net,
  source,
  createdAt: input.now,
  availableOn: input.cutoff,
  status: "available",
  description,
  dimensions: {},
  ledgerEntries: [source],
  ...(payout === undefined ? {} : { payout })
})

const transfer = (
  id: string,
  from: string,
  to: string,
  amount: bigint,
  currency: string
): Command.Transfer =>
  amount > 0n
    ? { _tag: "Transfer", id, postings: [{ debit: from, credit: to, amount, currency }] }
    : { _tag: "Transfer", id, postings: [{ debit: to, credit: from, amount: -amount, currency }] }

/**
 * Plans one settlement run (pure): (1) every pending transaction due by the cut-off becomes
 * available, its net moved from the pending to the available account in one transfer; (2) the
 * reserve plan holds back its share of the charges among them (one `reserve_hold` and one
 * tranche for the run); (3) tranches due by the cut-off are released (`reserve_release`);
 * (4) when the available balance is then negative, the reserve is drawn on to cover it,
 * earliest-releasing tranche first; (5) the payout decision for the balance: a payout (a ledger
 * hold from the available account to the payout bank — or the other way for a debit) that owns
 * exactly the available transactions no payout owned, with a control total equal to the sum of
 * their net, or the balance carried forward.
 *
 * @example
 * ```ts
 * import { Run } from "@paykit/settlement"
 * declare const input: Run.Input
 * Run.plan(input).run.madeAvailable
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const plan = (input: Input): Plan => {
  const runId = idOf(input.merchant, input.currency, input.cutoff)
  const { pending, available, reserve, bank } = input.accounts
  const cur = input.currency
  const commands: Array<Command.Command> = []
  const created: Array<BalanceTransaction.BalanceTransaction> = []
  const tranches: Array<Tranche> = []
  // 1. due → available
  const madeAvailable = input.due.map((t) => ({ ...t, status: "available" as const }))
  const movedNet = madeAvailable.reduce((s, t) => s + t.net, 0n)
  if (movedNet !== 0n) commands.push(transfer(`${runId}:available`, pending, available, movedNet, cur))
  // 2. the reserve's share of the charges made available
  let held = 0n
  let releaseOn = input.cutoff
  if (input.plan !== undefined)
    for (const t of madeAvailable)
      if (t.type === "charge") {
        const h = ReservePlan.holdFor(input.plan, t.gross, input.cutoff)
        held += h.amount
        releaseOn = h.releaseOn
      }
  if (held > 0n) {
    commands.push(transfer(`${runId}:reserve`, available, reserve, held, cur))
    created.push(movement(`${runId}:reserve`, "reserve_hold", -held, input, "rolling reserve held"))
    tranches.push({
      id: `${runId}:reserve`,
      merchant: input.merchant,
      currency: cur,
      amount: held,
      remaining: held,
      releaseOn
    })
  }
  // 3. tranches due are released
  let released = 0n
  const live = new Map(input.tranches.map((t) => [t.id, t]))
  for (const t of input.tranches)
    if (t.remaining > 0n && t.releaseOn <= input.cutoff) {
      released += t.remaining
      live.set(t.id, { ...t, remaining: 0n })
    }
  if (released > 0n) {
    commands.push(transfer(`${runId}:release`, reserve, available, released, cur))
    created.push(movement(`${runId}:release`, "reserve_release", released, input, "rolling reserve released"))
  }
  // 4. a negative balance draws on the reserve, earliest release first
  const unpaid = [...input.unpaid, ...madeAvailable, ...created]
  let balance = unpaid.reduce((s, t) => s + t.net, 0n)
  if (balance < 0n) {
    let drawn = 0n
    const order = [...live.values()].filter((t) => t.remaining > 0n).sort((a, b) => a.releaseOn - b.releaseOn)
    for (const t of order) {
      if (balance + drawn >= 0n) break
      const take = t.remaining < -(balance + drawn) ? t.remaining : -(balance + drawn)
      drawn += take
      live.set(t.id, { ...t, remaining: t.remaining - take })
    }
    if (drawn > 0n) {
      commands.push(transfer(`${runId}:draw`, reserve, available, drawn, cur))
      const draw = movement(
        `${runId}:draw`,
        "reserve_release",
        drawn,
        input,
        "reserve drawn to cover a negative balance"
      )
      created.push(draw)
      unpaid.push(draw)
      balance += drawn
      released += drawn
    }
  }
  for (const [id, t] of live) if (t !== input.tranches.find((x) => x.id === id)) tranches.push(t)
  // 5. the payout
  const decision = input.decide(balance)
  let payout: Payout.Payout | undefined
  let owned: ReadonlyArray<BalanceTransaction.BalanceTransaction> = []
  if (decision._tag !== "carry" && balance !== 0n) {
    const id = `po:${input.merchant}:${cur}:${input.cutoff}`
    const own = movement(id, "payout", -balance, input, balance > 0n ? "payout" : "debit payout", id)
    owned = unpaid.map((t) => ({ ...t, payout: id }))
    const control = owned.reduce((s, t) => s + t.net, 0n)
    payout = {
      id,
      merchant: input.merchant,
      currency: cur,
      amount: control,
      controlTotal: control,
      transactionCount: owned.length,
      run: runId,
      status: "pending",
      createdAt: input.now,
      updatedAt: input.now,
      version: 0
    }
    created.push(own)
    commands.push(
      balance > 0n
        ? {
            _tag: "CreateHold",
            id: Payout.entryIds(id).hold,
            debit: available,
            credit: bank,
            amount: balance,
            currency: cur
          }
        : {
            _tag: "CreateHold",
            id: Payout.entryIds(id).hold,
            debit: bank,
            credit: available,
            amount: -balance,
            currency: cur
          }
    )
  }
  const ownedIds = new Set(owned.map((t) => t.id))
  const createdIds = new Set(created.map((t) => t.id))
  const updated = [
    ...madeAvailable.filter((t) => !ownedIds.has(t.id)),
    ...owned.filter((t) => !createdIds.has(t.id))
  ]
  const finalCreated = created.map((t) => (ownedIds.has(t.id) ? { ...t, payout: payout!.id } : t))
  return {
    run: {
      id: runId,
      merchant: input.merchant,
      currency: cur,
      cutoff: input.cutoff,
      madeAvailable: madeAvailable.length,
      madeAvailableNet: movedNet,
      reserveHeld: held,
      reserveReleased: released,
      ...(payout === undefined
        ? { carried: decision._tag === "carry" ? decision.reason : "zero" }
        : { payout: payout.id }),
      createdAt: input.now
    },
    created: finalCreated,
    updated,
    tranches,
    payout,
    commands
  }
}
