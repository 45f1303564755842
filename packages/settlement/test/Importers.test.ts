import { Currency } from "@paykit/core"
import { Effect, Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Importers from "../src/Importers.ts"

const csv = (...lines: ReadonlyArray<string>) => lines.join("\r\n") + "\r\n"
const bytes = (s: string) => new TextEncoder().encode(s)

const ok = async (
  importer: Importers.Importer,
  source: Importers.Source,
  limits?: Partial<Importers.Limits>
) => Result.getOrThrow(await Importers.runResult(importer, source, limits))

const failure = async (
  importer: Importers.Importer,
  source: Importers.Source,
  limits?: Partial<Importers.Limits>
) => {
  const r = await Importers.runResult(importer, source, limits)
  if (Result.isSuccess(r)) throw new Error(`expected a failure, got ${r.success.length} records`)
  return r.failure
}

const mapping = Importers.csvMapping({
  columns: { reference: "ref", amount: "amount", currency: "currency", date: "date", id: "id" },
  amountFormat: "major",
  dateFormat: "date"
})

const goodMapped = csv(
  "id,ref,amount,currency,date",
  "a1,pay_1,12.34,EUR,2025-03-01",
  'a2,"pay_2, with a comma",-0.05,usd,2025-03-02',
  'a3,"pay_""3""",1000,JPY,2025-03-03'
)

describe("csvMapping", () => {
  it("reads a small file: exact major units by currency exponent, quoting, lower-case codes", async () => {
    const records = await ok(mapping, goodMapped)
    expect(records).toEqual([
      { id: "a1", reference: "pay_1", amount: 1234n, currency: "EUR", at: Date.UTC(2025, 2, 1), row: 2 },
      {
        id: "a2",
        reference: "pay_2, with a comma",
        amount: -5n,
        currency: "USD",
        at: Date.UTC(2025, 2, 2),
        row: 3
      },
      { id: "a3", reference: 'pay_"3"', amount: 1000n, currency: "JPY", at: Date.UTC(2025, 2, 3), row: 4 }
    ])
  })

  it("reads minor units, one currency for the file, a semicolon delimiter, ISO dates, a BOM and LF endings", async () => {
    const importer = Importers.csvMapping({
      columns: { reference: "Ref", amount: "Cents", date: "When", batch: "Batch", type: "Kind" },
      amountFormat: "minor",
      dateFormat: "iso",
      currency: "EUR",
      delimiter: ";"
    })
    const file =
      "\uFEFFRef;Cents;When;Batch;Kind\nr1;-250;2025-03-01T10:00:00+01:00;b1;refund\nr2;7;2025-03-01T00:00:00.5Z;;\n"
    expect(await ok(importer, file)).toEqual([
      {
        id: "row:2",
        reference: "r1",
        amount: -250n,
        currency: "EUR",
        at: Date.UTC(2025, 2, 1, 9),
        row: 2,
        batch: "b1",
        type: "refund"
      },
      {
        id: "row:3",
        reference: "r2",
        amount: 7n,
        currency: "EUR",
        at: Date.UTC(2025, 2, 1, 0, 0, 0, 500),
        row: 3
      }
    ])
  })

  it("counts a quoted field over several lines as one row, and blank lines as rows", async () => {
    const file =
      'id,ref,amount,currency,date\na1,"pay\n1",1.00,EUR,2025-03-01\n\na2,pay_2,bad,EUR,2025-03-01\n'
    expect(await failure(mapping, file)).toMatchObject({ _tag: "InvalidFile", row: 4, column: "amount" })
  })

  it("refuses a configuration that is not valid, before reading", async () => {
    let pulled = 0
    const source = (function* () {
      pulled++
      yield bytes("x\n")
    })()
    const bad = Importers.csvMapping({
      columns: { reference: "r", amount: "a", date: "d" },
      amountFormat: "cents" as never,
      dateFormat: "date",
      currency: "EUR"
    })
    expect(await failure(bad, source)).toMatchObject({ _tag: "InvalidImportOptions", path: "amountFormat" })
    expect(pulled).toBe(0)
    const both = Importers.csvMapping({
      columns: { reference: "r", amount: "a", date: "d" },
      amountFormat: "minor",
      dateFormat: "date"
    })
    expect(await failure(both, "r,a,d\n")).toMatchObject({
      _tag: "InvalidImportOptions",
      path: "columns.currency"
    })
    const unknown = Importers.csvMapping({
      columns: { reference: "r", amount: "a", date: "d" },
      amountFormat: "minor",
      dateFormat: "date",
      currency: "XXY"
    })
    expect(await failure(unknown, "r,a,d\n")).toMatchObject({
      _tag: "InvalidImportOptions",
      path: "currency"
    })
    expect(await failure(mapping, goodMapped, { maxBytes: 0 })).toMatchObject({
      _tag: "InvalidImportOptions",
      path: "limits.maxBytes"
    })
  })

  it("reads custom units through a registry", async () => {
    const importer = Importers.csvMapping({
      columns: { reference: "r", amount: "a", date: "d" },
      amountFormat: "major",
      dateFormat: "epoch_s",
      currency: "POINTS",
      registry: Currency.registry([Currency.POINTS])
    })
    expect((await ok(importer, "r,a,d\nx,15,1700000000\n"))[0]).toMatchObject({
      currency: "POINTS",
      at: 1_700_000_000_000
    })
  })
})

const stripeHeader =
  "balance_transaction_id,created_utc,created,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description,automatic_payout_id"

describe("stripeItemisedBalance", () => {
  const file = csv(
    stripeHeader,
    "txn_1,2025-03-01 10:00:00,2025-03-01 11:00:00,2025-03-03 00:00:00,eur,10.00,0.45,9.55,charge,ch_1,Order 1,po_1",
    "txn_2,2025-03-02 12:30:15,2025-03-02 13:30:15,2025-03-04 00:00:00,eur,-4.00,0.00,-4.00,refund,re_1,,po_1",
    'txn_3,2025-03-02 13:00:00,,,jpy,1500,45,1455,charge,ch_2,"Order, 3",',
    "txn_4,2025-03-05 00:00:00,,,kwd,-1.250,0.000,-1.250,payout,po_1,,"
  )

  it("reads the report: net amounts exact in each currency's exponent, categories, payouts", async () => {
    const records = await ok(Importers.stripeItemisedBalance(), file)
    expect(records).toEqual([
      {
        id: "txn_1",
        reference: "ch_1",
        amount: 955n,
        currency: "EUR",
        at: Date.UTC(2025, 2, 1, 10),
        row: 2,
        type: "charge",
        batch: "po_1",
        gross: 1000n,
        fee: 45n
      },
      {
        id: "txn_2",
        reference: "re_1",
        amount: -400n,
        currency: "EUR",
        at: Date.UTC(2025, 2, 2, 12, 30, 15),
        row: 3,
        type: "refund",
        batch: "po_1",
        gross: -400n,
        fee: 0n
      },
      {
        id: "txn_3",
        reference: "ch_2",
        amount: 1455n,
        currency: "JPY",
        at: Date.UTC(2025, 2, 2, 13),
        row: 4,
        type: "charge",
        gross: 1500n,
        fee: 45n
      },
      {
        id: "txn_4",
        reference: "po_1",
        amount: -1250n,
        currency: "KWD",
        at: Date.UTC(2025, 2, 5),
        row: 5,
        type: "payout",
        gross: -1250n,
        fee: 0n
      }
    ])
  })

  it("takes the reference from another column and gross amounts when asked", async () => {
    const importer = Importers.stripeItemisedBalance({ reference: "description", amount: "gross" })
    const records = await ok(importer, file)
    expect(records.map((r) => [r.reference, r.amount])).toEqual([
      ["Order 1", 1000n],
      ["txn_2", -400n],
      ["Order, 3", 1500n],
      ["txn_4", -1250n]
    ])
  })

  it("refuses a row whose net is not gross minus fee, and decimals the currency does not have", async () => {
    const wrongNet = csv(stripeHeader, "txn_1,2025-03-01 10:00:00,,,eur,10.00,0.45,9.56,charge,ch_1,,")
    expect(await failure(Importers.stripeItemisedBalance(), wrongNet)).toMatchObject({
      _tag: "InvalidFile",
      row: 2,
      column: "net"
    })
    const yenCents = csv(stripeHeader, "txn_1,2025-03-01 10:00:00,,,jpy,10.5,0,10.5,charge,ch_1,,")
    const e = await failure(Importers.stripeItemisedBalance(), yenCents)
    expect(e).toMatchObject({ _tag: "InvalidFile", row: 2, column: "gross" })
    expect(e.message).toContain("JPY")
  })

  it("names a missing column on the header row", async () => {
    const e = await failure(
      Importers.stripeItemisedBalance(),
      "balance_transaction_id,created_utc,currency,gross,fee,reporting_category,source_id\n"
    )
    expect(e).toMatchObject({ _tag: "InvalidFile", row: 1, column: "net" })
  })
})

const adyenHeader =
  "Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number,Reserved4,Reserved5,Reserved6,Reserved7,Reserved8,Reserved9,Reserved10"

/** One SDR line, by the columns that matter; the others are left empty or filled plausibly. */
const sdr = (l: {
  psp?: string
  ref?: string
  date?: string
  tz?: string
  type: string
  mod?: string
  debit?: string
  credit?: string
  batch?: string
  currency?: string
}) =>
  [
    "TestCompany",
    "TestMerchant",
    l.psp ?? "",
    l.ref ?? "",
    l.psp !== undefined ? "visa" : "",
    l.date ?? "2025-03-03 11:26:49",
    l.tz ?? "CET",
    l.type,
    l.mod ?? "",
    l.currency ?? "EUR",
    "",
    "",
    "",
    l.currency ?? "EUR",
    l.debit ?? "",
    l.credit ?? "",
    "",
    "",
    "",
    "",
    "",
    "",
    l.batch ?? "4",
    "",
    "",
    "",
    "",
    "",
    "",
    ""
  ].join(",")

const adyenFile = (payout: string, extra: ReadonlyArray<string> = []) =>
  csv(
    adyenHeader,
    sdr({ psp: "1813702551707653", ref: "pay_1", type: "Settled", mod: "1713702551795048", credit: "4.88" }),
    sdr({
      psp: "1813702551707654",
      ref: "pay_2",
      type: "Settled",
      mod: "1713702551795049",
      credit: "97.10",
      date: "2025-03-30 23:30:00",
      tz: "CEST"
    }),
    sdr({ psp: "1813702551707655", ref: "pay_3", type: "Refunded", mod: "1713702551795050", debit: "10.25" }),
    sdr({
      psp: "1813702551707656",
      ref: "pay_4",
      type: "Chargeback",
      mod: "2313642467170922",
      debit: "20.00"
    }),
    sdr({ type: "Fee", mod: "Transaction Fees March 2025", debit: "1.50" }),
    sdr({ type: "MerchantPayout", mod: "TX4000000000XT batch 4", debit: payout }),
    ...extra
  )

describe("adyenSettlementDetails", () => {
  it("reads every line of a batch that adds up; net credit − net debit in the net currency", async () => {
    const records = await ok(Importers.adyenSettlementDetails(), adyenFile("70.23"))
    expect(records.map((r) => [r.reference, r.type, r.amount, r.batch])).toEqual([
      ["pay_1", "Settled", 488n, "4"],
      ["pay_2", "Settled", 9710n, "4"],
      ["pay_3", "Refunded", -1025n, "4"],
      ["pay_4", "Chargeback", -2000n, "4"],
      ["Transaction Fees March 2025", "Fee", -150n, "4"],
      ["TX4000000000XT batch 4", "MerchantPayout", -7023n, "4"]
    ])
    expect(records[0]).toMatchObject({
      id: "adyen:TestMerchant:4:2",
      currency: "EUR",
      at: Date.UTC(2025, 2, 3, 10, 26, 49),
      row: 2
    })
    // CEST is UTC+2
    expect(records[1]!.at).toBe(Date.UTC(2025, 2, 30, 21, 30))
  })

  it("refuses the whole file when a batch's control total is off by one cent", async () => {
    const e = await failure(Importers.adyenSettlementDetails(), adyenFile("70.24"))
    expect(e).toMatchObject({
      _tag: "ControlTotalMismatch",
      merchantAccount: "TestMerchant",
      batch: "4",
      currency: "EUR",
      expected: "7024",
      actual: "7023"
    })
    expect(e.message).toContain("refused")
  })

  it("checks each batch on its own: a second batch carried over by a balance transfer adds up to zero", async () => {
    const carried = [
      sdr({
        psp: "1813702551707699",
        ref: "pay_9",
        type: "Settled",
        mod: "1713702551795099",
        credit: "5.00",
        batch: "5"
      }),
      sdr({
        psp: "1813702551707698",
        ref: "pay_8",
        type: "Refunded",
        mod: "1713702551795098",
        debit: "8.00",
        batch: "5"
      }),
      sdr({ type: "Balancetransfer", mod: "Balance carried to batch 6", credit: "3.00", batch: "5" })
    ]
    expect(await ok(Importers.adyenSettlementDetails(), adyenFile("70.23", carried))).toHaveLength(9)
    const off = [...carried.slice(0, 2), sdr({ type: "Balancetransfer", credit: "2.99", batch: "5" })]
    expect(await failure(Importers.adyenSettlementDetails(), adyenFile("70.23", off))).toMatchObject({
      _tag: "ControlTotalMismatch",
      batch: "5",
      expected: "0",
      actual: "-1"
    })
  })

  it("uses the Psp Reference when asked, and refuses an unknown time zone naming the cell", async () => {
    const records = await ok(Importers.adyenSettlementDetails({ reference: "psp" }), adyenFile("70.23"))
    expect(records[0]!.reference).toBe("1813702551707653")
    const file = csv(
      adyenHeader,
      sdr({ psp: "1", ref: "p", type: "Settled", credit: "1.00", tz: "IST" }),
      sdr({ type: "MerchantPayout", debit: "1.00" })
    )
    expect(await failure(Importers.adyenSettlementDetails(), file)).toMatchObject({
      _tag: "InvalidFile",
      row: 2,
      column: "TimeZone"
    })
    expect(await ok(Importers.adyenSettlementDetails({ timeZones: { IST: 330 } }), file)).toHaveLength(2)
  })
})

describe("hostile files", () => {
  it("wrong columns: a file of another format names the first missing column", async () => {
    const e = await failure(Importers.adyenSettlementDetails(), goodMapped)
    expect(e).toMatchObject({ _tag: "InvalidFile", row: 1, column: "Psp Reference" })
  })

  it("ragged rows name the row and the first missing or extra column", async () => {
    expect(await failure(mapping, "id,ref,amount,currency,date\na1,pay_1,1.00,EUR\n")).toMatchObject({
      row: 2,
      column: "date"
    })
    expect(
      await failure(mapping, "id,ref,amount,currency,date\na1,pay_1,1.00,EUR,2025-03-01,x\n")
    ).toMatchObject({
      row: 2,
      column: "#6"
    })
  })

  it("a header naming a column twice is refused", async () => {
    expect(await failure(mapping, "id,ref,amount,amount,currency,date\n")).toMatchObject({
      row: 1,
      column: "amount"
    })
  })

  it.each([
    ["1,00", "a decimal comma"],
    ["1e3", "an exponent"],
    ["NaN", "NaN"],
    ["Infinity", "Infinity"],
    [" 1.00", "a space"],
    ["1.", "a trailing dot"],
    ["+1", "a plus sign"],
    ["0x10", "hex"],
    ["1.234", "more decimals than EUR has"],
    ["", "nothing"]
  ])("a bad amount %j (%s) is InvalidFile at its row and column", async (amount) => {
    const file = csv(
      "id,ref,amount,currency,date",
      "a1,pay_1,1.00,EUR,2025-03-01",
      `a2,pay_2,"${amount}",EUR,2025-03-01`
    )
    const e = await failure(mapping, file)
    expect(e).toMatchObject({ _tag: "InvalidFile", row: 3, column: "amount" })
    expect(e.message).toContain("row 3")
  })

  it.each([
    ["12", "minor"],
    ["-0", "minor"],
    ["007", "leading zeros"],
    ["1.5", "a decimal in minor units"]
  ])("minor units %j are read strictly", async (amount, _what) => {
    const importer = Importers.csvMapping({
      columns: { reference: "r", amount: "a", date: "d" },
      amountFormat: "minor",
      dateFormat: "date",
      currency: "EUR"
    })
    const r = await Importers.runResult(importer, `r,a,d\nx,${amount},2025-01-01\n`)
    if (amount === "12" || amount === "-0") expect(Result.isSuccess(r)).toBe(true)
    else expect(Result.isFailure(r) && r.failure).toMatchObject({ row: 2, column: "a" })
  })

  it.each([
    ["2025-02-30", "date"],
    ["2023-02-29", "date"],
    ["0050-01-01", "date"],
    ["2025-13-01", "date"],
    ["01/03/2025", "date"],
    ["2025-03-01", "iso"],
    ["2025-03-01T10:00:00", "iso"],
    ["2025-03-01T25:00:00Z", "iso"]
  ] as const)("a bad date %j (%s) is InvalidFile at its column", async (date, format) => {
    const importer = Importers.csvMapping({
      columns: { reference: "r", amount: "a", date: "d" },
      amountFormat: "minor",
      dateFormat: format,
      currency: "EUR"
    })
    expect(await failure(importer, `r,a,d\nx,1,${date}\n`)).toMatchObject({
      _tag: "InvalidFile",
      row: 2,
      column: "d"
    })
  })

  it("invalid UTF-8 (a Latin-1 export) names the row and the column", async () => {
    const head = bytes("id,ref,amount,currency,date\na1,pay_1,1.00,EUR,2025-03-01\na2,caf")
    const latin1 = Uint8Array.from([...head, 0xe9, ...bytes(",1.00,EUR,2025-03-01\n")])
    const e = await failure(mapping, latin1)
    expect(e).toMatchObject({ _tag: "InvalidFile", row: 3, column: "ref" })
    expect(e.message).toContain("UTF-8")
    // a multi-byte character split across chunks is fine
    const good = bytes("id,ref,amount,currency,date\na1,café,1.00,EUR,2025-03-01\n")
    const cut = good.indexOf(0xc3) + 1
    expect((await ok(mapping, [good.subarray(0, cut), good.subarray(cut)]))[0]!.reference).toBe("café")
  })

  it("a UTF-16 file and a NUL byte are refused as not UTF-8", async () => {
    expect(await failure(mapping, Uint8Array.from([0xff, 0xfe, 0x69, 0x00]))).toMatchObject({ row: 1 })
    expect(await failure(mapping, Uint8Array.from([0x69, 0x00, 0x64, 0x00]))).toMatchObject({
      row: 1,
      column: "#1"
    })
  })

  it("a quoted field never closed is refused, naming its row and column", async () => {
    const file =
      'id,ref,amount,currency,date\na1,pay_1,1.00,EUR,2025-03-01\na2,"pay_2,1.00,EUR,2025-03-01\na3,pay_3,1.00,EUR,2025-03-01\n'
    const e = await failure(mapping, file)
    expect(e).toMatchObject({ _tag: "InvalidFile", row: 3, column: "ref" })
    expect(e.message).toContain("never closed")
  })

  it("stray quotes are refused", async () => {
    expect(
      await failure(mapping, 'id,ref,amount,currency,date\na1,pa"y,1.00,EUR,2025-03-01\n')
    ).toMatchObject({ row: 2, column: "ref" })
    expect(
      await failure(mapping, 'id,ref,amount,currency,date\na1,"pay"x,1.00,EUR,2025-03-01\n')
    ).toMatchObject({ row: 2, column: "ref" })
  })

  it("an empty file asks for a header", async () => {
    expect(await failure(mapping, "")).toMatchObject({ _tag: "InvalidFile", row: 1 })
    expect(await ok(mapping, "id,ref,amount,currency,date\n")).toEqual([])
  })

  it("a 1 GB stream is refused at maxBytes, after reading at most maxBytes plus one chunk", async () => {
    const chunk = bytes("a1,pay_1,1.00,EUR,2025-03-01\n".repeat(16384)) // ~475 KiB of valid rows
    let pulled = 0
    let closed = false
    const gigabyte = {
      async *[Symbol.asyncIterator]() {
        try {
          yield bytes("id,ref,amount,currency,date\n")
          while (pulled < 1024 * 1024 * 1024) {
            pulled += chunk.length
            yield chunk
          }
        } finally {
          closed = true
        }
      }
    }
    const maxBytes = 8 * 1024 * 1024
    const e = await failure(mapping, gigabyte, { maxBytes })
    expect(e).toMatchObject({ _tag: "FileTooLarge", limit: "maxBytes", max: maxBytes })
    expect(pulled).toBeLessThanOrEqual(maxBytes + chunk.length)
    expect(closed).toBe(true)
    expect(Importers.defaultLimits.maxBytes).toBe(512 * 1024 * 1024)
  })

  it("a huge row is refused at maxRowBytes without buffering the rest; too many rows at maxRows", async () => {
    let pulled = 0
    const endless = (function* () {
      yield bytes('id,ref,amount,currency,date\na1,"')
      for (;;) {
        pulled++
        yield new Uint8Array(65536).fill(0x61)
      }
    })()
    expect(await failure(mapping, endless, { maxRowBytes: 1024 * 1024 })).toMatchObject({
      _tag: "FileTooLarge",
      limit: "maxRowBytes",
      row: 2
    })
    expect(pulled).toBeLessThanOrEqual(17)
    const rows = csv(
      "id,ref,amount,currency,date",
      ...Array.from({ length: 11 }, (_, n) => `a${n},p,1.00,EUR,2025-03-01`)
    )
    expect(await failure(mapping, rows, { maxRows: 10 })).toMatchObject({
      _tag: "FileTooLarge",
      limit: "maxRows",
      row: 12
    })
    expect(await ok(mapping, rows, { maxRows: 11 })).toHaveLength(11)
  })

  it("a source that is not bytes, or that fails, is SourceFailed; the next import works", async () => {
    expect(await failure(mapping, 42 as never)).toMatchObject({ _tag: "SourceFailed" })
    expect(await failure(mapping, ["id,ref\n"] as never)).toMatchObject({ _tag: "SourceFailed" })
    const broken = (async function* () {
      yield bytes("id,ref,amount,currency,date\n")
      throw new Error("ECONNRESET")
    })()
    expect(await failure(mapping, broken)).toMatchObject({ _tag: "SourceFailed", reason: "ECONNRESET" })
    expect(await ok(mapping, goodMapped)).toHaveLength(3)
  })

  it("runs as an Effect with the error on the error channel", async () => {
    const exit = await Effect.runPromise(Effect.flip(Importers.run(mapping, "id,ref\n")))
    expect(exit._tag).toBe("InvalidFile")
    expect(await Effect.runPromise(Importers.run(mapping, goodMapped))).toHaveLength(3)
  })

  it("garbage bytes, in any chunking, never throw: a typed error or records", async () => {
    const importers = [mapping, Importers.stripeItemisedBalance(), Importers.adyenSettlementDetails()]
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 2),
        fc.constantFrom("", "id,ref,amount,currency,date\n", stripeHeader + "\n", adyenHeader + "\n"),
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        async (k, prefix, chunks) => {
          const r = await Importers.runResult(importers[k]!, [bytes(prefix), ...chunks])
          if (Result.isFailure(r)) {
            expect(["InvalidFile", "FileTooLarge", "ControlTotalMismatch", "SourceFailed"]).toContain(
              r.failure._tag
            )
            expect(r.failure.message.length).toBeGreaterThan(0)
          }
        }
      ),
      { numRuns: 500 }
    )
  })

  it("how a file is cut into chunks never changes the result", async () => {
    const files = [
      goodMapped,
      adyenFile("70.23"),
      adyenFile("70.24"),
      'id,ref,amount,currency,date\r\na1,"x\r\ny",1.00,EUR,2025-03-01\r\n'
    ]
    const base = await Promise.all(
      files.map((f, k) =>
        Importers.runResult(k === 0 || k === 3 ? mapping : Importers.adyenSettlementDetails(), f)
      )
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 2, 3),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (k, cuts) => {
          const b = bytes("\uFEFF" + files[k]!)
          const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y)
          const parts: Array<Uint8Array> = []
          let from = 0
          for (const p of points) {
            parts.push(b.subarray(from, p))
            from = p
          }
          parts.push(b.subarray(from))
          const r = await Importers.runResult(
            k === 0 || k === 3 ? mapping : Importers.adyenSettlementDetails(),
            parts
          )
          expect(r).toEqual(base[k])
        }
      ),
      { numRuns: 300 }
    )
  })
})
