import { Ids } from "@paykit/core"
import { Clock, Effect, Layer, Result, type Scope } from "effect"
import fc from "fast-check"
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"
import * as Accounts from "../Accounts.ts"
import { AccountStore } from "../AccountStore.ts"
import * as Cipher from "../Cipher.ts"
import * as ClosureCheck from "../ClosureCheck.ts"
import * as KeyStore from "../KeyStore.ts"
import * as VerificationProvider from "../VerificationProvider.ts"
import { business, individual } from "./Fixtures.ts"

/** The account store port's service, as the contract drives it. */
export type Store = AccountStore["Service"]
type Service = Accounts.Accounts["Service"]

/**
 * Builds `pools` `AccountStore` services over one fresh, empty storage that they all share (a
 * PostgreSQL schema opened by several pools, one PGlite, one memory store), released with the
 * scope. Each pool gets its own `Accounts` service; they share one `KeyStore`.
 *
 * @example
 * ```ts
 * import { AccountStore } from "@paykit/accounts"
 * import type { ConcurrencyContract } from "@paykit/accounts/testing"
 * import { Notifier } from "@paykit/core"
 * import { Effect } from "effect"
 * const memory: ConcurrencyContract.Stores = (pools) =>
 *   Effect.map(AccountStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)), (s) => Array.from({ length: pools }, () => s))
 * ```
 * @category models
 * @since 0.3.0
 */
export type Stores = (pools: number) => Effect.Effect<ReadonlyArray<Store>, unknown, Scope.Scope>

/**
 * How hard the suite tries: `trials` per named race (default 30), `runs` of the random
 * interleavings property (default 10), `pools` for the property (default 3), and the per-test
 * timeout in milliseconds (default 180 000).
 *
 * @example
 * ```ts
 * import type { ConcurrencyContract } from "@paykit/accounts/testing"
 * const light: ConcurrencyContract.Options = { trials: 10, runs: 5 }
 * ```
 * @category models
 * @since 0.3.0
 */
export interface Options {
  readonly trials?: number
  readonly runs?: number
  readonly pools?: number
  readonly timeout?: number
}

const OPERATOR = { kind: "operator", id: "ops-race" } as const
const MINUTE = 60_000
const YEAR = 365 * 86_400_000

/** The real clock plus an offset the test moves forward (so holds end and erasures fall due). */
const shiftedClock = (base: Clock.Clock) => {
  let offset = 0
  const millis = () => base.currentTimeMillisUnsafe() + offset
  const nanos = () => base.currentTimeNanosUnsafe() + BigInt(offset) * 1_000_000n
  const clock: Clock.Clock = {
    currentTimeMillisUnsafe: millis,
    currentTimeMillis: Effect.sync(millis),
    currentTimeNanosUnsafe: nanos,
    currentTimeNanos: Effect.sync(nanos),
    monotonicTimeNanosUnsafe: () => base.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: base.monotonicTimeNanos,
    sleep: (d) => base.sleep(d)
  }
  return {
    clock,
    advance: (ms: number) => {
      offset += ms
    }
  }
}

interface World {
  /** One service per pool. */
  readonly services: ReadonlyArray<Service>
  /** The first pool's store, for reading what was kept. */
  readonly store: Store
  readonly keys: KeyStore.KeyStore["Service"]
  readonly now: Effect.Effect<number>
  readonly advance: (ms: number) => void
  /** A fresh individual, withdrawn (so erasable), registered through pool 0: its subject. */
  readonly erasable: Effect.Effect<string, Accounts.AccountsError>
}

