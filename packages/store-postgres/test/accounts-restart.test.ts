import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  Accounts,
  ClosureCheck,
  DuplicateApplicant,
  KeyStore,
  KeyStoreFailure,
  VerificationProvider
} from "@paykit/accounts"
import { Fixtures } from "@paykit/accounts/testing"
import { Ids } from "@paykit/core"
import { ConfigProvider, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { afterAll, describe, expect, it } from "vitest"
import * as AccountStorePostgres from "../src/accounts/AccountStorePostgres.ts"
import * as Database from "../src/Database.ts"
import { freshSchema, serverUrl } from "./support/env.ts"

/**
 * Keys that survive a restart (issue 16): the `Accounts` service with the configured key store
 * (`KeyStore.layerConfig`, keys from the environment) over `AccountStorePostgres`, stopped
 * (`dispose()`) and started again as a new instance with the same configuration on the same
 * database — a PGlite data directory, and a PostgreSQL schema when `PAYKIT_TEST_DATABASE_URL` is
 * set. The new instance reads every profile back in plaintext and refuses a duplicate
 * registration with `DuplicateApplicant`; on PostgreSQL two instances running at once read each
 * other's data. An instance with another key ring reads nothing: `KeyStoreFailure`, not a crash.
 */

type Env = Record<string, string>

const b64 = () => randomBytes(32).toString("base64")

/** A key configuration as an operator would set it: one KEK version, one blind-index key. */
const keyEnv = (): Env => ({
  PAYKIT_ACCOUNTS_KEK_CURRENT: "1",
  PAYKIT_ACCOUNTS_KEK_1: b64(),
  PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_1: b64()
})

/**
 * One service instance: its own store layer (pool or PGlite), its own key store read from `env`
 * (or, with `"memory"`, the test-only memory key store: random keys per instance).
 */
const instance = (db: AccountStorePostgres.StoreConfig, env: Env | "memory") =>
  Accounts.client(
    Accounts.layer().pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          AccountStorePostgres.layer(db),
          env === "memory"
            ? KeyStore.layerMemory
            : KeyStore.layerConfig().pipe(
                Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
              ),
          VerificationProvider.layerMemory,
          ClosureCheck.layerMemory,
          Ids.layer
        )
      )
    )
  )

type Instance = ReturnType<typeof instance>

const applicants = [
  Fixtures.individual({ email: "jane@example.com", phone: "+4915112345001", owner: { userId: "user-jane" } }),
  Fixtures.individual({
    email: "john@example.org",
    phone: "+4915112345002",
    owner: { userId: "user-john" },
    card: { number: "4242424242424242", expMonth: 12, expYear: 2031 }
  }),
  Fixtures.business({ email: "finance@acme.example", registrationNumber: "HRB 123456" })
] as const

/** Registers every applicant and updates one profile; the ids and every profile as read now. */
const registerAll = async (accounts: Instance) => {
  const ids: Array<string> = []
  for (const a of applicants) ids.push((await accounts.register(a)).id)
  await accounts.updateProfile(
    ids[0]!,
    { kind: "member", id: "user-jane" },
    {
      address: { line1: "Invalidenstr. 1", city: "Berlin", postalCode: "10115", country: "DE" }
    }
  )
  return { ids, profiles: await readAll(accounts, ids) }
}

const readAll = async (accounts: Instance, ids: ReadonlyArray<string>) => {
  const out = []
  for (const id of ids) out.push(await accounts.profile(id, { kind: "operator", id: "ops-reader" }))
  return out
}

/** Every subject of every profile available, with the registered emails in plaintext. */
const expectReadable = (profiles: Awaited<ReturnType<typeof readAll>>) => {
  expect(profiles.flat().length).toBeGreaterThanOrEqual(applicants.length + 2)
  for (const views of profiles) for (const v of views) expect(v._tag).toBe("available")
  applicants.forEach((a, i) => {
    const holder = profiles[i]![0]!
    expect(holder._tag === "available" && holder.fields["email"]).toBe(a.email)
  })
}

