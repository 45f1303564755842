import { type Conflict as StoreConflict, StoreFailure } from "@paykit/accounts"
import type { SqlError } from "effect/sql/SqlError"
import { messageOf } from "../../internal/adapter.ts"

/** A refusal decided inside the transaction (stale version, index key owned elsewhere): roll back. */
export class Conflict {
  readonly _tag = "Conflict"
  constructor(
    readonly reason: string,
    readonly conflict?: StoreConflict
  ) {}
}

export const refusal = (e: Conflict): StoreFailure =>
  new StoreFailure(
    e.conflict === undefined ? { reason: e.reason } : { reason: e.reason, conflict: e.conflict }
  )
/** A database failure of `operation` as the port's `StoreFailure`. */
export const fail =
  (operation: string) =>
  (e: SqlError): StoreFailure =>
    new StoreFailure({ reason: `${operation}: ${messageOf(e)}` })
