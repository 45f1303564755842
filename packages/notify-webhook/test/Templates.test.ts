import { fc, test as prop } from "@fast-check/vitest"
import { Currency, Money } from "@paykit/core"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as Templates from "../src/Templates.ts"

// The message catalogue: rendering in both shipped languages with money in currencies of 2 and
// 0 decimals, the locale fallback rule, every check of `make` (all problems at once, nothing
// built), typed errors for bad variables, and hostile input that never throws.

const ok = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r)) throw new Error(`expected a success, got ${JSON.stringify(r.failure)}`)
  return r.success
}
const failure = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) throw new Error(`expected a failure, got ${JSON.stringify(r.success)}`)
  return r.failure
}

const eur = (amount: string) => ({ amount, currency: "EUR" })
const jpy = (amount: string) => ({ amount, currency: "JPY" })
const cny = (amount: string) => ({ amount, currency: "CNY" })

const render = (request: Partial<Templates.RenderRequest>) =>
  Templates.render(Templates.defaults, {
    template: "payments.payment.succeeded",
    channel: "sms",
    locale: "en",
    variables: { amount: eur("1250"), merchant: "Coffee Shop" },
    ...request
  })

/** A valid SMS definition to vary. */
const sms = (over: Partial<Record<keyof Templates.Definition, unknown>> = {}): Templates.Definition =>
  ({
    id: "loyalty.points.earned",
    channel: "sms",
    locale: "en",
    body: "You earned {{points}} points.",
    variables: { points: { kind: "integer" } },
    ...over
  }) as Templates.Definition

/** The problems of `make(definitions)`, which must fail with `InvalidTemplate`. */
const problems = (definitions: ReadonlyArray<unknown>, options?: Templates.Options) => {
  const e = failure(Templates.make(definitions as ReadonlyArray<Templates.Definition>, options))
  expect(e._tag).toBe("InvalidTemplate")
  return e.problems
}
const codes = (definitions: ReadonlyArray<unknown>, options?: Templates.Options) =>
  problems(definitions, options).map((p) => `${p.code} ${p.field}`)

