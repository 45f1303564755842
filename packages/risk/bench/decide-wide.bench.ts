/**
 * @paykit/risk decisions over a varied 50-rule set that reads about 50 distinct attributes (the
 * standard catalogue's payment, customer, list and velocity attributes plus four custom ones),
 * against the same 50 rules in the CEL library's own interpreter and in json-rules-engine, in the
 * same process. `decide.bench.ts` has 50 rules over about 10 attributes; this one measures what a
 * rule set that reads a wide frame costs (more slots to fill, fewer shared leaves).
 *
 * The rules are written once in a small condition notation and printed as CEL (paykit and the CEL
 * interpreter read the same text) and as json-rules-engine conditions, so the three engines run
 * the same rules; before timing they must hit exactly the same rule ids on every payment.
 * Timed with `scripts/bench-harness.ts` (`compare`: batches, alternating rounds, `BENCH_RUNS`
 * repeated runs with their spread); json-rules-engine (asynchronous) is measured once per run
 * the same way as in `decide.bench.ts`, and its ratios are printed with their spread over runs.
 *
 * Run: pnpm --filter @paykit/risk bench:wide (also part of pnpm --filter @paykit/risk bench).
 */
import { Environment } from "@marcbachmann/cel-js"
import { Currency, Money } from "@paykit/core"
import { Engine } from "json-rules-engine"
import { compare } from "../../../scripts/bench-harness.ts"
import { Attributes, Decision, Features, type Rule, RuleSet, Velocity, VelocityStore } from "../src/index.ts"

// --- the catalogue: standard plus four custom attributes --------------------------------------
const catalog = Attributes.makeUnsafe({
  custom: { ip_risk: "double", bin_prepaid: "bool", shipping_distance_km: "int", session_seconds: "int" }
})
const typeOf = (path: string): Attributes.AttributeType => {
  const a = catalog.attributes.get(path)
  if (a === undefined) throw new Error(`the bench reads an undeclared attribute: ${path}`)
  return a.type
}

// --- one notation, printed as CEL and as json-rules-engine conditions --------------------------
type Op = ">" | ">=" | "<" | "<=" | "==" | "!="
type Cond =
  | {
      readonly cmp: string
      readonly op: Op
      readonly value: number | string | boolean | { readonly ref: string }
    }
  | { readonly in: string; readonly list: string; readonly negated?: boolean }
  | { readonly is: string; readonly negated?: boolean }
  | { readonly has: string }
  | { readonly all: ReadonlyArray<Cond> }
  | { readonly any: ReadonlyArray<Cond> }

const cmp = (attr: string, op: Op, value: number | string | boolean | { readonly ref: string }): Cond => ({
  cmp: attr,
  op,
  value
})
const ref = (attr: string) => ({ ref: attr })
const inList = (attr: string, list: string): Cond => ({ in: attr, list })
const notIn = (attr: string, list: string): Cond => ({ in: attr, list, negated: true })
const is = (attr: string): Cond => ({ is: attr })
const not = (attr: string): Cond => ({ is: attr, negated: true })
const has = (attr: string): Cond => ({ has: attr })
const all = (...cs: ReadonlyArray<Cond>): Cond => ({ all: cs })
const any = (...cs: ReadonlyArray<Cond>): Cond => ({ any: cs })

const literal = (attr: string, v: number | string | boolean): string =>
  typeof v === "string"
    ? JSON.stringify(v)
    : typeof v === "number" && typeOf(attr) === "double" && Number.isInteger(v)
      ? v.toFixed(1)
      : String(v)

/** Every attribute a condition reads. */
const reads = (c: Cond, out: Set<string>): Set<string> => {
  if ("cmp" in c) {
    out.add(c.cmp)
    if (typeof c.value === "object") out.add(c.value.ref)
  } else if ("in" in c) {
    out.add(c.in)
    out.add(c.list)
  } else if ("is" in c) out.add(c.is)
  else if ("has" in c) out.add(c.has)
  else for (const d of "all" in c ? c.all : c.any) reads(d, out)
  return out
}

