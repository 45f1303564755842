// Golden report files for a scripted month (test/golden/month.ts): March 2025 in Asia/Shanghai,
// three merchants, USD, JPY (exponent 0) and KWD (exponent 3), charges with fee details, refunds,
// a refund failure, disputes and a dispute reversal, a reserve hold and release, two payouts and a
// payout failure, and transactions near midnight UTC on both sides of the period's ends.
//
// Each report is rendered and compared with its golden file column by column: both are parsed,
// the headers compared, then every cell by column name, failing with the file, the row and the
// column. The golden figures were worked out by hand (the sums are spelt out below next to the
// cells they check), so the files are not "whatever the code printed".
import { readFileSync } from "node:fs"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as Reports from "../src/Reports.ts"
import { parseTable } from "./golden/csvParse.ts"
import { month } from "./golden/month.ts"

const options = { from: "2025-03-01", to: "2025-04-01", timeZone: "Asia/Shanghai" } as const
const golden = (name: string) => readFileSync(new URL(`./golden/${name}.csv`, import.meta.url), "utf8")

/** Compares a rendered CSV with its golden file: the header, the row count, then each cell by column. */
const compareWithGolden = (name: string, rendered: string) => {
  const expected = parseTable(golden(name))
  const actual = parseTable(rendered)
  expect(actual.header, `${name}: header`).toEqual(expected.header)
  const rows = Math.max(actual.records.length, expected.records.length)
  for (let i = 0; i < rows; i++) {
    const want = expected.records[i]
    const got = actual.records[i]
    expect(got, `${name}: row ${i + 1} is missing from the rendered report`).toBeDefined()
    expect(want, `${name}: row ${i + 1} is not in the golden file`).toBeDefined()
    for (const column of expected.header) {
      expect(got![column], `${name}: row ${i + 1} (${want![expected.header[0]!]}), column ${column}`).toBe(
        want![column]
      )
    }
  }
  return actual.records
}

const summary = Result.getOrThrow(Reports.run(Result.getOrThrow(Reports.balanceSummary(options)), month))

const render = {
  balance_summary: () => Reports.toCsv(Reports.balanceSummaryTable, summary.rows),
  balance_change_from_activity: () =>
    Reports.toCsv(Reports.itemisedTable, Reports.rows(Result.getOrThrow(Reports.itemised(options)), month)),
  payout_reconciliation_items: () =>
    Reports.toCsv(
      Reports.payoutItemsTable,
      Reports.rows(Result.getOrThrow(Reports.payoutReconciliation({ timeZone: options.timeZone })), month)
    ),
  payout_reconciliation: () =>
    Reports.toCsv(
      Reports.payoutsTable,
      Result.getOrThrow(
        Reports.run(Result.getOrThrow(Reports.payoutReconciliation({ timeZone: options.timeZone })), month)
      ).payouts
    ),
  sales: () =>
    Reports.toCsv(
      Reports.salesTable,
      Result.getOrThrow(Reports.run(Result.getOrThrow(Reports.sales(options)), month)).rows
    ),
  refunds: () =>
    Reports.toCsv(
      Reports.refundsTable,
      Result.getOrThrow(Reports.run(Result.getOrThrow(Reports.refunds(options)), month)).rows
    ),
  fee_details: () =>
    Reports.toCsv(
      Reports.feeDetailsTable,
      Result.getOrThrow(Reports.run(Result.getOrThrow(Reports.feeDetails(options)), month)).rows
    )
} as const

/** The record of `records` whose columns match `where`, exactly one. */
const find = (records: ReadonlyArray<Readonly<Record<string, string>>>, where: Record<string, string>) => {
  const hits = records.filter((r) => Object.entries(where).every(([k, v]) => r[k] === v))
  expect(hits, JSON.stringify(where)).toHaveLength(1)
  return hits[0]!
}

