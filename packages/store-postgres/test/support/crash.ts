import type { Command } from "@paykit/ledger"

/** The i-th write of a crash-test worker: a batch of transfers whose ids are fixed by (batch, k). */
export const crashBatch = (hot: ReadonlyArray<string>, batch: number, size: number): Array<Command.Command> =>
  Array.from({ length: size }, (_, k) => ({
    _tag: "Transfer" as const,
    id: `crash-${batch}-${k}`,
    postings: [
      {
        debit: "cash",
        credit: hot[(batch + k) % hot.length]!,
        amount: BigInt(1 + ((batch * 7 + k) % 13)),
        currency: "USD"
      },
      { debit: hot[(batch + k) % hot.length]!, credit: "merchant", amount: 1n, currency: "USD" }
    ]
  }))

/** The hot wallets of the multi-process tests. */
export const HOT = ["hot:a", "hot:b", "hot:c"]

/**
 * Books opened in one write: cash, a merchant and three hot wallets with debit limits, each
 * funded with 100, every id behind `prefix`. Several writers sending it at once race on
 * opening the same accounts: the ids make it exactly-once.
 */
export const openingBooks = (prefix: string): ReadonlyArray<Command.Command> => [
  { _tag: "CreateAccount", id: `${prefix}cash`, currency: "USD", code: "asset.cash", normal: "debit" },
  {
    _tag: "CreateAccount",
    id: `${prefix}merchant`,
    currency: "USD",
    code: "liability.merchant",
    normal: "credit"
  },
  ...HOT.map(
    (id): Command.Command => ({
      _tag: "CreateAccount",
      id: `${prefix}${id}`,
      currency: "USD",
      code: "liability.wallet",
      normal: "credit",
      debitsMustNotExceedCredits: true
    })
  ),
  ...HOT.map(
    (id, i): Command.Command => ({
      _tag: "Transfer",
      id: `${prefix}open-${i}`,
      postings: [{ debit: `${prefix}cash`, credit: `${prefix}${id}`, amount: 100n, currency: "USD" }]
    })
  )
]

/** The books every multi-process test starts from; every worker sends it first. */
export const setup: ReadonlyArray<Command.Command> = openingBooks("")