const toCel = (c: Cond): string => {
  if ("cmp" in c)
    return `${c.cmp} ${c.op} ${typeof c.value === "object" ? c.value.ref : literal(c.cmp, c.value)}`
  if ("in" in c) return c.negated === true ? `!(${c.in} in ${c.list})` : `${c.in} in ${c.list}`
  if ("is" in c) return c.negated === true ? `!${c.is}` : c.is
  if ("has" in c) return `has(${c.has})`
  const parts = ("all" in c ? c.all : c.any).map((d) =>
    "all" in d || "any" in d ? `(${toCel(d)})` : toCel(d)
  )
  return parts.join("all" in c ? " && " : " || ")
}

const fact = (attr: string) => {
  const [head, ...rest] = attr.split(".")
  return { fact: head!, path: `$.${rest.join(".")}` }
}
const JRE_OPS: Record<Op, string> = {
  ">": "greaterThan",
  ">=": "greaterThanInclusive",
  "<": "lessThan",
  "<=": "lessThanInclusive",
  "==": "equal",
  "!=": "notEqual"
}
/**
 * json-rules-engine's form. `has(x)` has no counterpart: with `allowUndefinedFacts` a comparison
 * on a missing path is false, which is what `has(x) && x …` gives (only used that way here).
 */
const toJre = (c: Cond): Record<string, unknown> | undefined => {
  if ("cmp" in c)
    return {
      ...fact(c.cmp),
      operator: JRE_OPS[c.op],
      value: typeof c.value === "object" ? fact(c.value.ref) : c.value
    }
  if ("in" in c) return { ...fact(c.in), operator: c.negated === true ? "notIn" : "in", value: fact(c.list) }
  if ("is" in c) return { ...fact(c.is), operator: "equal", value: c.negated !== true }
  if ("has" in c) return undefined
  const parts = ("all" in c ? c.all : c.any).map(toJre).filter((x) => x !== undefined)
  return "all" in c ? { all: parts } : { any: parts }
}

