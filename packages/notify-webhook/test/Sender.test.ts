import { fc, test as prop } from "@fast-check/vitest"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import * as Sender from "../src/Sender.ts"
import * as Templates from "../src/Templates.ts"

// The Sender port's memory implementation and sendTemplate: checks before sending (a bad
// recipient, field, template or variable sends nothing), idempotency by key, the record of
// sent messages, and hostile input that never throws.

const sms: Sender.Message = {
  channel: "sms",
  to: "+447700900123",
  body: "Your payment of €12.50 to Coffee Shop succeeded.",
  locale: "en",
  template: "payments.payment.succeeded",
  idempotencyKey: "evt_1:sms"
}
const email: Sender.Message = {
  channel: "email",
  to: "ana@example.com",
  subject: "Your refund succeeded",
  body: "Hello,\n\nYour refund of €12.50 succeeded.",
  locale: "en",
  template: "payments.refund.succeeded",
  idempotencyKey: "evt_2:email"
}
const push: Sender.Message = {
  channel: "push",
  to: "fcm:APA91bH-token_value",
  subject: "Payout paid",
  body: "¥150,000 is on its way.",
  locale: "en",
  template: "settlement.payout.paid",
  idempotencyKey: "evt_3:push"
}

const refund: Sender.TemplateMessage = {
  template: "payments.refund.succeeded",
  channel: "sms",
  locale: "zh-CN",
  variables: { amount: { amount: "1250", currency: "CNY" }, merchant: "咖啡店" },
  to: "+8613800138000",
  idempotencyKey: "evt_9:sms"
}

/** Runs `program` with a fresh memory sender on a test clock at 1,000 ms, and the messages it recorded. */
const run = <A, E>(
  program: Effect.Effect<A, E, Sender.Sender | Sender.SentMessages | TestClock.TestClock>,
  layer: Layer.Layer<Sender.Sender | Sender.SentMessages> = Sender.layerMemory
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(1_000)
      const result = yield* Effect.result(program)
      const sent = yield* Effect.flatMap(Sender.SentMessages, (s) => s.all)
      return { result, sent }
    }).pipe(Effect.provide(Layer.merge(layer, TestClock.layer())))
  )

const send = (m: unknown) => Effect.flatMap(Sender.Sender, (s) => s.send(m as Sender.Message))

const failureOf = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) throw new Error(`expected a failure, got ${JSON.stringify(r.success)}`)
  return r.failure
}
const successOf = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r)) throw new Error(`expected a success, got ${JSON.stringify(r.failure)}`)
  return r.success
}

describe("the memory sender", () => {
  it("sends on each channel and records the message with its receipt", async () => {
    const { result, sent } = await run(Effect.all([send(sms), send(email), send(push)]))
    const receipts = successOf(result)
    expect(receipts).toEqual([
      {
        messageId: "msg_000001",
        idempotencyKey: "evt_1:sms",
        channel: "sms",
        to: "+447700900123",
        acceptedAt: 1_000
      },
      {
        messageId: "msg_000002",
        idempotencyKey: "evt_2:email",
        channel: "email",
        to: "ana@example.com",
        acceptedAt: 1_000
      },
      {
        messageId: "msg_000003",
        idempotencyKey: "evt_3:push",
        channel: "push",
        to: "fcm:APA91bH-token_value",
        acceptedAt: 1_000
      }
    ])
    expect(sent.map((s) => s.message)).toEqual([sms, email, push])
    expect(sent.map((s) => s.receipt)).toEqual(receipts)
  })

  it("sends a key once: the same message again answers the first receipt", async () => {
    const { result, sent } = await run(
      Effect.gen(function* () {
        const first = yield* send(sms)
        yield* TestClock.adjust("1 minute")
        const second = yield* send({ ...sms, locale: "EN" })
        return [first, second]
      })
    )
    const [first, second] = successOf(result)
    expect(second).toEqual(first)
    expect(first?.acceptedAt).toBe(1_000)
    expect(sent).toHaveLength(1)
  })

  it("refuses a key used for a different message, naming the field, and keeps the first", async () => {
    const { result, sent } = await run(
      Effect.flatMap(send(sms), () => send({ ...sms, body: "Something else." }))
    )
    expect(failureOf(result)).toMatchObject({
      _tag: "IdempotencyConflict",
      idempotencyKey: "evt_1:sms",
      field: "body"
    })
    expect(sent.map((s) => s.message)).toEqual([sms])
  })

  it("records a key once when many fibers send it at the same time", async () => {
    const { result, sent } = await run(
      Effect.all(
        Array.from({ length: 25 }, () => send(sms)),
        { concurrency: "unbounded" }
      )
    )
    const receipts = successOf(result)
    expect(new Set(receipts.map((r) => r.messageId))).toEqual(new Set(["msg_000001"]))
    expect(sent).toHaveLength(1)
  })

  it("clear forgets the messages and the keys", async () => {
    const { result, sent } = await run(
      Effect.gen(function* () {
        const recorded = yield* Sender.SentMessages
        yield* send(sms)
        yield* recorded.clear
        const before = yield* recorded.all
        const again = yield* send(sms)
        return { before, again }
      })
    )
    const { before, again } = successOf(result)
    expect(before).toEqual([])
    expect(again.messageId).toBe("msg_000002")
    expect(sent).toHaveLength(1)
  })

  it("a refusing provider records nothing and leaves the key free for a retry", async () => {
    let down = true
    const layer = Sender.layerMemoryWith({
      fail: (m) =>
        down
          ? new Sender.SendFailed({ channel: m.channel, reason: "provider timed out", retryable: true })
          : undefined
    })
    const { result, sent } = await run(
      Effect.gen(function* () {
        const first = yield* Effect.flip(send(sms))
        const recordedBefore = yield* Effect.flatMap(Sender.SentMessages, (s) => s.all)
        down = false
        const second = yield* send(sms)
        return { first, recordedBefore, second }
      }),
      layer
    )
    const { first, recordedBefore, second } = successOf(result)
    expect(first).toMatchObject({ _tag: "SendFailed", retryable: true })
    expect(first.message).toContain("same idempotency key")
    expect(recordedBefore).toEqual([])
    expect(second.messageId).toBe("msg_000001")
    expect(sent).toHaveLength(1)
  })
})