const rejection = async (p: Promise<unknown>) => {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error("expected a rejection")
}

/** A duplicate of an applicant registered by another instance is refused, by email and by registration number. */
const expectDuplicatesRefused = async (accounts: Instance, ids: ReadonlyArray<string>) => {
  const byEmail = await rejection(
    accounts.register(Fixtures.individual({ email: "JANE@example.com", owner: { userId: "user-other" } }))
  )
  expect(byEmail).toBeInstanceOf(DuplicateApplicant)
  expect(byEmail).toMatchObject({ field: "email", existing: ids[0] })
  const byNumber = await rejection(
    accounts.register(Fixtures.business({ email: "other@acme.example", registrationNumber: "hrb-123456" }))
  )
  expect(byNumber).toBeInstanceOf(DuplicateApplicant)
  expect(byNumber).toMatchObject({ field: "registrationNumber", existing: ids[2] })
}

/** Register, stop, start a new instance with the same configuration, read and detect duplicates; then a stranger's ring. */
const restartScenario = async (db: AccountStorePostgres.StoreConfig) => {
  const env = keyEnv()
  const first = instance(db, env)
  const { ids, profiles } = await registerAll(first)
  expectReadable(profiles)
  await first.dispose()

  const restarted = instance(db, { ...env })
  expect(await readAll(restarted, ids)).toEqual(profiles)
  await expectDuplicatesRefused(restarted, ids)
  await restarted.dispose()

  // another key ring on the same database: the wrapped data keys do not authenticate
  const stranger = instance(db, keyEnv())
  const e = await rejection(stranger.profile(ids[0]!, { kind: "operator", id: "ops-reader" }))
  expect(e).toBeInstanceOf(KeyStoreFailure)
  expect((e as KeyStoreFailure).reason).toContain("does not authenticate")
  await stranger.dispose()
}

/**
 * The documented rotation procedure across restarts: add KEK 2 and make it current, restart,
 * `rotateKeys`, `retireKeyVersion(1)`, restart without KEK 1: everything still reads.
 */
const rotationScenario = async (db: AccountStorePostgres.StoreConfig) => {
  const env = keyEnv()
  const first = instance(db, env)
  const { ids, profiles } = await registerAll(first)
  await first.dispose()

  const withTwo: Env = {
    ...env,
    PAYKIT_ACCOUNTS_KEK_VERSIONS: "1,2",
    PAYKIT_ACCOUNTS_KEK_CURRENT: "2",
    PAYKIT_ACCOUNTS_KEK_2: b64()
  }
  const second = instance(db, withTwo)
  expect(await readAll(second, ids)).toEqual(profiles)
  const refused = await rejection(second.retireKeyVersion(1))
  expect(refused).toMatchObject({ _tag: "KeyVersionInUse", kekVersion: 1 })
  const rotated = await second.rotateKeys()
  expect(rotated.kekVersion).toBe(2)
  expect(rotated.rewrapped).toBeGreaterThanOrEqual(applicants.length + 2)
  expect(await second.retireKeyVersion(1)).toEqual({ kekVersion: 1 })
  await second.dispose()

  const { PAYKIT_ACCOUNTS_KEK_1: _retired, ...withoutOne } = withTwo
  const third = instance(db, { ...withoutOne, PAYKIT_ACCOUNTS_KEK_VERSIONS: "2" })
  expect(await readAll(third, ids)).toEqual(profiles)
  await expectDuplicatesRefused(third, ids)
  await third.dispose()
}