// --- the 50 rules: comparisons, memberships, negations, fact against fact, nested junctions ----
const P = (a: string) => `payment.${a}`
const C = (a: string) => `customer.${a}`
const L = (a: string) => `lists.${a}`
const V = (a: string) => `velocity.${a}`
const X = (a: string) => `custom.${a}`
const rules: ReadonlyArray<readonly [Rule.Action, Cond]> = [
  ["review", cmp(P("amount_ref"), ">", 500_000)],
  ["review", all(cmp(P("currency"), "!=", ref(P("ref_currency"))), cmp(P("amount_ref"), ">", 200_000))],
  ["block", cmp(P("method"), "==", "crypto")],
  ["block", inList(P("card_country"), L("blocked_countries"))],
  ["block", inList(P("ip_country"), L("blocked_countries"))],
  ["block", inList(P("ip"), L("blocked_ips"))],
  ["block", inList(P("email"), L("blocked_emails"))],
  ["block", inList(P("card_fingerprint"), L("blocked_cards"))],
  ["block", inList(P("customer_id"), L("blocked_customers"))],
  ["allow", inList(P("customer_id"), L("allowed_customers"))],
  ["review", cmp(P("email_domain"), "==", "mailinator.com")],
  ["block", cmp(P("device_id"), "==", "dev_emulator")],
  ["review", all(cmp(P("merchant_id"), "==", "m_high_risk"), cmp(P("amount_ref"), ">=", 100_000))],
  ["review", all(cmp(P("currency"), "==", "JPY"), cmp(P("amount"), ">=", 1_000_000))],
  [
    "review",
    all(cmp(P("ip_country"), "!=", ref(P("card_country"))), notIn(P("ip_country"), C("usual_countries")))
  ],
  ["review", all(cmp(C("account_age_days"), "<", 7), cmp(P("amount_ref"), ">=", 50_000))],
  ["review", all(cmp(P("amount_ref"), ">", ref(C("avg_ticket_ref"))), cmp(C("account_age_days"), "<", 30))],
  ["review", all(not(C("verified")), cmp(P("amount_ref"), ">", 100_000))],
  [
    "review",
    all(
      has(C("days_since_last_payment")),
      cmp(C("days_since_last_payment"), ">=", 3),
      cmp(P("amount_ref"), ">=", 50_000)
    )
  ],
  ["request_3ds", all(is(C("device_is_new")), cmp(P("amount_ref"), ">=", 30_000))],
  ["review", all(is(C("card_is_new")), cmp(V("customer.count_1h"), ">=", 3))],
  ["review", cmp(V("customer.count_1m"), ">=", 2)],
  ["block", cmp(V("customer.count_1h"), ">=", 10)],
  ["review", cmp(V("customer.sum_24h"), ">", 1_000_000)],
  ["review", all(cmp(V("customer.max_7d"), "<", ref(P("amount_ref"))), cmp(P("amount_ref"), ">", 300_000))],
  ["review", cmp(V("customer.distinct_cards_24h"), ">=", 3)],
  ["review", cmp(V("customer.distinct_countries_7d"), ">=", 3)],
  ["block", any(cmp(V("customer.declined_24h"), ">=", 2), cmp(V("card.declined_1h"), ">=", 2))],
  ["review", cmp(V("customer.near_threshold_24h"), ">=", 2)],
  ["review", cmp(V("card.count_24h"), ">", 15)],
  ["block", all(cmp(V("card.small_1h"), ">=", 3), cmp(P("amount_ref"), "<", 500))],
  ["block", cmp(V("card.distinct_customers_7d"), ">=", 3)],
  ["review", cmp(V("card.blocked_24h"), ">=", 1)],
  ["block", cmp(V("ip.distinct_cards_1h"), ">", 4)],
  ["review", any(cmp(V("ip.count_1h"), ">=", 20), cmp(V("ip.distinct_customers_24h"), ">=", 5))],
  ["block", cmp(V("device.distinct_cards_24h"), ">=", 4)],
  ["review", cmp(V("device.count_1h"), ">=", 8)],
  ["review", cmp(V("email.count_24h"), ">=", 10)],
  ["review", cmp(V("email.distinct_devices_7d"), ">=", 4)],
  ["block", cmp(X("ip_risk"), ">", 0.8)],
  ["review", all(cmp(X("ip_risk"), ">", 0.5), cmp(P("amount_ref"), ">", 100_000))],
  ["review", all(is(X("bin_prepaid")), cmp(C("account_age_days"), "<", 30))],
  [
    "review",
    all(cmp(X("shipping_distance_km"), ">", 5_000), cmp(P("ip_country"), "!=", ref(P("card_country"))))
  ],
  ["request_3ds", cmp(X("session_seconds"), "<", 10)],
  ["review", all(cmp(X("session_seconds"), "<", 30), is(C("device_is_new")))],
  ["request_3ds", all(notIn(P("card_country"), C("usual_countries")), cmp(P("amount_ref"), ">", 50_000))],
  ["request_3ds", any(all(cmp(P("method"), "==", "card"), is(C("card_is_new"))), is(X("bin_prepaid")))],
  ["allow", all(is(C("verified")), cmp(C("account_age_days"), ">", 365), cmp(P("amount_ref"), "<", 20_000))],
  ["review", all(cmp(P("email_domain"), "==", "example.net"), notIn(P("ip"), L("blocked_ips")))],
  [
    "review",
    all(
      cmp(P("amount_ref"), ">=", 900_000),
      cmp(P("amount_ref"), "<", 1_000_000),
      cmp(V("customer.near_threshold_24h"), ">=", 1)
    )
  ]
]
const attributesRead = new Set<string>()
for (const [, c] of rules) reads(c, attributesRead)
if (rules.length !== 50) throw new Error(`expected 50 rules, got ${rules.length}`)

