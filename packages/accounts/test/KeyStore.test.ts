import { randomBytes } from "node:crypto"
import { inspect } from "node:util"
import { Ids, Notifier } from "@paykit/core"
import { ConfigProvider, Context, Effect, Layer, Redacted, type Scope } from "effect"
import { describe, expect, it } from "vitest"
import { Accounts, AccountStore, ClosureCheck, KeyStore, VerificationProvider } from "../src/index.ts"
import { Fixtures, KeyStoreContract } from "../src/testing/index.ts"

/**
 * The configured key store (issue 16, "keys that survive a restart"): the contract on a
 * configured ring and on one read from the environment, settings validated with errors naming
 * the setting and never the key, the same configuration reading what another instance wrapped,
 * rotation that never invents a key, and duplicate detection across a blind-index key rotation.
 */

const key = () => randomBytes(32).toString("base64")
const K1 = key()
const K2 = key()
const B1 = key()
const B2 = key()
const SECRETS = [K1, K2, B1, B2]
const hexOf = (b64: string) => Buffer.from(b64, "base64").toString("hex")

const ring = (over: Partial<KeyStore.KeyRing> = {}): KeyStore.KeyRing => ({
  keks: { 1: Redacted.make(K1), 2: Redacted.make(K2) },
  current: 1,
  blindIndexKeys: { 1: Redacted.make(B1), 2: Redacted.make(B2) },
  blindIndexCurrent: 2,
  ...over
})

const ENV = {
  PAYKIT_ACCOUNTS_KEK_VERSIONS: "1,2",
  PAYKIT_ACCOUNTS_KEK_CURRENT: "1",
  PAYKIT_ACCOUNTS_KEK_1: K1,
  PAYKIT_ACCOUNTS_KEK_2: K2,
  PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_VERSIONS: "1,2",
  PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_CURRENT: "2",
  PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_1: B1,
  PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_2: B2
}

const fromEnv = (env: Record<string, string>) =>
  KeyStore.makeConfig().pipe(
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
  )

const envLayer = (env: Record<string, string>) =>
  KeyStore.layerConfig().pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))

KeyStoreContract.suite("configured ring (KeyStore.layer)", KeyStore.layer(ring()))
KeyStoreContract.suite("configured from the environment (KeyStore.layerConfig)", envLayer(ENV))

/** No key, in base64 or hex, anywhere in `text`. */
const expectNoSecret = (text: string) => {
  for (const s of SECRETS) {
    expect(text).not.toContain(s)
    expect(text).not.toContain(hexOf(s))
  }
}

const configError = (env: Record<string, string>) => Effect.runPromise(Effect.flip(fromEnv(env)))

