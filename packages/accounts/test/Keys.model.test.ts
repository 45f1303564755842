import { Notifier } from "@paykit/core"
import { Effect, ManagedRuntime } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Accounts, AccountStore, Permissions } from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

/**
 * Model-based property over the team and its restricted API keys (issue 16): random sequences of
 * invitations, removals and re-invitations of the same login ids, key creation (with and without
 * an expiry, some in the past), revocation, rolling (revoked at once or with an overlap), clock
 * ticks and permission questions with unknown names, by the owner, members of every role, a
 * stranger and an operator, against the memory store.
 *
 * The model predicts, without asking the service, the outcome of every command (`ok` or the exact
 * error `_tag`: `PermissionDenied`, `NotFound`, `IllegalTransition`, `InvalidInput`), and after
 * every command what each key may do now (`decideKey` for the view and manage permission of every
 * resource): nothing once revoked (by a member, an operator, a roll, or its creator's removal —
 * for good, whatever re-invitation follows) or from its expiry on, otherwise its access within
 * what its creator holds now. A refused command changes nothing (store dump and event log equal);
 * revoking a revoked key neither.
 */

const NUM_RUNS = 100
const T0 = Date.UTC(2026, 0, 1)
const OWNER = "user-ada"
const OPERATOR = { kind: "operator", id: "ops-1" } as const
const MEMBERS = ["user-dev", "user-sup", "user-fin", "user-view"] as const
const ACTORS = [OWNER, ...MEMBERS, "user-nobody", "operator"] as const
const RESOURCES = ["payments", "webhooks", "pii", "payouts", "api_keys"] as const
const ROLE_SETS: ReadonlyArray<ReadonlyArray<Permissions.Role>> = [
  ["developer"],
  ["support"],
  ["finance"],
  ["view_only"],
  ["administrator"],
  ["developer", "support"],
  []
]

type Runtime = ManagedRuntime.ManagedRuntime<
  Accounts.Accounts | AccountStore.AccountStore | Notifier.RecordedEvents,
  never
>

interface Real {
  readonly rt: Runtime
  readonly id: string
}

interface KeyModel {
  readonly id: string
  readonly createdBy: string
  readonly access: Partial<Record<Permissions.Resource, Permissions.Access>>
  expiresAt: number | undefined
  revoked: boolean
}

interface Model {
  now: number
  team: Map<string, ReadonlyArray<Permissions.Role>>
  keys: Array<KeyModel>
}

type Outcome = "ok" | Accounts.AccountsError["_tag"]
type Actor = (typeof ACTORS)[number]

const stats = new Map<string, number>()
const count = (key: string) => stats.set(key, (stats.get(key) ?? 0) + 1)

const actorOf = (a: Actor) => (a === "operator" ? OPERATOR : ({ kind: "member", id: a } as const))

/** What a member holds in the model: everything for the owner, the union of the roles' grants. */
const holds = (m: Model, member: string, p: Permissions.Permission) =>
  member === OWNER ||
  (m.team.has(member) && m.team.get(member)!.some((r) => Permissions.ROLES[r].includes(p)))

const accessGrants = (access: KeyModel["access"]) =>
  RESOURCES.flatMap((r) =>
    access[r] === "write" ? [`${r}:view`, `${r}:manage`] : access[r] === "read" ? [`${r}:view`] : []
  ) as ReadonlyArray<Permissions.Permission>

const keyAllows = (m: Model, k: KeyModel, p: Permissions.Permission) =>
  !k.revoked &&
  (k.expiresAt === undefined || m.now < k.expiresAt) &&
  accessGrants(k.access).includes(p) &&
  holds(m, k.createdBy, p)

const isActive = (m: Model, k: KeyModel) => !k.revoked && (k.expiresAt === undefined || m.now < k.expiresAt)

const snapshot = (r: Real) =>
  r.rt.runPromise(
    Effect.gen(function* () {
      const store = yield* AccountStore.AccountStore
      const events = yield* Notifier.RecordedEvents
      return { dump: yield* store.dump, events: (yield* events.all).length }
    })
  )

