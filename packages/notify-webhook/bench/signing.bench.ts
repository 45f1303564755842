/**
 * `pnpm exec tsx --conditions=@paykit/source bench/signing.bench.ts` (from the package): what a
 * Standard Webhooks signature costs with `Signing`, beside the `standardwebhooks` package a user
 * would otherwise call directly, in the same process, on the same ~1 KiB JSON payload.
 *
 * Rows, signing: `Signing.sign` with one `whsec_` secret (v1; it computes the HMAC through the
 * package's own `Webhook.sign`, so the difference is our input checks and key parsing), with a
 * secret and a `whsk_` key (v1 + v1a, the ed25519 signature added), the package's `Webhook.sign`
 * on a `Webhook` built once (its best case), and node:crypto's `createHmac` (reference: the
 * native HMAC, what neither uses). Verifying: `Signing.verify` of a v1 header, the package's
 * `Webhook.verify` (with `jsonParse: false`, as ours does not parse), and `Signing.verify` of a
 * v1a header with a `whpk_` key.
 *
 * Each round runs every row for `BENCH_SECONDS` (default 0.5) in turn, `BENCH_ROUNDS` rounds
 * (default 5), so a load that comes and goes touches every row alike. The table gives calls per
 * second over all rounds, the latency of one call (p50 and p99 over all rounds, each call timed:
 * at 10 µs and more a call, reading the clock is noise), its cost as a multiple of the peer
 * row's (time per call, ours ÷ theirs, per round: above 1 is slower), the median of the rounds'
 * multiples, and their spread (min–max), as scripts/bench-harness.ts reports ratios. Never run
 * inside the tests.
 */
import { createHmac } from "node:crypto"
import { Webhook } from "standardwebhooks"
import * as Signing from "../src/Signing.ts"

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 0.5)
const ROUNDS = Math.max(1, Number(process.env["BENCH_ROUNDS"] ?? 5))

/** A ~1 KiB event: a payment-succeeded notification with a few nested objects. */
const payload = JSON.stringify({
  id: "evt_01J9Z8Q6W3K4M5N6P7Q8R9S0T1",
  type: "payments.payment.succeeded",
  createdAt: "2025-01-15T10:24:31.123Z",
  data: {
    payment: {
      id: "pay_01J9Z8Q6W3K4M5N6P7Q8R9S0T2",
      amount: { amount: "12999", currency: "EUR" },
      captured: { amount: "12999", currency: "EUR" },
      merchantId: "m_01J9Z8Q6W3K4M5N6P7Q8R9S0T3",
      customerId: "cus_01J9Z8Q6W3K4M5N6P7Q8R9S0T4",
      method: { type: "card", brand: "visa", last4: "4242", expiry: "12/29", country: "FR" },
      description: "Order #100234 — 3 items, express delivery",
      metadata: { orderId: "100234", channel: "web", campaign: "winter-sale", basket: "b_7f3a9c" },
      timeline: [
        { at: "2025-01-15T10:24:29.001Z", status: "requires_confirmation" },
        { at: "2025-01-15T10:24:30.417Z", status: "authorized", reasonCode: "00" },
        { at: "2025-01-15T10:24:31.120Z", status: "captured" }
      ]
    },
    links: { self: "https://api.example.com/v1/payments/pay_01J9Z8Q6W3K4M5N6P7Q8R9S0T2" }
  },
  padding: "x".repeat(200)
})

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const pair = Signing.generateKeyPair()
const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
// the package's verify reads the system clock: sign with the current time
const timestamp = Math.floor(Date.now() / 1000)
const date = new Date(timestamp * 1000)
const webhook = new Webhook(secret)
const hmacKey = Buffer.from(secret.slice("whsec_".length), "base64")

const v1Headers = Signing.headersUnsafe({ id, timestamp, payload, keys: [secret] })
const v1aHeaders = Signing.headersUnsafe({ id, timestamp, payload, keys: [pair.signingKey] })

interface Row {
  readonly name: string
  /** The row whose cost this one is compared with (its name), if any. */
  readonly peer?: string
  readonly call: () => unknown
}

