import { Ids, Money, Notifier } from "@paykit/core"
import { type Command, Ledger, LedgerEvent, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"

const layer = () =>
  Layer.mergeAll(Ledger.layer().pipe(Layer.provideMerge(LedgerStore.layerMemory)), TestClock.layer()).pipe(
    Layer.provideMerge(Notifier.layerMemory),
    Layer.provide(Ids.layerSeeded(1))
  )

type Env =
  | Ledger.Ledger
  | LedgerStore.LedgerStore
  | TestClock.TestClock
  | Notifier.RecordedEvents
  | Notifier.Notifier

const run = <A, E>(effect: Effect.Effect<A, E, Env>): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, layer()) as Effect.Effect<A, E>)

const setup = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  yield* ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
  yield* ledger.createAccount({
    id: "wallet",
    currency: "USD",
    code: "liability.wallet",
    normal: "credit",
    debitsMustNotExceedCredits: true
  })
  yield* ledger.createAccount({
    id: "merchant",
    currency: "USD",
    code: "liability.merchant",
    normal: "credit"
  })
  yield* ledger.createAccount({
    id: "eur_merchant",
    currency: "EUR",
    code: "liability.merchant",
    normal: "credit"
  })
  yield* ledger.createAccount({ id: "fx_usd", currency: "USD", code: "fx.position", normal: "credit" })
  yield* ledger.createAccount({ id: "fx_eur", currency: "EUR", code: "fx.position", normal: "credit" })
  yield* ledger.post({
    id: "fund",
    postings: [{ debit: "cash", credit: "wallet", amount: "10000", currency: "USD" }]
  })
  return ledger
})

const failure = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E, Env>) =>
  Effect.map(Effect.result(effect), (r) => (Result.isFailure(r) ? r.failure : undefined))