/** Runs a service call, checks its outcome against the prediction, and that a refusal changed nothing. */
const attempt = async <A>(
  r: Real,
  label: string,
  call: (s: Accounts.Accounts["Service"]) => Effect.Effect<A, Accounts.AccountsError>,
  expected: Outcome,
  unchanged = false
): Promise<A | undefined> => {
  const before = await snapshot(r)
  const exit = await r.rt.runPromise(Effect.result(Effect.flatMap(Accounts.Accounts, call)))
  const outcome: Outcome = exit._tag === "Success" ? "ok" : exit.failure._tag
  expect([label, outcome]).toEqual([label, expected])
  count(`${label}: ${outcome}`)
  if (outcome !== "ok" || unchanged) expect(await snapshot(r)).toEqual(before)
  return exit._tag === "Success" ? exit.success : undefined
}

/** After every command: what every key may do now, as the model says. */
const check = async (m: Model, r: Real) => {
  const now = await r.rt.runPromise(Effect.clockWith((c) => c.currentTimeMillis))
  expect(now).toBe(m.now)
  const a = await r.rt.runPromise(Effect.flatMap(Accounts.Accounts, (s) => s.get(r.id)))
  expect(a.apiKeys.map((k) => k.id)).toEqual(m.keys.map((k) => k.id))
  expect(new Set(a.team.members.map((x) => x.id))).toEqual(new Set([OWNER, ...m.team.keys()]))
  for (const k of m.keys) {
    expect(a.apiKeys.find((x) => x.id === k.id)?.revoked !== undefined).toBe(k.revoked)
    for (const res of RESOURCES)
      for (const action of ["view", "manage"] as const) {
        const p: Permissions.Permission = `${res}:${action}`
        const d = await r.rt.runPromise(Effect.flatMap(Accounts.Accounts, (s) => s.decideKey(r.id, k.id, p)))
        expect([k.id, p, d.allowed]).toEqual([k.id, p, keyAllows(m, k, p)])
        if (d.allowed) count("a key allowed something")
        else if (k.revoked) count("a revoked key refused")
      }
  }
}

type Cmd = fc.AsyncCommand<Model, Real>

const cmd = (label: string, body: (m: Model, r: Real) => Promise<void>): Cmd => ({
  check: () => true,
  run: async (m, r) => {
    await body(m, r)
    await check(m, r)
  },
  toString: () => label
})

const invite = (member: string, roles: ReadonlyArray<Permissions.Role>) =>
  cmd(`invite(${member}, ${roles.join("+")})`, async (m, r) => {
    const ok = member !== OWNER && !m.team.has(member)
    await attempt(
      r,
      "invite",
      (s) => s.invite(r.id, actorOf(OWNER), { id: member, roles: [...roles] }),
      ok ? "ok" : "PermissionDenied"
    )
    if (ok) {
      if (m.keys.some((k) => k.createdBy === member)) count("re-invited a member who had keys")
      m.team.set(member, roles)
    }
  })

const remove = (member: string) =>
  cmd(`remove(${member})`, async (m, r) => {
    const ok = m.team.has(member)
    await attempt(
      r,
      "remove",
      (s) => s.removeMember(r.id, actorOf(OWNER), member),
      ok ? "ok" : "PermissionDenied"
    )
    if (ok) {
      m.team.delete(member)
      for (const k of m.keys)
        if (k.createdBy === member && !k.revoked) {
          k.revoked = true
          count("a removal revoked a key")
        }
    }
  })

const leaveAndReturn = (member: (typeof MEMBERS)[number]) =>
  cmd(`leaveAndReturn(${member})`, async (m, r) => {
    if (m.team.has(member)) await create(member, { webhooks: "read" }, undefined).run(m, r)
    await remove(member).run(m, r)
    await invite(member, ["developer"]).run(m, r)
  })

const create = (actor: Actor, access: KeyModel["access"], expiresIn: number | undefined) =>
  cmd(`create(${actor}, ${JSON.stringify(access)}, ${expiresIn})`, async (m, r) => {
    const member = actor !== "operator" && (actor === OWNER || m.team.has(actor))
    const allowed =
      member && holds(m, actor, "api_keys:manage") && accessGrants(access).every((p) => holds(m, actor, p))
    const expiresAt = expiresIn === undefined ? undefined : m.now + expiresIn
    const expected: Outcome = !allowed
      ? "PermissionDenied"
      : expiresAt !== undefined && expiresAt <= m.now
        ? "InvalidInput"
        : "ok"
    const key = await attempt(
      r,
      "create",
      (s) => s.createApiKey(r.id, actorOf(actor), expiresAt === undefined ? access : { access, expiresAt }),
      expected
    )
    if (key !== undefined) {
      m.keys.push({ id: key.id, createdBy: actor, access, expiresAt, revoked: false })
      if (expiresAt !== undefined) count("created a key that expires")
    }
  })