describe("rendering the default catalogue", () => {
  it("renders euros with 2 decimals, yen with none and yuan, in English and Chinese", () => {
    expect(ok(render({})).body).toBe("Your payment of €12.50 to Coffee Shop succeeded.")
    expect(ok(render({ variables: { amount: jpy("1500"), merchant: "Sushi Bar" } })).body).toBe(
      "Your payment of ¥1,500 to Sushi Bar succeeded."
    )
    expect(ok(render({ variables: { amount: cny("1250"), merchant: "Tea House" } })).body).toBe(
      "Your payment of CN¥12.50 to Tea House succeeded."
    )
    expect(ok(render({ locale: "zh-CN", variables: { amount: cny("1250"), merchant: "茶馆" } })).body).toBe(
      "您向茶馆支付的¥12.50已成功。"
    )
    expect(ok(render({ locale: "zh-CN", variables: { amount: jpy("1500"), merchant: "寿司店" } })).body).toBe(
      "您向寿司店支付的JP¥1,500已成功。"
    )
    expect(ok(render({ locale: "zh-CN", variables: { amount: eur("99"), merchant: "咖啡店" } })).body).toBe(
      "您向咖啡店支付的€0.99已成功。"
    )
  })

  it("takes a Money as well as its JSON form, and never rounds through a float", () => {
    const huge = Money.fromMinorUnsafe(123456789012345678901234567n, Currency.EUR)
    expect(ok(render({ variables: { amount: huge, merchant: "Big" } })).body).toBe(
      "Your payment of €1,234,567,890,123,456,789,012,345.67 to Big succeeded."
    )
    expect(ok(render({ variables: { amount: eur("-5"), merchant: "M" } })).body).toContain("-€0.05")
  })

  it("shows an optional variable's section only when it is given", () => {
    expect(ok(render({ variables: { amount: eur("1250"), merchant: "M", reference: "R-1" } })).body).toBe(
      "Your payment of €12.50 to M succeeded. Ref: R-1"
    )
    expect(ok(render({ variables: { amount: eur("1250"), merchant: "M", reference: undefined } })).body).toBe(
      "Your payment of €12.50 to M succeeded."
    )
    expect(
      ok(render({ locale: "zh-CN", variables: { amount: cny("100"), merchant: "店", reference: "R-1" } }))
        .body
    ).toBe("您向店支付的¥1.00已成功。参考号：R-1")
  })

  it("renders an email's subject and a push notification's title", () => {
    const email = ok(
      render({ channel: "email", variables: { amount: eur("1250"), merchant: "M", reference: "R-1" } })
    )
    expect(email.subject).toBe("Your payment of €12.50 to M succeeded")
    expect(email.body).toBe("Hello,\n\nYour payment of €12.50 to M succeeded.\nReference: R-1\n\nThank you.")
    const push = ok(
      render({
        channel: "push",
        locale: "zh-CN",
        template: "payments.refund.succeeded",
        variables: { amount: cny("880"), merchant: "店" }
      })
    )
    expect(push.subject).toBe("退款成功")
    expect(push.body).toBe("店已向您退款¥8.80。")
    expect(ok(render({})).subject).toBeUndefined()
  })

  it("shows a date and time in the request's time zone, and a calendar date as it is", () => {
    const dispute = (locale: string, timeZone?: string) =>
      ok(
        render({
          template: "disputes.dispute.needs_response",
          locale,
          ...(timeZone === undefined ? {} : { timeZone }),
          variables: { amount: eur("1999"), paymentReference: "pay_123", dueAt: "2025-03-15T23:59:00Z" }
        })
      ).body
    expect(dispute("en")).toBe(
      "A customer disputed a payment of €19.99 (ref pay_123). Respond by March 15, 2025 at 23:59 UTC or the dispute is lost."
    )
    expect(dispute("zh-CN", "Asia/Shanghai")).toBe(
      "客户对一笔€19.99的付款（参考号pay_123）提出了争议。请在2025年3月16日 GMT+8 07:59前回复，否则争议将判您败诉。"
    )
    const payout = ok(
      render({
        template: "settlement.payout.paid",
        channel: "push",
        timeZone: "Pacific/Honolulu",
        variables: { amount: jpy("150000"), destination: "account ending 1234", arrivalDate: "2025-03-17" }
      })
    )
    expect(payout.body).toBe("¥150,000 is on its way to account ending 1234, expected March 17, 2025.")
  })

  it("ships the same variables in both languages, on every channel, within the channels' limits", () => {
    const { templates } = Templates.defaults
    expect(templates).toHaveLength(30)
    const ids = [...new Set(templates.map((t) => t.id))]
    expect(ids).toEqual([
      "payments.payment.succeeded",
      "payments.refund.succeeded",
      "settlement.payout.paid",
      "settlement.payout.failed",
      "disputes.dispute.needs_response"
    ])
    const sample: Record<Templates.VariableSpec["kind"], Templates.VariableValue> = {
      money: cny("123456"),
      string: "ACME Trading Company",
      integer: 3,
      date: "2025-03-15T23:59:00Z"
    }
    for (const id of ids) {
      for (const channel of Templates.channels) {
        const [en, zh, ...rest] = templates.filter((t) => t.id === id && t.channel === channel)
        expect(rest).toEqual([])
        expect([en?.locale, zh?.locale]).toEqual(["en", "zh-CN"])
        expect(zh?.variables).toEqual(en?.variables)
        for (const locale of ["en", "zh-CN"]) {
          const variables = Object.fromEntries(
            Object.entries(en!.variables).map(([name, spec]) => [name, sample[spec.kind]])
          )
          const m = ok(Templates.render(Templates.defaults, { template: id, channel, locale, variables }))
          expect(m.locale).toBe(locale)
          expect(m.body).not.toMatch(/\{\{|\}\}/)
        }
      }
    }
  })

  it("types the default variables", () => {
    const v: Templates.DefaultVariables["disputes.dispute.needs_response"] = {
      amount: eur("1"),
      paymentReference: "p",
      dueAt: "2025-01-01T00:00:00Z"
    }
    // @ts-expect-error money is never a number
    const wrong: Templates.DefaultVariables["payments.payment.succeeded"] = { amount: 12.5, merchant: "m" }
    expect([v, wrong]).toHaveLength(2)
    const m = Templates.render(Templates.defaults, {
      template: "disputes.dispute.needs_response",
      channel: "email",
      locale: "en",
      variables: v
    })
    expect(ok(m).subject).toBe("Dispute on p: respond by January 1, 2025 at 00:00 UTC")
  })
})

