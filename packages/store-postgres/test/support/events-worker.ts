/**
 * A worker process for the events crash test (`test/events-crash.test.ts`). Run with
 * `node --import tsx --conditions=@paykit/source test/support/events-worker.ts '<json task>'`. It
 * opens one port's PostgreSQL store on `schema` (its own pool) under that domain's service and
 * writes through the service until it is killed, printing `{"ready":true}` once open and
 * `{"committed":n}` after each finished operation. Ids are unique per worker (`w<worker>-<n>`).
 */
import { Accounts, ClosureCheck, KeyStore, VerificationProvider } from "@paykit/accounts"
import { Fixtures } from "@paykit/accounts/testing"
import { Ids, Notifier } from "@paykit/core"
import { Fx, RateProvider, Schedule } from "@paykit/fx"
import { Ledger } from "@paykit/ledger"
import { Attributes, Risk, RuleSet } from "@paykit/risk"
import { Effect, Layer } from "effect"
import * as AccountStorePostgres from "../../src/accounts/AccountStorePostgres.ts"
import * as QuoteStorePostgres from "../../src/fx/QuoteStorePostgres.ts"
import * as LedgerStorePostgres from "../../src/ledger/LedgerStorePostgres.ts"
import * as VelocityStorePostgres from "../../src/risk/VelocityStorePostgres.ts"

export interface EventsTask {
  readonly url: string
  readonly schema: string
  readonly port: "ledger" | "accounts" | "fx" | "risk"
  readonly worker: number
  /** Concurrent writer fibers. */
  readonly fibers: number
}

const task = JSON.parse(process.argv[2] ?? "{}") as EventsTask
const db = { url: task.url, schema: task.schema, maxConnections: 3 }
const w = `w${task.worker}`

const print = (o: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(o)}\n`))

let done = 0
const committed = Effect.suspend(() => print({ committed: ++done }))

/** `fibers` loops, each running `step(n)` for n = its own 0, 1, 2, … until the process dies. */
const loops = <E, R>(step: (n: string) => Effect.Effect<unknown, E, R>) =>
  Effect.forEach(
    Array.from({ length: task.fibers }, (_, f) => f),
    (f) =>
      Effect.gen(function* () {
        for (let i = 0; ; i++) {
          yield* step(`${w}-${f}-${i}`)
          yield* committed
        }
      }),
    { concurrency: "unbounded", discard: true }
  )

const ledger = Effect.gen(function* () {
  const l = yield* Ledger.Ledger
  yield* l.createAccount({ id: `${w}:cash`, currency: "USD", code: "asset.cash", normal: "debit" })
  yield* l.createAccount({ id: `${w}:wallet`, currency: "USD", code: "liability.wallet", normal: "credit" })
  yield* print({ ready: true })
  yield* loops((id) =>
    l.post({ id, postings: [{ debit: `${w}:cash`, credit: `${w}:wallet`, amount: "1", currency: "USD" }] })
  )
}).pipe(
  Effect.provide(
    Ledger.layer({}).pipe(
      Layer.provideMerge(LedgerStorePostgres.layer(db)),
      Layer.provide([Notifier.layerNoop, Ids.layer])
    )
  )
)

const accounts = Effect.gen(function* () {
  const s = yield* Accounts.Accounts
  yield* print({ ready: true })
  // register (version 1), update the phone (2), submit the verification (3)
  yield* loops((n) =>
    Effect.gen(function* () {
      const owner = { kind: "member", id: `user-${n}` } as const
      const a = yield* s.register(
        Fixtures.individual({ email: `${n}@example.com`, owner: { userId: owner.id } })
      )
      yield* s.updateProfile(a.id, owner, { phone: "+4915100000001" })
      yield* s.submitVerification(a.id, owner)
    })
  )
}).pipe(
  Effect.provide(
    Accounts.layer().pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          AccountStorePostgres.layer(db),
          KeyStore.layerMemory,
          VerificationProvider.layerMemory,
          ClosureCheck.layerMemory,
          Ids.layer
        )
      )
    )
  )
)

const fx = Effect.gen(function* () {
  const f = yield* Fx.Fx
  yield* print({ ready: true })
  let k = 0
  // every quote is locked; two in three are executed
  yield* loops(() =>
    Effect.gen(function* () {
      const q = yield* f.quote({ direction: "send", source: "USD", target: "EUR", amount: "10000" })
      if (k++ % 3 !== 0) yield* f.execute(q.id)
    })
  )
}).pipe(
  Effect.provide(
    Fx.layer({
      schedule: Schedule.makeUnsafe({
        corridors: [{ source: "USD", target: "EUR", spreadBps: 50, feeMode: "on-top", charges: "SHA" }]
      }),
      maxRateAge: "1 hour",
      maxReferenceAge: "1 hour",
      lockFor: "30 minutes"
    }).pipe(
      Layer.provide(RateProvider.layerReferenceFromRateProvider),
      Layer.provideMerge(
        RateProvider.layerMemory([{ base: "USD", quote: "EUR", rate: "0.92", asOf: Date.now() }])
      ),
      Layer.provideMerge(QuoteStorePostgres.layer(db)),
      Layer.provide(Ids.layer)
    )
  )
)

const risk = Effect.gen(function* () {
  const r = yield* Risk.Risk
  yield* print({ ready: true })
  // every assessment raises exactly one alert, riding on its velocity record
  let k = 0
  yield* loops((id) =>
    r.assess({
      payment: {
        id,
        amount: { amount: "100", currency: "USD" },
        customerId: `cus-${w}-${k++ % 5}`,
        cardFingerprint: `fp-${w}`,
        ip: "192.0.2.1"
      }
    })
  )
}).pipe(
  Effect.provide(
    Risk.layer({
      ruleSet: RuleSet.makeUnsafe(Attributes.standard, {
        rules: [{ id: "always", description: "always", action: "review", condition: "true", alert: true }]
      })
    }).pipe(
      Layer.provideMerge(VelocityStorePostgres.layer({ ...db, cap: 1_000_000 })),
      Layer.provide(Ids.layer)
    )
  )
)

const program = { ledger, accounts, fx, risk }[task.port] as Effect.Effect<void, unknown>

Effect.runPromise(program).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${String(e)}\n`)
    process.exit(1)
  }
)