describe("recipients are checked per channel", () => {
  const byChannel = { sms, email, push } as const

  it.each<[keyof typeof byChannel, string]>([
    ["sms", "+8613800138000"],
    ["sms", "+12025550123"],
    ["sms", "+6831234"],
    ["email", "ana.maria+receipts@mail.example.co.uk"],
    ["email", "x@xn--fiqs8s.cn"],
    ["push", "a"],
    ["push", "f".repeat(64)]
  ])("%s accepts %s", async (channel, to) => {
    const { result, sent } = await run(send({ ...byChannel[channel], to }))
    expect(successOf(result).to).toBe(to)
    expect(sent).toHaveLength(1)
  })

  it.each<[keyof typeof byChannel, string]>([
    ["sms", "07700900123"],
    ["sms", "+44 7700 900123"],
    ["sms", "+0447700900123"],
    ["sms", "+123456"],
    ["sms", "+1234567890123456"],
    ["sms", "ana@example.com"],
    ["email", "ana"],
    ["email", "ana@example"],
    ["email", "@example.com"],
    ["email", "ana@@example.com"],
    ["email", "ana..b@example.com"],
    ["email", "ana@exa_mple.com"],
    ["email", "ana@example.com\r\nBcc: x@example.com"],
    ["email", "анна@example.com"],
    ["email", `${"a".repeat(65)}@example.com`],
    ["push", ""],
    ["push", "token with spaces"],
    ["push", "t".repeat(4097)]
  ])("%s refuses %j and sends nothing", async (channel, to) => {
    const { result, sent } = await run(send({ ...byChannel[channel], to }))
    const e = failureOf(result)
    expect(e).toMatchObject({ _tag: "InvalidRecipient", channel, field: "to" })
    // the reason never repeats the address
    if (to.length > 3) expect((e as Sender.InvalidRecipient).reason).not.toContain(to)
    expect(sent).toEqual([])
  })
})