describe("the locale fallback rule", () => {
  const served = (locale: string) => {
    const m = ok(render({ locale, variables: { amount: eur("1250"), merchant: "M" } }))
    return [m.locale, m.requestedLocale]
  }

  it.each([
    ["en", "en", "en"],
    ["zh-CN", "zh-CN", "zh-CN"],
    ["ZH-cn", "zh-CN", "zh-CN"],
    ["zh", "zh-CN", "zh"],
    ["zh-Hans", "zh-CN", "zh-Hans"],
    ["zh-Hans-CN", "zh-CN", "zh-Hans-CN"],
    ["zh-SG", "zh-CN", "zh-SG"],
    ["zh-HK", "en", "zh-HK"],
    ["zh-TW", "en", "zh-TW"],
    ["zh-Hant", "en", "zh-Hant"],
    ["en-GB", "en", "en-GB"],
    ["en-US", "en", "en-US"],
    ["fr-FR", "en", "fr-FR"],
    ["xx", "en", "xx"]
  ])("%s is served by %s", (requested, used, canonical) => {
    expect(served(requested)).toEqual([used, canonical])
  })

  it("formats in the requested locale when it shares the template's language", () => {
    const payout = (locale: string) =>
      ok(
        render({
          template: "settlement.payout.paid",
          locale,
          variables: { amount: eur("1250"), destination: "IBAN …1234", arrivalDate: "2025-03-17" }
        })
      ).body
    expect(payout("en-GB")).toContain("Expected arrival: 17 March 2025.")
    expect(payout("en")).toContain("Expected arrival: March 17, 2025.")
    // a zh-HK reader gets the English template, formatted in English throughout
    expect(payout("zh-HK")).toContain("Expected arrival: March 17, 2025.")
  })

  it("falls back to the catalogue's own default locale", () => {
    const zhFirst = ok(
      Templates.make(
        [
          sms({ locale: "zh-CN", body: "您获得了{{points}}积分。" }),
          sms({ locale: "en", body: "You earned {{points}} points." })
        ],
        { defaultLocale: "zh-CN" }
      )
    )
    const m = ok(
      Templates.render(zhFirst, {
        template: "loyalty.points.earned",
        channel: "sms",
        locale: "de",
        variables: { points: 12345 }
      })
    )
    expect([m.locale, m.body]).toEqual(["zh-CN", "您获得了12,345积分。"])
    expect(zhFirst.defaultLocale).toBe("zh-CN")
    // the same definitions with the default "en" but without an English version do not build
    expect(codes([sms({ locale: "zh-CN", body: "您获得了{{points}}积分。" })])).toEqual([
      "MissingDefaultLocale locale"
    ])
  })
})

