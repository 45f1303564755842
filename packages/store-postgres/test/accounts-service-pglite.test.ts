import { Accounts, ClosureCheck, KeyStore, Registration, VerificationProvider } from "@paykit/accounts"
import { Arbitraries, Fixtures } from "@paykit/accounts/testing"
import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as AccountStorePostgres from "../src/accounts/AccountStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"

/**
 * The `Accounts` service end to end over `AccountStorePostgres` on PGlite: generated profiles
 * registered, updated and verified through the service, two subjects erased (one at once, one
 * when its legal hold ends, by `sweep`), then every text and JSON column of every
 * `paykit_accounts_*` table is scanned for the profiles' plaintext emails, phones and card numbers.
 */

const PROFILES = 300
const T0 = Date.UTC(2026, 0, 1)
const DAY = 86_400_000
const OPERATOR = { kind: "operator", id: "ops-1" } as const

const layer = Accounts.layer().pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      TestStores.pgliteSharedWith("acct_service", (schema) => AccountStorePostgres.layerClient({ schema })),
      KeyStore.layerMemory,
      VerificationProvider.layerMemory,
      ClosureCheck.layerMemory,
      Notifier.layerMemory,
      Ids.layerSeeded(7)
    )
  ),
  Layer.provideMerge(TestClock.layer())
)

const digitsOf = (s: string) => s.replace(/\D/g, "")
/** Digits separated by any of the usual separators (space, dash, dot, slash, parentheses, plus). */
const PHONE_RUN = /\d(?:[\s\-./()+]*\d)*/g
/** 13 to 19 digits, possibly grouped by spaces or dashes, not inside a longer token. */
const CARD_RUN = /(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])/g

const updatedPhone = (p: string) => p.replace(/\d$/, (d) => (d === "7" ? "8" : "7"))

