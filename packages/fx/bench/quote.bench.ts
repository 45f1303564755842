/**
 * @paykit/fx quotes against the same quote written with dinero.js 2 (bigint build) the way a
 * user would (tier lookup, marginal percentage fee, clamp, convert, round, deduct the
 * intermediary estimate), measured in the same process. Run: pnpm bench (or
 * pnpm --filter @paykit/fx bench).
 *
 * The schedule is realistic: USD→EUR, three amount tiers with spreads 60/40/25 bps and marginal
 * percentage fees 0.6 / 0.4 / 0.25 %, a 2.99 USD fixed fee, the percentage fee clamped to
 * 1.00–50.00 USD, fees on top, SHA with a 15.00 EUR intermediary estimate.
 */
import { Currency, Decimal, Money } from "@paykit/core"
import * as D from "dinero.js/bigint"
import { Result } from "effect"
import { compare } from "../../../scripts/bench-harness.ts"
import { Quote, Schedule } from "../src/index.ts"

const schedule = Schedule.makeUnsafe({
  corridors: [
    {
      source: "USD",
      target: "EUR",
      spreadBps: 60,
      fixedFee: "299",
      percentFeeMin: "100",
      percentFeeMax: "5000",
      tiers: [
        { min: "0", max: "100000", percentFee: "0.6" },
        { min: "100000", max: "1000000", percentFee: "0.4", spreadBps: 40 },
        { min: "1000000", percentFee: "0.25", spreadBps: 25 }
      ],
      feeMode: "on-top",
      charges: "SHA",
      intermediaryFee: "1500"
    }
  ]
})
const corridor = Result.getOrThrow(Schedule.match(schedule, "USD", "EUR"))
const mid = { base: "USD", quote: "EUR", rate: Decimal.unsafe("0.9213"), source: "memory", asOf: 0 }
const reference = { base: "USD", quote: "EUR", rate: Decimal.unsafe("0.9209"), source: "ECB", asOf: 0 }
const ctx: Quote.Context = {
  corridor,
  mid,
  reference,
  id: "01JBENCH000000000000000000",
  now: 0,
  lockMillis: 1_800_000
}

// amounts spread over the three tiers
const N = 1024
const sends = Array.from({ length: N }, (_, i) => 5_000n + BigInt((i * 7_919_993) % 2_500_000))
const sendMoney = sends.map((a) => Money.fromMinorUnsafe(a, Currency.USD))
const receives = Array.from({ length: N }, (_, i) => 5_000n + BigInt((i * 6_151_237) % 2_200_000))
const receiveMoney = receives.map((a) => Money.fromMinorUnsafe(a, Currency.EUR))

// ---------------------------------------------------------------------------------------------
// the same quote with dinero.js, as a user would write it
const dUSD = D.USD
const dEUR = D.EUR
const tiers = [
  { min: 0n, max: 100_000n, pct: { amount: 6n, scale: 3n }, bps: 60n },
  { min: 100_000n, max: 1_000_000n, pct: { amount: 4n, scale: 3n }, bps: 40n },
  { min: 1_000_000n, max: null, pct: { amount: 25n, scale: 4n }, bps: 25n }
] as const
const fixed = D.dinero({ amount: 299n, currency: dUSD })
const feeMin = D.dinero({ amount: 100n, currency: dUSD })
const feeMax = D.dinero({ amount: 5_000n, currency: dUSD })
const intermediary = D.dinero({ amount: 1_500n, currency: dEUR })
const zeroUSD = D.dinero({ amount: 0n, currency: dUSD })
// customer rate per tier: 0.9213 × (1 − bps / 10000), as a scaled amount
const rates = tiers.map((t) => ({ amount: 9213n * (10_000n - t.bps), scale: 8n }))
const inverseRates = rates.map((r) => ({ amount: 10n ** (20n + r.scale) / r.amount / 10n ** 8n, scale: 12n }))

const dineroForward = (amount: bigint) => {
  const a = D.dinero({ amount, currency: dUSD })
  let tier = 0
  for (let i = tiers.length - 1; i > 0; i--) {
    if (amount >= tiers[i]!.min) {
      tier = i
      break
    }
  }
  let pct = zeroUSD
  for (const t of tiers) {
    if (amount <= t.min) break
    const top = t.max !== null && t.max < amount ? t.max : amount
    pct = D.add(pct, D.multiply(D.dinero({ amount: top - t.min, currency: dUSD }), t.pct))
  }
  pct = D.transformScale(pct, 2n, D.up)
  pct = D.minimum([D.maximum([pct, feeMin]), feeMax])
  const fees = D.add(fixed, pct)
  const converted = D.transformScale(D.convert(a, dEUR, { EUR: rates[tier]! }), 2n, D.down)
  const received = D.subtract(converted, intermediary)
  const paid = D.add(a, fees)
  const margin = D.transformScale(D.multiply(a, { amount: tiers[tier]!.bps, scale: 4n }), 2n, D.up)
  const total = D.add(fees, margin)
  return { paid, fees, pct, converted, received, margin, total, rate: rates[tier]! }
}

const dineroInverse = (target: bigint) => {
  // needed before the intermediary deduction, converted back at an inverse rate, rounded up
  const needed = D.dinero({ amount: target + 1_500n, currency: dEUR })
  const guess = D.toSnapshot(
    D.transformScale(D.convert(needed, dUSD, { USD: inverseRates[0]! }), 2n, D.up)
  ).amount
  let tier = 0
  for (let i = tiers.length - 1; i > 0; i--) {
    if (guess >= tiers[i]!.min) {
      tier = i
      break
    }
  }
  const principal = D.transformScale(D.convert(needed, dUSD, { USD: inverseRates[tier]! }), 2n, D.up)
  return dineroForward(D.toSnapshot(principal).amount)
}

