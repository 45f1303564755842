import { describe, expect, it } from "vitest"
import { Decline } from "../src/index.ts"

describe("the decline vocabulary", () => {
  it("every code has an action from the vocabulary, and a message a customer can act on", () => {
    expect(Object.keys(Decline.VOCABULARY).sort()).toEqual([...Decline.Code.literals].sort())
    for (const code of Decline.Code.literals) {
      const e = Decline.VOCABULARY[code]
      expect(Decline.Action.literals).toContain(e.action)
      expect(e.customerMessage.length).toBeGreaterThan(10)
      expect(Decline.of(code)).toEqual({ code, action: e.action, hard: e.hard })
    }
  })

  it("a decline the schemes forbid retrying is hard and never retry_later; lost, stolen and fraud read as a generic decline", () => {
    for (const code of Decline.Code.literals) {
      const e = Decline.VOCABULARY[code]
      if (e.action === "do_not_retry") expect(e.hard, code).toBe(true)
      if (e.hard) expect(e.action, code).not.toBe("retry_later")
    }
    const generic = Decline.VOCABULARY.generic_decline.customerMessage
    for (const code of ["lost_card", "stolen_card", "pickup_card", "fraudulent"] as const)
      expect(Decline.VOCABULARY[code].customerMessage).toBe(generic)
  })
})