/** The key at `index` (modulo), or an unknown id when there is none or `index` is negative. */
const pick = (m: Model, index: number) =>
  index < 0 || m.keys.length === 0 ? undefined : m.keys[index % m.keys.length]

const revoke = (actor: Actor, index: number) =>
  cmd(`revoke(${actor}, #${index})`, async (m, r) => {
    const k = pick(m, index)
    const expected: Outcome =
      actor !== "operator" && !holds(m, actor, "api_keys:manage")
        ? "PermissionDenied"
        : k === undefined
          ? "NotFound"
          : "ok"
    await attempt(
      r,
      "revoke",
      (s) => s.revokeApiKey(r.id, actorOf(actor), k?.id ?? "no-such-key"),
      expected,
      k?.revoked === true
    )
    if (expected === "ok" && k !== undefined) {
      if (k.revoked) count("revoked a revoked key (unchanged)")
      if (!isActive(m, k) && !k.revoked) count("revoked an expired key")
      k.revoked = true
    }
  })

const roll = (actor: Actor, index: number, overlap: number | undefined) =>
  cmd(`roll(${actor}, #${index}, ${overlap})`, async (m, r) => {
    const k = pick(m, index)
    const until = overlap === undefined ? undefined : m.now + overlap
    const expected: Outcome =
      actor === "operator" || !holds(m, actor, "api_keys:manage")
        ? "PermissionDenied"
        : k === undefined
          ? "NotFound"
          : !isActive(m, k)
            ? "IllegalTransition"
            : !accessGrants(k.access).every((p) => holds(m, actor, p))
              ? "PermissionDenied"
              : until !== undefined && until <= m.now
                ? "InvalidInput"
                : "ok"
    const fresh = await attempt(
      r,
      "roll",
      (s) =>
        s.rollApiKey(r.id, actorOf(actor), {
          keyId: k?.id ?? "no-such-key",
          ...(until === undefined ? {} : { oldKeyUntil: until })
        }),
      expected
    )
    if (fresh !== undefined && k !== undefined) {
      if (until === undefined) k.revoked = true
      else k.expiresAt = Math.min(until, k.expiresAt ?? until)
      m.keys.push({ id: fresh.id, createdBy: actor, access: k.access, expiresAt: undefined, revoked: false })
      count(until === undefined ? "rolled, old key revoked" : "rolled with an overlap")
    }
  })

/** The owner revokes a key twice (the second changes nothing) and tries to roll it (a revoked key cannot be). */
const revokeTwiceThenRoll = (index: number) =>
  cmd(`revokeTwiceThenRoll(#${index})`, async (m, r) => {
    await revoke(OWNER, index).run(m, r)
    await revoke(OWNER, index).run(m, r)
    await roll(OWNER, index, undefined).run(m, r)
  })

/** The owner creates a key and rolls it at once (revoked at once, or with an overlap). */
const createThenRoll = (overlap: number | undefined) =>
  cmd(`createThenRoll(${overlap})`, async (m, r) => {
    await create(OWNER, { payments: "read" }, 0).run(m, r) // an expiry that is not after now
    await create(OWNER, { payments: "read" }, undefined).run(m, r)
    await roll(OWNER, m.keys.length - 1, overlap).run(m, r)
  })

const tick = (ms: number) =>
  cmd(`tick(${ms})`, async (m, r) => {
    await r.rt.runPromise(TestClock.adjust(ms))
    m.now += ms
  })

const unknownPermission = (name: string) =>
  cmd(`decide(${JSON.stringify(name)})`, async (m, r) => {
    await attempt(
      r,
      "decide unknown",
      (s) => s.decide(r.id, OWNER, name as Permissions.Permission),
      "InvalidInput"
    )
    const k = pick(m, 0)
    if (k !== undefined)
      await attempt(
        r,
        "decideKey unknown",
        (s) => s.decideKey(r.id, k.id, name as Permissions.Permission),
        "InvalidInput"
      )
  })

const anyAccess = fc.record(
  Object.fromEntries(RESOURCES.map((res) => [res, fc.constantFrom("none", "read", "write")])) as Record<
    (typeof RESOURCES)[number],
    fc.Arbitrary<Permissions.Access>
  >,
  { requiredKeys: [] }
)