describe("Ledger service", () => {
  it("posts an entry, reports balances as Money and emits ledger.entry.posted through the Notifier", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        const recorded = yield* Notifier.RecordedEvents
        yield* recorded.clear
        const entry = yield* ledger.post({
          id: "pay1",
          postings: [{ debit: "wallet", credit: "merchant", amount: "2500", currency: "USD" }],
          description: "order 42",
          metadata: { order: "42" }
        })
        expect(entry.kind).toBe("transfer")
        expect(entry.postings[0]!.amount).toBe(2500n)
        const b = yield* ledger.balances("wallet")
        expect(Money.toDecimalString(b.posted)).toBe("75.00")
        expect(b.available.currency.code).toBe("USD")
        const events = yield* recorded.all
        expect(events.map((e) => [e.type, e.subject])).toEqual([["ledger.entry.posted", "pay1"]])
        expect((events[0]!.data as { postings: Array<{ amount: string }> }).postings[0]!.amount).toBe("2500")
      })
    ))

  it("moves value between currencies only through FX accounts, one posting per currency, in one entry", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        // 10.00 USD from the wallet becomes 9.20 EUR for the merchant: USD leg into the FX desk,
        // EUR leg out of it, atomically
        const fx = yield* ledger.post({
          id: "fx1",
          postings: [
            { debit: "wallet", credit: "fx_usd", amount: "1000", currency: "USD" },
            { debit: "fx_eur", credit: "eur_merchant", amount: "920", currency: "EUR" }
          ]
        })
        expect(fx.postings.map((p) => p.currency)).toEqual(["USD", "EUR"])
        expect((yield* ledger.balances("eur_merchant")).posted.amount).toBe(920n)
        expect((yield* ledger.balances("fx_usd")).posted.amount).toBe(1000n)
        expect((yield* ledger.balances("fx_eur")).posted.amount).toBe(-920n)
        // per currency, debits equal credits
        const store = yield* LedgerStore.LedgerStore
        const dump = yield* store.dump
        for (const cur of ["USD", "EUR"]) {
          const accounts = dump.accounts.filter((a) => a.currency === cur)
          const d = accounts.reduce((s, a) => s + a.debitsPosted, 0n)
          const c = accounts.reduce((s, a) => s + a.creditsPosted, 0n)
          expect(d).toBe(c)
        }
        // a posting straight across currencies is refused
        const mixed = yield* failure(
          ledger.post({
            id: "fx2",
            postings: [{ debit: "wallet", credit: "eur_merchant", amount: "1000", currency: "USD" }]
          })
        )
        expect(mixed?._tag).toBe("PostingCurrencyMismatch")
        expect(mixed?.message).toMatch(/FX accounts/)
      })
    ))

  it("holds expire on the ledger's Clock; post and void after expiry fail with HoldExpired", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        const recorded = yield* Notifier.RecordedEvents
        const hold = yield* ledger.hold({
          id: "auth1",
          debit: "wallet",
          credit: "merchant",
          amount: "4000",
          currency: "USD",
          timeoutMs: 60_000
        })
        expect(hold.expiresAt).toBe(60_000)
        expect((yield* ledger.balances("wallet")).available.amount).toBe(6000n)
        yield* TestClock.adjust(59_999)
        expect(yield* ledger.expireHolds).toEqual([])
        yield* TestClock.adjust(1)
        const expired = yield* ledger.expireHolds
        expect(expired.map((h) => h.id)).toEqual(["auth1"])
        expect((yield* ledger.balances("wallet")).available.amount).toBe(10000n)
        expect((yield* failure(ledger.postHold({ id: "cap1", holdId: "auth1" })))?._tag).toBe("HoldExpired")
        expect((yield* failure(ledger.voidHold({ id: "void1", holdId: "auth1" })))?._tag).toBe("HoldExpired")
        const types = (yield* recorded.all).map((e) => e.type)
        expect(types.filter((t) => t.startsWith("ledger.hold"))).toEqual([
          "ledger.hold.created",
          "ledger.hold.expired"
        ])
      })
    ))

  it("partial capture posts part of a hold and releases the rest; a hold resolves once", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        yield* ledger.hold({
          id: "auth1",
          debit: "wallet",
          credit: "merchant",
          amount: "4000",
          currency: "USD"
        })
        const cap = yield* ledger.postHold({ id: "cap1", holdId: "auth1", amount: "2500" })
        expect(cap).toMatchObject({ kind: "hold_post", holdId: "auth1" })
        const b = yield* ledger.balances("wallet")
        expect([b.posted.amount, b.pending.amount, b.available.amount]).toEqual([7500n, 7500n, 7500n])
        expect(yield* ledger.getHold("auth1")).toMatchObject({
          status: "posted",
          postedAmount: 2500n,
          resolvedBy: "cap1"
        })
        expect((yield* failure(ledger.voidHold({ id: "void1", holdId: "auth1" })))?._tag).toBe(
          "HoldAlreadyResolved"
        )
        // retrying the capture with the same id is a replay, not a second capture
        expect((yield* ledger.postHold({ id: "cap1", holdId: "auth1", amount: "2500" })).id).toBe("cap1")
        expect((yield* ledger.balances("merchant")).posted.amount).toBe(2500n)
      })
    ))

  it("idempotency: a retry returns the original entry without a second effect or event", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        const recorded = yield* Notifier.RecordedEvents
        const input = {
          id: "p1",
          postings: [{ debit: "wallet", credit: "merchant", amount: "100", currency: "USD" }]
        }
        const first = yield* ledger.post(input)
        yield* recorded.clear
        yield* TestClock.adjust(5_000)
        const second = yield* ledger.post(input)
        expect(second).toEqual(first)
        expect(yield* recorded.all).toEqual([])
        expect((yield* ledger.balances("merchant")).posted.amount).toBe(100n)
        const changed = yield* failure(
          ledger.post({ ...input, postings: [{ ...input.postings[0]!, amount: "101" }] })
        )
        expect(changed).toMatchObject({ _tag: "ExistsWithDifferent", id: "p1", field: "postings" })
        expect(changed?.message).toMatch(/retries must repeat the original request/)
      })
    ))

  it("reverses an entry exactly once; the pair nets to zero", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        yield* ledger.post({
          id: "p1",
          postings: [{ debit: "wallet", credit: "merchant", amount: "700", currency: "USD" }]
        })
        const r = yield* ledger.reverse({ id: "r1", entryId: "p1" })
        expect(r).toMatchObject({ kind: "reversal", reverses: "p1" })
        expect((yield* ledger.balances("merchant")).posted.amount).toBe(0n)
        expect((yield* ledger.getEntry("p1")).reversedBy).toBe("r1")
        expect((yield* failure(ledger.reverse({ id: "r2", entryId: "p1" })))?._tag).toBe("AlreadyReversed")
      })
    ))

  it("balance as of a time and a paged statement with the balance after each entry", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        for (let i = 1; i <= 5; i++) {
          yield* TestClock.adjust(1_000)
          yield* ledger.post({
            id: `p${i}`,
            postings: [{ debit: "wallet", credit: "merchant", amount: String(i * 100), currency: "USD" }]
          })
        }
        const asOf = yield* ledger.balanceAsOf({ accountId: "merchant", at: 3_500 })
        expect(asOf.posted.amount).toBe(600n)
        expect(asOf.seq).toBe(3)
        const iso = yield* ledger.balanceAsOf({ accountId: "merchant", at: "1970-01-01T00:00:02.000Z" })
        expect(iso.posted.amount).toBe(300n)
        expect((yield* ledger.balanceAsOf({ accountId: "merchant", at: 999 })).posted.amount).toBe(0n)
        const page1 = yield* ledger.history({ accountId: "merchant", limit: 2 })
        expect(page1.items.map((i) => [i.entry.id, i.balances.posted])).toEqual([
          ["p1", 100n],
          ["p2", 300n]
        ])
        expect(page1.nextAfterSeq).toBe(2)
        const page3 = yield* ledger.history({ accountId: "merchant", limit: 2, afterSeq: 4 })
        expect(page3.items.map((i) => [i.entry.id, i.balances.posted])).toEqual([["p5", 1500n]])
        expect(page3.nextAfterSeq).toBeUndefined()
      })
    ))

  it("executeResults: independent entries apply on their own; linked entries all or nothing", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        const entries = [
          {
            _tag: "Transfer",
            id: "b1",
            postings: [{ debit: "wallet", credit: "merchant", amount: "6000", currency: "USD" }]
          },
          {
            _tag: "Transfer",
            id: "b2",
            postings: [{ debit: "wallet", credit: "merchant", amount: "6000", currency: "USD" }]
          }
        ] as const
        const linked = yield* ledger.executeResults(entries, "linked")
        expect(linked.map((r) => (Result.isSuccess(r) ? "ok" : r.failure._tag))).toEqual([
          "LinkedCommandFailed",
          "ExceedsCredits"
        ])
        expect((yield* ledger.balances("merchant")).posted.amount).toBe(0n)
        const independent = yield* ledger.executeResults(entries)
        expect(independent.map((r) => (Result.isSuccess(r) ? "ok" : r.failure._tag))).toEqual([
          "ok",
          "ExceedsCredits"
        ])
        expect((yield* ledger.balances("merchant")).posted.amount).toBe(6000n)
      })
    ))

  it("executeResults: a generic batch of tagged commands in their JSON form, each decoded with its schema", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        const results = yield* ledger.executeResults(
          [
            {
              _tag: "CreateAccount",
              id: "escrow",
              currency: "USD",
              code: "liability.escrow",
              normal: "credit"
            },
            {
              _tag: "CreateHold",
              id: "h1",
              debit: "wallet",
              credit: "escrow",
              amount: "300",
              currency: "USD"
            },
            { _tag: "PostHold", id: "c1", holdId: "h1" },
            {
              _tag: "Transfer",
              id: "t1",
              postings: [{ debit: "escrow", credit: "merchant", amount: "300", currency: "USD" }]
            }
          ],
          "linked"
        )
        expect(results.map((r) => (Result.isSuccess(r) ? r.success._tag : r.failure._tag))).toEqual([
          "AccountCreated",
          "EntryCreated",
          "EntryCreated",
          "EntryCreated"
        ])
        expect((yield* ledger.balances("merchant")).posted.amount).toBe(300n)
        expect((yield* ledger.balances("escrow")).posted.amount).toBe(0n)
      })
    ))

  it("the typed fast path re-checks command shape", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        const results = yield* ledger.executeResults([
          {
            _tag: "Transfer",
            id: "t1",
            postings: [
              { debit: "wallet", credit: "merchant", amount: 10 as unknown as bigint, currency: "USD" }
            ]
          },
          {
            _tag: "Transfer",
            id: "t2",
            postings: [{ debit: "wallet", credit: "merchant", amount: 10n, currency: "USD" }]
          }
        ])
        expect(results.map((r) => (Result.isSuccess(r) ? "ok" : r.failure._tag))).toEqual([
          "InvalidInput",
          "ok"
        ])
      })
    ))
})

