import { Entry, LedgerCore } from "@paykit/ledger"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { entryPosted, plainTransferPosted } from "../src/internal/core/events.ts"
import { entryHash, sealed } from "../src/internal/core/hash.ts"
import { EMPTY, transferDraft } from "../src/internal/core/records.ts"

const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}$/)
const plain = fc.record({
  eventId: fc.constant("01J00000000000000000000000"),
  at: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  entryId: id,
  debit: id,
  credit: id,
  amount: fc.bigInt({ min: 1n, max: (1n << 127n) - 1n }),
  currency: fc.constantFrom("USD", "EUR", "JPY", "POINTS")
})

describe("the core's one spelling of an entry's hash and of its event", () => {
  it("a plain transfer's event from its fields (the memory store's column path) is the event of its entry (the core's path)", () =>
    fc.assert(
      fc.property(plain, (t) => {
        const occurredAt = new Date(t.at).toISOString()
        const entry = sealed(
          transferDraft(
            t.entryId,
            [{ debit: t.debit, credit: t.credit, amount: t.amount, currency: t.currency }],
            undefined,
            EMPTY,
            t.at
          )
        )
        const fromFields = plainTransferPosted(
          t.eventId,
          occurredAt,
          t.entryId,
          t.debit,
          t.credit,
          t.amount,
          t.currency
        )
        expect(fromFields).toEqual(entryPosted(t.eventId, occurredAt, entry))
        expect(JSON.stringify(fromFields.data)).toBe(JSON.stringify(Entry.toJson(entry, occurredAt)))
      })
    ))

  it("the public entryHash is the internal one, and a sealed draft carries it", () =>
    fc.assert(
      fc.property(plain, fc.option(fc.string({ maxLength: 8 }), { nil: undefined }), (t, description) => {
        const draft = transferDraft(
          t.entryId,
          [{ debit: t.debit, credit: t.credit, amount: t.amount, currency: t.currency }],
          description,
          { k: "v" },
          t.at
        )
        const h = entryHash(draft)
        expect(LedgerCore.entryHash(draft)).toBe(h)
        expect(sealed(draft).hash).toBe(h)
      })
    ))
})