// sanity: both compute the same forward quote (a benchmark of wrong answers is worthless).
// Amounts just below a tier boundary get paykit's boundary cap (a total cost never above a larger
// amount's), which the dinero.js peer does not implement: those are left out of the comparison.
let capped = 0
for (let i = 0; i < N; i++) {
  const q = Result.getOrThrow(Quote.fromSendAmount(ctx, sendMoney[i]!))
  if (q.cappedSpreadBps !== undefined) {
    capped++
    continue
  }
  const d = dineroForward(sends[i]!)
  const same =
    q.paid.amount === D.toSnapshot(d.paid).amount &&
    q.received.amount === D.toSnapshot(d.received).amount &&
    q.ourFees.amount === D.toSnapshot(d.fees).amount &&
    q.totalCost.amount === D.toSnapshot(d.total).amount
  if (!same) throw new Error(`forward quote of ${sends[i]} differs: paykit ${q.paid}/${q.received}`)
}
let dineroShort = 0
for (let i = 0; i < N; i++) {
  const q = Result.getOrThrow(Quote.fromReceiveAmount(ctx, receiveMoney[i]!))
  if (q.received.amount < receives[i]!) throw new Error(`paykit receive quote short for ${receives[i]}`)
  if (D.toSnapshot(dineroInverse(receives[i]!).received).amount < receives[i]!) dineroShort++
}

/** The peer's side of every forward row and of every inverse row. */
const dineroForwardCase = {
  name: "dinero forward",
  opsPerRun: N,
  run: () => {
    let s = 0n
    for (let i = 0; i < N; i++) s += D.toSnapshot(dineroForward(sends[i]!).received).amount
    return s
  }
}
const dineroInverseCase = {
  name: "dinero inverse (analytic, not guaranteed)",
  opsPerRun: N,
  run: () => {
    let s = 0n
    for (let i = 0; i < N; i++) s += D.toSnapshot(dineroInverse(receives[i]!).paid).amount
    return s
  }
}

let k = 0
const rows = compare(
  "@paykit/fx quotes vs dinero.js 2 (bigint), realistic 3-tier USD→EUR schedule",
  "dinero.js",
  [
    {
      operation: "forward quote, warm (send amount → what arrives)",
      ours: {
        name: "Quote.fromSendAmount",
        opsPerRun: N,
        run: () => {
          let s = 0n
          for (let i = 0; i < N; i++)
            s += (Quote.fromSendAmount(ctx, sendMoney[i]!) as { success: Quote.Quote }).success.received
              .amount
          return s
        }
      },
      peer: dineroForwardCase
    },
    {
      // cold: the rates are new objects on every quote, as an inverse or a cross rate derived per
      // request, or a feed refreshed between quotes, gives them; paykit's price cache is keyed by
      // the rates' values (it once was by the objects, and missed every time here)
      operation: "forward quote, cold (new rate objects per quote)",
      ours: {
        name: "Quote.fromSendAmount, fresh rates",
        opsPerRun: N,
        run: () => {
          let s = 0n
          for (let i = 0; i < N; i++) {
            const fresh: Quote.Context = { ...ctx, mid: { ...mid }, reference: { ...reference } }
            s += (Quote.fromSendAmount(fresh, sendMoney[i]!) as { success: Quote.Quote }).success.received
              .amount
          }
          return s
        }
      },
      peer: dineroForwardCase
    },
    {
      operation: "forward quote, reading the all-in mark-up too",
      ours: {
        name: "Quote.fromSendAmount + markup.allIn",
        opsPerRun: N,
        run: () => {
          let s = 0n
          for (let i = 0; i < N; i++)
            s += (Quote.fromSendAmount(ctx, sendMoney[i]!) as { success: Quote.Quote }).success.markup.allIn
              .coefficient
          return s
        }
      },
      peer: { ...dineroForwardCase, name: "dinero forward (no mark-up)" }
    },
    {
      operation: "inverse quote, cold (new rate objects per quote)",
      ours: {
        name: "Quote.fromReceiveAmount, fresh rates",
        opsPerRun: N,
        run: () => {
          let s = 0n
          for (let i = 0; i < N; i++) {
            const fresh: Quote.Context = { ...ctx, mid: { ...mid }, reference: { ...reference } }
            s += (Quote.fromReceiveAmount(fresh, receiveMoney[i]!) as { success: Quote.Quote }).success.paid
              .amount
          }
          return s
        }
      },
      peer: dineroInverseCase
    },
    {
      operation: "inverse quote, warm (receive amount → what to send)",
      ours: {
        name: "Quote.fromReceiveAmount",
        opsPerRun: N,
        run: () => {
          let s = 0n
          for (let i = 0; i < N; i++)
            s += (Quote.fromReceiveAmount(ctx, receiveMoney[i]!) as { success: Quote.Quote }).success.paid
              .amount
          return s
        }
      },
      peer: dineroInverseCase
    }
  ]
)
k++

console.log(
  `\n${capped} of ${N} forward quotes fell under paykit's boundary cap and were left out of the equality check (the peer does not cap).`
)
console.log(
  `\ndinero.js analytic inverse left the recipient short in ${dineroShort} of ${N} receive quotes; paykit in 0 (minimal by construction).`
)
console.log(
  `goal ≥ 3× dinero.js on forward and inverse quotes: ${rows.every((r) => r.ratio >= 3) ? "met" : "NOT met"} (${rows.map((r) => `${r.ratio.toFixed(1)}×`).join(", ")})`
)
if (k < 0) console.log(k)