describe("make: bad templates are typed errors, and nothing is built", () => {
  it.each<[string, ReadonlyArray<unknown>, ReadonlyArray<string>]>([
    ["a {{ never closed", [sms({ body: "You earned {{points points." })], ["UnbalancedBraces body"]],
    ["a }} closing nothing", [sms({ body: "You earned {{points}} points}}." })], ["UnbalancedBraces body"]],
    [
      "a {{ before the next {{",
      [sms({ body: "You {{earned {{points}} points." })],
      ["UnbalancedBraces body"]
    ],
    [
      "braces around no name",
      [sms({ body: "You earned {{points}} {{ 1st }}." })],
      ["InvalidPlaceholder body"]
    ],
    ["empty braces", [sms({ body: "You earned {{points}} {{}}." })], ["InvalidPlaceholder body"]],
    [
      "a section never closed",
      [sms({ body: "{{#points}}You earned {{points}} points." })],
      ["UnbalancedSection body"]
    ],
    [
      "a section closed twice",
      [sms({ body: "You earned {{points}} points.{{/points}}" })],
      ["UnbalancedSection body"]
    ],
    [
      "an undeclared placeholder",
      [sms({ body: "You earned {{points}} points, {{name}}." })],
      ["UndeclaredVariable body"]
    ],
    [
      "a declared variable never used",
      [sms({ variables: { points: { kind: "integer" }, name: { kind: "string" } } })],
      ["UnusedVariable variables.name"]
    ],
    [
      "an optional variable outside its section",
      [sms({ variables: { points: { kind: "integer", optional: true } } })],
      ["OptionalOutsideSection body"]
    ],
    ["an unknown channel", [sms({ channel: "fax" })], ["UnknownChannel channel"]],
    ["a malformed locale", [sms({ locale: "english" })], ["UnknownLocale locale"]],
    ["a locale with an underscore", [sms({ locale: "en_US" })], ["UnknownLocale locale"]],
    ["a locale Intl does not know", [sms({ locale: "en" }), sms({ locale: "xx" })], ["UnknownLocale locale"]],
    ["an empty body", [sms({ body: "", variables: {} })], ["EmptyBody body"]],
    ["a blank body", [sms({ body: " \n ", variables: {} })], ["EmptyBody body"]],
    ["an SMS over 3 GSM-7 segments", [sms({ body: `${"a".repeat(460)} {{points}}` })], ["TooLong body"]],
    ["an SMS over 3 UCS-2 segments", [sms({ body: `${"积".repeat(202)}{{points}}` })], ["TooLong body"]],
    [
      "a push title over 100 characters",
      [sms({ channel: "push", subject: "t".repeat(101) })],
      ["TooLong subject"]
    ],
    ["an email without a subject", [sms({ channel: "email" })], ["MissingSubject subject"]],
    ["an email with a blank subject", [sms({ channel: "email", subject: "  " })], ["MissingSubject subject"]],
    ["an SMS with a subject", [sms({ subject: "Points" })], ["UnexpectedSubject subject"]],
    [
      "a line break in a subject",
      [sms({ channel: "email", subject: "Points\nBcc: attacker@example.com" })],
      ["InvalidText subject"]
    ],
    [
      "a bidirectional override in a body",
      [sms({ body: "You earned \u202e{{points}} points." })],
      ["InvalidText body"]
    ],
    ["a NUL in a body", [sms({ body: "You earned {{points}}\u0000 points." })], ["InvalidText body"]],
    ["a duplicate id, channel and locale", [sms(), sms()], ["Duplicate locale"]],
    ["a duplicate after canonicalising the locale", [sms(), sms({ locale: "EN" })], ["Duplicate locale"]],
    [
      "two locales with different variables",
      [
        sms(),
        sms({
          locale: "zh-CN",
          body: "您获得了{{points}}积分，{{name}}。",
          variables: { points: { kind: "integer" }, name: { kind: "string" } }
        })
      ],
      ["InconsistentVariables variables.name"]
    ],
    [
      "two locales with a variable of different kinds",
      [
        sms(),
        sms({ locale: "zh-CN", body: "您获得了{{points}}积分。", variables: { points: { kind: "string" } } })
      ],
      ["InconsistentVariables variables.points"]
    ],
    ["no version in the default locale", [sms({ locale: "zh-CN" })], ["MissingDefaultLocale locale"]],
    ["an id that is not dotted lowercase", [sms({ id: "Loyalty Points" })], ["InvalidId id"]],
    ["an unknown field", [{ ...sms(), subjet: "typo" }], ["InvalidShape subjet"]],
    ["a missing body", [{ ...sms(), body: undefined }], ["InvalidShape body"]],
    ["a number body", [sms({ body: 42 })], ["InvalidShape body"]],
    [
      "an unknown variable kind",
      [sms({ variables: { points: { kind: "float" } } })],
      ["InvalidShape variables.points.kind"]
    ],
    [
      "show on a variable that is not a date",
      [sms({ variables: { points: { kind: "integer", show: "date" } } })],
      ["InvalidShape variables.points.show"]
    ],
    ["null instead of a definition", [null], ["InvalidShape (definition)"]]
  ])("%s", (_, definitions, expected) => {
    expect(codes(definitions)).toEqual(expected)
  })

  it("names the field and says what to do", () => {
    const [p] = problems([sms({ body: "You earned {{points}} points, {{name}}." })])
    expect(p).toMatchObject({
      index: 0,
      template: "loyalty.points.earned/sms/en",
      field: "body",
      code: "UndeclaredVariable"
    })
    expect(p?.reason).toContain("{{name}} is not declared")
    const e = failure(Templates.make([sms({ channel: "fax" })]))
    expect(e.message).toContain(
      'loyalty.points.earned/fax/en channel: UnknownChannel: "fax" is not a channel'
    )
    expect(e.message).toContain("nothing was built")
  })

  it("reports every problem at once, each with its definition's index", () => {
    const found = problems([
      sms(),
      sms({ id: "a.b", channel: "fax", locale: "english", body: "{{x" }),
      sms({ id: "c.d", channel: "email", body: "{{points}} {{extra}}" }),
      sms({ id: "e.f", variables: { points: { kind: "integer" }, unused: { kind: "money" } } }),
      sms()
    ]).map((p) => `${p.index} ${p.code} ${p.field}`)
    expect(found).toEqual([
      "1 UnknownChannel channel",
      "1 UnknownLocale locale",
      "1 UnbalancedBraces body",
      "2 MissingSubject subject",
      "2 UndeclaredVariable body",
      "3 UnusedVariable variables.points".replace("points", "unused"),
      "4 Duplicate locale"
    ])
  })

  it("builds nothing from a list that mixes good and bad definitions", () => {
    const r = Templates.make([...Templates.defaultDefinitions, sms({ body: "" })])
    expect(Result.isFailure(r)).toBe(true)
    // the good definitions alone build
    expect(ok(Templates.make(Templates.defaultDefinitions)).templates).toHaveLength(30)
  })

  it("refuses lists and options of the wrong shape", () => {
    expect(codes(null as never)).toEqual(["InvalidShape definitions"])
    expect(codes({ length: 1, 0: sms() } as never)).toEqual(["InvalidShape definitions"])
    expect(codes([sms()], { defaultLocale: "klingon!" })).toEqual(["UnknownLocale options.defaultLocale"])
    expect(codes([sms()], { defaultLocal: "en" } as never)).toEqual(["InvalidShape options.defaultLocal"])
  })

  it("caps a flood of problems and counts the rest", () => {
    const e = failure(Templates.make(Array.from({ length: 300 }, (_, i) => sms({ id: `x${i}`, body: "" }))))
    expect(e.problems).toHaveLength(200)
    expect(e.omitted).toBeGreaterThan(100)
    expect(e.message).toContain("more")
  })

  it("accepts custom currencies when given a registry", () => {
    const points = Currency.customUnsafe({ code: "PTS", exponent: 0, name: "Points" })
    const c = ok(
      Templates.make([sms({ body: "You earned {{points}}.", variables: { points: { kind: "money" } } })], {
        currencies: Currency.registry([points])
      })
    )
    const r = (catalogue: Templates.Catalogue) =>
      Templates.render(catalogue, {
        template: "loyalty.points.earned",
        channel: "sms",
        locale: "en",
        variables: { points: { amount: "1200", currency: "PTS" } }
      })
    expect(ok(r(c)).body).toBe("You earned 1,200 PTS.")
    expect(
      failure(
        r(
          ok(
            Templates.make([
              sms({ body: "You earned {{points}}.", variables: { points: { kind: "money" } } })
            ])
          )
        )
      )
    ).toMatchObject({ _tag: "InvalidVariable", variable: "points" })
  })
})