describe("KeyStore.layerConfig: settings validated, each error names the setting and never a key", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, string | undefined>, string, string]> = [
    [
      "the current KEK version missing",
      { PAYKIT_ACCOUNTS_KEK_CURRENT: undefined },
      "PAYKIT_ACCOUNTS_KEK_CURRENT",
      "is missing"
    ],
    [
      "a KEK that is not base64",
      { PAYKIT_ACCOUNTS_KEK_2: `${K2.slice(0, 40)}!!!=` },
      "PAYKIT_ACCOUNTS_KEK_2",
      "is not base64"
    ],
    [
      "a KEK of 16 bytes",
      { PAYKIT_ACCOUNTS_KEK_1: randomBytes(16).toString("base64") },
      "PAYKIT_ACCOUNTS_KEK_1",
      "decodes to 16 bytes"
    ],
    [
      "a KEK of 33 bytes",
      {
        PAYKIT_ACCOUNTS_KEK_1: Buffer.concat([Buffer.from(K1, "base64"), Buffer.from([1])]).toString("base64")
      },
      "PAYKIT_ACCOUNTS_KEK_1",
      "decodes to 33 bytes"
    ],
    [
      "a listed KEK version without its key",
      { PAYKIT_ACCOUNTS_KEK_2: undefined },
      "PAYKIT_ACCOUNTS_KEK_2",
      "is missing"
    ],
    [
      "the current version not in the ring",
      { PAYKIT_ACCOUNTS_KEK_CURRENT: "3" },
      "PAYKIT_ACCOUNTS_KEK_CURRENT",
      "add PAYKIT_ACCOUNTS_KEK_3"
    ],
    [
      "a current version that is not a number",
      { PAYKIT_ACCOUNTS_KEK_CURRENT: "latest" },
      "PAYKIT_ACCOUNTS_KEK_CURRENT",
      "positive integer"
    ],
    [
      "a version list with a non-version",
      { PAYKIT_ACCOUNTS_KEK_VERSIONS: "1,two" },
      "PAYKIT_ACCOUNTS_KEK_VERSIONS",
      "positive integers"
    ],
    [
      "the blind-index key missing",
      { PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_2: undefined },
      "PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_2",
      "is missing"
    ],
    [
      "the current blind-index version not configured",
      { PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_CURRENT: "7", PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_VERSIONS: "1,2,3" },
      "PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_3",
      "is missing"
    ],
    [
      "a blind-index key that is a KEK",
      { PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_1: K1 },
      "PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_1",
      "same key as PAYKIT_ACCOUNTS_KEK_1"
    ],
    [
      "two KEK versions with one key",
      { PAYKIT_ACCOUNTS_KEK_2: K1 },
      "PAYKIT_ACCOUNTS_KEK_2",
      "same key as PAYKIT_ACCOUNTS_KEK_1"
    ]
  ]
  for (const [name, change, setting, reason] of cases) {
    it(`${name}: InvalidKeyConfiguration naming ${setting}`, async () => {
      const env: Record<string, string> = { ...ENV }
      for (const [k, v] of Object.entries(change)) {
        if (v === undefined) delete env[k]
        else env[k] = v
      }
      const e = await configError(env)
      expect(e._tag).toBe("InvalidKeyConfiguration")
      expect(e.setting).toBe(setting)
      expect(e.message).toContain(reason)
      expectNoSecret(`${e.message} ${String(e)} ${JSON.stringify(e)} ${inspect(e, { depth: 8 })} ${e.stack}`)
      for (const v of Object.values(change))
        if (v !== undefined && v.length > 8) expect(e.message).not.toContain(v)
    })
  }

  it("the defaults: only PAYKIT_ACCOUNTS_KEK_CURRENT and the keys it names are needed", async () => {
    const ks = await Effect.runPromise(
      fromEnv({
        PAYKIT_ACCOUNTS_KEK_CURRENT: "4",
        PAYKIT_ACCOUNTS_KEK_4: K1,
        PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_1: B1
      })
    )
    expect(await Effect.runPromise(ks.currentVersion)).toBe(4)
    expect(await Effect.runPromise(ks.blindIndexes("email", "a@b.c"))).toHaveLength(1)
  })

  it("a prefix renames every setting", async () => {
    const env = Object.fromEntries(
      Object.entries(ENV).map(([k, v]) => [k.replace("PAYKIT_ACCOUNTS", "SHOP"), v])
    )
    const ks = await Effect.runPromise(
      KeyStore.makeConfig({ prefix: "SHOP" }).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
      )
    )
    expect(await Effect.runPromise(ks.currentVersion)).toBe(1)
    const e = await Effect.runPromise(
      Effect.flip(
        KeyStore.makeConfig({ prefix: "SHOP" }).pipe(
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: {} }))
        )
      )
    )
    expect(e.setting).toBe("SHOP_KEK_CURRENT")
  })
})

describe("KeyStore.make: a hostile ring is refused naming the field, never a defect", () => {
  const hostile: ReadonlyArray<readonly [string, unknown, string]> = [
    ["null", null, "keks"],
    ["{}", {}, "keks"],
    ["keks a string", { ...ring(), keks: "K1" }, "keks"],
    ["keks empty", { ...ring(), keks: {} }, "keks"],
    ["a key not Redacted", { ...ring(), keks: { 1: K1 } }, "keks.1"],
    ["a Redacted number", { ...ring(), keks: { 1: Redacted.make(42) } }, "keks.1"],
    ["version -1", { ...ring(), keks: { "-1": Redacted.make(K1) } }, 'keks (version "-1")'],
    ["version 1.5", { ...ring(), keks: { "1.5": Redacted.make(K1) } }, 'keks (version "1.5")'],
    ["current 1.5", { ...ring(), current: 1.5 }, "current"],
    ["current NaN", { ...ring(), current: Number.NaN }, "current"],
    ["current a string", { ...ring(), current: "1" }, "current"],
    ["current not in the ring", { ...ring(), current: 9 }, "current"],
    ["no blind-index keys", { ...ring(), blindIndexKeys: undefined }, "blindIndexKeys"],
    ["blind-index current 0", { ...ring(), blindIndexCurrent: 0 }, "blindIndexCurrent"]
  ]
  for (const [label, input, field] of hostile) {
    it(`${label}: InvalidKeyConfiguration naming ${field}`, async () => {
      const e = await Effect.runPromise(Effect.flip(KeyStore.make(input as KeyStore.KeyRing)))
      expect(e._tag).toBe("InvalidKeyConfiguration")
      expect(e.setting).toBe(field)
      expectNoSecret(`${e.message} ${JSON.stringify(e)}`)
    })
  }
})

