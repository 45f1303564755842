import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Ids, Money, Notifier } from "@paykit/core"
import { ExceedsCredits, Ledger } from "@paykit/ledger"
import { Effect, Layer } from "effect"
import { expect, it, vi } from "vitest"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const source = readFileSync(fileURLToPath(import.meta.url), "utf8")

/** The first ```ts block after the heading line `heading` in the README. */
const blockAfter = (heading: string): string => {
  const at = readme.indexOf(`\n${heading}\n`)
  expect(at, heading).toBeGreaterThanOrEqual(0)
  const start = readme.indexOf("```ts\n", at) + "```ts\n".length
  return readme.slice(start, readme.indexOf("\n```", start))
}

/** This file's lines between `// <name>` and `// </name>`, without their common indentation. */
const region = (name: string): string => {
  const lines = source.split("\n")
  const from = lines.findIndex((l) => l.trim() === `// <${name}>`)
  const to = lines.findIndex((l) => l.trim() === `// </${name}>`)
  const body = lines.slice(from + 1, to)
  const indent = Math.min(...body.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length))
  return body.map((l) => l.slice(indent)).join("\n")
}

/** A README block without its imports (this file has them at the top, checked below). */
const withoutImports = (block: string): string =>
  block
    .split("\n")
    .filter((l) => !l.startsWith("import "))
    .join("\n")
    .trim()

const importsPresent = (block: string) => {
  for (const line of block.split("\n").filter((l) => l.startsWith("import "))) {
    const names = /^import \{ (.*) \} from (".*")$/.exec(line)
    expect(names, line).not.toBeNull()
    for (const name of names![1]!.split(", "))
      expect(source, `${name} from ${names![2]}`).toMatch(
        new RegExp(`^import \\{[^}]*\\b${name}\\b[^}]*\\} from ${names![2]}$`, "m")
      )
  }
}

it("the README's client example is this test's, verbatim, and prints $25.00 then a typed decline", async () => {
  const block = blockAfter("## Example")
  expect(region("client")).toBe(withoutImports(block))
  importsPresent(block)
  const printed: Array<unknown> = []
  const log = vi.spyOn(console, "log").mockImplementation((x: unknown) => void printed.push(x))
  const before = process.listeners("SIGTERM")
  try {
    // <client>
    // once, at module load: one runtime and one store, shared by every request
    const ledger = Ledger.client(Ledger.layerMemory().pipe(Layer.provide([Notifier.layerMemory, Ids.layer])))

    await ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
    await ledger.createAccount({
      id: "wallet:alice",
      currency: "USD",
      code: "liability.wallet",
      normal: "credit",
      debitsMustNotExceedCredits: true
    })
    await ledger.createAccount({
      id: "merchant:42",
      currency: "USD",
      code: "liability.merchant",
      normal: "credit"
    })
    // top up 50.00; the entry id is the idempotency key: sending it again changes nothing
    await ledger.post({
      id: "topup-1",
      postings: [{ debit: "cash", credit: "wallet:alice", amount: "5000", currency: "USD" }]
    })

    // a request handler: authorise for 10 minutes, then capture (the rest of the hold is released)
    async function checkout(orderId: string, authorise: string, capture: string) {
      try {
        const hold = await ledger.hold({
          id: `auth-${orderId}`,
          debit: "wallet:alice",
          credit: "merchant:42",
          amount: authorise,
          currency: "USD",
          timeoutMs: 600_000
        })
        await ledger.postHold({ id: `capture-${orderId}`, holdId: hold.id, amount: capture })
        return Money.format((await ledger.balances("wallet:alice")).available)
      } catch (e) {
        // the typed error itself, not a wrapper: instanceof and e._tag work
        if (e instanceof ExceedsCredits) return "declined: insufficient funds"
        throw e
      }
    }

    console.log(await checkout("1", "3000", "2500")) // "$25.00"
    console.log(await checkout("2", "9000", "9000")) // "declined: insufficient funds"

    // on shutdown: release the runtime (on PostgreSQL this closes the pool)
    process.once("SIGTERM", () => void ledger.dispose())
    // </client>
    expect(printed).toEqual(["$25.00", "declined: insufficient funds"])
    const added = process.listeners("SIGTERM").filter((l) => !before.includes(l))
    expect(added).toHaveLength(1)
    // what SIGTERM would do: dispose; the client refuses calls afterwards
    for (const l of added) process.removeListener("SIGTERM", l)
    await ledger.dispose()
    await expect(ledger.balances("wallet:alice")).rejects.toBeDefined()
  } finally {
    log.mockRestore()
  }
})

it("the README's Effect example is this test's, verbatim, and prints $25.00", async () => {
  const block = blockAfter("### With Effect")
  importsPresent(block)
  const printed: Array<unknown> = []
  const log = vi.spyOn(console, "log").mockImplementation((x: unknown) => void printed.push(x))
  try {
    expect(region("effect")).toBe(withoutImports(block))
    // <effect>
    const program = Effect.gen(function* () {
      const ledger = yield* Ledger.Ledger
      yield* ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
      yield* ledger.createAccount({
        id: "wallet:alice",
        currency: "USD",
        code: "liability.wallet",
        normal: "credit",
        debitsMustNotExceedCredits: true
      })
      yield* ledger.createAccount({
        id: "merchant:42",
        currency: "USD",
        code: "liability.merchant",
        normal: "credit"
      })
      // top up 50.00; the entry id is the idempotency key: sending it again changes nothing
      yield* ledger.post({
        id: "topup-1",
        postings: [{ debit: "cash", credit: "wallet:alice", amount: "5000", currency: "USD" }]
      })
      // authorise 30.00 for 10 minutes, then capture 25.00 (the other 5.00 is released)
      const hold = yield* ledger.hold({
        id: "auth-1",
        debit: "wallet:alice",
        credit: "merchant:42",
        amount: "3000",
        currency: "USD",
        timeoutMs: 600_000
      })
      yield* ledger.postHold({ id: "capture-1", holdId: hold.id, amount: "2500" })
      const alice = yield* ledger.balances("wallet:alice")
      return Money.format(alice.available) // "$25.00"
    })

    const live = Ledger.layerMemory().pipe(Layer.provide([Notifier.layerMemory, Ids.layer]))
    Effect.runPromise(program.pipe(Effect.provide(live))).then(console.log)
    // </effect>
    await vi.waitFor(() => expect(printed).toEqual(["$25.00"]))
  } finally {
    log.mockRestore()
  }
})
