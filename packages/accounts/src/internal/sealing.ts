/**
 * The vault's reads and writes of personal data: a subject's erasure state, its data key, its
 * fields opened, and values sealed under its data key (created on first use).
 *
 * @internal
 */
import { Effect, Option } from "effect"
import type { Purpose } from "../Accounts.ts"
import type { SubjectKey, Transaction } from "../AccountStore.ts"
import * as Cipher from "../Cipher.ts"
import { ProcessingRestricted, SubjectErased } from "../errors.ts"
import type { Kit, Op } from "./kit.ts"

/** What sealing values for a subject writes: its new data key (if any) and the sealed fields. */
export interface Sealed {
  readonly keys: ReadonlyArray<NonNullable<Transaction["keys"]>[number]>
  readonly fields: ReadonlyArray<NonNullable<Transaction["fields"]>[number]>
}

export const make = ({ store, keys }: Kit) => {
  /** Refuses reads of an erased subject, and of a restricted one except for a legal hold. */
  const erasureState = (subject: string, now: number, purpose: Purpose) =>
    Effect.flatMap(
      store.getErasure(subject),
      (o): Effect.Effect<void, SubjectErased | ProcessingRestricted> => {
        if (Option.isNone(o)) return Effect.void
        const e = o.value
        if (e.status === "erased")
          return Effect.fail(new SubjectErased({ subject, erasedAt: e.erasedAt ?? 0 }))
        const until = e.until ?? 0
        if (until <= now) return Effect.fail(new SubjectErased({ subject, erasedAt: until }))
        return purpose === "legal_hold"
          ? Effect.void
          : Effect.fail(new ProcessingRestricted({ subject, until, basis: e.basis ?? "legal_hold" }))
      }
    )

  const dataKey = (subject: string) =>
    Effect.flatMap(store.getKey(subject), (o) =>
      Option.isNone(o)
        ? Effect.succeed(Option.none<{ key: SubjectKey; dek: Uint8Array }>())
        : Effect.map(keys.unwrap(subject, o.value.wrapped), (dek) => Option.some({ key: o.value, dek }))
    )

  /** The subject's fields, opened. */
  const readSubject = (subject: string, now: number, purpose: Purpose): Op<Record<string, string>> =>
    Effect.gen(function* () {
      yield* erasureState(subject, now, purpose)
      const k = yield* dataKey(subject)
      if (Option.isNone(k)) return {}
      const fields = yield* store.getFields(subject)
      const out: Record<string, string> = {}
      for (const f of fields) {
        out[f.field] = yield* Effect.fromResult(Cipher.open(k.value.dek, f.sealed, subject, f.field))
      }
      return out
    })

  /** Seals values for a subject, creating its data key if it has none. */
  const sealFor = (subject: string, values: Readonly<Record<string, string>>): Op<Sealed> =>
    Effect.gen(function* () {
      const existing = yield* dataKey(subject)
      let key: SubjectKey
      let dek: Uint8Array
      const created: Array<Sealed["keys"][number]> = []
      if (Option.isSome(existing)) {
        key = existing.value.key
        dek = existing.value.dek
      } else {
        dek = Cipher.generateKey()
        key = { subject, version: 1, wrapped: yield* keys.wrap(subject, dek) }
        created.push({ subject, key })
      }
      const fields = Object.entries(values).map(([field, v]) => ({
        subject,
        field,
        sealed: Cipher.seal(dek, key.version, subject, field, v) as Cipher.Sealed | null
      }))
      return { keys: created, fields }
    })

  return { readSubject, sealFor }
}

/** The vault's personal-data access. */
export type Sealing = ReturnType<typeof make>
