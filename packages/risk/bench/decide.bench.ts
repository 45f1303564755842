/**
 * @paykit/risk decisions: 50 rules (comparisons, list membership, velocity features) with the
 * features precomputed, against the same 50 rules in the CEL library's own interpreter and in
 * json-rules-engine, in the same process; then the cost of computing the features from the
 * memory velocity store. Run: pnpm bench (or pnpm --filter @paykit/risk bench).
 */
import { Environment } from "@marcbachmann/cel-js"
import { Currency, Money, Notifier } from "@paykit/core"
import { Effect } from "effect"
import { Engine } from "json-rules-engine"
import { compare, measure } from "../../../scripts/bench-harness.ts"
import { Attributes, Decision, Features, type Rule, RuleSet, Velocity, VelocityStore } from "../src/index.ts"

// --- the same 50 rules in three notations -------------------------------------------------
interface Spec {
  readonly cel: string
  readonly jre: Record<string, unknown>
  readonly action: Rule.Action
}
const num = (fact: string, path: string, operator: string, value: unknown) => ({
  fact,
  path: `$.${path}`,
  operator,
  value
})
const specs: Array<Spec> = []
for (let i = 0; i < 50; i++) {
  const k = BigInt(10_000 + i * 1_000)
  switch (i % 5) {
    case 0:
      specs.push({
        cel: `payment.amount_ref > ${k * 10n}`,
        jre: { all: [num("payment", "amount_ref", "greaterThan", Number(k * 10n))] },
        action: "review"
      })
      break
    case 1: {
      const [attr, list] = (
        [
          ["card_country", "blocked_countries"],
          ["ip", "blocked_ips"],
          ["email", "blocked_emails"],
          ["card_fingerprint", "blocked_cards"],
          ["customer_id", "blocked_customers"]
        ] as const
      )[(i >> 1) % 5]!
      specs.push({
        cel: `payment.${attr} in lists.${list}`,
        jre: {
          all: [
            {
              fact: "payment",
              path: `$.${attr}`,
              operator: "in",
              value: { fact: "lists", path: `$.${list}` }
            }
          ]
        },
        action: "block"
      })
      break
    }
    case 2:
      specs.push({
        cel: `velocity.customer.count_1h >= ${3 + i} && payment.amount_ref > ${k}`,
        jre: {
          all: [
            num("velocity", "customer.count_1h", "greaterThanInclusive", 3 + i),
            num("payment", "amount_ref", "greaterThan", Number(k))
          ]
        },
        action: "review"
      })
      break
    case 3:
      specs.push({
        cel: `velocity.card.declined_1h >= ${2 + (i % 4)} || velocity.ip.distinct_cards_1h > ${4 + (i % 3)}`,
        jre: {
          any: [
            num("velocity", "card.declined_1h", "greaterThanInclusive", 2 + (i % 4)),
            num("velocity", "ip.distinct_cards_1h", "greaterThan", 4 + (i % 3))
          ]
        },
        action: "block"
      })
      break
    default:
      specs.push({
        cel: `payment.method == "card" && payment.ip_country != payment.card_country && payment.amount_ref >= ${k * 3n}`,
        jre: {
          all: [
            { fact: "payment", path: "$.method", operator: "equal", value: "card" },
            {
              fact: "payment",
              path: "$.ip_country",
              operator: "notEqual",
              value: { fact: "payment", path: "$.card_country" }
            },
            num("payment", "amount_ref", "greaterThanInclusive", Number(k * 3n))
          ]
        },
        action: "request_3ds"
      })
  }
}