describe("render: missing or wrong variables are typed errors", () => {
  it("names a missing required variable", () => {
    expect(failure(render({ variables: { amount: eur("1") } }))).toMatchObject({
      _tag: "MissingVariable",
      template: "payments.payment.succeeded",
      variable: "merchant",
      kind: "string"
    })
  })

  it("names a variable the template does not declare", () => {
    const e = failure(render({ variables: { amout: eur("1"), merchant: "M" } }))
    expect(e).toMatchObject({ _tag: "UnknownVariable", variable: "amout" })
    expect(e.message).toContain("amount, merchant, reference")
  })

  it.each<[string, string, Templates.VariableValue | unknown, string]>([
    ["a number for money", "amount", 12.5, "expected money"],
    ["a number amount", "amount", { amount: 1250, currency: "EUR" }, "a number cannot carry money exactly"],
    ["a decimal amount", "amount", { amount: "12.50", currency: "EUR" }, "is not minor units"],
    ["an amount with an exponent", "amount", { amount: "1e3", currency: "EUR" }, "is not minor units"],
    ["an amount with leading zeros", "amount", { amount: "0012", currency: "EUR" }, "is not minor units"],
    ["an unknown currency", "amount", { amount: "1250", currency: "XYZ" }, "is not a known currency"],
    ["a currency object", "amount", { amount: "1250", currency: Currency.EUR }, "ISO 4217 code"],
    ["an extra money field", "amount", { amount: "1250", currency: "EUR", rate: "1" }, "unexpected field"],
    [
      "an amount out of range",
      "amount",
      { amount: "9".repeat(39), currency: "EUR" },
      "outside the supported range"
    ],
    ["a line break in a string", "merchant", "Coffee\nShop", "single line"],
    ["a bidirectional override in a string", "merchant", "Shop\u202e", "bidirectional"],
    ["an empty string", "merchant", "", "is empty"],
    ["a number for a string", "merchant", 42, "expected a string"],
    ["a string over 1,000 characters", "merchant", "m".repeat(1001), "at most 1000"]
  ])("%s", (_, variable, value, reason) => {
    const e = failure(
      render({ variables: { amount: eur("1250"), merchant: "M", [variable]: value } as never })
    )
    expect(e).toMatchObject({ _tag: "InvalidVariable", variable })
    expect((e as Templates.InvalidVariable).reason).toContain(reason)
  })

  it.each<[string, unknown, string]>([
    ["a date in another format", "15/03/2025", "is not an ISO 8601"],
    ["a date not on the calendar", "2025-02-29T10:00:00Z", "not a date on the calendar"],
    ["a time without an offset", "2025-03-15T10:00:00", "no offset"],
    ["a time out of range", "2025-03-15T24:00:00Z", "not a time of day"],
    ["a date without the time this variable shows", "2025-03-15", "without a time"],
    ["a Date object", new Date(0), "expected an ISO 8601 string"],
    ["epoch milliseconds", 1_700_000_000_000, "expected an ISO 8601 string"]
  ])("%s", (_, dueAt, reason) => {
    const e = failure(
      render({
        template: "disputes.dispute.needs_response",
        variables: { amount: eur("1"), paymentReference: "p", dueAt } as never
      })
    )
    expect(e).toMatchObject({ _tag: "InvalidVariable", variable: "dueAt", kind: "date" })
    expect((e as Templates.InvalidVariable).reason).toContain(reason)
  })

  it("checks integers", () => {
    const c = ok(Templates.make([sms()]))
    const points = (value: unknown) =>
      Templates.render(c, {
        template: "loyalty.points.earned",
        channel: "sms",
        locale: "en",
        variables: { points: value as number }
      })
    expect(ok(points(12345)).body).toBe("You earned 12,345 points.")
    expect(ok(points(10n ** 20n)).body).toBe("You earned 100,000,000,000,000,000,000 points.")
    for (const bad of [1.5, Number.NaN, 2 ** 60, "12", null])
      expect(failure(points(bad))).toMatchObject({
        _tag: "InvalidVariable",
        variable: "points",
        kind: "integer"
      })
  })

  it("inserts a value once: a value that looks like a placeholder stays text", () => {
    expect(ok(render({ variables: { amount: eur("1"), merchant: "{{amount}}" } })).body).toBe(
      "Your payment of €0.01 to {{amount}} succeeded."
    )
  })

  it("refuses a rendered SMS over 3 segments", () => {
    const e = failure(render({ variables: { amount: eur("1"), merchant: "M".repeat(500) } }))
    expect(e).toMatchObject({
      _tag: "MessageTooLong",
      channel: "sms",
      field: "body",
      limit: "3 SMS segments"
    })
    // the same merchant fits a push body (1,000 characters), but not an email subject (250)
    expect(
      ok(render({ channel: "push", variables: { amount: eur("1"), merchant: "M".repeat(500) } })).body
    ).toContain("M".repeat(500))
    expect(
      failure(render({ channel: "email", variables: { amount: eur("1"), merchant: "M".repeat(500) } }))
    ).toMatchObject({
      _tag: "MessageTooLong",
      field: "subject",
      limit: "250 characters"
    })
  })

  it("names an unknown template, and a template missing on the channel", () => {
    expect(failure(render({ template: "payments.payment.lost" }))).toMatchObject({
      _tag: "TemplateNotFound",
      template: "payments.payment.lost",
      channel: "sms",
      locale: "en"
    })
    const smsOnly = ok(Templates.make([sms()]))
    const e = failure(
      Templates.render(smsOnly, {
        template: "loyalty.points.earned",
        channel: "push",
        locale: "en",
        variables: { points: 1 }
      })
    )
    expect(e).toMatchObject({ _tag: "TemplateNotFound", reason: "it exists for sms only" })
  })

  it.each<[string, Partial<Templates.RenderRequest>, string]>([
    ["an unknown channel", { channel: "fax" as never }, "channel"],
    ["a malformed locale", { locale: "en_US" }, "locale"],
    ["an empty locale", { locale: "" }, "locale"],
    ["an unknown time zone", { timeZone: "Mars/Olympus_Mons" }, "timeZone"],
    ["variables that are not an object", { variables: null as never }, "variables"],
    ["variables as an array", { variables: [] as never }, "variables"],
    ["a number as the template", { template: 7 as never }, "template"]
  ])("refuses %s with InvalidInput naming the field", (_, request, path) => {
    expect(failure(render(request))).toMatchObject({
      _tag: "InvalidInput",
      operation: "Templates.render",
      path
    })
  })

  it("refuses a catalogue make did not build", () => {
    const fake = { templates: Templates.defaults.templates, defaultLocale: "en" }
    expect(
      failure(
        Templates.render(fake, {
          template: "payments.payment.succeeded",
          channel: "sms",
          locale: "en",
          variables: {}
        })
      )
    ).toMatchObject({ _tag: "InvalidInput", path: "catalogue" })
  })

  it("renderUnsafe throws the typed error", () => {
    expect(() =>
      Templates.renderUnsafe(Templates.defaults, {
        template: "x.y",
        channel: "sms",
        locale: "en",
        variables: {}
      })
    ).toThrow(/no template "x.y"/)
  })
})