// --- history, lists and eight payments ---------------------------------------------------------
const now = Date.UTC(2026, 0, 15, 12)
const blocked = (prefix: string) => Array.from({ length: 200 }, (_, i) => `${prefix}${i}`)
const listArrays: Record<string, ReadonlyArray<string>> = {
  blocked_countries: ["KP", "IR", "SY", "CU"],
  blocked_ips: blocked("10.0.0."),
  blocked_emails: blocked("fraud").map((s) => `${s}@example.com`),
  blocked_cards: blocked("fp_bad_"),
  blocked_customers: blocked("cus_bad_"),
  allowed_customers: blocked("cus_vip_"),
  allowed_emails: [],
  allowed_cards: [],
  allowed_ips: [],
  allowed_countries: []
}
const lists = Object.fromEntries(Object.entries(listArrays).map(([k, v]) => [k, new Set(v)]))

/** A deterministic history: regular customers, a card shared by customers, a busy IP and device. */
const store = new VelocityStore.Histories()
let seed = 42
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}
for (let i = 0; i < 400; i++) {
  const c = Math.floor(random() * 6)
  const recent = i % 5 === 0
  store.record({
    id: `old${i}`,
    at: now - (recent ? Math.floor(random() * 3_000_000) : Math.floor(random() * 6 * 86_400_000)) - 1,
    amountRef: BigInt(300 + Math.floor(random() * (i % 7 === 0 ? 990_000 : 60_000))),
    declined: random() < 0.1,
    ...(random() < 0.05 ? { blocked: true } : {}),
    customer: `cus_${c}`,
    card: random() < 0.3 ? "fp_shared" : `fp_${c}_${i % 3}`,
    ip: random() < 0.4 ? "192.0.2.7" : `198.51.100.${i % 50}`,
    device: random() < 0.3 ? "dev_busy" : `dev_${c}`,
    email: `user${c}@example.com`,
    ipCountry: ["FR", "DE", "US", "BR"][i % 4]!
  })
}

interface Case {
  readonly payment: Features.Payment
  readonly profile: Features.Profile
  readonly custom: Readonly<Record<string, unknown>>
}
const usd = (minor: bigint) => Money.fromMinorUnsafe(minor, Currency.USD)
const base: Case = {
  payment: {
    id: "pay_1",
    amount: usd(64_900n),
    method: "card",
    cardCountry: "FR",
    ipCountry: "DE",
    ip: "192.0.2.7",
    deviceId: "dev_0",
    email: "user0@example.com",
    cardFingerprint: "fp_0_0",
    merchantId: "m_1",
    customerId: "cus_0"
  },
  profile: { accountAgeDays: 400, avgTicketRef: 30_000n, usualCountries: ["FR", "DE"], verified: true },
  custom: { ip_risk: 0.1, bin_prepaid: false, shipping_distance_km: 20n, session_seconds: 240n }
}
const with_ = (c: Case, p: Partial<Features.Payment>, more: Partial<Omit<Case, "payment">> = {}): Case => ({
  payment: { ...c.payment, ...p },
  profile: { ...c.profile, ...more.profile },
  custom: { ...c.custom, ...more.custom }
})
/**
 * Eight payments decided in turn: a regular customer, a large one from a young unverified account,
 * a blocked country and IP, a shared card on a busy device, a VIP customer, a risky IP with a
 * prepaid card far away, a yen payment by a new customer with no history, a near-threshold one.
 */