const rows: ReadonlyArray<Row> = [
  { name: "sign: Webhook.sign (standardwebhooks)", call: () => webhook.sign(id, date, payload) },
  {
    name: "sign: Signing.sign, v1",
    peer: "sign: Webhook.sign (standardwebhooks)",
    call: () => Signing.signUnsafe({ id, timestamp, payload, keys: [secret] })
  },
  {
    name: "sign: Signing.sign, v1 + v1a",
    peer: "sign: Webhook.sign (standardwebhooks)",
    call: () => Signing.signUnsafe({ id, timestamp, payload, keys: [secret, pair.signingKey] })
  },
  {
    name: "sign: node:crypto createHmac (reference)",
    peer: "sign: Webhook.sign (standardwebhooks)",
    call: () => `v1,${createHmac("sha256", hmacKey).update(`${id}.${timestamp}.${payload}`).digest("base64")}`
  },
  {
    name: "verify: Webhook.verify (standardwebhooks)",
    call: () => webhook.verify(payload, { ...v1Headers }, { jsonParse: false })
  },
  {
    name: "verify: Signing.verify, v1",
    peer: "verify: Webhook.verify (standardwebhooks)",
    call: () => Signing.verifyUnsafe({ payload, headers: v1Headers, keys: [secret] })
  },
  {
    name: "verify: Signing.verify, v1a",
    peer: "verify: Webhook.verify (standardwebhooks)",
    call: () => Signing.verifyUnsafe({ payload, headers: v1aHeaders, keys: [pair.publicKey] })
  }
]

const percentile = (xs: Array<number>, p: number): number => {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

/** A Markdown table, columns padded. */
const printTable = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(row(header))
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`)
  for (const l of lines) console.log(row(l))
}

interface Sample {
  readonly calls: number
  readonly seconds: number
}

/** Runs `call` for `seconds`, timing each call (microseconds) into `latencies`. */
const drive = (call: () => unknown, seconds: number, latencies: Array<number>): Sample => {
  let calls = 0
  let sink = 0
  const start = performance.now()
  const deadline = start + seconds * 1000
  let now = start
  while (now < deadline) {
    const t = now
    const out = call()
    now = performance.now()
    latencies.push((now - t) * 1000)
    // keep the result alive so no call can be optimised away
    sink += typeof out === "string" ? out.length : 1
    calls++
  }
  if (sink < 0) console.log(sink)
  return { calls, seconds: (now - start) / 1000 }
}

// every row must work before it is timed (and the JIT warms up)
for (const r of rows) for (let i = 0; i < 2_000; i++) r.call()

const samples = new Map<string, Array<Sample>>(rows.map((r) => [r.name, []]))
const latencies = new Map<string, Array<number>>(rows.map((r) => [r.name, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (const r of rows) samples.get(r.name)!.push(drive(r.call, SECONDS, latencies.get(r.name)!))
}

const usPerCall = (s: Sample) => (s.seconds * 1e6) / s.calls
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-")

console.log(
  `\nStandard Webhooks signing, ${Buffer.byteLength(payload)}-byte payload, ${ROUNDS} rounds × ${SECONDS} s per row (node ${process.version})\n`
)
printTable(
  ["row", "calls/s", "p50 µs", "p99 µs", "cost × peer", "spread (min–max)"],
  rows.map((r) => {
    const ss = samples.get(r.name)!
    const calls = ss.reduce((n, s) => n + s.calls, 0)
    const seconds = ss.reduce((n, s) => n + s.seconds, 0)
    const ls = latencies.get(r.name)!
    let ratio = "(peer)"
    let spread = ""
    if (r.peer !== undefined) {
      const ps = samples.get(r.peer)!
      const ratios = ss.map((s, i) => usPerCall(s) / usPerCall(ps[i]!))
      ratio = `${fmt(percentile(ratios, 50), 2)}×`
      spread = `${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}×`
    }
    return [r.name, fmt(calls / seconds, 0), fmt(percentile(ls, 50)), fmt(percentile(ls, 99)), ratio, spread]
  })
)