describe("properties", () => {
  const currency = fc.constantFrom(Currency.EUR, Currency.JPY, Currency.CNY, Currency.KWD, Currency.USD)
  const minor = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n })

  prop.prop([minor, currency, fc.constantFrom("en", "zh-CN", "en-GB", "zh-SG")])(
    "the rendered amount reads back as the exact minor units in the currency's exponent",
    (amount, c, locale) => {
      const body = ok(
        render({
          locale,
          variables: { amount: { amount: amount.toString(), currency: c.code }, merchant: "M" }
        })
      ).body
      const shown = /(-?)[^\d-]*([\d,]+(?:\.\d+)?)/.exec(body.replace(/[\s\u00a0]/g, ""))
      expect(shown).not.toBeNull()
      const digits = shown![2]!.replace(/,/g, "")
      const decimals = digits.includes(".") ? digits.split(".")[1]!.length : 0
      expect(decimals).toBe(c.exponent)
      expect(ok(Money.parse(`${shown![1]}${digits}`, c)).amount).toBe(amount)
    }
  )

  prop.prop([fc.string({ maxLength: 300 }), fc.string({ maxLength: 60 })])(
    "any text either builds or gives InvalidTemplate; a built template renders without braces left",
    (body, subject) => {
      const r = Templates.make([sms({ body, channel: "push", subject, variables: {} })])
      if (Result.isSuccess(r)) {
        const m = ok(
          Templates.render(r.success, {
            template: "loyalty.points.earned",
            channel: "push",
            locale: "en",
            variables: {}
          })
        )
        expect(m.body).toBe(body)
        expect(m.body).not.toMatch(/\{\{|\}\}/)
      } else {
        expect(r.failure._tag).toBe("InvalidTemplate")
        expect(r.failure.problems.length).toBeGreaterThan(0)
      }
    }
  )
})

