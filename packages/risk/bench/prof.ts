import { Attributes, Decision, RuleSet } from "../src/index.ts"
const rules = [] as Array<{ id: string; description: string; action: "review"; condition: string }>
const kind = process.argv[2] ?? "cmp"
for (let i = 0; i < 50; i++) {
  const cond =
    kind === "cmp" ? `payment.amount_ref > ${100000 + i}` :
    kind === "in" ? `payment.ip in lists.blocked_ips` :
    kind === "and" ? `velocity.customer.count_1h >= ${3 + i} && payment.amount_ref > ${i}` :
    kind === "or" ? `velocity.card.declined_1h >= ${20 + i} || velocity.ip.distinct_cards_1h > ${4 + i}` :
    kind === "eq1" ? `payment.method == "card"` :
    kind === "ne" ? `payment.ip_country != payment.card_country` :
    kind === "ne2" ? `!(payment.ip_country == payment.card_country)` :
    `payment.method == "card" && payment.ip_country != payment.card_country && payment.amount_ref >= ${1000000 + i}`
  rules.push({ id: `r${i}`, description: "d", action: "review", condition: cond })
}
const set = RuleSet.makeUnsafe(Attributes.standard, { rules })
const values = { payment: { amount_ref: 5000n, ip: "1.2.3.4", method: "card", ip_country: "FR", card_country: "DE" }, lists: { blocked_ips: new Set(["9.9.9.9"]) }, velocity: { customer: { count_1h: 2n }, card: { declined_1h: 0n }, ip: { distinct_cards_1h: 1n } } }
const f = Decision.frame(set, values)
let n = 0
const t = performance.now()
while (performance.now() - t < 1500) { for (let i = 0; i < 1000; i++) Decision.decideFrame(set, f, 0); n += 1000 }
console.log(kind, ((n / (performance.now() - t)) * 1000 / 1e6).toFixed(2), "M decisions/s")