describe("the configured key store", () => {
  it("holds its keys out of sight: toString, inspect and JSON of the service and of the ring show no key", async () => {
    const ks = await Effect.runPromise(KeyStore.make(ring()))
    expectNoSecret(`${String(ks)} ${inspect(ks, { depth: 10, showHidden: true })} ${JSON.stringify(ks)}`)
    expectNoSecret(`${String(ring().keks[1])} ${JSON.stringify(ring())} ${inspect(ring(), { depth: 10 })}`)
  })

  it("another instance with the same configuration unwraps what the first wrapped and computes the same blind indexes", async () => {
    const dek = new Uint8Array(randomBytes(32))
    const first = await Effect.runPromise(fromEnv(ENV))
    const wrapped = await Effect.runPromise(first.wrap("subject-1", dek))
    const index = await Effect.runPromise(first.blindIndexes("email", "jane@example.com"))
    const restarted = await Effect.runPromise(fromEnv({ ...ENV }))
    expect([...(await Effect.runPromise(restarted.unwrap("subject-1", wrapped)))]).toEqual([...dek])
    expect(await Effect.runPromise(restarted.blindIndexes("email", "jane@example.com"))).toEqual(index)
    // and the ring given in code is the same ring
    const inCode = await Effect.runPromise(KeyStore.make(ring()))
    expect([...(await Effect.runPromise(inCode.unwrap("subject-1", wrapped)))]).toEqual([...dek])
  })

  it("an instance with another key ring cannot unwrap: KeyStoreFailure, not a crash, and no key in the message", async () => {
    const first = await Effect.runPromise(KeyStore.make(ring()))
    const wrapped = await Effect.runPromise(first.wrap("subject-1", new Uint8Array(32).fill(7)))
    const other = await Effect.runPromise(
      KeyStore.make(ring({ keks: { 1: Redacted.make(key()), 2: Redacted.make(key()) } }))
    )
    const e = await Effect.runPromise(Effect.flip(other.unwrap("subject-1", wrapped)))
    expect(e._tag).toBe("KeyStoreFailure")
    expect(e.reason).toContain("does not authenticate under KEK version 1")
    const missing = await Effect.runPromise(
      KeyStore.make(ring({ keks: { 2: Redacted.make(K2) }, current: 2 }))
    )
    const gone = await Effect.runPromise(Effect.flip(missing.unwrap("subject-1", wrapped)))
    expect(gone.reason).toContain("KEK version 1 is unknown or retired")
    expectNoSecret(`${e.message} ${gone.message}`)
  })

  it("rotate never invents a key: it moves to the highest configured version, then stays there", async () => {
    const ks = await Effect.runPromise(
      KeyStore.make(ring({ keks: { 1: Redacted.make(K1), 3: Redacted.make(K2) } }))
    )
    expect(await Effect.runPromise(ks.currentVersion)).toBe(1)
    expect(await Effect.runPromise(ks.rotate)).toBe(3)
    expect(await Effect.runPromise(ks.rotate)).toBe(3)
    expect((await Effect.runPromise(ks.wrap("s", new Uint8Array(32)))).kekVersion).toBe(3)
    // a ring of one version: rotate answers that version, and every wrap stays under it
    const single = await Effect.runPromise(
      KeyStore.make(ring({ keks: { 5: Redacted.make(K1) }, current: 5 }))
    )
    expect(await Effect.runPromise(single.rotate)).toBe(5)
    expect((await Effect.runPromise(single.wrap("s", new Uint8Array(32)))).kekVersion).toBe(5)
    expect((await Effect.runPromise(Effect.flip(single.retire(5))))._tag).toBe("KeyStoreFailure")
  })
})

