/**
 * Key-encryption-key rotation and retirement in the service: data keys re-wrapped under the new
 * KEK a page per transaction by compare-and-set, and an old version retired only once no data
 * key is wrapped under it.
 *
 * @internal
 */
import { Input, Service } from "@paykit/core"
import { Effect, Option, Result } from "effect"
import type { Accounts } from "../Accounts.ts"
import type { SubjectKey } from "../AccountStore.ts"
import { KeyStoreFailure, KeyVersionInUse } from "../errors.ts"
import * as Events from "../Events.ts"
import { KekVersion } from "./inputs.ts"
import { conflictOf, type Kit, type Op, type Plan, RACE_ATTEMPTS, races } from "./kit.ts"

const decodeKekVersion = Input.decode("retireKeyVersion", KekVersion)

/** The retirement of `version` while `current` is the KEK in use (pure): never the current one, nor a future one. */
export const planRetirement = (
  version: number,
  current: number,
  now: number
): Result.Result<Plan<{ readonly kekVersion: number }>, KeyVersionInUse | KeyStoreFailure> =>
  version >= current
    ? Result.fail(
        version === current
          ? new KeyVersionInUse({ kekVersion: version, keys: 0 })
          : new KeyStoreFailure({ reason: `KEK version ${version} does not exist yet` })
      )
    : Result.succeed(
        Service.commit({
          write: { retireKeks: [version] },
          events: [
            { type: Events.TYPES.keyVersionRetired, at: now, subject: "kek", data: { kekVersion: version } }
          ],
          result: { kekVersion: version }
        })
      )

export const make = (kit: Kit) => {
  const { store, keys, skeleton, pageSize } = kit

  /**
   * Re-wraps one page of data keys under the current KEK by compare-and-set: a key erased or
   * re-wrapped since the page was read is left alone (its stale wrapping may no longer unwrap:
   * skipped when the stored key changed). How many were re-wrapped.
   */
  const rewrapPage = (page: ReadonlyArray<SubjectKey>): Op<number> =>
    Effect.gen(function* () {
      const rewraps: Array<{ subject: string; from: SubjectKey["wrapped"]; to: SubjectKey["wrapped"] }> = []
      for (const k of page) {
        const dek = yield* keys.unwrap(k.subject, k.wrapped).pipe(
          Effect.map(Option.some),
          Effect.catchTag("KeyStoreFailure", (e) =>
            Effect.flatMap(store.getKey(k.subject), (now) =>
              Option.isSome(now) &&
              now.value.wrapped.kekVersion === k.wrapped.kekVersion &&
              now.value.wrapped.wrapped === k.wrapped.wrapped
                ? Effect.fail(e)
                : Effect.succeed(Option.none<Uint8Array>())
            )
          )
        )
        if (Option.isNone(dek)) continue
        rewraps.push({ subject: k.subject, from: k.wrapped, to: yield* keys.wrap(k.subject, dek.value) })
      }
      return rewraps.length === 0 ? 0 : yield* store.rewrapKeys(rewraps)
    })

  /** Every data key under an older version than `version` re-wrapped, page after page; how many. */
  const rewrapAll = (version: number): Op<number> =>
    Effect.gen(function* () {
      let after: string | null = null
      let rewrapped = 0
      while (true) {
        const from: string | null = after
        // wrapped under a version retired meanwhile (a newer rotation ran): read the page again
        const step: { readonly page: ReadonlyArray<SubjectKey>; readonly n: number } =
          yield* Service.retrying(
            Effect.flatMap(store.keysPage(from, pageSize, version), (page) =>
              Effect.map(rewrapPage(page), (n) => ({ page, n }))
            ),
            races("KeyVersionRetired"),
            RACE_ATTEMPTS
          )
        rewrapped += step.n
        if (step.page.length < pageSize) return rewrapped
        after = step.page[step.page.length - 1]!.subject
      }
    })

  /**
   * Rotation: a new KEK version, then every data key under an older one re-wrapped, a page
   * (`rotationPageSize` subjects) per transaction, continuing after the page's last subject. Its
   * event is committed even when no key needed re-wrapping (an events-only commit).
   */
  const rotateKeys: Accounts["Service"]["rotateKeys"] = skeleton.run({
    input: Service.noInput,
    load: Service.noState,
    plan: (_, __, now) =>
      Effect.gen(function* () {
        const kekVersion = yield* keys.rotate
        const rewrapped = yield* rewrapAll(kekVersion)
        return Service.commit({
          write: {},
          events: [
            { type: Events.TYPES.keysRotated, at: now, subject: "kek", data: { kekVersion, rewrapped } }
          ],
          result: { kekVersion, rewrapped }
        })
      })
  })

  /**
   * Retires an old KEK version: the store marks it retired only if no data key is wrapped under
   * it any more (checked under the version's lock, which every key write under it shares), and
   * only then does the key store forget it. The current version is never retired.
   */
  const retireKeyVersion: Accounts["Service"]["retireKeyVersion"] = (version) =>
    skeleton
      .run({
        input: decodeKekVersion(version),
        load: () => keys.currentVersion,
        plan: (current, version, now) => Effect.fromResult(planRetirement(version, current, now))
      })
      .pipe(
        Effect.catchIf(
          (e) => conflictOf(e, "KeyVersionInUse") !== undefined,
          (e) => {
            const c = conflictOf(e, "KeyVersionInUse")!
            return Effect.fail(new KeyVersionInUse({ kekVersion: c.kekVersion, keys: c.keys }))
          }
        ),
        Effect.tap((r) => keys.retire(r.kekVersion))
      )

  return { rotateKeys, retireKeyVersion }
}