const world = (stores: Stores, pools: number, config: Accounts.Config) =>
  Effect.gen(function* () {
    const list = yield* stores(pools)
    const keys = yield* KeyStore.makeMemory
    const { clock, advance } = shiftedClock(yield* Clock.Clock)
    const ports = Layer.mergeAll(VerificationProvider.layerMemory, ClosureCheck.layerMemory, Ids.layer)
    const services: Array<Service> = []
    for (const store of list) {
      const made = yield* Accounts.make(config).pipe(
        Effect.provideService(AccountStore, store),
        Effect.provideService(KeyStore.KeyStore, keys),
        Effect.provide(ports)
      )
      // every operation reads the world's clock
      const withClock = {} as Record<string, unknown>
      for (const [name, op] of Object.entries(made)) {
        withClock[name] = Effect.isEffect(op)
          ? Effect.provideService(op as Effect.Effect<unknown, unknown>, Clock.Clock, clock)
          : (...args: Array<unknown>) =>
              Effect.provideService(
                (op as (...a: Array<unknown>) => Effect.Effect<unknown>)(...args),
                Clock.Clock,
                clock
              )
      }
      services.push(withClock as unknown as Service)
    }
    const first = services[0]!
    const erasable = Effect.gen(function* () {
      const tag = randomUUID().slice(0, 12)
      const a = yield* first.register(
        individual({ email: `${tag}@race.example`, owner: { userId: `u-${tag}` } })
      )
      yield* first.transition(a.id, OPERATOR, "withdraw")
      return a.id
    })
    return {
      services,
      store: list[0]!,
      keys,
      now: clock.currentTimeMillis,
      advance,
      erasable
    } satisfies World
  })

/**
 * What must hold after any interleaving: no subject is both held and shredded (no hold of an
 * erased subject lasts past its erasure), no erased subject keeps a data key or a sealed field,
 * every other subject's data key unwraps and every sealed field of it opens, and no retired
 * key-encryption-key version still wraps a data key.
 */
const invariants = (w: World) =>
  Effect.gen(function* () {
    const dump = yield* w.store.dump
    const erased = new Map(
      dump.erasures.flatMap((e) => (e.status === "erased" ? [[e.subject, e.erasedAt ?? 0] as const] : []))
    )
    expect(
      dump.holds.filter((h) => erased.has(h.subject) && h.until > erased.get(h.subject)!),
      "held and shredded"
    ).toEqual([])
    expect(
      dump.keys.filter((k) => erased.has(k.subject)).map((k) => k.subject),
      "an erased subject's data key"
    ).toEqual([])
    expect(
      dump.fields.filter((f) => erased.has(f.subject)).map((f) => f.subject),
      "an erased subject's fields"
    ).toEqual([])
    const inUse = new Set(dump.keys.map((k) => k.wrapped.kekVersion))
    expect(
      dump.retiredKeks.filter((v) => inUse.has(v)),
      "a retired key version still wraps data keys"
    ).toEqual([])
    const subjects = dump.index.flatMap(([k]) =>
      k.startsWith("subject:") ? [k.slice("subject:".length)] : []
    )
    const unreadable: Array<string> = []
    for (const subject of subjects) {
      if (erased.has(subject)) continue
      const key = dump.keys.find((k) => k.subject === subject)
      if (key === undefined) {
        unreadable.push(`${subject}: no data key`)
        continue
      }
      const dek = yield* Effect.result(w.keys.unwrap(subject, key.wrapped))
      if (Result.isFailure(dek)) {
        unreadable.push(`${subject}: ${dek.failure.reason}`)
        continue
      }
      for (const f of dump.fields.filter((x) => x.subject === subject)) {
        if (Result.isFailure(Cipher.open(dek.success, f.sealed, subject, f.field)))
          unreadable.push(`${subject}.${f.field}: does not open`)
      }
    }
    expect(unreadable, "non-erased subjects that do not decrypt").toEqual([])
    return dump
  })

const tagOf = <A, E>(r: Result.Result<A, E>): string =>
  Result.isSuccess(r) ? "ok" : String((r.failure as { _tag?: unknown })._tag)

/** Both at once, each on its own pool. */
const race = <A, EA, B, EB>(a: Effect.Effect<A, EA>, b: Effect.Effect<B, EB>) =>
  Effect.all([Effect.result(a), Effect.result(b)], { concurrency: 2 })

