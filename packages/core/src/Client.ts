/**
 * Promise clients: a paykit service used without Effect, from one long-lived runtime.
 *
 * `Client.make(Service, layer)` builds the layer once, on the first call (one pool, one
 * migration check, one PGlite database), and turns every method of the service into a function
 * returning a `Promise`. A method that fails with a typed error rejects with that error itself
 * (an `Error` whose `_tag` names it, so `instanceof` and `switch (e._tag)` work); a defect or an
 * interruption rejects with the underlying cause. `dispose()` (or `await using`) releases the
 * layer's resources: close the pool on shutdown, not per request.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"

/**
 * One method of a service as a Promise: a function returning an `Effect` becomes a function
 * returning a `Promise` of its success; an `Effect`-valued member (such as `expireHolds`)
 * becomes a function of no arguments.
 *
 * @category models
 * @since 0.1.0
 */
export type Promised<M> = M extends (...args: infer Args) => Effect.Effect<infer A, infer _E, infer _R>
  ? (...args: Args) => Promise<A>
  : M extends Effect.Effect<infer A, infer _E, infer _R>
    ? () => Promise<A>
    : never

/**
 * The typed errors a service method can reject with: `Rejection<Ledger["post"]>` is the
 * ledger's error union. A `catch` clause sees `unknown`; narrow with `instanceof` or `_tag`.
 *
 * @category models
 * @since 0.1.0
 */
export type Rejection<M> = M extends (
  ...args: ReadonlyArray<never>
) => Effect.Effect<infer _A, infer E, infer _R>
  ? E
  : M extends Effect.Effect<infer _A, infer E, infer _R>
    ? E
    : never

/**
 * A service's Promise client: each member as a Promise, and the runtime's lifecycle.
 *
 * @category models
 * @since 0.1.0
 */
export type Client<S, I = never, ER = never> = { readonly [K in keyof S]: Promised<S[K]> } & {
  /** Builds the layer now (instead of on the first call); rejects with the layer's error. */
  readonly ready: () => Promise<void>
  /** Releases the layer's resources (pools, databases). Calls after it reject. */
  readonly dispose: () => Promise<void>
  readonly [Symbol.asyncDispose]: () => Promise<void>
  /** The runtime the client runs on, to run other effects against the same layer. */
  readonly runtime: ManagedRuntime.ManagedRuntime<I, ER>
}

/**
 * What a failed run rejects with: the first typed error if there is one (the error itself, not
 * a wrapper), else the defect or interruption, squashed to one value.
 *
 * @category running
 * @since 0.1.0
 */
export const rejectionOf = <E>(cause: Cause.Cause<E>): unknown => {
  const failure = Cause.findErrorOption(cause)
  return failure._tag === "Some" ? failure.value : Cause.squash(cause)
}

/**
 * Runs an effect on a runtime and settles the promise: its success, or its typed error itself.
 *
 * @category running
 * @since 0.1.0
 */
export const run = <A, E, R, ER>(
  runtime: ManagedRuntime.ManagedRuntime<R, ER>,
  effect: Effect.Effect<A, E, R>
): Promise<A> =>
  runtime.runPromiseExit(effect).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    throw rejectionOf(exit.cause)
  })

/**
 * The Promise client of the service `tag`, run on one `ManagedRuntime` built from `layer`.
 * Every method of the service is reachable; members are resolved per call, so the client is a
 * plain object that can be created at module load and shared by every request.
 *
 * @example
 * ```ts
 * import { Client } from "@paykit/core"
 * // const ledger = Client.make(Ledger.Ledger, Ledger.layerMemory())
 * // await ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
 * // await ledger.dispose()
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = <I, S, ER>(
  tag: Context.Service<I, S>,
  layer: Layer.Layer<I, ER, never>
): Client<S, I, ER> => {
  const runtime = ManagedRuntime.make(layer)
  const member =
    (name: PropertyKey) =>
    (...args: ReadonlyArray<unknown>): Promise<unknown> =>
      run(
        runtime,
        tag.use((service) => {
          const value = (service as Record<PropertyKey, unknown>)[name]
          if (typeof value === "function") return value(...args) as Effect.Effect<unknown, unknown>
          if (Effect.isEffect(value)) return value as Effect.Effect<unknown, unknown>
          return Effect.die(new TypeError(`${String(name)} is not a method of ${tag.key}`))
        })
      )
  const dispose = () => runtime.dispose()
  const fixed: Record<PropertyKey, unknown> = {
    ready: () => run(runtime, Effect.asVoid(tag)),
    dispose,
    runtime
  }
  if (typeof Symbol.asyncDispose === "symbol") fixed[Symbol.asyncDispose] = dispose
  const methods = new Map<PropertyKey, unknown>()
  return new Proxy(fixed, {
    get: (target, name) => {
      if (Object.hasOwn(target, name)) return target[name]
      // A Promise client is not itself a thenable: `await client` must not call a `then` method.
      if (name === "then" || typeof name === "symbol") return undefined
      let method = methods.get(name)
      if (method === undefined) {
        method = member(name)
        methods.set(name, method)
      }
      return method
    }
  }) as unknown as Client<S, I, ER>
}
