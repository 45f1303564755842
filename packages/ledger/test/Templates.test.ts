import { fc, test } from "@fast-check/vitest"
import { Currency, Ids, Money, Notifier } from "@paykit/core"
import {
  ChartOfAccounts,
  type Command,
  Ledger,
  type LedgerCore,
  LedgerStore,
  Templates
} from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect } from "vitest"

// The contract of the posting templates: for random parameters, every template's commands balance
// per currency, post on a funded book, and replaying them changes nothing (each result replayed).

type Env = Ledger.Ledger | LedgerStore.LedgerStore | TestClock.TestClock

const book = () =>
  Layer.mergeAll(Ledger.layer().pipe(Layer.provideMerge(LedgerStore.layerMemory)), TestClock.layer()).pipe(
    Layer.provide([Notifier.layerMemory, Ids.layerSeeded(7)])
  )

const run = <A, E>(effect: Effect.Effect<A, E, Env>): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, book()) as Effect.Effect<A, E>)

const ok = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r))
    throw new Error(`expected a success, got ${String((r.failure as { _tag?: string })._tag)}`)
  return r.success
}

/** A template's commands, built twice to show the template is a pure function of its step. */
const build = (template: () => Templates.Posted): ReadonlyArray<Command.Command> => {
  const commands = ok(template())
  expect(ok(template())).toEqual(commands)
  return commands
}

const outcome = (r: Result.Result<LedgerCore.Success, LedgerCore.CommandError>): string =>
  Result.isFailure(r)
    ? r.failure._tag
    : r.success._tag === "AccountClosed"
      ? "closed"
      : r.success.replayed
        ? "replayed"
        : "applied"

/**
 * The commands balance per currency: the debits and the credits they make, each counted in the
 * currency of the account it lands on, are equal for every currency (so a posting's accounts share
 * its currency, and nothing is converted outside the FX positions).
 */
const expectBalancedPerCurrency = (
  commands: ReadonlyArray<Command.Command>,
  currencyOf: ReadonlyMap<string, string>
) => {
  const debits = new Map<string, bigint>()
  const credits = new Map<string, bigint>()
  const add = (m: Map<string, bigint>, account: string, amount: bigint) => {
    const c = currencyOf.get(account) ?? `unknown account ${account}`
    m.set(c, (m.get(c) ?? 0n) + amount)
  }
  const move = (debit: string, credit: string, amount: bigint, currency: string) => {
    expect(amount > 0n).toBe(true)
    expect(currencyOf.get(debit)).toBe(currency)
    add(debits, debit, amount)
    add(credits, credit, amount)
  }
  for (const c of commands) {
    if (c._tag === "Transfer") for (const p of c.postings) move(p.debit, p.credit, p.amount, p.currency)
    if (c._tag === "CreateHold") move(c.debit, c.credit, c.amount, c.currency)
  }
  expect(debits).toEqual(credits)
}

/** The books: per currency, debits equal credits, posted and pending separately. */
const expectBooksBalance = (dump: LedgerStore.Dump) => {
  const sums = new Map<string, [bigint, bigint, bigint, bigint]>()
  for (const a of dump.accounts) {
    const s = sums.get(a.currency) ?? [0n, 0n, 0n, 0n]
    sums.set(a.currency, [
      s[0] + a.debitsPosted,
      s[1] + a.creditsPosted,
      s[2] + a.debitsPending,
      s[3] + a.creditsPending
    ])
  }
  for (const [, [dP, cP, dQ, cQ]] of sums) expect([dP, dQ]).toEqual([cP, cQ])
  const currencyOf = new Map(dump.accounts.map((a) => [a.id, a.currency]))
  for (const e of dump.entries)
    for (const p of e.postings)
      expect([currencyOf.get(p.debit), currencyOf.get(p.credit)]).toEqual([p.currency, p.currency])
}

/** Posts one step's commands as a linked batch; all apply; sent again, all replay and the store is unchanged. */
const postAndReplay = (commands: ReadonlyArray<Command.Command>) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const store = yield* LedgerStore.LedgerStore
    expect((yield* ledger.executeResults(commands, "linked")).map(outcome)).toEqual(
      commands.map(() => "applied")
    )
    const before = yield* store.dump
    expectBooksBalance(before)
    expect((yield* ledger.executeResults(commands, "linked")).map(outcome)).toEqual(
      commands.map(() => "replayed")
    )
    expect(yield* store.dump).toEqual(before)
  })