type Op =
  | { readonly kind: "erase"; readonly pool: number; readonly subject: number; readonly delay: number }
  | {
      readonly kind: "hold"
      readonly pool: number
      readonly subject: number
      readonly long: boolean
      readonly delay: number
    }
  | { readonly kind: "sweep"; readonly pool: number; readonly delay: number }
  | { readonly kind: "rotate"; readonly pool: number; readonly delay: number }
  | { readonly kind: "retire"; readonly pool: number; readonly back: number; readonly delay: number }
  | { readonly kind: "register"; readonly pool: number; readonly email: number; readonly delay: number }
  | { readonly kind: "tick"; readonly delay: number }

const SUBJECTS = 3

const opArb = (pools: number): fc.Arbitrary<Op> => {
  const pool = fc.integer({ min: 0, max: pools - 1 })
  const subject = fc.integer({ min: 0, max: SUBJECTS - 1 })
  const delay = fc.integer({ min: 0, max: 3 })
  return fc.oneof(
    fc.record({ kind: fc.constant("erase" as const), pool, subject, delay }),
    fc.record({ kind: fc.constant("hold" as const), pool, subject, long: fc.boolean(), delay }),
    fc.record({ kind: fc.constant("sweep" as const), pool, delay }),
    fc.record({ kind: fc.constant("rotate" as const), pool, delay }),
    fc.record({ kind: fc.constant("retire" as const), pool, back: fc.integer({ min: 1, max: 2 }), delay }),
    fc.record({ kind: fc.constant("register" as const), pool, email: fc.integer({ min: 0, max: 1 }), delay }),
    fc.record({ kind: fc.constant("tick" as const), delay })
  )
}

/** The typed answers each operation may give in a race; anything else (a storage error, a defect) fails. */
const ALLOWED: { readonly [K in Op["kind"]]: ReadonlyArray<string> } = {
  erase: ["ok"],
  hold: ["ok", "SubjectErased"],
  sweep: ["ok"],
  rotate: ["ok"],
  retire: ["ok", "KeyVersionInUse"],
  register: ["ok", "DuplicateApplicant"],
  tick: ["ok"]
}