describe("events", () => {
  it("every event the ledger emits decodes with the LedgerEvent schema union (no extra fields)", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        yield* ledger.post({
          id: "p1",
          postings: [{ debit: "wallet", credit: "merchant", amount: "5", currency: "USD" }]
        })
        yield* ledger.reverse({ id: "r1", entryId: "p1" })
        yield* ledger.hold({ id: "h1", debit: "wallet", credit: "merchant", amount: "5", currency: "USD" })
        yield* ledger.postHold({ id: "c1", holdId: "h1", amount: "3" })
        yield* ledger.hold({ id: "h2", debit: "wallet", credit: "merchant", amount: "5", currency: "USD" })
        yield* ledger.voidHold({ id: "v2", holdId: "h2" })
        yield* ledger.hold({
          id: "h3",
          debit: "wallet",
          credit: "merchant",
          amount: "5",
          currency: "USD",
          timeoutMs: 10
        })
        yield* TestClock.adjust(10)
        yield* ledger.expireHolds
        yield* ledger.closeAccount({ accountId: "fx_eur" })
        const events = yield* (yield* Notifier.RecordedEvents).all
        const decode = Schema.decodeUnknownSync(LedgerEvent.LedgerEvent)
        for (const e of events) decode(e, { onExcessProperty: "error" })
        expect(new Set(events.map((e) => e.type))).toEqual(
          new Set([
            "ledger.account.created",
            "ledger.account.closed",
            "ledger.entry.posted",
            "ledger.hold.created",
            "ledger.hold.posted",
            "ledger.hold.voided",
            "ledger.hold.expired"
          ])
        )
        expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
      })
    ))
})

