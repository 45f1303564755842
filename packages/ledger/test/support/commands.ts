import type { Command } from "@paykit/ledger"

/** A plain transfer command (one posting) for tests. */
export const transfer = (
  id: string,
  debit: string,
  credit: string,
  amount: bigint,
  currency = "USD"
): Command.Command => ({
  _tag: "Transfer",
  id,
  postings: [{ debit, credit, amount, currency }]
})

/** `cash` (an asset) and `wallet` (a liability whose debits may not exceed its credits), in USD. */
export const cashAndWallet: ReadonlyArray<Command.Command> = [
  { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset", normal: "debit" },
  {
    _tag: "CreateAccount",
    id: "wallet",
    currency: "USD",
    code: "liability",
    normal: "credit",
    debitsMustNotExceedCredits: true
  }
]