describe("the other fields are checked, and a bad message sends nothing", () => {
  it.each<[string, unknown, string]>([
    ["an unknown channel", { ...sms, channel: "fax" }, "channel"],
    ["an email without a subject", { ...email, subject: undefined }, "subject"],
    ["an SMS with a subject", { ...sms, subject: "Hi" }, "subject"],
    ["a subject with a line break", { ...email, subject: "Hi\r\nBcc: x@example.com" }, "subject"],
    ["a blank body", { ...sms, body: "  " }, "body"],
    ["an SMS over 3 segments", { ...sms, body: "a".repeat(460) }, "body"],
    ["a Chinese SMS over 3 segments", { ...sms, body: "您".repeat(202) }, "body"],
    ["a push body over 1,000 characters", { ...push, body: "a".repeat(1001) }, "body"],
    ["a body with a bidirectional override", { ...sms, body: "Pay \u202e" }, "body"],
    ["a malformed locale", { ...sms, locale: "en_GB" }, "locale"],
    ["a template that is not an id", { ...sms, template: "Payment Succeeded" }, "template"],
    ["an empty idempotency key", { ...sms, idempotencyKey: "" }, "idempotencyKey"],
    ["an idempotency key with a space", { ...sms, idempotencyKey: "evt 1" }, "idempotencyKey"],
    ["an unknown field", { ...sms, cc: "+447700900124" }, "cc"],
    ["a missing field", { ...sms, body: undefined }, "body"],
    ["a number recipient", { ...sms, to: 447700900123 }, "to"]
  ])("%s", async (_, message, path) => {
    const { result, sent } = await run(send(message))
    expect(failureOf(result)).toMatchObject({ _tag: "InvalidInput", operation: "Sender.send", path })
    expect(sent).toEqual([])
  })

  it("answers the canonical locale", () => {
    const r = Sender.validate({ ...sms, locale: "zh-cn" })
    expect(Result.isSuccess(r) && r.success.locale).toBe("zh-CN")
  })

  it("a 3-segment SMS is accepted, one more character is not", async () => {
    expect(Result.isSuccess(Sender.validate({ ...sms, body: "a".repeat(459) }))).toBe(true)
    expect(Result.isFailure(Sender.validate({ ...sms, body: "a".repeat(460) }))).toBe(true)
    // "€" is a GSM-7 extension character and counts twice
    expect(Result.isFailure(Sender.validate({ ...sms, body: "€".repeat(230) }))).toBe(true)
    expect(Result.isSuccess(Sender.validate({ ...sms, body: "您".repeat(201) }))).toBe(true)
  })
})

describe("sendTemplate", () => {
  it("renders and sends, with the locale the template was written in", async () => {
    const { result, sent } = await run(
      Effect.all([
        Sender.sendTemplate(Templates.defaults, refund),
        Sender.sendTemplate(Templates.defaults, {
          ...refund,
          channel: "push",
          locale: "zh-HK",
          to: "apns-0f1e2d",
          idempotencyKey: "evt_9:push"
        })
      ])
    )
    successOf(result)
    expect(sent.map((s) => s.message)).toEqual([
      {
        channel: "sms",
        to: "+8613800138000",
        body: "咖啡店向您退款¥12.50已成功，款项可能需要几天才会显示在您的账单中。",
        locale: "zh-CN",
        template: "payments.refund.succeeded",
        idempotencyKey: "evt_9:sms"
      },
      {
        channel: "push",
        to: "apns-0f1e2d",
        subject: "Refund succeeded",
        body: "咖啡店 refunded CN¥12.50 to you.",
        locale: "en",
        template: "payments.refund.succeeded",
        idempotencyKey: "evt_9:push"
      }
    ])
  })

  it.each<[string, Sender.TemplateMessage, string]>([
    [
      "a missing variable",
      { ...refund, variables: { amount: { amount: "1250", currency: "CNY" } } },
      "MissingVariable"
    ],
    [
      "money as a number",
      { ...refund, variables: { amount: 12.5 as never, merchant: "咖啡店" } },
      "InvalidVariable"
    ],
    [
      "a malformed amount",
      { ...refund, variables: { amount: { amount: "12.50", currency: "CNY" }, merchant: "咖啡店" } },
      "InvalidVariable"
    ],
    ["an unknown variable", { ...refund, variables: { ...refund.variables, tip: "1" } }, "UnknownVariable"],
    ["an unknown template", { ...refund, template: "payments.refund.lost" }, "TemplateNotFound"],
    ["a bad recipient", { ...refund, to: "13800138000" }, "InvalidRecipient"],
    ["a bad idempotency key", { ...refund, idempotencyKey: "" }, "InvalidInput"],
    ["a bad locale", { ...refund, locale: "zh_CN" }, "InvalidInput"]
  ])("%s fails before anything is sent", async (_, request, tag) => {
    let calls = 0
    const counting = Layer.succeed(
      Sender.Sender,
      Sender.Sender.of({
        send: () => {
          calls += 1
          return Effect.die("the sender must not be called")
        }
      })
    )
    const exit = await Effect.runPromise(
      Effect.result(Sender.sendTemplate(Templates.defaults, request)).pipe(Effect.provide(counting))
    )
    expect(failureOf(exit)._tag).toBe(tag)
    expect(calls).toBe(0)
    // and the memory sender records nothing
    const { result, sent } = await run(Sender.sendTemplate(Templates.defaults, request))
    expect(failureOf(result)._tag).toBe(tag)
    expect(sent).toEqual([])
  })

  it("is idempotent through the sender: the same event sends once", async () => {
    const { result, sent } = await run(
      Effect.all([
        Sender.sendTemplate(Templates.defaults, refund),
        Sender.sendTemplate(Templates.defaults, refund)
      ])
    )
    const [a, b] = successOf(result)
    expect(b).toEqual(a)
    expect(sent).toHaveLength(1)
  })
})