/**
 * The concurrency contract of `@paykit/accounts`: the `Accounts` service on several pools over
 * one shared store, racing for real. One named test per rule (each `trials` times): a legal hold
 * and an erasure racing, the sweep and a hold racing (exactly one wins), rotation racing an
 * erasure (the erased key never comes back), retirement refusing a version still in use (and
 * racing registrations), duplicate registrations (`DuplicateApplicant`); then a fast-check
 * property of random interleavings of erase, placeLegalHold, sweep, rotateKeys,
 * retireKeyVersion and register over shared subjects, after which no subject is both held and
 * shredded, no erased subject has a data key, every other subject decrypts, and no key version
 * still in use was retired.
 *
 * @example
 * ```ts
 * import { AccountStore } from "@paykit/accounts"
 * import { ConcurrencyContract } from "@paykit/accounts/testing"
 * import { Notifier } from "@paykit/core"
 * import { Effect } from "effect"
 * ConcurrencyContract.suite("memory", (pools) =>
 *   Effect.map(AccountStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)), (s) => Array.from({ length: pools }, () => s))
 * )
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const suite = (name: string, stores: Stores, options: Options = {}): void => {
  const trials = options.trials ?? 30
  const runs = options.runs ?? 10
  const pools = Math.max(2, options.pools ?? 3)
  const timeout = options.timeout ?? 180_000
  const withWorld = <A>(
    n: number,
    f: (w: World) => Effect.Effect<A, unknown>,
    config: Accounts.Config = { rotationPageSize: 2 }
  ) =>
    Effect.runPromise(Effect.scoped(Effect.flatMap(world(stores, n, config), f)) as Effect.Effect<A, unknown>)

  describe(`Accounts under concurrency: ${name}`, () => {
    it(`a legal hold racing an erasure: exactly one wins (${trials} trials, two pools)`, { timeout }, () =>
      withWorld(2, (w) =>
        Effect.gen(function* () {
          const seen: Record<string, number> = {}
          for (let i = 0; i < trials; i++) {
            const subject = yield* w.erasable
            const until = (yield* w.now) + YEAR
            const [a, b] = [w.services[i % 2]!, w.services[(i + 1) % 2]!]
            const [hold, erasure] = yield* race(
              a.placeLegalHold({ subject, basis: "litigation", until }),
              b.erase(subject, OPERATOR)
            )
            const outcome = `${tagOf(hold)}/${Result.isSuccess(erasure) ? erasure.success._tag : tagOf(erasure)}`
            seen[outcome] = (seen[outcome] ?? 0) + 1
            // the hold won: the erasure answers Retained until the hold ends and shreds nothing;
            // the erasure won: the hold is refused because the data is gone
            expect(["ok/Retained", "SubjectErased/Erased"], `trial ${i}`).toContain(outcome)
            const key = yield* w.store.getKey(subject)
            expect(key._tag, `trial ${i}: ${outcome}`).toBe(outcome === "ok/Retained" ? "Some" : "None")
            if (outcome === "ok/Retained" && Result.isSuccess(erasure) && erasure.success._tag === "Retained")
              expect(erasure.success.until).toBe(until)
          }
          yield* invariants(w)
          expect(Object.values(seen).reduce((x, y) => x + y, 0)).toBe(trials)
        })
      )
    )

    it(
      `an end after activity keeps the identity: a rejection racing the owner's erasure never shreds; afterwards every subject is retained and the same email or registration number cannot register again (${Math.min(trials, 10)} trials, two pools)`,
      { timeout },
      () =>
        withWorld(2, (w) =>
          Effect.gen(function* () {
            const seen: Record<string, number> = {}
            for (let i = 0; i < Math.min(trials, 10); i++) {
              const tag = randomUUID().slice(0, 12)
              const [a, b] = [w.services[i % 2]!, w.services[(i + 1) % 2]!]
              const input = business({
                email: `${tag}@fraud.example`,
                registrationNumber: `HRB ${tag}`,
                owner: { userId: `u-${tag}` }
              })
              const owner = { kind: "member", id: `u-${tag}` } as const
              const acct = yield* a.register(input)
              // 50,000.00 EUR processed
              yield* a.recordVolume(acct.id, { amount: "5000000", currency: "EUR" })
              const [rejected, erasure] = yield* race(
                a.transition(acct.id, OPERATOR, { command: "reject", reason: "fraud" }),
                b.erase(acct.id, owner)
              )
              const outcome = `${tagOf(rejected)}/${Result.isSuccess(erasure) ? erasure.success._tag : tagOf(erasure)}`
              seen[outcome] = (seen[outcome] ?? 0) + 1
              // the erasure came first: refused, the relationship was ongoing; or it came second: retained
              expect(["ok/IllegalTransition", "ok/Retained"], `trial ${i}`).toContain(outcome)
              const stored = yield* b.get(acct.id)
              expect(stored.status).toBe("rejected")
              expect(stored.rejection?.reason).toBe("fraud")
              for (const subject of [acct.id, ...acct.persons.map((p) => p.id)]) {
                const answer = yield* b.erase(subject, owner)
                expect(answer._tag, `trial ${i}: ${subject}`).toBe("Retained")
                expect((yield* w.store.getKey(subject))._tag, `trial ${i}: ${subject}'s key`).toBe("Some")
              }
              const again = yield* Effect.flip(a.register({ ...input, registrationNumber: `HRB x${tag}` }))
              expect(again._tag).toBe("DuplicateApplicant")
              if (again._tag === "DuplicateApplicant") expect(again.existing).toBe(acct.id)
              const sameNumber = yield* Effect.flip(b.register({ ...input, email: `x${tag}@fraud.example` }))
              expect(sameNumber._tag).toBe("DuplicateApplicant")
              if (sameNumber._tag === "DuplicateApplicant")
                expect(sameNumber.field).toBe("registrationNumber")
            }
            yield* invariants(w)
          })
        )
    )

    it(
      `the retention sweep racing a legal hold: exactly one wins (${trials} trials, two pools)`,
      { timeout },
      () =>
        withWorld(2, (w) =>
          Effect.gen(function* () {
            for (let i = 0; i < trials; i++) {
              const subject = yield* w.erasable
              const first = w.services[0]!
              yield* first.placeLegalHold({ subject, basis: "tax", until: (yield* w.now) + MINUTE })
              expect((yield* first.erase(subject, OPERATOR))._tag).toBe("Retained")
              w.advance(2 * MINUTE) // the hold ended: the erasure is due
              const until = (yield* w.now) + YEAR
              const [a, b] = [w.services[i % 2]!, w.services[(i + 1) % 2]!]
              const [swept, hold] = yield* race(
                a.sweep,
                b.placeLegalHold({ subject, basis: "litigation", until })
              )
              const shredded = Result.isSuccess(swept) && swept.success.includes(subject)
              expect(Result.isSuccess(swept), `trial ${i}`).toBe(true)
              // the sweep won: the hold is refused; the hold won: the sweep leaves the subject alone
              expect(`${shredded ? "shredded" : "kept"}/${tagOf(hold)}`, `trial ${i}`).toBe(
                shredded ? "shredded/SubjectErased" : "kept/ok"
              )
              expect((yield* w.store.getKey(subject))._tag).toBe(shredded ? "None" : "Some")
            }
            yield* invariants(w)
          })
        )
    )

    it(
      `key rotation racing an erasure never brings the erased subject's data key back (${trials} trials, two pools, pages of 2)`,
      {
        timeout
      },
      () =>
        withWorld(2, (w) =>
          Effect.gen(function* () {
            for (let i = 0; i < trials; i++) {
              const subject = yield* w.erasable
              const [a, b] = [w.services[i % 2]!, w.services[(i + 1) % 2]!]
              const [rotated, erasure] = yield* race(a.rotateKeys, b.erase(subject, OPERATOR))
              expect(tagOf(rotated), `trial ${i}`).toBe("ok")
              expect(Result.isSuccess(erasure) && erasure.success._tag, `trial ${i}`).toBe("Erased")
              expect((yield* w.store.getKey(subject))._tag, `trial ${i}: the erased key came back`).toBe(
                "None"
              )
            }
            // every key that is left was re-wrapped under the newest version, page by page
            const dump = yield* invariants(w)
            const current = yield* w.keys.currentVersion
            expect(dump.keys.filter((k) => k.wrapped.kekVersion < current - 1)).toEqual([])
          })
        )
    )

    it(
      `retiring a key version refuses while a data key is still wrapped under it, also racing registrations (${trials} trials, two pools)`,
      {
        timeout
      },
      () =>
        withWorld(2, (w) =>
          Effect.gen(function* () {
            const [a, b] = [w.services[0]!, w.services[1]!]
            const subject = yield* w.erasable
            const old = yield* w.keys.currentVersion
            yield* w.keys.rotate // a new version, nothing re-wrapped yet
            const refused = yield* Effect.flip(b.retireKeyVersion(old))
            expect(refused).toMatchObject({ _tag: "KeyVersionInUse", kekVersion: old })
            expect((refused as { keys: number }).keys).toBeGreaterThan(0)
            expect((yield* w.store.dump).retiredKeks).toEqual([])
            const current = yield* w.keys.currentVersion
            expect(yield* Effect.flip(a.retireKeyVersion(current))).toMatchObject({ _tag: "KeyVersionInUse" })
            yield* a.rotateKeys
            expect(yield* b.retireKeyVersion(old)).toEqual({ kekVersion: old })
            expect(
              (yield* a.profile(subject, { kind: "operator", id: "ops-reader" }, "legal_hold"))[0]?._tag
            ).toBe("available")
            // a registration racing a rotation and the retirement of the version before it
            const outcomes: Record<string, number> = {}
            for (let i = 0; i < trials; i++) {
              const version = yield* w.keys.currentVersion
              const tag = randomUUID().slice(0, 12)
              const [registered, retired] = yield* race(
                w.services[i % 2]!.register(individual({ email: `${tag}@race.example` })),
                Effect.andThen(
                  w.services[(i + 1) % 2]!.rotateKeys,
                  w.services[(i + 1) % 2]!.retireKeyVersion(version)
                )
              )
              expect(tagOf(registered), `trial ${i}`).toBe("ok")
              expect(["ok", "KeyVersionInUse"], `trial ${i}`).toContain(tagOf(retired))
              outcomes[tagOf(retired)] = (outcomes[tagOf(retired)] ?? 0) + 1
            }
            yield* invariants(w)
          })
        )
    )

    it(
      `concurrent duplicate registrations lose with DuplicateApplicant, not a storage error (${trials} trials, two pools)`,
      {
        timeout
      },
      () =>
        withWorld(2, (w) =>
          Effect.gen(function* () {
            for (let i = 0; i < trials; i++) {
              const tag = randomUUID().slice(0, 12)
              // even trials: the same email; odd trials: businesses with the same registration number
              const applicant = (n: number) =>
                i % 2 === 0
                  ? individual({ email: `${tag}@race.example`, owner: { userId: `u-${tag}-${n}` } })
                  : business({
                      email: `${tag}-${n}@race.example`,
                      registrationNumber: `HRB ${tag.replace(/[^0-9]/g, "").slice(0, 6) || "1"}${i}`,
                      owner: { userId: `u-${tag}-${n}` }
                    })
              const [x, y] = yield* race(
                w.services[0]!.register(applicant(0)),
                w.services[1]!.register(applicant(1))
              )
              const won = [x, y].filter(Result.isSuccess)
              const lost = [x, y].filter(Result.isFailure)
              expect(won, `trial ${i}`).toHaveLength(1)
              expect(lost[0]?.failure, `trial ${i}`).toMatchObject({
                _tag: "DuplicateApplicant",
                field: i % 2 === 0 ? "email" : "registrationNumber",
                existing: won[0]!.success.id
              })
            }
            yield* invariants(w)
          })
        )
    )

    it(
      `random interleavings of erase, placeLegalHold, sweep, rotateKeys, retireKeyVersion and register over ${SUBJECTS} shared subjects on ${pools} pools keep every invariant (${runs} runs)`,
      {
        timeout
      },
      () =>
        withWorld(pools, (w) =>
          Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(fc.array(opArb(pools), { minLength: 4, maxLength: 12 }), (ops) =>
                Effect.runPromise(
                  Effect.gen(function* () {
                    const subjects: Array<string> = []
                    for (let i = 0; i < SUBJECTS; i++) subjects.push(yield* w.erasable)
                    const tag = randomUUID().slice(0, 8)
                    const now = yield* w.now
                    const run = (op: Op): Effect.Effect<unknown, unknown> => {
                      if (op.kind === "tick") return Effect.sync(() => w.advance(2 * MINUTE))
                      const s = w.services[op.pool]!
                      switch (op.kind) {
                        case "erase":
                          return s.erase(subjects[op.subject]!, OPERATOR)
                        case "hold":
                          return s.placeLegalHold({
                            subject: subjects[op.subject]!,
                            basis: "litigation",
                            until: now + (op.long ? YEAR : MINUTE)
                          })
                        case "sweep":
                          return s.sweep
                        case "rotate":
                          return s.rotateKeys
                        case "retire":
                          return Effect.flatMap(w.keys.currentVersion, (v) =>
                            v - op.back >= 1 ? s.retireKeyVersion(v - op.back) : Effect.void
                          )
                        case "register":
                          return s.register(
                            individual({
                              email: `${tag}-${op.email}@race.example`,
                              owner: { userId: `u-${tag}` }
                            })
                          )
                      }
                    }
                    const results = yield* Effect.forEach(
                      ops,
                      (op) => Effect.result(Effect.andThen(Effect.sleep(op.delay), run(op))),
                      { concurrency: "unbounded" }
                    )
                    const unexpected = results.flatMap((r, i) =>
                      ALLOWED[ops[i]!.kind].includes(tagOf(r))
                        ? []
                        : [`${ops[i]!.kind}: ${Result.isFailure(r) ? String(r.failure) : "?"}`]
                    )
                    expect(unexpected).toEqual([])
                    yield* invariants(w)
                  })
                )
              ),
              { numRuns: runs }
            )
          )
        )
    )
  })
}