// --- the precomputed features of one payment ------------------------------------------------
const blocked = (prefix: string) => Array.from({ length: 200 }, (_, i) => `${prefix}${i}`)
const listArrays = {
  blocked_countries: ["KP", "IR", "SY", "CU"],
  blocked_ips: blocked("10.0.0."),
  blocked_emails: blocked("fraud").map((s) => `${s}@example.com`),
  blocked_cards: blocked("fp_bad_"),
  blocked_customers: blocked("cus_bad_")
}
const lists = Object.fromEntries(Object.entries(listArrays).map(([k, v]) => [k, new Set(v)]))
const catalog = Attributes.standard
const now = Date.UTC(2026, 0, 15, 12)
const base: Features.Payment = {
  id: "pay_1",
  amount: Money.fromMinorUnsafe(64_900n, Currency.USD),
  method: "card",
  cardCountry: "FR",
  ipCountry: "DE",
  ip: "192.0.2.7",
  deviceId: "dev_1",
  email: "ana@example.com",
  cardFingerprint: "fp_1",
  merchantId: "m_1",
  customerId: "cus_1"
}
/**
 * Eight payments decided in turn, so no engine sees one input over and over: a regular customer
 * with history, large amounts over many thresholds, a blocked country, IP, email, card and
 * customer, a domestic payment, a payment by bank transfer, and a new customer with no history.
 */
const payments: ReadonlyArray<Features.Payment> = [
  base,
  { ...base, id: "pay_2", amount: Money.fromMinorUnsafe(1_250_000n, Currency.USD) },
  { ...base, id: "pay_3", cardCountry: "KP", ipCountry: "KP" },
  { ...base, id: "pay_4", ip: "10.0.0.17", email: "fraud3@example.com" },
  { ...base, id: "pay_5", cardFingerprint: "fp_bad_9", customerId: "cus_bad_4" },
  { ...base, id: "pay_6", ipCountry: "FR", amount: Money.fromMinorUnsafe(310_000n, Currency.USD) },
  { ...base, id: "pay_7", method: "bank_transfer", amount: Money.fromMinorUnsafe(420_000n, Currency.USD) },
  {
    ...base,
    id: "pay_8",
    customerId: "cus_new",
    cardFingerprint: "fp_new",
    ip: "203.0.113.9",
    deviceId: "dev_new",
    email: "new@example.com",
    amount: Money.fromMinorUnsafe(99_000n, Currency.USD)
  }
]
const payment = base
const store = new VelocityStore.Histories()
for (let i = 0; i < 40; i++) {
  store.record({
    id: `old${i}`,
    at: now - i * 1_800_000,
    amountRef: BigInt(1_000 + ((i * 7_919) % 90_000)),
    declined: i % 9 === 0,
    customer: "cus_1",
    card: i % 2 === 0 ? "fp_1" : `fp_${i}`,
    ip: i % 3 === 0 ? "192.0.2.7" : `198.51.100.${i}`,
    device: "dev_1",
    email: "ana@example.com",
    ipCountry: i % 4 === 0 ? "DE" : "FR"
  })
}
const histories = (p: Features.Payment = payment): Features.Histories => {
  const keys = Features.keys(p)
  const h: Features.Histories = {}
  for (const kind of Velocity.KEY_KINDS) {
    const key = keys[kind]
    if (key !== undefined) h[kind] = store.history(kind, key)
  }
  return h
}
const computeValues = (p: Features.Payment = payment) =>
  Features.compute({ catalog, reference: Currency.USD, payment: p, lists, histories: histories(p), now })
const values = computeValues()
const valuesAll = payments.map(computeValues)
const N = payments.length
let turn = 0

// --- paykit ------------------------------------------------------------------------------------
const ruleSet = RuleSet.makeUnsafe(catalog, {
  rules: specs.map((s, i) => ({
    id: `r${String(i).padStart(2, "0")}`,
    description: s.cel,
    action: s.action,
    score: 5,
    condition: s.cel
  }))
})
const frames = valuesAll.map((v) => Decision.frame(ruleSet, v))

// --- CEL interpreter: same conditions, context with lists as arrays (its native form) ---------
const env = new Environment()
const schemaOf = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [
      k,
      typeof v === "bigint"
        ? "int"
        : typeof v === "string"
          ? "string"
          : typeof v === "boolean"
            ? "bool"
            : v instanceof Set || Array.isArray(v)
              ? "list<string>"
              : schemaOf(v as Record<string, unknown>)
    ])
  )
const celContextOf = (v: typeof values) => ({
  payment: Object.fromEntries(Object.entries(v.payment as object).filter(([, x]) => x !== undefined)),
  lists: listArrays,
  velocity: v.velocity
})
const celContexts = valuesAll.map(celContextOf)
for (const [name, v] of Object.entries(celContextOf(values)))
  env.registerVariable({ name, schema: schemaOf(v as Record<string, unknown>) as never })