/** Mostly what a developer may give (payments read, webhooks any), sometimes anything. */
const access = fc.oneof(
  { arbitrary: anyAccess, weight: 1 },
  {
    arbitrary: fc.record(
      { payments: fc.constantFrom("none", "read"), webhooks: fc.constantFrom("none", "read", "write") },
      { requiredKeys: [] }
    ) as fc.Arbitrary<KeyModel["access"]>,
    weight: 3
  }
)

/** Mostly the owner or the developer, sometimes anyone (a stranger, an operator). */
const actor: fc.Arbitrary<Actor> = fc.oneof(
  { arbitrary: fc.constantFrom(OWNER, "user-dev"), weight: 3 },
  { arbitrary: fc.constantFrom(...ACTORS), weight: 2 }
)

const offset = fc.option(
  fc.oneof(
    { arbitrary: fc.constantFrom(0, -1, -60_000), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 600_000 }), weight: 4 }
  ),
  { nil: undefined, freq: 2 }
)

/** Mostly the developer (who creates keys), sometimes another. */
const someMember = fc.oneof(
  { arbitrary: fc.constant("user-dev"), weight: 2 },
  { arbitrary: fc.constantFrom(...MEMBERS), weight: 2 }
)

const commands = fc.commands(
  [
    fc.tuple(someMember, fc.constantFrom(...ROLE_SETS)).map(([id, roles]) => invite(id, roles)),
    someMember.map(remove),
    // the developer leaves and comes back under the same login id: their old keys stay revoked
    fc.constant(null).map(() => leaveAndReturn("user-dev")),
    fc.tuple(actor, access, offset).map(([a, x, e]) => create(a, x, e)),
    fc.tuple(actor, access, offset).map(([a, x, e]) => create(a, x, e)),
    fc.tuple(actor, fc.integer({ min: -1, max: 8 })).map(([a, i]) => revoke(a, i)),
    fc.tuple(actor, fc.integer({ min: -1, max: 8 }), offset).map(([a, i, o]) => roll(a, i, o)),
    fc.integer({ min: 0, max: 8 }).map(revokeTwiceThenRoll),
    fc.option(fc.integer({ min: 1, max: 600_000 }), { nil: undefined }).map(createThenRoll),
    fc.integer({ min: 1, max: 400_000 }).map(tick),
    fc.constantFrom("payouts:teleport", "PII:VIEW", "", "pii:view ").map(unknownPermission)
  ],
  { maxCommands: 40 }
)

describe("team and restricted API keys (model-based, issue 16)", () => {
  it(`${NUM_RUNS} random command sequences predict every outcome and what every key may do`, {
    timeout: 120_000
  }, async () => {
    stats.clear()
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const rt: Runtime = ManagedRuntime.make(Fixtures.layer())
        try {
          const a = await rt.runPromise(
            Effect.gen(function* () {
              yield* TestClock.setTime(T0)
              return yield* Effect.flatMap(Accounts.Accounts, (s) => s.register(Fixtures.business()))
            })
          )
          // the developer starts on the team (so keys get created early), and may leave and come back
          await rt.runPromise(
            Effect.flatMap(Accounts.Accounts, (s) =>
              s.invite(a.id, actorOf(OWNER), { id: "user-dev", roles: ["developer"] })
            )
          )
          const model: Model = { now: T0, team: new Map([["user-dev", ["developer"]]]), keys: [] }
          await fc.asyncModelRun(() => ({ model, real: { rt, id: a.id } }), cmds)
        } finally {
          await rt.dispose()
        }
      }),
      { numRuns: NUM_RUNS }
    )
    if (process.env["PAYKIT_STATS"]) console.log(JSON.stringify(Object.fromEntries(stats)))
    // the generators reach the interesting paths
    for (const key of [
      "create: ok",
      "create: PermissionDenied",
      "create: InvalidInput",
      "created a key that expires",
      "revoke: ok",
      "revoke: PermissionDenied",
      "revoke: NotFound",
      "revoked a revoked key (unchanged)",
      "roll: ok",
      "roll: PermissionDenied",
      "roll: NotFound",
      "roll: IllegalTransition",
      "rolled, old key revoked",
      "rolled with an overlap",
      "a removal revoked a key",
      "re-invited a member who had keys",
      "a key allowed something",
      "a revoked key refused",
      "decide unknown: InvalidInput"
    ])
      expect([key, stats.get(key) ?? 0]).not.toEqual([key, 0])
  })
})
