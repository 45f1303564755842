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