describe("errors: precedence", () => {
  it("reports the first failing check in the documented order", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* setup
        yield* ledger.closeAccount({ accountId: "merchant" })
        const tag = (postings: ReadonlyArray<typeof Command.PostingInput.Encoded>) =>
          Effect.map(failure(ledger.post({ id: "x", postings })), (e) => e?._tag)
        // same account beats unknown account
        expect(
          yield* tag([
            { debit: "ghost", credit: "ghost2", amount: "1", currency: "USD" },
            { debit: "cash", credit: "cash", amount: "1", currency: "USD" }
          ])
        ).toBe("AccountsMustDiffer")
        // unknown account (any posting) beats currency mismatch (earlier posting)
        expect(
          yield* tag([
            { debit: "cash", credit: "eur_merchant", amount: "1", currency: "USD" },
            { debit: "cash", credit: "ghost", amount: "1", currency: "USD" }
          ])
        ).toBe("AccountNotFound")
        // currency mismatch beats closed
        expect(
          yield* tag([
            { debit: "cash", credit: "merchant", amount: "1", currency: "USD" },
            { debit: "cash", credit: "eur_merchant", amount: "1", currency: "USD" }
          ])
        ).toBe("PostingCurrencyMismatch")
        // closed beats limit
        expect(yield* tag([{ debit: "wallet", credit: "merchant", amount: "999999", currency: "USD" }])).toBe(
          "AccountClosed"
        )
        expect(yield* tag([{ debit: "wallet", credit: "cash", amount: "999999", currency: "USD" }])).toBe(
          "ExceedsCredits"
        )
        // idempotency beats state: a replay of an accepted entry succeeds even after the account closed
        yield* ledger.post({
          id: "ok1",
          postings: [{ debit: "wallet", credit: "cash", amount: "1", currency: "USD" }]
        })
        yield* ledger.closeAccount({ accountId: "cash" })
        expect(
          (yield* ledger.post({
            id: "ok1",
            postings: [{ debit: "wallet", credit: "cash", amount: "1", currency: "USD" }]
          })).id
        ).toBe("ok1")
      })
    ))
})

describe("event delivery", () => {
  it("a failed write delivers nothing; a successful one delivers its events once, from the store (a NotifyFailed is logged and the write stands)", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        const recorded = yield* Notifier.RecordedEvents
        yield* ledger.createAccount({ id: "a", currency: "USD", code: "asset", normal: "debit" })
        yield* ledger.createAccount({
          id: "b",
          currency: "USD",
          code: "liability",
          normal: "credit",
          debitsMustNotExceedCredits: true
        })
        yield* recorded.clear
        yield* Effect.flip(
          ledger.post({ id: "e0", postings: [{ debit: "b", credit: "a", amount: "1", currency: "USD" }] })
        )
        expect(yield* recorded.all).toEqual([])
        yield* ledger.post({
          id: "e1",
          postings: [{ debit: "a", credit: "b", amount: "1", currency: "USD" }]
        })
        expect((yield* recorded.all).map((e) => [e.type, e.subject])).toEqual([["ledger.entry.posted", "e1"]])
      }).pipe(
        Effect.provide(
          Ledger.layer().pipe(
            Layer.provideMerge(LedgerStore.layerMemory),
            Layer.provideMerge(Notifier.layerMemory),
            Layer.provide(Ids.layerSeeded(3))
          )
        )
      )
    ))

  it("a Notifier that fails does not fail or undo the write", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        const store = yield* LedgerStore.LedgerStore
        yield* ledger.createAccount({ id: "a", currency: "USD", code: "asset", normal: "debit" })
        yield* ledger.createAccount({ id: "b", currency: "USD", code: "liability", normal: "credit" })
        const entry = yield* ledger.post({
          id: "e1",
          postings: [{ debit: "a", credit: "b", amount: "1", currency: "USD" }]
        })
        expect(entry.id).toBe("e1")
        expect((yield* store.dump).entries.map((e) => e.id)).toContain("e1")
      }).pipe(
        Effect.provide(
          Ledger.layer().pipe(
            Layer.provideMerge(LedgerStore.layerMemory),
            Layer.provide(
              Layer.succeed(
                Notifier.Notifier,
                Notifier.Notifier.of({
                  notify: () => Effect.fail(new Notifier.NotifyFailed({ reason: "down" }))
                })
              )
            ),
            Layer.provide(Ids.layerSeeded(3))
          )
        )
      )
    ))
})