describe("hostile input", () => {
  const anything = fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withTypedArray: true,
    withSparseArray: true,
    withUnicodeString: true
  })
  const throwing = new Proxy(
    {},
    {
      get: () => {
        throw new Error("trap")
      },
      ownKeys: () => {
        throw new Error("trap")
      },
      getPrototypeOf: () => {
        throw new Error("trap")
      }
    }
  )
  const baseline = ok(render({ locale: "zh-CN", variables: { amount: cny("1250"), merchant: "茶馆" } }))
  const stillWorks = () => {
    expect(ok(render({ locale: "zh-CN", variables: { amount: cny("1250"), merchant: "茶馆" } }))).toEqual(
      baseline
    )
    expect(ok(Templates.make([sms()])).templates).toHaveLength(1)
  }
  const renderTags = [
    "InvalidInput",
    "TemplateNotFound",
    "UnknownVariable",
    "MissingVariable",
    "InvalidVariable",
    "MessageTooLong"
  ]

  prop.prop([
    fc.oneof(anything, fc.array(anything), fc.array(fc.jsonValue())),
    fc.option(anything, { nil: undefined })
  ])(
    "make answers InvalidTemplate for any definitions and options, never a throw",
    (definitions, options) => {
      const r = Templates.make(definitions as never, options as never)
      if (Result.isFailure(r)) expect(r.failure._tag).toBe("InvalidTemplate")
      stillWorks()
    }
  )

  prop.prop([
    fc.record({
      id: fc.oneof(fc.constant("loyalty.points.earned"), anything),
      channel: fc.oneof(fc.constantFrom("sms", "email", "push"), anything),
      locale: fc.oneof(fc.constantFrom("en", "zh-CN"), anything),
      body: fc.oneof(fc.constant("You earned {{points}} points."), fc.string(), anything),
      variables: fc.oneof(
        fc.constant({ points: { kind: "integer" } }),
        fc.dictionary(fc.string(), anything),
        anything
      )
    })
  ])("make answers InvalidTemplate for definitions with hostile fields", (definition) => {
    const r = Templates.make([definition as never])
    if (Result.isFailure(r)) expect(r.failure.problems.length).toBeGreaterThan(0)
    stillWorks()
  })

  prop.prop([
    fc.oneof(
      anything,
      fc.jsonValue(),
      fc.record({
        template: fc.oneof(fc.constantFrom(...Templates.defaults.templates.map((t) => t.id)), anything),
        channel: fc.oneof(fc.constantFrom("sms", "email", "push"), anything),
        locale: fc.oneof(fc.constantFrom("en", "zh-CN", "zh-HK"), fc.string(), anything),
        variables: fc.oneof(
          fc.dictionary(fc.constantFrom("amount", "merchant", "reference", "dueAt", "x"), anything),
          anything
        ),
        timeZone: fc.oneof(fc.constantFrom("UTC", "Asia/Shanghai"), anything)
      })
    )
  ])("render answers a typed error for any request, never a throw", (request) => {
    const r = Templates.render(Templates.defaults, request as never)
    if (Result.isFailure(r)) expect(renderTags).toContain(r.failure._tag)
    stillWorks()
  })

  prop.prop([anything])("render answers InvalidInput for any catalogue make did not build", (catalogue) => {
    const r = Templates.render(catalogue as never, {
      template: "payments.payment.succeeded",
      channel: "sms",
      locale: "en",
      variables: { amount: eur("1"), merchant: "M" }
    })
    expect(failure(r)).toMatchObject({ _tag: "InvalidInput", path: "catalogue" })
    stillWorks()
  })

  it("survives objects whose every read throws", () => {
    expect(failure(Templates.make(throwing as never))._tag).toBe("InvalidTemplate")
    expect(failure(Templates.make([throwing] as never))._tag).toBe("InvalidTemplate")
    expect(failure(Templates.make([sms({ variables: throwing })]))._tag).toBe("InvalidTemplate")
    expect(failure(Templates.make([sms()], throwing as never))._tag).toBe("InvalidTemplate")
    expect(failure(Templates.render(Templates.defaults, throwing as never))._tag).toBe("InvalidInput")
    expect(failure(Templates.render(throwing as never, throwing as never))._tag).toBe("InvalidInput")
    expect(failure(render({ variables: throwing as never }))._tag).toBe("InvalidInput")
    expect(failure(render({ variables: { amount: throwing, merchant: "M" } as never }))).toMatchObject({
      _tag: "InvalidVariable",
      variable: "amount"
    })
    const getter = Object.defineProperty({ amount: eur("1") }, "merchant", {
      enumerable: true,
      get: () => {
        throw new Error("boom")
      }
    })
    expect(failure(render({ variables: getter as never }))._tag).toBe("InvalidInput")
    stillWorks()
  })
})
