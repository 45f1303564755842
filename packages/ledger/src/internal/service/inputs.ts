/**
 * The read operations' input schemas (the write operations' are in `Command.ts`).
 */
import { Schema } from "effect"
import * as Account from "../../Account.ts"

/** The greatest time a JavaScript `Date` holds (epoch milliseconds). */
const MAX_TIME = 8_640_000_000_000_000

/**
 * The epoch milliseconds of an ISO-8601 UTC time that names a real instant, or `undefined`:
 * `Date.parse` rolls `2026-02-30` over into March and gives `NaN` for month 13, so the time is
 * formatted back and must read the same.
 */
export const instantOf = (iso: string): number | undefined => {
  const ms = Date.parse(iso)
  if (!Number.isFinite(ms)) return undefined
  const back = new Date(ms).toISOString()
  const [whole, fraction = ""] = iso.slice(0, -1).split(".")
  return back.slice(0, 19) === whole && back.slice(20, 23) === fraction.padEnd(3, "0") ? ms : undefined
}

/** Input of `Ledger.balanceAsOf`: an account and a time (epoch milliseconds or ISO-8601 UTC). */
export const AsOfInput = Schema.Struct({
  accountId: Account.Id,
  at: Schema.Union([
    Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_TIME })),
    Schema.String.check(
      Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/, {
        message: 'expected epoch milliseconds or an ISO-8601 UTC time such as "2026-01-31T12:00:00.000Z"'
      }),
      Schema.makeFilter((s: string) => {
        const t = instantOf(s)
        return t === undefined
          ? "expected a date and time that exist (no 2026-02-30, no 24:00)"
          : t < 0
            ? "expected a time from 1970-01-01T00:00:00Z on (the ledger's clock starts at the epoch)"
            : true
      })
    )
  ])
})

/** An entry id: any id, or the id the ledger gives a hold's expiry (`<holdId>~expire`). */
export const EntryId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}(~expire)?$/, {
    message:
      "expected an entry id: 1-64 characters (letters, digits, '_', '.', ':' or '-', starting with a letter or digit), or a hold's expiry id \"<holdId>~expire\""
  })
)

/** Input of `Ledger.history`: an account, the line to start after, and the page size (1 to 1,000). */
export const HistoryInput = Schema.Struct({
  accountId: Account.Id,
  afterSeq: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  limit: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 })))
})
