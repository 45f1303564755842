import { fc, test } from "@fast-check/vitest"
import { Currency, Ids, Notifier } from "@paykit/core"
import { Account, ChartOfAccounts, type Command, Ledger, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { checkShape } from "../src/internal/core/shape.ts"

const ok = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r))
    throw new Error(`expected a success, got ${String((r.failure as { _tag?: string })._tag)}`)
  return r.success
}

const tagOf = (r: Result.Result<unknown, { readonly _tag: string }>): string =>
  Result.isFailure(r) ? r.failure._tag : "ok"

const ownerId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/)
const currency = fc.oneof(
  fc.constantFrom("USD", "EUR", "JPY", "KWD", "CLF", "XAU"),
  fc.constantFrom(
    Currency.POINTS,
    ok(Currency.custom({ code: "TOKEN_8DEC_X", exponent: 8, name: "a token" }))
  )
)
const isLedgerId = Schema.is(Account.Id)

describe("ChartOfAccounts", () => {
  test.prop([fc.constantFrom(...ChartOfAccounts.KINDS), ownerId, currency], { numRuns: 100 })(
    "every id it builds passes the ledger's id rule, reads back with parse, and opens with a well-formed CreateAccount",
    (kind, owner, cur) => {
      const ref = ok(ChartOfAccounts.account(kind, owner, cur))
      expect(isLedgerId(ref.id)).toBe(true)
      const code = typeof cur === "string" ? cur : cur.code
      const spec = ChartOfAccounts.SPECS[kind]
      expect(ChartOfAccounts.parse(ref.id)).toEqual(
        spec.owned ? { kind, owner, currency: code } : { kind, currency: code }
      )
      const open = ChartOfAccounts.open(ref)
      expect(checkShape(open, "c")).toBeUndefined()
      expect([open.code, open.normal, open.debitsMustNotExceedCredits ?? false]).toEqual([
        spec.code,
        spec.normal,
        spec.debitsMustNotExceedCredits
      ])
    }
  )

  test.prop([fc.uniqueArray(ownerId, { minLength: 2, maxLength: 4 }), fc.constantFrom("USD", "EUR")], {
    numRuns: 50
  })("ids are unambiguous: different kinds, owners or currencies never share an id", (owners, other) => {
    const ids = new Set<string>()
    let expected = 0
    for (const kind of ChartOfAccounts.KINDS)
      for (const cur of ["GBP", other]) {
        const distinctOwners = ChartOfAccounts.SPECS[kind].owned ? owners : owners.slice(0, 1)
        for (const owner of distinctOwners) ids.add(ok(ChartOfAccounts.account(kind, owner, cur)).id)
        expected += distinctOwners.length
      }
    expect(ids.size).toBe(expected)
  })

  it("names accounts as documented", () => {
    expect(ok(ChartOfAccounts.customerWallet("c_1", "EUR")).id).toBe("customer:c_1:wallet:EUR")
    expect(ok(ChartOfAccounts.merchantPending("m-42", "USD")).id).toBe("merchant:m-42:pending:USD")
    expect(ok(ChartOfAccounts.merchantAvailable("m-42", "USD")).id).toBe("merchant:m-42:available:USD")
    expect(ok(ChartOfAccounts.merchantReserve("m-42", "USD")).id).toBe("merchant:m-42:reserve:USD")
    expect(ok(ChartOfAccounts.feeRevenue(Currency.JPY)).id).toBe("platform:fees:JPY")
    expect(ok(ChartOfAccounts.schemeFeesPayable("visa", "USD")).id).toBe("scheme:visa:fees:USD")
    expect(ok(ChartOfAccounts.interchangePayable("visa", "USD")).id).toBe("scheme:visa:interchange:USD")
    expect(ok(ChartOfAccounts.settlementBank("jpm", "USD")).id).toBe("bank:jpm:clearing:USD")
    expect(ok(ChartOfAccounts.fxPosition(Currency.POINTS)).id).toBe("fx:position:POINTS")
    // the longest owner id and currency code still give an id of at most 64 characters
    const longest = ok(
      ChartOfAccounts.interchangePayable(
        "x".repeat(32),
        ok(Currency.custom({ code: "ABCDEFGHIJKL", exponent: 0, name: "l" }))
      )
    )
    expect(longest.id.length).toBe(64)
    expect(isLedgerId(longest.id)).toBe(true)
    expect(ChartOfAccounts.parse("merchant:a:b:pending:USD")).toBeUndefined()
    expect(ChartOfAccounts.parse("cash")).toBeUndefined()
  })

  it("opens accounts with the right normal side and limits: a wallet cannot be overdrawn, a merchant's available balance can go negative", async () => {
    const layer = Ledger.layer().pipe(
      Layer.provideMerge(LedgerStore.layerMemory),
      Layer.provide([Notifier.layerMemory, Ids.layerSeeded(3)])
    )
    const wallet = ok(ChartOfAccounts.customerWallet("c1", "USD"))
    const m = ok(ChartOfAccounts.merchantAccounts("m1", "USD"))
    const bank = ok(ChartOfAccounts.settlementBank("b1", "USD"))
    const transfer = (id: string, debit: string, credit: string, amount: bigint): Command.Command => ({
      _tag: "Transfer",
      id,
      postings: [{ debit, credit, amount, currency: "USD" }]
    })
    const tags = await Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        const opening = [wallet, m.pending, m.available, m.reserve, bank].map(ChartOfAccounts.open)
        yield* ledger.executeResults(opening)
        const again = yield* ledger.executeResults(opening)
        expect(
          again.every((r) => Result.isSuccess(r) && r.success._tag === "AccountCreated" && r.success.replayed)
        ).toBe(true)
        expect((yield* ledger.getAccount(bank.id)).normal).toBe("debit")
        expect((yield* ledger.getAccount(wallet.id)).ownerRef).toBe("customer:c1")
        const results = yield* ledger.executeResults([
          transfer("t1", wallet.id, m.pending.id, 1n), // an empty wallet
          transfer("t2", m.reserve.id, m.available.id, 1n), // an empty reserve
          transfer("t3", m.pending.id, m.available.id, 1n), // nothing pending
          transfer("t4", m.available.id, wallet.id, 100n) // a refund beyond the merchant's balance
        ])
        expect((yield* ledger.balances(m.available.id)).posted.amount).toBe(-100n)
        return results.map(tagOf)
      }).pipe(Effect.provide(layer))
    )
    expect(tags).toEqual(["ExceedsCredits", "ExceedsCredits", "ExceedsCredits", "ok"])
  })

  it("hostile owner ids and currencies get a typed error, never a throw", () => {
    const cases: ReadonlyArray<readonly [unknown, unknown, string]> = [
      ["", "USD", "InvalidOwnerId"],
      ["a:b", "USD", "InvalidOwnerId"],
      ["x".repeat(33), "USD", "InvalidOwnerId"],
      ["a b", "USD", "InvalidOwnerId"],
      ["-a", "USD", "InvalidOwnerId"],
      ["a~b", "USD", "InvalidOwnerId"],
      ["é", "USD", "InvalidOwnerId"],
      [null, "USD", "InvalidOwnerId"],
      [42, "USD", "InvalidOwnerId"],
      [undefined, "USD", "InvalidOwnerId"],
      ["ok", "usd", "UnknownCurrency"],
      ["ok", "ABC", "UnknownCurrency"],
      ["ok", "", "UnknownCurrency"],
      ["ok", null, "UnknownCurrency"],
      ["ok", 840, "UnknownCurrency"],
      ["ok", { code: "usd", exponent: 2, name: "x" }, "UnknownCurrency"],
      ["ok", { code: "USD", exponent: -1, name: "x" }, "UnknownCurrency"],
      [
        "ok",
        new Proxy(
          {},
          {
            get: () => {
              throw new Error("boom")
            }
          }
        ),
        "InvalidInput"
      ]
    ]
    for (const [owner, cur, tag] of cases) {
      const r = ChartOfAccounts.merchantAvailable(owner as string, cur as string)
      expect([owner, tagOf(r)]).toEqual([owner, tag])
      if (Result.isFailure(r)) expect(r.failure.message.length).toBeGreaterThan(0)
    }
    expect(tagOf(ChartOfAccounts.account("nonsense" as ChartOfAccounts.Kind, "a", "USD"))).toBe(
      "InvalidInput"
    )
    expect(tagOf(ChartOfAccounts.account("toString" as ChartOfAccounts.Kind, "a", "USD"))).toBe(
      "InvalidInput"
    )
    // the platform's own accounts take no owner, so a bad one does not matter there
    expect(ok(ChartOfAccounts.account("feeRevenue", "a:b", "USD")).id).toBe("platform:fees:USD")
  })

  test.prop([fc.constantFrom(...ChartOfAccounts.KINDS), fc.anything(), fc.anything()], { numRuns: 100 })(
    "any value as owner or currency: a typed error or an account, never a throw",
    (kind, owner, cur) => {
      const r = ChartOfAccounts.account(kind, owner as string, cur as string)
      if (Result.isFailure(r))
        expect(["InvalidOwnerId", "UnknownCurrency", "InvalidInput"]).toContain(r.failure._tag)
      else expect(isLedgerId(r.success.id)).toBe(true)
    }
  )
})
