import { Money } from "@paykit/core/schema"
import { Schema } from "effect"

/**
 * The keys velocity is counted per: the customer, the card fingerprint, the IP address, the
 * device id and the e-mail address of a payment.
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * Velocity.KEY_KINDS // ["customer", "card", "ip", "device", "email"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const KEY_KINDS = ["customer", "card", "ip", "device", "email"] as const

/**
 * One of {@link KEY_KINDS}.
 *
 * @example
 * ```ts
 * import type { Velocity } from "@paykit/risk"
 * const kind: Velocity.KeyKind = "card"
 * ```
 * @category models
 * @since 0.1.0
 */
export type KeyKind = (typeof KEY_KINDS)[number]

/**
 * A payment's velocity keys, by kind (`Features.keys`).
 *
 * @example
 * ```ts
 * import type { Velocity } from "@paykit/risk"
 * const k: Velocity.Keys = { customer: "cus_1", card: "fp_1" }
 * ```
 * @category models
 * @since 0.2.0
 */
export type Keys = { readonly [K in KeyKind]?: string | undefined }

/**
 * The features computed per key and window, each an integer (`int` in rules), named
 * `<feature>_<window>` under `velocity.<key>` (`velocity.card.count_1h`):
 *
 * - `count`: payments; `sum`: their total and `max`: the largest, in reference-currency minor units;
 * - `declined`: payments the issuer declined (recorded with `Risk.record`), as Radar's
 *   `declined_*`; `blocked`: payments this service blocked itself (`blocked_*`). Kept apart, so
 *   a traveller blocked by a geo rule is not then counted as card testing;
 * - `small`: payments below `smallAmountRef`; `near_threshold`: payments in
 *   `[threshold − band, threshold)` (just under a reporting threshold);
 * - `distinct_customers`, `distinct_cards`, `distinct_ips`, `distinct_devices`, `distinct_emails`,
 *   `distinct_countries` (IP countries): distinct values seen.
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * Velocity.FEATURES.includes("near_threshold") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const FEATURES = [
  "count",
  "sum",
  "max",
  "declined",
  "small",
  "near_threshold",
  "distinct_customers",
  "distinct_cards",
  "distinct_ips",
  "distinct_devices",
  "distinct_emails",
  "distinct_countries",
  "blocked"
] as const

/**
 * One of {@link FEATURES}.
 *
 * @example
 * ```ts
 * import type { Velocity } from "@paykit/risk"
 * const f: Velocity.Feature = "sum"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Feature = (typeof FEATURES)[number]

/**
 * A sliding window: its name (used in attribute names, `1h` → `count_1h`) and its length.
 *
 * @example
 * ```ts
 * import type { Velocity } from "@paykit/risk"
 * const w: Velocity.Window = { name: "15m", millis: 15 * 60_000 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Window {
  readonly name: string
  readonly millis: number
}

/**
 * The velocity configuration: windows (ascending), the small-amount bound and the
 * near-threshold band (reference-currency minor units).
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * const config: Velocity.Config = { ...Velocity.defaultConfig, smallAmountRef: 300n }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Config {
  readonly windows: ReadonlyArray<Window>
  /** Payments below this (reference-currency minor units) count as `small`. */
  readonly smallAmountRef: bigint
  /** The reporting threshold watched for structuring (reference-currency minor units). */
  readonly threshold: bigint
  /** Payments in `[threshold − band, threshold)` count as `near_threshold`. */
  readonly band: bigint
}