describe("golden reports of a scripted month (Asia/Shanghai, USD, JPY, KWD)", () => {
  for (const [name, make] of Object.entries(render)) {
    it(`${name}.csv matches its golden file column by column, with a header and \\r\\n line ends`, () => {
      const text = make()
      expect(text.split("\r\n").at(-1), "the document ends with \\r\\n").toBe("")
      expect(text.replaceAll("\r\n", "")).not.toMatch(/[\r\n]/)
      compareWithGolden(name, text)
    })
  }

  it("balance summary: the hand-worked figures of each balance", () => {
    const records = compareWithGolden("balance_summary", render.balance_summary())
    const cell = (merchant: string, currency: string, line: string, column: string, category = "") =>
      find(records, { merchant, currency, line, reporting_category: category })[column]
    // m_alpha USD: bt_a01 (net 9680) became available at 23:30 on Feb 28 local: the opening
    expect(cell("m_alpha", "USD", "opening_balance", "net_minor")).toBe("9680")
    expect(cell("m_alpha", "USD", "opening_balance", "net")).toBe("96.80")
    // charges in March: bt_a02 (25000 - 275, available 01:00 Mar 1 local though Feb 28 UTC),
    // bt_a11 (8000 - 312), bt_a14 (1234 - 66 at 23:59:59.5 Mar 31 local); bt_a13 (Apr 1 04:00 local) is out
    expect(cell("m_alpha", "USD", "activity", "count", "charge")).toBe("3")
    expect(cell("m_alpha", "USD", "activity", "gross_minor", "charge")).toBe(String(25000 + 8000 + 1234))
    expect(cell("m_alpha", "USD", "activity", "fee_minor", "charge")).toBe(String(275 + 312 + 66))
    expect(cell("m_alpha", "USD", "activity", "net", "charge")).toBe("335.81")
    // activity: charges 33581, refunds -7000, refund failure +2000, dispute -4500, reserve 0
    expect(cell("m_alpha", "USD", "activity_total", "net_minor")).toBe(String(33581 - 7000 + 2000 - 4500))
    // payouts paid: po_a1 26405 and po_a2 32593, po_a1 came back (payout_reversal -26405)
    expect(cell("m_alpha", "USD", "payouts", "net_minor", "payout")).toBe(String(26405 + 32593))
    expect(cell("m_alpha", "USD", "payouts", "net", "payout_reversal")).toBe("-264.05")
    expect(cell("m_alpha", "USD", "payouts_total", "net_minor")).toBe("32593")
    // closing = 9680 + 24081 - 32593 = 1168: only bt_a14 is left unpaid
    expect(cell("m_alpha", "USD", "closing_balance", "net_minor")).toBe(String(9680 + 24081 - 32593))
    expect(cell("m_alpha", "USD", "closing_balance", "net")).toBe("11.68")
    // JPY, exponent 0: bt_j03 at exactly the period's start counts, bt_j02 at exactly its end does not
    expect(cell("m_alpha", "JPY", "activity", "net", "other_adjustment")).toBe("300")
    expect(cell("m_alpha", "JPY", "closing_balance", "net")).toBe(String(12000 - 480 + 300))
    // KWD, exponent 3: opening bt_k02 2005 - 33; the dispute and its reversal cancel out
    expect(cell("m_beta", "KWD", "opening_balance", "net")).toBe("1.972")
    expect(cell("m_beta", "KWD", "activity", "fee", "dispute_reversal")).toBe("-2.000")
    expect(cell("m_beta", "KWD", "closing_balance", "net")).toBe("16.249")
    // a negative balance stays a plain number (no formula-injection prefix on pure numbers)
    expect(cell("m_gamma", "USD", "closing_balance", "net")).toBe("-2.50")
    expect(cell("m_gamma", "USD", "opening_balance", "count")).toBe("")
  })

  it("balance summary: opening + activity - payouts = closing on every balance of the month", () => {
    for (const b of summary.balances) {
      expect(b.opening + b.activityTotal.net - b.payoutsTotal.net, `${b.merchant} ${b.currency}`).toBe(
        b.closing
      )
    }
    expect(summary.balances.map((b) => `${b.merchant}/${b.currency}`)).toEqual([
      "m_alpha/JPY",
      "m_alpha/USD",
      "m_beta/KWD",
      "m_gamma/USD"
    ])
  })

  it("itemised: local dates and offsets in Asia/Shanghai, exact major units, a neutralised description", () => {
    const records = compareWithGolden("balance_change_from_activity", render.balance_change_from_activity())
    expect(records.map((r) => r["balance_transaction_id"])).not.toContain("bt_a01") // opening
    expect(records.map((r) => r["balance_transaction_id"])).not.toContain("bt_a13") // after the end
    expect(records.map((r) => r["balance_transaction_id"])).not.toContain("bt_a09") // a payout
    const a02 = find(records, { balance_transaction_id: "bt_a02" })
    expect(a02["available_on"]).toBe("2025-03-01T01:00:00+08:00") // 2025-02-28T17:00:00Z
    expect(a02["available_date"]).toBe("2025-03-01")
    expect(a02["created_date"]).toBe("2025-02-28")
    const a14 = find(records, { balance_transaction_id: "bt_a14" })
    expect(a14["available_on"]).toBe("2025-03-31T23:59:59.500+08:00")
    expect(find(records, { balance_transaction_id: "bt_j01" })["created"]).toBe("2025-03-04T07:59:59+08:00")
    expect(find(records, { balance_transaction_id: "bt_k04" })["net"]).toBe("17.750")
    expect(find(records, { balance_transaction_id: "bt_j01" })["net"]).toBe("11520")
    const raw = render.balance_change_from_activity()
    expect(raw).toContain(`,"'=HYPERLINK(""http://x""), goodwill credit"\r\n`)
    // the rows' net sums to the summary's activity
    const net = records
      .filter((r) => r["currency"] === "USD")
      .reduce((n, r) => n + BigInt(r["net_minor"]!), 0n)
    expect(net).toBe(24081n)
  })

  it("payout reconciliation: each payout's transactions add up to it, the failed one is marked", () => {
    const totals = compareWithGolden("payout_reconciliation", render.payout_reconciliation())
    const po1 = find(totals, { payout_id: "po_a1" })
    // bt_a01 9680 + bt_a02 24725 - bt_a03 5000 - bt_a04 2000 - bt_a07 1000
    expect(po1["items_net_minor"]).toBe(String(9680 + 24725 - 5000 - 2000 - 1000))
    expect(po1["payout_amount_minor"]).toBe("26405")
    expect(po1["failed"]).toBe("true")
    expect(po1["arrival_date"]).toBe("2025-03-11") // 2025-03-10T16:00:00Z
    const po2 = find(totals, { payout_id: "po_a2" })
    // bt_a05 2000 - bt_a06 4500 + bt_a08 1000 + bt_a10 (po_a1 returned) 26405 + bt_a11 7688
    expect(po2["items_net_minor"]).toBe(String(2000 - 4500 + 1000 + 26405 + 7688))
    expect(po2["difference"]).toBe("0.00")
    expect(totals.map((t) => t["status"])).toEqual(["balanced", "balanced"])
    const items = compareWithGolden("payout_reconciliation_items", render.payout_reconciliation_items())
    expect(items.filter((r) => r["payout_id"] === "po_a1")).toHaveLength(5)
    expect(find(items, { balance_transaction_id: "bt_a10" })["payout_id"]).toBe("po_a2")
  })

  it("sales, refunds and fee details: the hand-worked groups", () => {
    const sales = compareWithGolden("sales", render.sales())
    expect(
      find(sales, { merchant: "m_alpha", currency: "USD", payment_method: "wallet" })["card_brand"]
    ).toBe("")
    expect(find(sales, { merchant: "m_beta", currency: "KWD" })["fee"]).toBe("0.473")
    const refunds = compareWithGolden("refunds", render.refunds())
    const visa = find(refunds, { merchant: "m_alpha", currency: "USD", card_brand: "visa" })
    expect([visa["refund_gross"], visa["refund_failure_gross"], visa["net"]]).toEqual([
      "-20.00",
      "20.00",
      "0.00"
    ])
    const fees = compareWithGolden("fee_details", render.fee_details())
    // bt_k01's fee is 473 with one 450 processing line: the 23 left over is an `other` line
    expect(find(fees, { merchant: "m_beta", fee_kind: "other" })["amount"]).toBe("0.023")
    expect(find(fees, { merchant: "m_beta", fee_kind: "dispute" })["line_count"]).toBe("2")
    // the fee lines of a group add up to its transactions' fees (KWD: 473 + 2000 - 2000)
    const kwd = fees
      .filter((r) => r["currency"] === "KWD")
      .reduce((n, r) => n + BigInt(r["amount_minor"]!), 0n)
    expect(kwd).toBe(473n)
  })

  it("JSON: the same records keyed by column, amounts as strings", () => {
    const json = Reports.toJson(Reports.balanceSummaryTable, summary.rows)
    const closing = json.find((r) => r.merchant === "m_beta" && r.line === "closing_balance")
    expect(closing).toMatchObject({ net_minor: "16249", net: "16.249", count: null, gross: null })
    const parsed = JSON.parse(JSON.stringify(json)) as Array<Record<string, unknown>>
    const csv = parseTable(render.balance_summary()).records
    parsed.forEach((r, i) => {
      for (const [k, v] of Object.entries(r))
        expect(v === null ? "" : String(v), `row ${i + 1} ${k}`).toBe(csv[i]![k])
    })
    const lines = [
      ...Reports.jsonLines(
        Reports.payoutsTable,
        Result.getOrThrow(
          Reports.run(Result.getOrThrow(Reports.payoutReconciliation({ timeZone: "Asia/Shanghai" })), month)
        ).payouts
      )
    ]
    expect(lines).toHaveLength(2)
    expect(JSON.parse(lines[0]!)).toMatchObject({
      payout_id: "po_a1",
      failed: true,
      payout_amount_minor: "26405"
    })
  })
})