describe("duplicate detection across a blind-index key rotation (lookups try every configured version)", () => {
  const kek = { keks: { 1: Redacted.make(K1) }, current: 1 }
  const before = { ...kek, blindIndexKeys: { 1: Redacted.make(B1) }, blindIndexCurrent: 1 }
  const rotated = {
    ...kek,
    blindIndexKeys: { 1: Redacted.make(B1), 2: Redacted.make(B2) },
    blindIndexCurrent: 2
  }
  const dropped = { ...kek, blindIndexKeys: { 2: Redacted.make(B2) }, blindIndexCurrent: 2 }

  /** One memory account store shared by service instances that differ only in their key ring. */
  const withStore = <A, E>(
    f: (
      instance: (ring: KeyStore.KeyRing) => Effect.Effect<Accounts.Accounts["Service"], unknown, Scope.Scope>
    ) => Effect.Effect<A, E, Scope.Scope>
  ) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* Layer.build(
            AccountStore.layerMemory.pipe(Layer.provideMerge(Notifier.layerMemory))
          )
          let seed = 1
          const instance = (r: KeyStore.KeyRing) =>
            Effect.map(
              Layer.build(
                Accounts.layer().pipe(
                  Layer.provide(
                    Layer.mergeAll(
                      Layer.succeedContext(store),
                      KeyStore.layer(r),
                      VerificationProvider.layerMemory,
                      ClosureCheck.layerMemory,
                      Ids.layerSeeded(seed++)
                    )
                  )
                )
              ),
              (ctx) => Context.get(ctx, Accounts.Accounts)
            )
          return yield* f(instance)
        })
      ) as Effect.Effect<A, unknown>
    )

  it("an email and a registration number indexed under blind-index key 1 are still duplicates once key 2 is current", () =>
    withStore((instance) =>
      Effect.gen(function* () {
        const a = yield* instance(before)
        const jane = yield* a.register(Fixtures.individual({ email: "jane@example.com" }))
        const firm = yield* a.register(
          Fixtures.business({ email: "finance@acme.example", registrationNumber: "HRB 123456" })
        )
        const b = yield* instance(rotated)
        const byEmail = yield* Effect.flip(b.register(Fixtures.individual({ email: "JANE@example.com" })))
        expect(byEmail).toMatchObject({ _tag: "DuplicateApplicant", field: "email", existing: jane.id })
        const byNumber = yield* Effect.flip(
          b.register(Fixtures.business({ email: "other@acme.example", registrationNumber: "hrb-123456" }))
        )
        expect(byNumber).toMatchObject({
          _tag: "DuplicateApplicant",
          field: "registrationNumber",
          existing: firm.id
        })
        // a new registration is indexed under key 2, and found by instances with either ring that holds it
        const john = yield* b.register(Fixtures.individual({ email: "john@example.com" }))
        const again = yield* Effect.flip(b.register(Fixtures.individual({ email: "john@example.com" })))
        expect(again).toMatchObject({ _tag: "DuplicateApplicant", existing: john.id })
        // changing an email to one indexed under the old key is refused too
        const moved = yield* Effect.flip(
          b.updateProfile(
            john.id,
            { kind: "member", id: Fixtures.individual().owner.userId },
            { email: "jane@example.com" }
          )
        )
        expect(moved).toMatchObject({ _tag: "DuplicateApplicant", field: "email", existing: jane.id })
        // and the data registered before the rotation still reads
        const view = (yield* b.profile(jane.id, { kind: "operator", id: "ops-reader" }))[0]!
        expect(view._tag === "available" && view.fields["email"]).toBe("jane@example.com")
      })
    ))

  it("dropping the old blind-index version from the configuration stops finding what was indexed under it (keep it configured)", () =>
    withStore((instance) =>
      Effect.gen(function* () {
        const a = yield* instance(before)
        yield* a.register(Fixtures.individual({ email: "jane@example.com" }))
        const c = yield* instance(dropped)
        // not a duplicate any more: the reason old blind-index versions stay in the configuration
        const twin = yield* c.register(Fixtures.individual({ email: "jane@example.com" }))
        expect(twin.id).toBeTypeOf("string")
      })
    ))
})