const cases: ReadonlyArray<Case> = [
  base,
  with_(
    base,
    { id: "pay_2", amount: usd(1_250_000n), customerId: "cus_1", email: "user1@example.com" },
    { profile: { accountAgeDays: 5, verified: false } }
  ),
  with_(base, { id: "pay_3", cardCountry: "KP", ipCountry: "IR", ip: "10.0.0.17", customerId: "cus_2" }),
  with_(
    base,
    {
      id: "pay_4",
      cardFingerprint: "fp_shared",
      deviceId: "dev_busy",
      amount: usd(400n),
      customerId: "cus_3"
    },
    { custom: { session_seconds: 5n } }
  ),
  with_(base, { id: "pay_5", customerId: "cus_vip_7", amount: usd(12_000n), email: "vip@example.net" }),
  with_(
    base,
    { id: "pay_6", ipCountry: "BR", amount: usd(180_000n), customerId: "cus_4", email: "x@mailinator.com" },
    {
      custom: { ip_risk: 0.7, bin_prepaid: true, shipping_distance_km: 9_000n },
      profile: { accountAgeDays: 20 }
    }
  ),
  with_(
    base,
    {
      id: "pay_7",
      amount: Money.fromMinorUnsafe(2_000_000n, Currency.JPY),
      amountRef: usd(1_300_000n),
      customerId: "cus_new",
      cardFingerprint: "fp_new",
      ip: "203.0.113.9",
      deviceId: "dev_new",
      email: "new@example.com",
      cardCountry: "JP",
      ipCountry: "JP",
      merchantId: "m_high_risk"
    },
    { profile: { accountAgeDays: 1, avgTicketRef: 0n, usualCountries: [], verified: false } }
  ),
  with_(base, { id: "pay_8", amount: usd(950_000n), customerId: "cus_5", email: "user5@example.com" })
]
const N = cases.length

const histories = (p: Features.Payment): Features.Histories => {
  const keys = Features.keys(p)
  const h: Features.Histories = {}
  for (const kind of Velocity.KEY_KINDS) {
    const key = keys[kind]
    if (key !== undefined) h[kind] = store.history(kind, key)
  }
  return h
}
const valuesAll = cases.map((c) =>
  Features.compute({
    catalog,
    reference: Currency.USD,
    payment: c.payment,
    profile: c.profile,
    lists,
    histories: histories(c.payment),
    now,
    custom: c.custom
  })
)

// --- paykit ------------------------------------------------------------------------------------
const ruleSet = RuleSet.makeUnsafe(catalog, {
  rules: rules.map(([action, c], i) => ({
    id: `w${String(i).padStart(2, "0")}`,
    description: toCel(c),
    action,
    score: 5,
    condition: toCel(c)
  }))
})
const frames = valuesAll.map((v) => Decision.frame(ruleSet, v))

// --- CEL interpreter: the same conditions, declared from the catalogue -------------------------
const env = new Environment()
const declared: Record<string, Record<string, unknown>> = {}
for (const path of attributesRead) {
  const parts = path.split(".")
  const head = parts[0]!
  declared[head] = declared[head] ?? {}
  let o = declared[head]
  for (const p of parts.slice(1, -1)) {
    o[p] = o[p] ?? {}
    o = o[p] as Record<string, unknown>
  }
  o[parts[parts.length - 1]!] = typeOf(path)
}
for (const [name, schema] of Object.entries(declared)) env.registerVariable({ name, schema: schema as never })
const defined = (o: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(
    Object.entries(o)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, x instanceof Set ? [...x] : x])
  )
const celContexts = valuesAll.map((v) => ({
  payment: defined(v.payment as Record<string, unknown>),
  customer: defined(v.customer as Record<string, unknown>),
  lists: listArrays,
  velocity: v.velocity,
  custom: v.custom
}))
const celRules = rules.map(([, c]) => env.parse(toCel(c)))
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
      : Array.isArray(o)
        ? o
        : typeof o === "object" && o !== null
          ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toNumbers(v)]))
          : o
const jreFactsAll = celContexts.map((c) => ({
  payment: toNumbers(c.payment),
  customer: toNumbers(c.customer),
  lists: listArrays,
  velocity: toNumbers(c.velocity),
  custom: toNumbers(c.custom)
}))
const engine = new Engine([], { allowUndefinedFacts: true })
for (const [i, [action, c]] of rules.entries()) {
  const top = toJre(c)!
  engine.addRule({
    name: `w${i}`,
    conditions: ("all" in top || "any" in top ? top : { all: [top] }) as never,
    event: { type: action }
  })
}