const CURRENCIES = ["USD", "EUR", "GBP", "JPY", "KWD", "CHF"]
const ownerId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/)
const amount = fc.bigInt({ min: 1n, max: 10n ** 15n })
const mille = (min: number, max: number) => fc.integer({ min, max })

const scenario = fc.record({
  pair: fc.uniqueArray(fc.constantFrom(...CURRENCIES), { minLength: 2, maxLength: 2 }),
  customer: ownerId,
  merchant: ownerId,
  scheme: ownerId,
  bank: ownerId,
  domainId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/),
  paid: amount,
  received: amount,
  fxFee: fc.bigInt({ min: 0n, max: 10n ** 9n }),
  gross: amount,
  fees: fc.tuple(mille(0, 300), mille(0, 300), mille(0, 300)),
  authorized: amount,
  captured: mille(1, 1000),
  voided: amount,
  settled: mille(1, 1000),
  reserved: mille(1, 1000),
  refunded: mille(1, 1000),
  correctedPaid: amount,
  correctedReceived: amount
})

const share = (of: bigint, perMille: number): bigint => {
  const s = (of * BigInt(perMille)) / 1000n
  return s > 0n ? s : 1n
}

describe("posting templates: the contract", () => {
  test.prop([scenario], { numRuns: 60 })(
    "every template's commands balance per currency, post on a funded book, and replay changing nothing",
    (p) =>
      run(
        Effect.gen(function* () {
          const ledger = yield* Ledger.Ledger
          const store = yield* LedgerStore.LedgerStore
          const [a, b] = p.pair.map((code) => ok(Currency.fromCode(code))) as [
            Currency.Currency,
            Currency.Currency
          ]
          const inA = (n: bigint) => Money.fromMinorUnsafe(n, a)
          const inB = (n: bigint) => Money.fromMinorUnsafe(n, b)
          const chartIn = (c: Currency.Currency) => ({
            wallet: ok(ChartOfAccounts.customerWallet(p.customer, c)),
            ...ok(ChartOfAccounts.merchantAccounts(p.merchant, c)),
            fees: ok(ChartOfAccounts.feeRevenue(c)),
            scheme: ok(ChartOfAccounts.schemeFeesPayable(p.scheme, c)),
            interchange: ok(ChartOfAccounts.interchangePayable(p.scheme, c)),
            bank: ok(ChartOfAccounts.settlementBank(p.bank, c)),
            fx: ok(ChartOfAccounts.fxPosition(c))
          })
          const A = chartIn(a)
          const B = chartIn(b)
          const refs = [...Object.values(A), ...Object.values(B)]
          const currencyOf = new Map(refs.map((r) => [r.id, r.currency.code]))
          const opening = refs.map(ChartOfAccounts.open)
          expect((yield* ledger.executeResults(opening)).map(outcome)).toEqual(opening.map(() => "applied"))

          const d = p.domainId
          const fees1 = p.fees.map((m) => (p.gross * BigInt(m)) / 1000n)
          const captured = share(p.authorized, p.captured)
          const fees2 = p.fees.map((m) => (captured * BigInt(m)) / 1000n)
          const feeLines = (amounts: ReadonlyArray<bigint>) =>
            [A.interchange, A.scheme, A.fees].map((to, i) => ({ to, amount: inA(amounts[i]!) }))
          const pendingA =
            p.gross - fees1.reduce((s, f) => s + f, 0n) + captured - fees2.reduce((s, f) => s + f, 0n)
          const settled = share(pendingA - 1n, p.settled) // leaves at least 1 in pending
          const reserved = share(pendingA - settled, p.reserved)
          const refunded = share(settled, p.refunded)
          const funding = p.paid + p.fxFee + p.gross + p.authorized + p.voided + p.correctedPaid

          const steps: ReadonlyArray<() => Templates.Posted> = [
            () =>
              Templates.topUp({ topUpId: `${d}-t`, bank: A.bank, wallet: A.wallet, amount: inA(funding) }),
            () =>
              Templates.fxPayment({
                paymentId: `${d}-x`,
                customer: A.wallet,
                merchant: B.pending,
                paid: inA(p.paid),
                received: inB(p.received),
                fee: { to: A.fees, amount: inA(p.fxFee) }
              }),
            () =>
              Templates.captureWithFees({
                paymentId: `${d}-c`,
                payer: A.wallet,
                merchant: A.pending,
                gross: inA(p.gross),
                fees: feeLines(fees1)
              }),
            () =>
              Templates.authorize({
                paymentId: `${d}-h`,
                customer: A.wallet,
                merchant: A.pending,
                amount: inA(p.authorized),
                timeoutMs: 600_000
              }),
            () =>
              Templates.captureAuthorization({
                paymentId: `${d}-h`,
                merchant: A.pending,
                authorized: inA(p.authorized),
                captured: inA(captured),
                fees: feeLines(fees2)
              }),
            () =>
              Templates.authorize({
                paymentId: `${d}-v`,
                customer: A.wallet,
                merchant: A.pending,
                amount: inA(p.voided)
              }),
            () => Templates.voidAuthorization({ paymentId: `${d}-v` }),
            () =>
              Templates.settle({
                settlementId: `${d}-s`,
                pending: A.pending,
                available: A.available,
                amount: inA(settled)
              }),
            () =>
              Templates.holdReserve({
                reserveId: `${d}-r`,
                from: A.pending,
                reserve: A.reserve,
                amount: inA(reserved)
              }),
            () =>
              Templates.releaseReserve({
                reserveId: `${d}-r`,
                reserve: A.reserve,
                to: A.available,
                amount: inA(reserved)
              }),
            () =>
              Templates.refundAfterSettlement({
                refundId: `${d}-f`,
                merchant: A.available,
                to: A.wallet,
                amount: inA(refunded)
              }),
            () =>
              Templates.correctEntry({
                correctionId: `${d}-k`,
                entryId: `${d}-x:fx`,
                corrected: [
                  { debit: A.wallet, credit: A.fx, amount: inA(p.correctedPaid) },
                  { debit: B.fx, credit: B.pending, amount: inB(p.correctedReceived) }
                ]
              })
          ]
          const posted: Array<ReadonlyArray<Command.Command>> = []
          for (const step of steps) {
            const commands = build(step)
            expectBalancedPerCurrency(commands, currencyOf)
            yield* postAndReplay(commands)
            posted.push(commands)
          }

          // the FX entry moved exactly the two amounts through the two positions, one posting per currency
          const fx = yield* ledger.getEntry(`${d}-x:fx`)
          expect(fx.postings.slice(0, 2).map((q) => [q.debit, q.credit, q.amount, q.currency])).toEqual([
            [A.wallet.id, A.fx.id, p.paid, a.code],
            [B.fx.id, B.pending.id, p.received, b.code]
          ])
          // the partial capture released the rest of the hold; the void released all of its hold
          expect((yield* ledger.getHold(`${d}-h:authorize`)).status).toBe("posted")
          expect((yield* ledger.getHold(`${d}-v:authorize`)).status).toBe("voided")
          expect((yield* ledger.balances(A.wallet.id)).available.amount).toBe(
            funding - p.gross - captured - p.correctedPaid + refunded
          )
          expect((yield* ledger.balances(B.pending.id)).posted.amount).toBe(p.correctedReceived)

          // a retry of every step, in order, long after: each command replays, nothing changes
          const before = yield* store.dump
          for (const commands of [opening, ...posted]) {
            const summary = yield* ledger.executeSummary(commands, "linked")
            expect(summary).toEqual({ applied: 0, replayed: commands.length, failures: [] })
          }
          expect(yield* store.dump).toEqual(before)
        })
      )
  )

  test.prop([scenario], { numRuns: 50 })("ids are the domain id and the step: `<domainId>:<step>`", (p) => {
    const wallet = ok(ChartOfAccounts.customerWallet(p.customer, "USD"))
    const pending = ok(ChartOfAccounts.merchantPending(p.merchant, "USD"))
    const usd = (n: bigint) => Money.fromMinorUnsafe(n, Currency.USD)
    const ids = (r: Templates.Posted) => ok(r).map((c) => ("id" in c ? c.id : ""))
    const d = p.domainId
    expect(
      ids(Templates.authorize({ paymentId: d, customer: wallet, merchant: pending, amount: usd(p.gross) }))
    ).toEqual([`${d}:authorize`])
    const capture = ok(
      Templates.captureAuthorization({
        paymentId: d,
        merchant: pending,
        authorized: usd(p.gross),
        captured: usd(p.gross),
        fees: [{ to: ok(ChartOfAccounts.feeRevenue("USD")), amount: usd(1n) }]
      })
    )
    expect(capture.map((c) => ("id" in c ? c.id : ""))).toEqual([`${d}:capture`, `${d}:capture:fees`])
    expect(capture[0]).toMatchObject({ _tag: "PostHold", holdId: `${d}:authorize` })
    expect(ids(Templates.voidAuthorization({ paymentId: d }))).toEqual([`${d}:void`])
    expect(ok(Templates.stepId(d, "capture"))).toBe(`${d}:capture`)
  })
})
