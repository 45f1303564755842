/**
 * The ledger part of the demo: a day of a payment platform on embedded PGlite (no server, no
 * setup). Opens books for merchants and customers, posts top-ups, authorisations (holds),
 * captures, voids, fees, refunds and chargeback reversals in batches, verifies that the books
 * balance, and prints balances, throughput and a summary.
 */
import { Currency, type DomainEvent, Ids, Money, Notifier } from "@paykit/core"
import { type Command, Ledger, type LedgerCore } from "@paykit/ledger"
import { Outbox } from "@paykit/store-postgres"
import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
import { Effect, Layer, Ref, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

const MERCHANTS = 300
const CUSTOMERS = 3000
const BATCH = 1000

/** mulberry32, so every run posts the same day. */
const rng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const line = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`)
const int = (n: number) => n.toLocaleString("en-US")

/** Customers and merchants whose index is a multiple of 10 use EUR, the rest USD. */
const currencyOf = (i: number) => (i % 10 === 0 ? "EUR" : "USD")
const wallet = (i: number) => `wallet:${i}`
const merchant = (i: number) => `merchant:${i}`
const cash = (cur: string) => `cash:${cur}`
const fees = (cur: string) => `revenue:fees:${cur}`

let lastPrinted = 0
const progress = (done: number, total: number, started: number) => {
  if (!process.stdout.isTTY) {
    // a log, not a terminal: one line per ~5,000 commands
    if (done - lastPrinted < 5_000 && done < total) return
    lastPrinted = done
    const rate = done / ((performance.now() - started) / 1000)
    console.log(`  posted ${int(done)} / ${int(total)} commands  ${int(Math.round(rate))}/s`)
    return
  }
  const width = 30
  const filled = Math.round((done / total) * width)
  const rate = done / ((performance.now() - started) / 1000)
  process.stdout.write(
    `\r  posting ▕${"█".repeat(filled)}${" ".repeat(width - filled)}▏ ${int(done).padStart(6)} / ${int(total)} commands  ${int(Math.round(rate))}/s `
  )
}

const program = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  const sql = yield* SqlClient.SqlClient
  const random = rng(20261123)
  const pick = (n: number) => Math.floor(random() * n)

  // the day's work, phase by phase (later phases depend on what earlier ones decided)
  const total = { commands: 0, ok: 0, refused: 0, replayed: 0 }
  const kinds = new Map<string, number>()
  let started = performance.now()
  let planned = 0

  const run = (commands: ReadonlyArray<Command.Command>) =>
    Effect.gen(function* () {
      const results: Array<Result.Result<LedgerCore.Success, unknown>> = []
      for (let i = 0; i < commands.length; i += BATCH) {
        const chunk = commands.slice(i, i + BATCH)
        const out = yield* ledger.executeResults(chunk, "independent")
        for (const r of out) {
          results.push(r)
          if (Result.isSuccess(r)) {
            total.ok++
            if (r.success._tag === "EntryCreated" && r.success.replayed) total.replayed++
          } else total.refused++
        }
        total.commands += chunk.length
        progress(total.commands, planned, started)
      }
      return results
    })

  // 1. open the books
  const currencies = ["USD", "EUR"]
  const opening: Array<Command.Command> = [
    ...currencies.flatMap(
      (cur): Array<Command.Command> => [
        { _tag: "CreateAccount", id: cash(cur), currency: cur, code: "asset.cash", normal: "debit" },
        { _tag: "CreateAccount", id: fees(cur), currency: cur, code: "revenue.fees", normal: "credit" }
      ]
    ),
    ...Array.from(
      { length: MERCHANTS },
      (_, i): Command.Command => ({
        _tag: "CreateAccount",
        id: merchant(i),
        currency: currencyOf(i),
        code: "liability.merchant",
        normal: "credit",
        debitsMustNotExceedCredits: true
      })
    ),
    ...Array.from(
      { length: CUSTOMERS },
      (_, i): Command.Command => ({
        _tag: "CreateAccount",
        id: wallet(i),
        currency: currencyOf(i),
        code: "liability.wallet",
        normal: "credit",
        debitsMustNotExceedCredits: true
      })
    )
  ]
  // a rough plan for the progress bar: opening, top-ups, authorisations, their resolution,
  // fees, refunds, reversals
  planned = opening.length + CUSTOMERS + 3 * CUSTOMERS + 3 * CUSTOMERS + 2_400 + 1_000 + 200 + 1_000
  started = performance.now()
  yield* run(opening)

  // 2. morning top-ups: every customer loads 20.00 to 500.00 onto their wallet
  const topups = Array.from({ length: CUSTOMERS }, (_, i): Command.Command => {
    const cur = currencyOf(i)
    return {
      _tag: "Transfer",
      id: `topup:${i}`,
      postings: [
        { debit: cash(cur), credit: wallet(i), amount: BigInt(2_000 + pick(48_000)), currency: cur }
      ],
      metadata: { channel: random() < 0.5 ? "card" : "bank" }
    }
  })
  yield* run(topups)

  // 3. authorisations: three purchases per customer on average, held until captured or voided
  const auths: Array<{ id: string; customer: number; merchant: number; amount: bigint; currency: string }> =
    []
  const authCommands: Array<Command.Command> = []
  for (let k = 0; k < 3 * CUSTOMERS; k++) {
    const c = pick(CUSTOMERS)
    const cur = currencyOf(c)
    // merchants in the customer's currency
    const m = cur === "EUR" ? 10 * pick(MERCHANTS / 10) : 1 + 10 * pick(MERCHANTS / 10) + pick(9)
    const amount = BigInt(199 + pick(14_800))
    const id = `auth:${k}`
    auths.push({ id, customer: c, merchant: m, amount, currency: cur })
    authCommands.push({
      _tag: "CreateHold",
      id,
      debit: wallet(c),
      credit: merchant(m),
      amount,
      currency: cur,
      timeoutMs: random() < 0.04 ? 1 : 24 * 3_600_000
    })
  }
  const authResults = yield* run(authCommands)
  const held = auths.filter((_, i) => Result.isSuccess(authResults[i]!))

  // 4. resolution: 80 % captured (a tenth of them partially), 15 % voided, the rest abandoned
  //    (a few of those were given a 1 ms timeout and expire at the next write)
  const captured: typeof held = []
  const resolve: Array<Command.Command> = []
  for (const a of held) {
    const r = random()
    if (r < 0.8) {
      const partial = random() < 0.1
      const amount = partial ? (a.amount * 7n) / 10n : a.amount
      captured.push({ ...a, amount })
      resolve.push({ _tag: "PostHold", id: `capture:${a.id}`, holdId: a.id, ...(partial ? { amount } : {}) })
    } else if (r < 0.95) {
      resolve.push({ _tag: "VoidHold", id: `void:${a.id}`, holdId: a.id })
    }
  }
  yield* run(resolve)

  // 5. fees: 2.9 % + 0.30 of every capture, from the merchant to fee revenue
  const feeCommands: Array<Command.Command> = []
  for (const [i, c] of captured.entries()) {
    const fee = (c.amount * 29n) / 1000n + 30n
    if (fee >= c.amount) continue
    feeCommands.push({
      _tag: "Transfer",
      id: `fee:${i}`,
      postings: [{ debit: merchant(c.merchant), credit: fees(c.currency), amount: fee, currency: c.currency }]
    })
  }
  const feeResults = yield* run(feeCommands)

  // 6. refunds: one capture in ten is refunded in full, from the merchant back to the customer
  //    (refused when the merchant's balance cannot cover it — debitsMustNotExceedCredits)
  const refunds = captured
    .filter(() => random() < 0.1)
    .map(
      (c, i): Command.Command => ({
        _tag: "Transfer",
        id: `refund:${i}`,
        postings: [
          {
            debit: merchant(c.merchant),
            credit: wallet(c.customer),
            amount: c.amount / 2n,
            currency: c.currency
          }
        ]
      })
    )
  yield* run(refunds)

  // 7. chargebacks: a few fees are reversed (the exact negation, linked to the original)
  const reversals: Array<Command.Command> = []
  feeResults.forEach((r, i) => {
    if (Result.isSuccess(r) && r.success._tag === "EntryCreated" && random() < 0.03) {
      reversals.push({ _tag: "Reverse", id: `chargeback:${i}`, entryId: r.success.entry.id })
    }
  })
  yield* run(reversals)

  // 8. a client that timed out resends its first 1,000 top-ups: replayed, nothing moves twice
  yield* run(topups.slice(0, 1000))
  const elapsed = (performance.now() - started) / 1000
  progress(total.commands, total.commands, started)
  process.stdout.write("\n")

  // verify: the books balance per currency (posted and pending), no limit is exceeded
  const sums = yield* sql<{
    currency: string
    dp: string
    cp: string
    dq: string
    cq: string
    over: number
  }>`SELECT currency, sum(debits_posted)::text AS dp, sum(credits_posted)::text AS cp,
      sum(debits_pending)::text AS dq, sum(credits_pending)::text AS cq,
      count(*) FILTER (WHERE debits_must_not_exceed_credits AND debits_posted + debits_pending > credits_posted)::int AS over
    FROM paykit_ledger_accounts GROUP BY currency ORDER BY currency`
  let balanced = true
  for (const s of sums) balanced &&= s.dp === s.cp && s.dq === s.cq && Number(s.over) === 0
  const byKind = yield* sql<{
    kind: string
    n: number
  }>`SELECT kind, count(*)::int AS n FROM paykit_ledger_entries
    GROUP BY kind ORDER BY count(*) DESC`
  for (const k of byKind) kinds.set(k.kind, Number(k.n))
  const [counts] = yield* sql<{ entries: number; lines: number; pending: number }>`SELECT
      (SELECT count(*)::int FROM paykit_ledger_entries) AS entries,
      (SELECT count(*)::int FROM paykit_ledger_account_lines) AS lines,
      (SELECT count(*)::int FROM paykit_ledger_holds WHERE status = 'pending') AS pending`
  return { total, kinds, elapsed, sums, balanced, counts: counts!, ledger }
})

const fmt = (minor: bigint, code: string) =>
  Money.format(Money.fromMinorUnsafe(minor, Currency.isoUnsafe(code)), "en-US")

export const runLedgerDemo = Effect.gen(function* () {
  console.log("\n== @paykit/ledger on @paykit/store-postgres (embedded PGlite) ==")
  const openedAt = performance.now()
  const delivered = yield* Ref.make(0)
  const relayed = Layer.succeed(Notifier.Notifier, {
    notify: (events: ReadonlyArray<DomainEvent.DomainEvent>) =>
      Ref.update(delivered, (n) => n + events.length)
  })
  // explicit embedded mode: PGlite in memory, whatever DATABASE_URL says
  const store = LedgerStorePostgres.layer({})
  const services = Ledger.layer().pipe(
    Layer.provideMerge(store),
    Layer.provide([Notifier.layerNoop, Ids.layerSeeded(2026)])
  )
  yield* Effect.gen(function* () {
    line("opened PGlite and migrated", `${((performance.now() - openedAt) / 1000).toFixed(1)} s`)
    const r = yield* program
    const { total, kinds, elapsed, sums, balanced, counts, ledger } = r
    line(
      "commands",
      `${int(total.commands)} (${int(total.ok - total.replayed)} applied, ${int(total.replayed)} idempotent replays, ${int(total.refused)} refused by limits)`
    )
    line("entries written", `${int(counts.entries)} (${int(counts.lines)} balance lines)`)
    for (const [kind, n] of kinds) line(`  ${kind}`, int(n))
    line("holds still pending", int(counts.pending))
    line("throughput", `${int(Math.round(total.commands / elapsed))} commands/s over ${elapsed.toFixed(1)} s`)
    for (const s of sums) {
      line(
        `books ${s.currency}: debits = credits`,
        `${fmt(BigInt(s.dp), s.currency)} = ${fmt(BigInt(s.cp), s.currency)}`
      )
    }
    line("books balance, no limit exceeded", balanced ? "yes" : "NO")
    if (!balanced) return yield* Effect.die(new Error("the books do not balance"))
    for (const id of [fees("USD"), fees("EUR"), "merchant:1", "merchant:10", "wallet:1", "wallet:10"]) {
      const b = yield* ledger.balances(id)
      line(
        `balance ${id}`,
        `${Money.format(b.posted, "en-US")} (available ${Money.format(b.available, "en-US")})`
      )
    }
    // the transactional outbox: every event of the day, handed to a Notifier by the relay
    const relay = yield* Outbox.makeRelay({ batchSize: 5_000 }).pipe(Effect.provide(relayed))
    yield* relay.drain
    yield* relay.release
    line("outbox events relayed to the Notifier", int(yield* Ref.get(delivered)))
  }).pipe(Effect.provide(services))
})