// sanity: for every payment, the three engines hit exactly the same rules
let hitsSeen = 0
const outcomes = new Set<string>()
const everHit = new Set<number>()
for (let p = 0; p < N; p++) {
  const ours = Decision.decide(ruleSet, valuesAll[p]!, now)
  if (ours.errors.length > 0)
    throw new Error(`paykit reports rule errors on ${cases[p]!.payment.id}: ${JSON.stringify(ours.errors)}`)
  const mine = ours.hits.map((h) => Number(h.ruleId.slice(1))).sort((a, b) => a - b)
  const cel = celDecide(celContexts[p]!)
  const jre = (await engine.run(jreFactsAll[p]!)).results.map((r) => Number(String(r.name).slice(1)))
  jre.sort((a, b) => a - b)
  if (JSON.stringify(mine) !== JSON.stringify(cel) || JSON.stringify(jre) !== JSON.stringify(cel)) {
    throw new Error(
      `the engines disagree on ${cases[p]!.payment.id}: paykit [${mine}], CEL [${cel}], json-rules-engine [${jre}]`
    )
  }
  hitsSeen += mine.length
  for (const i of mine) everHit.add(i)
  outcomes.add(ours.outcome)
}
const byNamespace = new Map<string, number>()
for (const a of attributesRead) {
  const ns = a.split(".")[0]!
  byNamespace.set(ns, (byNamespace.get(ns) ?? 0) + 1)
}
console.log(
  `varied 50 rules reading ${attributesRead.size} distinct attributes (${[...byNamespace].map(([ns, n]) => `${n} ${ns}.*`).join(", ")}) over ${N} payments in turn: ${hitsSeen} hits in all (${everHit.size} rules hit at least once), outcomes ${[...outcomes].join(", ")}; the CEL interpreter and json-rules-engine hit exactly the same rules on every payment`
)

let turn = 0
const rows = compare(
  `@paykit/risk: one decision over a varied 50-rule set reading ${attributesRead.size} attributes, features precomputed`,
  "CEL interp.",
  [
    {
      operation: "decide (values → frame → 50 rules)",
      ours: {
        name: "decide",
        opsPerRun: 1,
        run: () => Decision.decide(ruleSet, valuesAll[turn++ % N]!, now)
      },
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
  ]
)

// json-rules-engine is asynchronous: measured as in decide.bench.ts (best of `rounds` after a
// warm-up), once per run, so its ratio has a spread over BENCH_RUNS runs like the others
const measureAsync = async (run: () => Promise<unknown>, millis: number, rounds = 5): Promise<number> => {
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
const runs = Math.max(1, Number(process.env["BENCH_RUNS"] ?? 3))
const millis = Math.max(20, Number(process.env["BENCH_MILLIS"] ?? 150)) * 2
const jreRuns: Array<number> = []
for (let r = 0; r < runs; r++)
  jreRuns.push(await measureAsync(() => engine.run(jreFactsAll[turn++ % N]!), millis))
const fmt = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1)
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(`\n@paykit/risk vs json-rules-engine 7 (the same varied 50 rules, the same facts; ${runs} runs)`)
console.log(
  `${"operation".padEnd(35)} | ${"paykit ops/s".padStart(14)} | ${"json-rules-engine ops/s (runs)".padStart(30)} | ratio, median (spread over runs)`
)
for (const r of rows) {
  const ratios = jreRuns.map((j) => r.ours / j)
  console.log(
    `${r.operation.padEnd(35)} | ${fmt(r.ours).padStart(14)} | ${jreRuns.map(fmt).join(", ").padStart(30)} | ${median(ratios).toFixed(0)}× (${Math.min(...ratios).toFixed(0)}–${Math.max(...ratios).toFixed(0)}×)`
  )
}
