import { Notifier } from "@paykit/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { AccountStore, Registration, Verification } from "../src/index.ts"
import { InputContract } from "../src/testing/index.ts"
import { Schema } from "effect"

/**
 * The input rules (issue 16) on the memory store: `InputContract` (the same suite runs on PGlite
 * and PostgreSQL in `@paykit/store-postgres` `test/accounts-input.test.ts`), and the schemas
 * that carry them, decoded on their own.
 */
InputContract.suite("memory", (pools) =>
  Effect.map(AccountStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)), (s) =>
    Array.from({ length: pools }, () => s)
  )
)

const refusal = (schema: Schema.Codec<unknown, unknown, never, never>, input: unknown) => {
  const r = Schema.decodeUnknownResult(schema)(input)
  return r._tag === "Failure" ? String(r.failure) : undefined
}

describe("the schemas carry the input rules", () => {
  it("a name refuses NUL, lone surrogates and white space alone; keeps a well-formed pair, inner spaces and accents", () => {
    const name = Registration.Person.fields.firstName
    for (const bad of ["\u0000", "A\u0000", "\ud800", "A\udfffB", " ", "\t", "\u00a0", "\u200b\u200b"])
      expect(refusal(name, bad), JSON.stringify(bad)).toBeDefined()
    for (const good of ["Zoë", "Anne Marie", "😀", "李", "O'Brien"])
      expect(refusal(name, good), good).toBeUndefined()
  })

  it("a provider outcome's code is at most 100 characters and its reason at most 500", () => {
    const outcome = (code: string, reason: string) => ({ _tag: "rejected", code, reason })
    expect(refusal(Verification.Outcome, outcome("c".repeat(100), "r".repeat(500)))).toBeUndefined()
    expect(refusal(Verification.Outcome, outcome("c".repeat(101), "no"))).toBeDefined()
    expect(refusal(Verification.Outcome, outcome("c", "r".repeat(501)))).toBeDefined()
    expect(refusal(Verification.Outcome, outcome("c\u0000", "no"))).toBeDefined()
  })

  it("a login id (owner.userId) shaped like an email address or a phone number is refused", () => {
    const userId = Registration.IndividualApplicant.fields.owner.fields.userId
    for (const bad of [
      "a@b.example",
      "x@y",
      "+4915112345678",
      "030 1234567",
      "(555) 123-4567",
      "00441234567890"
    ])
      expect(refusal(userId, bad), bad).toMatch(/email|phone/)
    for (const good of ["user-1", "4711", "20240101123", "auth0|abc", "@handle", "0000123"])
      expect(refusal(userId, good), good).toBeUndefined()
  })
})
