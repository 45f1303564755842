import type { Money } from "@paykit/core"
import { Context, Effect, Layer, Ref } from "effect"
import type { StoreFailure } from "./errors.ts"

/**
 * What ending an account's relationship (close, reject, withdraw) depends on outside this
 * package: its balances (every currency), its open disputes and, optionally, whether the ledger
 * or disputes side has seen any activity for it (`activity: true` once anything was posted, paid
 * or disputed, even when every balance is back to zero). Reported activity is one of the signals
 * that the relationship had activity, so its end places the AML retention hold
 * (`Lifecycle.hadActivity`); leave it out when the account's recorded volume is the whole story.
 *
 * @example
 * ```ts
 * import type { ClosureCheck } from "@paykit/accounts"
 * const clean: ClosureCheck.Standing = { balances: [], openDisputes: 0 }
 * const settled: ClosureCheck.Standing = { balances: [], openDisputes: 0, activity: true }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Standing {
  readonly balances: ReadonlyArray<Money.Money>
  readonly openDisputes: number
  /** The ledger or disputes side saw activity for the account (since 0.5.0; absent: none reported). */
  readonly activity?: boolean
}

/**
 * The "can end" port, implemented on the ledger side (balances) and by disputes. An account
 * closes, is rejected or withdraws only when every balance is zero and no dispute is open.
 *
 * @example
 * ```ts
 * import { ClosureCheck } from "@paykit/accounts"
 * import { Effect, Layer } from "effect"
 * // the ledger side implements it from balances and disputes
 * const fromLedger = Layer.succeed(ClosureCheck.ClosureCheck, ClosureCheck.ClosureCheck.of({
 *   standing: () => Effect.succeed({ balances: [], openDisputes: 0 })
 * }))
 * ```
 * @category services
 * @since 0.1.0
 */
export class ClosureCheck extends Context.Service<
  ClosureCheck,
  { readonly standing: (accountId: string) => Effect.Effect<Standing, StoreFailure> }
>()("@paykit/accounts/ClosureCheck") {}

/**
 * Sets the memory standing of an account (tests and demos).
 *
 * @example
 * ```ts
 * import { ClosureCheck } from "@paykit/accounts"
 * import { Effect } from "effect"
 * const program = Effect.flatMap(ClosureCheck.MemoryStanding, (s) => s.set("acc", { balances: [], openDisputes: 1 }))
 * ```
 * @category services
 * @since 0.1.0
 */
export class MemoryStanding extends Context.Service<
  MemoryStanding,
  { readonly set: (accountId: string, standing: Standing) => Effect.Effect<void> }
>()("@paykit/accounts/MemoryStanding") {}

/**
 * A memory `ClosureCheck`: every account has zero balances and no disputes unless set otherwise
 * through `MemoryStanding`.
 *
 * @example
 * ```ts
 * import { ClosureCheck } from "@paykit/accounts"
 * import { Effect } from "effect"
 * const program = Effect.flatMap(ClosureCheck.ClosureCheck, (c) => c.standing("acc")).pipe(Effect.provide(ClosureCheck.layerMemory))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<ClosureCheck | MemoryStanding> = Layer.effectContext(
  Effect.gen(function* () {
    const ref = yield* Ref.make(new Map<string, Standing>())
    const check = ClosureCheck.of({
      standing: (id) => Effect.map(Ref.get(ref), (m) => m.get(id) ?? { balances: [], openDisputes: 0 })
    })
    const set = MemoryStanding.of({
      set: (id, s) => Ref.update(ref, (m) => new Map(m).set(id, s))
    })
    return Context.make(ClosureCheck, check).pipe(Context.add(MemoryStanding, set))
  })
)

/**
 * The reasons an account with this standing cannot close, be rejected or withdraw (empty when it
 * can).
 *
 * @example
 * ```ts
 * import { ClosureCheck } from "@paykit/accounts"
 * ClosureCheck.reasons({ balances: [], openDisputes: 2 }) // ["2 dispute(s) still open"]
 * ```
 * @category guards
 * @since 0.1.0
 */
export const reasons = (s: Standing): ReadonlyArray<string> => [
  ...s.balances.filter((b) => b.amount !== 0n).map((b) => `balance ${b.toString()} is not zero`),
  ...(s.openDisputes > 0 ? [`${s.openDisputes} dispute(s) still open`] : [])
]