const celRules = specs.map((s) => env.parse(s.cel))
const celDecide = (context: (typeof celContexts)[number]) => {
  const hits: Array<number> = []
  for (let i = 0; i < celRules.length; i++) if (celRules[i]!(context) === true) hits.push(i)
  return hits
}

// --- json-rules-engine ------------------------------------------------------------------------
const toNumbers = (o: unknown): unknown =>
  typeof o === "bigint"
    ? Number(o)
    : o instanceof Set
      ? [...o]
      : typeof o === "object" && o !== null
        ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toNumbers(v)]))
        : o
const jreFactsAll = celContexts.map((c) => ({
  payment: toNumbers(c.payment),
  lists: listArrays,
  velocity: toNumbers(c.velocity)
}))
const engine = new Engine([], { allowUndefinedFacts: true })
for (const [i, s] of specs.entries()) {
  engine.addRule({ name: `r${i}`, conditions: s.jre as never, event: { type: s.action } })
}

// sanity: for every payment, the three engines hit exactly the same rules
let hitsSeen = 0
const outcomes = new Set<string>()
for (let p = 0; p < N; p++) {
  const ours = Decision.decide(ruleSet, valuesAll[p]!, now)
  const mine = ours.hits.map((h) => Number(h.ruleId.slice(1))).sort((a, b) => a - b)
  const cel = celDecide(celContexts[p]!)
  const jre = (await engine.run(jreFactsAll[p]!)).results.map((r) => Number(String(r.name).slice(1)))
  jre.sort((a, b) => a - b)
  if (JSON.stringify(mine) !== JSON.stringify(cel) || JSON.stringify(jre) !== JSON.stringify(cel)) {
    throw new Error(
      `the engines disagree on ${payments[p]!.id}: paykit [${mine}], CEL [${cel}], json-rules-engine [${jre}]`
    )
  }
  hitsSeen += mine.length
  outcomes.add(ours.outcome)
}
console.log(
  `50 rules over ${N} payments in turn: ${hitsSeen} hits in all, outcomes ${[...outcomes].join(", ")}; the CEL interpreter and json-rules-engine hit exactly the same rules on every payment`
)
console.log(
  "the CEL interpreter and json-rules-engine get the 200-entry lists as arrays (their native form), paykit as Sets"
)

const rows = compare("@paykit/risk: one decision over 50 rules, features precomputed", "CEL interp.", [
  {
    operation: "decide (values → frame → 50 rules)",
    ours: { name: "decide", opsPerRun: 1, run: () => Decision.decide(ruleSet, valuesAll[turn++ % N]!, now) },
    peer: { name: "cel", opsPerRun: 1, run: () => celDecide(celContexts[turn++ % N]!) }
  },
  {
    operation: "decideFrame (prepared frame)",
    ours: {
      name: "decideFrame",
      opsPerRun: 1,
      run: () => Decision.decideFrame(ruleSet, frames[turn++ % N]!, now)
    },
    peer: { name: "cel", opsPerRun: 1, run: () => celDecide(celContexts[turn++ % N]!) }
  }
])

// json-rules-engine is asynchronous: measured the same way (best of 5 rounds after a warm-up)
const measureAsync = async (run: () => Promise<unknown>, millis = 400, rounds = 5): Promise<number> => {
  const warmEnd = performance.now() + millis / 2
  while (performance.now() < warmEnd) await run()
  let best = 0
  for (let r = 0; r < rounds; r++) {
    let calls = 0
    const start = performance.now()
    let t = start
    while (t - start < millis) {
      await run()
      calls++
      t = performance.now()
    }
    best = Math.max(best, (calls * 1000) / (t - start))
  }
  return best
}
const jre = await measureAsync(() => engine.run(jreFactsAll[turn++ % N]!))
const fmt = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1)
console.log("\n@paykit/risk vs json-rules-engine 7 (same 50 rules, same facts)")
console.log(
  `${"operation".padEnd(35)} | ${"paykit ops/s".padStart(14)} | ${"json-rules-engine ops/s".padStart(23)} | ratio`
)
for (const r of rows) {
  console.log(
    `${r.operation.padEnd(35)} | ${fmt(r.ours).padStart(14)} | ${fmt(jre).padStart(23)} | ${(r.ours / jre).toFixed(0)}×`
  )
}