/**
 * The default windows 1 minute, 1 hour, 24 hours and 7 days; small payments below 5.00 and a
 * structuring threshold of 10,000.00 with a band of 1,000.00 (in a two-decimal reference currency).
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * Velocity.defaultConfig.windows.map((w) => w.name) // ["1m", "1h", "24h", "7d"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const defaultConfig: Config = {
  windows: [
    { name: "1m", millis: 60_000 },
    { name: "1h", millis: 3_600_000 },
    { name: "24h", millis: 86_400_000 },
    { name: "7d", millis: 604_800_000 }
  ],
  smallAmountRef: 500n,
  threshold: 1_000_000n,
  band: 100_000n
}

/**
 * The JSON form of a velocity configuration (amounts as minor-unit strings). Windows must be
 * strictly ascending with distinct names of lower-case letters and digits.
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Velocity.ConfigJson)({ windows: [{ name: "5m", millis: 300000 }], smallAmountRef: "500", threshold: "1000000", band: "100000" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const ConfigJson = Schema.Struct({
  windows: Schema.Array(
    Schema.Struct({
      name: Schema.String.check(
        Schema.isPattern(/^[a-z0-9]{1,8}$/, { message: 'expected a short window name such as "1h" or "15m"' })
      ),
      millis: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 366 * 86_400_000 }))
    })
  ).check(
    Schema.isMinLength(1),
    Schema.makeFilter(
      (ws: ReadonlyArray<{ readonly name: string; readonly millis: number }>) =>
        ws.every((w, i) => i === 0 || w.millis > ws[i - 1]!.millis) || "windows must be strictly ascending",
      { title: "AscendingWindows" }
    ),
    Schema.makeFilter(
      (ws: ReadonlyArray<{ readonly name: string }>) =>
        new Set(ws.map((w) => w.name)).size === ws.length || "window names must be distinct",
      { title: "DistinctWindowNames" }
    )
  ),
  smallAmountRef: Money.MinorUnits,
  threshold: Money.MinorUnits,
  band: Money.MinorUnits
})

/**
 * What the velocity store keeps per payment attempt: when, the amount in the reference currency
 * (minor units), whether the issuer declined it (`declined`) and whether this service blocked it
 * (`blocked`, absent meaning no), and the keys it is counted under. One event per payment id: a
 * later record of the same id updates the facts of the one kept (see `VelocityStore`).
 *
 * @example
 * ```ts
 * import type { Velocity } from "@paykit/risk"
 * const e: Velocity.Event = { id: "p1", at: 0, amountRef: 1250n, declined: false, customer: "cus_1", card: "fp_1" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Event {
  readonly id: string
  readonly at: number
  readonly amountRef: bigint
  readonly declined: boolean
  readonly blocked?: boolean | undefined
  readonly customer?: string | undefined
  readonly card?: string | undefined
  readonly ip?: string | undefined
  readonly device?: string | undefined
  readonly email?: string | undefined
  readonly ipCountry?: string | undefined
}

/**
 * The JSON form of a velocity event (`amountRef` as a minor-unit string).
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Velocity.EventJson)({ id: "p1", at: 0, amountRef: "1250", declined: true, card: "fp_1" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const EventJson = Schema.Struct({
  id: Schema.String.check(Schema.isNonEmpty()),
  at: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)),
  amountRef: Money.MinorUnits.check(
    Schema.makeFilter((n: bigint) => n >= 0n || "an amount that is not negative")
  ),
  declined: Schema.Boolean,
  blocked: Schema.optionalKey(Schema.Boolean),
  customer: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  card: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  ip: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  device: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  email: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  ipCountry: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty()))
})

/**
 * The key of `event` for `kind`, if it has one.
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * Velocity.keyOf({ id: "p1", at: 0, amountRef: 1n, declined: false, card: "fp_1" }, "card") // "fp_1"
 * ```
 * @category guards
 * @since 0.1.0
 */
export const keyOf = (event: Event, kind: KeyKind): string | undefined => event[kind]

/**
 * Whether an event at `at` falls in the window of length `millis` ending at `now`:
 * `now − millis < at ≤ now`. An event exactly `millis` old is outside; a future event is outside.
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * Velocity.inWindow(0, 60_000, 60_000) // false: exactly one window old
 * Velocity.inWindow(1, 60_000, 60_000) // true
 * ```
 * @category math
 * @since 0.1.0
 */
export const inWindow = (at: number, now: number, millis: number): boolean => at <= now && now - at < millis

/**
 * The features of one key: `<feature>_<window>` → integer.
 *
 * @example
 * ```ts
 * import type { Velocity } from "@paykit/risk"
 * const f: Velocity.KeyFeatures = { count_1h: 3n }
 * ```
 * @category models
 * @since 0.1.0
 */
export type KeyFeatures = Record<string, bigint>

const DISTINCT = [
  ["distinct_customers", "customer"],
  ["distinct_cards", "card"],
  ["distinct_ips", "ip"],
  ["distinct_devices", "device"],
  ["distinct_emails", "email"],
  ["distinct_countries", "ipCountry"]
] as const

/**
 * What to write at each window: [attribute name, feature index] (cached per `only` set). Feature
 * indexes follow FEATURES: 0 count, 1 sum, 2 max, 3 declined, 4 small, 5 near_threshold, 6..11
 * distinct, 12 blocked.
 */
type Plan = ReadonlyArray<ReadonlyArray<readonly [string, number]>>

const plans = new WeakMap<ReadonlyArray<Window>, Map<ReadonlySet<string> | undefined, Plan>>()

const planOf = (windows: ReadonlyArray<Window>, only: ReadonlySet<string> | undefined): Plan => {
  let byOnly = plans.get(windows)
  if (byOnly === undefined) {
    byOnly = new Map()
    plans.set(windows, byOnly)
  }
  let plan = byOnly.get(only)
  if (plan === undefined) {
    plan = windows.map((w) =>
      FEATURES.flatMap((f, i): Array<readonly [string, number]> => {
        const name = `${f}_${w.name}`
        return only === undefined || only.has(name) ? [[name, i]] : []
      })
    )
    // `only` sets come from rule sets and live as long as them; keep at most a few per config
    if (byOnly.size > 64) byOnly.clear()
    byOnly.set(only, plan)
  }
  return plan
}