describe("hostile input", () => {
  const anything = fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withNullPrototype: true,
    withSparseArray: true,
    withUnicodeString: true
  })
  const sendTags = ["InvalidInput", "InvalidRecipient", "IdempotencyConflict", "SendFailed"]
  const templateTags = [
    "TemplateNotFound",
    "UnknownVariable",
    "MissingVariable",
    "InvalidVariable",
    "MessageTooLong"
  ]
  const throwing = new Proxy(
    {},
    {
      get: () => {
        throw new Error("trap")
      },
      ownKeys: () => {
        throw new Error("trap")
      }
    }
  )

  /** Sends `bad`, then a valid message: the bad one is a typed error and records nothing. */
  const hostile = async (
    bad: Effect.Effect<unknown, { readonly _tag: string }, Sender.Sender>,
    tags: ReadonlyArray<string>
  ) => {
    const { result, sent } = await run(
      Effect.gen(function* () {
        const first = yield* Effect.result(bad)
        const after = yield* Effect.flatMap(Sender.SentMessages, (s) => s.all)
        const valid = yield* send(sms)
        return { first, after, valid }
      })
    )
    const { first, after, valid } = successOf(result)
    if (Result.isFailure(first)) {
      expect(tags).toContain(first.failure._tag)
      expect(after).toEqual([])
    }
    expect(valid.idempotencyKey).toBe(sms.idempotencyKey)
    expect(sent.at(-1)?.message).toEqual(sms)
  }

  prop.prop([
    fc.oneof(
      anything,
      fc.jsonValue(),
      fc.record({
        channel: fc.oneof(fc.constantFrom("sms", "email", "push"), anything),
        to: fc.oneof(fc.constantFrom("+447700900123", "ana@example.com", "tok"), fc.string(), anything),
        subject: fc.oneof(fc.string(), anything),
        body: fc.oneof(fc.string(), anything),
        locale: fc.oneof(fc.constantFrom("en", "zh-CN"), anything),
        template: fc.oneof(fc.constant("a.b"), anything),
        idempotencyKey: fc.oneof(fc.constant("other-key"), fc.string(), anything)
      })
    )
  ])("send answers a typed error for any message, never a throw", async (message) => {
    await hostile(send(message), sendTags)
  })

  prop.prop([
    fc.oneof(
      anything,
      fc.record({
        template: fc.oneof(fc.constant("payments.refund.succeeded"), anything),
        channel: fc.oneof(fc.constantFrom("sms", "email", "push"), anything),
        locale: fc.oneof(fc.constantFrom("en", "zh-CN"), anything),
        variables: fc.oneof(
          fc.dictionary(fc.constantFrom("amount", "merchant", "reference"), anything),
          anything
        ),
        to: fc.oneof(fc.constantFrom("+447700900123", "ana@example.com"), anything),
        idempotencyKey: fc.oneof(fc.constant("other-key"), anything)
      })
    )
  ])("sendTemplate answers a typed error for any request, never a throw", async (request) => {
    await hostile(Sender.sendTemplate(Templates.defaults, request as never), [...sendTags, ...templateTags])
  })

  it("survives objects whose every read throws", async () => {
    await hostile(send(throwing), ["InvalidInput"])
    await hostile(Sender.sendTemplate(Templates.defaults, throwing as never), ["InvalidInput"])
    await hostile(Sender.sendTemplate(throwing as never, refund), ["InvalidInput"])
    await hostile(Sender.sendTemplate(Templates.defaults, { ...refund, to: throwing as never }), [
      "InvalidInput"
    ])
    const { result } = await run(send(throwing))
    expect(failureOf(result)).toMatchObject({ _tag: "InvalidInput", operation: "Sender.send" })
  })
})