const best = Math.max(...rows.map((r) => r.ours))
const celRatio = Math.min(...rows.map((r) => r.ratio))
const jreRatio = Math.min(...rows.map((r) => r.ours)) / jre
console.log(
  `\ngoals: ≥ 1,000,000 decisions/s: ${best >= 1e6 ? "met" : "NOT met"} (${fmt(best)}/s at best); ≥ 10× the CEL interpreter: ${celRatio >= 10 ? "met" : "NOT met"} (${celRatio.toFixed(0)}× at least); ≥ 500× json-rules-engine: ${jreRatio >= 500 ? "met" : "NOT met"} (${jreRatio.toFixed(0)}× at least)`
)

// --- feature computation from the memory velocity store ----------------------------------------
console.log(`\n@paykit/risk: feature computation from the memory VelocityStore (5 keys, 40 events per key)`)
const computeFor = () =>
  Features.compute({
    catalog,
    reference: Currency.USD,
    payment,
    lists,
    histories: histories(),
    now,
    only: ruleSet
  })
// the same through the port: the memory `VelocityStore` service, one Effect read per key
const service = Effect.runSync(VelocityStore.makeMemory().pipe(Effect.provide(Notifier.layerNoop)))
const seeded = new Map<string, Velocity.Event>()
for (const kind of Velocity.KEY_KINDS)
  for (const e of store.history(kind, Features.keys(payment)[kind] ?? "")) seeded.set(e.id, e)
for (const e of [...seeded.values()].sort((a, b) => a.at - b.at)) Effect.runSync(service.record(e))
const keysOfPayment = Features.keys(payment)
const viaService = Effect.gen(function* () {
  const h: Features.Histories = {}
  for (const kind of Velocity.KEY_KINDS) {
    const key = keysOfPayment[kind]
    if (key !== undefined) h[kind] = yield* service.history(kind, key)
  }
  return Decision.decide(
    ruleSet,
    Features.compute({ catalog, reference: Currency.USD, payment, lists, histories: h, now, only: ruleSet }),
    now
  )
})
if (Effect.runSync(viaService).outcome !== Decision.decide(ruleSet, computeFor(), now).outcome)
  throw new Error("the service path and the direct path disagree")
const rowsF = [
  ["all 240 features (5 keys × 4 windows × 12)", measure({ name: "all", opsPerRun: 1, run: computeValues })],
  ["only the features the 50 rules read", measure({ name: "only", opsPerRun: 1, run: computeFor })],
  [
    "features (only) + decide, end to end",
    measure({ name: "e2e", opsPerRun: 1, run: () => Decision.decide(ruleSet, computeFor(), now) })
  ],
  [
    "port reads + features (only) + decide",
    measure({ name: "service", opsPerRun: 1, run: () => Effect.runSync(viaService) })
  ]
] as const
for (const [label, m] of rowsF) {
  console.log(
    `${label.padEnd(44)} | ${fmt(m.opsPerSecond).padStart(9)} ops/s | ${(1e6 / m.opsPerSecond).toFixed(2).padStart(7)} µs each`
  )
}

// --- calibration: what this machine does with 50 trivial closures ------------------------------
const trivial = Array.from({ length: 50 }, (_, i) => {
  const k = BigInt(i)
  return (v: ReadonlyArray<unknown>) => (v[i % 8] as bigint) > k
})
const tv = Array.from({ length: 8 }, () => 0n)
const floor = measure({
  name: "floor",
  opsPerRun: 1,
  run: () => {
    let n = 0
    for (let i = 0; i < trivial.length; i++) if (trivial[i]!(tv)) n++
    return n
  }
})
console.log(
  `\ncalibration: 50 trivial closures (v[i] > k) | ${fmt(floor.opsPerSecond).padStart(9)} ops/s  (the floor for any closure-compiled rule set on this machine)`
)