class Acc {
  count = 0
  sum = 0n
  max = 0n
  declined = 0
  blocked = 0
  small = 0
  near = 0
  readonly sets: Array<Set<string> | undefined>
  /** `track[i]`: whether distinct values of DISTINCT[i] are needed */
  readonly nearFrom: bigint
  constructor(track: ReadonlyArray<boolean>, config: Config) {
    this.nearFrom = config.threshold - config.band
    this.sets = track.map((t) => (t ? new Set<string>() : undefined))
  }
  add(e: Event, config: Config): void {
    this.count++
    const a = e.amountRef
    this.sum += a
    if (a > this.max) this.max = a
    if (e.declined) this.declined++
    if (e.blocked === true) this.blocked++
    if (a < config.smallAmountRef) this.small++
    if (a < config.threshold && a >= this.nearFrom) this.near++
    const sets = this.sets
    for (let i = 0; i < sets.length; i++) {
      const set = sets[i]
      if (set === undefined) continue
      const v = e[DISTINCT[i]![1]]
      if (v !== undefined) set.add(v)
    }
  }
  value(i: number): bigint {
    switch (i) {
      case 0:
        return BigInt(this.count)
      case 1:
        return this.sum
      case 2:
        return this.max
      case 3:
        return BigInt(this.declined)
      case 4:
        return BigInt(this.small)
      case 5:
        return BigInt(this.near)
      case 12:
        return BigInt(this.blocked)
      default:
        return BigInt(this.sets[i - 6]?.size ?? 0)
    }
  }
  write(out: KeyFeatures, entries: ReadonlyArray<readonly [string, number]>): void {
    for (let i = 0; i < entries.length; i++) {
      const [name, feature] = entries[i]!
      out[name] = this.value(feature)
    }
  }
}

const tracked = (plan: Plan): ReadonlyArray<boolean> =>
  DISTINCT.map((_, d) => plan.some((entries) => entries.some(([, i]) => i === d + 6)))

/**
 * Computes every feature of one key at `now` from its retained events (in any order), for every
 * configured window, in one pass: windows nest, so each event is added once and the running
 * totals are written out as each window boundary is passed. With `only`, computes just those
 * feature names (`count_1h`, ...), the ones a rule set reads.
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * const f = Velocity.keyFeatures(Velocity.defaultConfig, [{ id: "p1", at: 0, amountRef: 900n, declined: false }], 30_000)
 * f["count_1m"] // 1n
 * ```
 * @category math
 * @since 0.1.0
 */
export const keyFeatures = (
  config: Config,
  events: ReadonlyArray<Event>,
  now: number,
  only?: ReadonlySet<string>
): KeyFeatures => {
  const sorted = isSortedByTime(events) ? events : [...events].sort((a, b) => a.at - b.at)
  const out: KeyFeatures = {}
  const plan = planOf(config.windows, only)
  const acc = new Acc(tracked(plan), config)
  const windows = config.windows
  let w = 0
  for (let i = sorted.length - 1; i >= 0 && w < windows.length; i--) {
    const e = sorted[i]!
    if (e.at > now) continue
    const age = now - e.at
    while (w < windows.length && age >= windows[w]!.millis) {
      acc.write(out, plan[w]!)
      w++
    }
    if (w < windows.length) acc.add(e, config)
  }
  for (; w < windows.length; w++) acc.write(out, plan[w]!)
  return out
}

const isSortedByTime = (events: ReadonlyArray<Event>): boolean => {
  for (let i = 1; i < events.length; i++) if (events[i]!.at < events[i - 1]!.at) return false
  return true
}

/**
 * Features of one key at `now` by brute force: for each window, filters the events with
 * {@link inWindow} and counts. The reference the one-pass {@link keyFeatures} is tested against.
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * Velocity.bruteForce(Velocity.defaultConfig, [], 0)["count_7d"] // 0n
 * ```
 * @category math
 * @since 0.1.0
 */
export const bruteForce = (config: Config, events: ReadonlyArray<Event>, now: number): KeyFeatures => {
  const out: KeyFeatures = {}
  const plan = planOf(config.windows, undefined)
  config.windows.forEach((w, i) => {
    const acc = new Acc(
      DISTINCT.map(() => true),
      config
    )
    for (const e of events) if (inWindow(e.at, now, w.millis)) acc.add(e, config)
    acc.write(out, plan[i]!)
  })
  return out
}

/**
 * The attribute names one key gets under `velocity.<key>` for a configuration.
 *
 * @example
 * ```ts
 * import { Velocity } from "@paykit/risk"
 * Velocity.featureNames(Velocity.defaultConfig).includes("sum_24h") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const featureNames = (config: Pick<Config, "windows">): ReadonlyArray<string> =>
  config.windows.flatMap((w) => FEATURES.map((f) => `${f}_${w.name}`))