describe("Accounts service over AccountStorePostgres on PGlite", () => {
  it(`${PROFILES} generated profiles leave no plaintext email, phone or card number in any paykit_accounts_* table; erased subjects keep no key or field rows`, {
    timeout: 60_000
  }, async () => {
    const inputs = Array.from(
      { length: PROFILES },
      (_, i) => fc.sample(Arbitraries.individual(i), { numRuns: 1, seed: 1_000 + i })[0]!
    )
    const repPhone = (i: number) => `+4915199988${800 + i}`
    const businesses = [0, 1].map((i) =>
      Fixtures.business({
        email: `finance${i}@acme${i}.example`,
        phone: `+4930123456${700 + i}`,
        registrationNumber: `HRB ${900_000 + i}`,
        representative: {
          ...Fixtures.business().representative,
          email: `rep${i}@acme${i}.example`,
          phone: repPhone(i)
        }
      })
    )
    const out = await Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const s = yield* Accounts.Accounts
        const sql = yield* SqlClient.SqlClient

        const ids: Array<string> = []
        for (const input of inputs) {
          const owner = { kind: "member", id: input.owner.userId } as const
          const a = yield* s.register(input)
          yield* s.updateProfile(a.id, owner, { phone: updatedPhone(input.phone) })
          ids.push(a.id)
        }
        // every fourth is verified (and active); the first stays pending, to be withdrawn and erased
        for (let i = 4; i < ids.length; i += 4) {
          yield* s.submitVerification(ids[i]!, { kind: "member", id: inputs[i]!.owner.userId })
        }
        const firms = []
        for (const b of businesses) firms.push(yield* s.register(b))

        // erased at once: a pending individual, withdrawn (no legal hold)
        const victim = ids[0]!
        yield* s.transition(victim, OPERATOR, "withdraw")
        expect(yield* s.erase(victim, OPERATOR)).toEqual({ _tag: "Erased", subject: victim, erasedAt: T0 })
        // erased by the sweep when its hold ends: a business's representative
        const firm = firms[0]!
        const rep = firm.persons.find((p) => p.role === "representative")!.id
        yield* s.transition(firm.id, OPERATOR, "withdraw")
        yield* s.placeLegalHold({ subject: rep, basis: "litigation", until: T0 + DAY })
        expect((yield* s.erase(rep, OPERATOR))._tag).toBe("Retained")
        yield* TestClock.setTime(T0 + DAY - 1)
        expect(yield* s.sweep).toEqual([])
        yield* TestClock.setTime(T0 + DAY)
        expect(yield* s.sweep).toEqual([rep])

        // what the service still reads: the erased subjects are gone, the others decrypt
        expect((yield* s.profile(victim, { kind: "operator", id: "ops-reader" })).map((v) => v._tag)).toEqual(
          ["erased"]
        )
        const firmViews = yield* s.profile(firm.id, { kind: "operator", id: "ops-reader" })
        for (const v of firmViews) expect(v._tag).toBe(v.subject === rep ? "erased" : "available")
        const sample = yield* s.profile(ids[1]!, { kind: "operator", id: "ops-reader" })
        expect(sample[0]?._tag === "available" && sample[0].fields["email"]).toBe(inputs[1]!.email)

        // every text and JSON column of every account table
        const columns = yield* sql<{ table_name: string; column_name: string }>`
          SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name LIKE 'paykit\\_accounts\\_%'
            AND table_name <> 'paykit_accounts_migrations'
            AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
          ORDER BY table_name, ordinal_position`
        const values: Array<string> = []
        for (const c of columns) {
          const rows = yield* sql.unsafe<{ v: string }>(
            `SELECT "${c.column_name}"::text AS v FROM "${c.table_name}" WHERE "${c.column_name}" IS NOT NULL`
          )
          for (const r of rows) values.push(r.v)
        }
        const count = (table: string, subject: string) =>
          sql.unsafe<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE subject = $1`, [subject])
        const left = []
        for (const subject of [victim, rep]) {
          left.push({
            subject,
            keys: (yield* count("paykit_accounts_keys", subject))[0]?.n,
            fields: (yield* count("paykit_accounts_fields", subject))[0]?.n
          })
        }
        const [keys] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM paykit_accounts_keys`
        const [erasures] = yield* sql<{ n: number }>`
          SELECT count(*)::int AS n FROM paykit_accounts_erasures WHERE status = 'erased'`
        const holder = yield* s.get(victim)
        return { columns, values, left, keys: keys?.n, erasures: erasures?.n, holder, firms }
      }).pipe(Effect.provide(layer))
    )

    // the scan covered every account table and its text/JSON columns
    const tables = new Set(out.columns.map((c) => c.table_name))
    expect([...tables].sort()).toEqual([
      "paykit_accounts_accounts",
      "paykit_accounts_audit",
      "paykit_accounts_erasures",
      "paykit_accounts_fields",
      "paykit_accounts_holds",
      "paykit_accounts_index",
      "paykit_accounts_keys"
    ])
    expect(
      out.columns.some((c) => c.table_name === "paykit_accounts_accounts" && c.column_name === "data")
    ).toBe(true)
    expect(out.values.length).toBeGreaterThan(PROFILES * 10)

    // emails: `includes` over every value that could hold one (it holds "@"), also lower-cased
    const emails = [
      ...inputs.map((i) => i.email),
      ...businesses.flatMap((b) => [b.email, b.representative.email as string])
    ]
    const withAt = out.values.filter((v) => v.includes("@")).join("\n")
    expect(
      emails.filter((e) => withAt.includes(e) || withAt.toLowerCase().includes(e.toLowerCase()))
    ).toEqual([])
    // phones (registered and updated) as digit strings, separators stripped, in every window of
    // every digit run; card numbers likewise, and no Luhn-valid card-shaped run at all
    const phones = new Set(
      [
        ...inputs.flatMap((i) => [i.phone, updatedPhone(i.phone)]),
        ...businesses.flatMap((b, i) => [b.phone, repPhone(i)])
      ].map(digitsOf)
    )
    const lengths = [...new Set([...phones].map((p) => p.length))]
    const cards = new Set(inputs.map((i) => i.card.number))
    const leaks: Array<string> = []
    for (const v of out.values) {
      for (const run of v.match(PHONE_RUN) ?? []) {
        const d = digitsOf(run)
        if (d.length < 11) continue
        for (let i = 0; i < d.length; i++) {
          for (const n of lengths) if (phones.has(d.slice(i, i + n))) leaks.push(`phone ${run}`)
          if (cards.has(d.slice(i, i + 16))) leaks.push(`card ${run}`)
        }
      }
      for (const run of v.match(CARD_RUN) ?? [])
        if (Registration.luhn(digitsOf(run))) leaks.push(`luhn ${run}`)
    }
    expect(leaks).toEqual([])

    // the erased subjects have no key and no sealed field left; everyone else keeps theirs
    expect(out.left).toEqual(out.left.map((l) => ({ subject: l.subject, keys: 0, fields: 0 })))
    expect(out.erasures).toBe(2)
    const subjects = PROFILES + out.firms.reduce((n, f) => n + 1 + f.persons.length, 0)
    expect(out.keys).toBe(subjects - 2)
    // the erased holder's blind index, card and bank summaries are dropped from the account
    expect(out.holder.emailIndex).toBeUndefined()
    expect(out.holder.card).toBeUndefined()
    expect(out.holder.bank).toBeUndefined()
  })
})