describe("accounts: keys survive a restart on a PGlite data directory", () => {
  const dirs: Array<string> = []
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "paykit-acct-restart-"))
    dirs.push(dir)
    return dir
  }
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it(
    "register, stop, start a new instance with the same key configuration on the same directory: every profile reads back, a duplicate is DuplicateApplicant; another key ring gets KeyStoreFailure",
    {
      timeout: 120_000
    },
    () => restartScenario({ dataDir: dataDir() })
  )

  it("why the memory key store is test-only: after a restart nothing it wrapped reads (KeyStoreFailure) and a duplicate registration goes through", {
    timeout: 120_000
  }, async () => {
    const db = { dataDir: dataDir() }
    const first = instance(db, "memory")
    const { ids } = await registerAll(first)
    await first.dispose()
    const restarted = instance(db, "memory")
    expect(
      await rejection(restarted.profile(ids[0]!, { kind: "operator", id: "ops-reader" }))
    ).toBeInstanceOf(KeyStoreFailure)
    const twin = await restarted.register(applicants[0])
    expect(twin.id).not.toBe(ids[0])
    await restarted.dispose()
  })

  it(
    "the KEK rotation procedure across restarts: add KEK 2 as current, rotateKeys, retire KEK 1, restart without it: everything reads",
    {
      timeout: 120_000
    },
    () => rotationScenario({ dataDir: dataDir() })
  )
})

describe.skipIf(serverUrl === undefined)("accounts: keys survive a restart on PostgreSQL", () => {
  const schemas: Array<string> = []
  const db = (maxConnections = 4): AccountStorePostgres.StoreConfig => {
    const schema = freshSchema("acct_restart")
    schemas.push(schema)
    return { url: serverUrl!, schema, maxConnections }
  }
  afterAll(() =>
    Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        for (const s of schemas) yield* sql.unsafe(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
      }).pipe(Effect.provide(Database.layer({ url: serverUrl!, maxConnections: 1 })), Effect.ignore)
    )
  )

  it(
    "register, stop, start a new instance with the same key configuration on the same schema: every profile reads back, a duplicate is DuplicateApplicant; another key ring gets KeyStoreFailure",
    {
      timeout: 120_000
    },
    () => restartScenario(db())
  )

  it("the KEK rotation procedure across restarts on PostgreSQL", { timeout: 120_000 }, () =>
    rotationScenario(db())
  )

  it("two instances at once on one database (two pools, one key configuration) read each other's data and refuse each other's duplicates", {
    timeout: 120_000
  }, async () => {
    const config = db()
    const env = keyEnv()
    const a = instance(config, env)
    const b = instance(config, { ...env })
    try {
      await a.ready()
      await b.ready()
      const jane = await a.register(applicants[0])
      const firm = await b.register(applicants[2])
      const fromB = (await b.profile(jane.id, { kind: "operator", id: "ops-reader" }))[0]!
      expect(fromB._tag === "available" && fromB.fields["email"]).toBe("jane@example.com")
      expect(await a.profile(firm.id, { kind: "operator", id: "ops-reader" })).toEqual(
        await b.profile(firm.id, { kind: "operator", id: "ops-reader" })
      )
      const dup = await rejection(
        b.register(Fixtures.individual({ email: "jane@EXAMPLE.com", owner: { userId: "user-x" } }))
      )
      expect(dup).toBeInstanceOf(DuplicateApplicant)
      expect(dup).toMatchObject({ field: "email", existing: jane.id })
      const dupFirm = await rejection(
        a.register(Fixtures.business({ email: "x@acme.example", registrationNumber: "HRB-123456" }))
      )
      expect(dupFirm).toMatchObject({
        _tag: "DuplicateApplicant",
        field: "registrationNumber",
        existing: firm.id
      })
      // the same new applicant on both at once: one registers, the other is DuplicateApplicant
      const john = Fixtures.individual({ email: "john@example.org", owner: { userId: "user-john" } })
      const both = await Promise.allSettled([a.register(john), b.register(john)])
      const won = both.filter((r) => r.status === "fulfilled")
      const lost = both.filter((r): r is PromiseRejectedResult => r.status === "rejected")
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(1)
      expect(lost[0]!.reason).toBeInstanceOf(DuplicateApplicant)
    } finally {
      await a.dispose()
      await b.dispose()
    }
  })
})
