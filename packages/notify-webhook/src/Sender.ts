/**
 * `Sender`: the port through which paykit sends SMS, email and push messages, a memory sender
 * for tests, and {@link sendTemplate}, which renders a template and sends it. paykit ships no
 * provider: an adapter over Twilio, SES, FCM... implements {@link Sender} and checks each
 * message with {@link validate} first.
 *
 * The port's promises, which the memory sender keeps and every adapter must:
 *
 * - **Checked before sent.** A message with a bad recipient (`InvalidRecipient`: an E.164 phone
 *   number for SMS, an email address for email, a device token for push) or a bad field
 *   (`InvalidInput` naming it) is refused and nothing is sent.
 * - **Idempotent by key.** Sending the same `idempotencyKey` again with the same message sends
 *   nothing and answers the first receipt; with a different message it is
 *   `IdempotencyConflict` naming the first field that differs. Derive the key from what the
 *   message is about (`${eventId}:${channel}`), so a retried handler sends once.
 * - **Plain text.** `body` and `subject` are plain text; an email adapter sends `text/plain`
 *   (or escapes the text if it wraps it in HTML).
 *
 * @example
 * ```ts
 * import { Sender, Templates } from "@paykit/notify-webhook"
 * import { Effect } from "effect"
 * const program = Sender.sendTemplate(Templates.defaults, {
 *   template: "payments.payment.succeeded",
 *   channel: "sms",
 *   locale: "en",
 *   variables: { amount: { amount: "1250", currency: "EUR" }, merchant: "Coffee Shop" },
 *   to: "+447700900123",
 *   idempotencyKey: "evt_01J0:sms"
 * }).pipe(Effect.provide(Sender.layerMemory))
 * ```
 * @since 0.1.0
 */
import { Input, InvalidInput, Rounding } from "@paykit/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { canonicalLocale } from "./internal/templateLocale.ts"
import {
  CHANNELS,
  type Channel,
  ID_MAX_LENGTH,
  ID_PATTERN,
  isChannel,
  lengthProblem,
  textProblem
} from "./internal/templateText.ts"
import * as Templates from "./Templates.ts"

// ---------------------------------------------------------------------------------------------
// models

/**
 * A message to send. `template` names the template it was rendered from (for the provider's
 * reporting and the receipt), `locale` the language it is written in. `subject` is the email
 * subject (required) or the push title (optional); an SMS has none.
 *
 * @example
 * ```ts
 * import type { Sender } from "@paykit/notify-webhook"
 * const m: Sender.Message = {
 *   channel: "email",
 *   to: "ana@example.com",
 *   subject: "Your refund succeeded",
 *   body: "Hello,\n\nYour refund of €12.50 succeeded.",
 *   locale: "en",
 *   template: "payments.refund.succeeded",
 *   idempotencyKey: "evt_01J0:email"
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Message {
  readonly channel: Channel
  readonly to: string
  readonly subject?: string
  readonly body: string
  readonly locale: string
  readonly template: string
  readonly idempotencyKey: string
}

/**
 * The sender's answer: the provider's message id and when it accepted the message (epoch
 * milliseconds from the `Clock`). Accepted is not delivered: delivery reports, if any, come
 * from the provider.
 *
 * @example
 * ```ts
 * import type { Sender } from "@paykit/notify-webhook"
 * const r: Sender.SendReceipt = { messageId: "msg_000001", idempotencyKey: "k1", channel: "sms", to: "+447700900123", acceptedAt: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface SendReceipt {
  readonly messageId: string
  readonly idempotencyKey: string
  readonly channel: Channel
  readonly to: string
  readonly acceptedAt: number
}

/**
 * A message the memory sender accepted, with its receipt.
 *
 * @example
 * ```ts
 * import type { Sender } from "@paykit/notify-webhook"
 * const body = (s: Sender.SentMessage) => s.message.body
 * ```
 * @category models
 * @since 0.1.0
 */
export interface SentMessage {
  readonly message: Message
  readonly receipt: SendReceipt
}

// ---------------------------------------------------------------------------------------------
// errors

/**
 * The provider did not accept the message (it is down, it refused, it timed out). `retryable`
 * says whether sending again, with the same idempotency key, may succeed.
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * new Sender.SendFailed({ channel: "sms", reason: "provider timed out", retryable: true }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class SendFailed extends Schema.TaggedError<SendFailed>()("SendFailed", {
  channel: Schema.String,
  reason: Schema.String,
  retryable: Schema.Boolean
}) {
  override get message(): string {
    return `the ${this.channel} message was not sent: ${this.reason}; ${this.retryable ? "send it again later with the same idempotency key" : "sending it again will not help"}`
  }
}

/**
 * The recipient cannot receive on this channel: not an E.164 phone number (SMS), not an email
 * address (email), not a device token (push). `field` names the field (`to`). The reason never
 * repeats the address: it is personal data.
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * new Sender.InvalidRecipient({ channel: "sms", field: "to", reason: "not an E.164 phone number" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidRecipient extends Schema.TaggedError<InvalidRecipient>()("InvalidRecipient", {
  channel: Schema.String,
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.field} cannot receive ${this.channel} messages: ${this.reason}`
  }
}

/**
 * The idempotency key was used before for a different message. A retry must send exactly what
 * the first attempt sent; a new message needs a new key. `field` names the first field that differs.
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * new Sender.IdempotencyConflict({ idempotencyKey: "evt_1:sms", field: "body" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class IdempotencyConflict extends Schema.TaggedError<IdempotencyConflict>()("IdempotencyConflict", {
  idempotencyKey: Schema.String,
  field: Schema.String
}) {
  override get message(): string {
    return `idempotency key "${this.idempotencyKey}" was already used for a message with a different ${this.field}; repeat the original message exactly, or use a new key for a new message`
  }
}

/**
 * Every error a `Sender` answers, in the order it checks: `InvalidInput` (a field of the
 * message, named by `path`) and `InvalidRecipient` in field order (channel, to, subject, body,
 * locale, template, idempotencyKey), then `IdempotencyConflict`, then `SendFailed`.
 *
 * @category errors
 * @since 0.1.0
 */
export type SendError = InvalidInput | InvalidRecipient | IdempotencyConflict | SendFailed

// ---------------------------------------------------------------------------------------------
// the port

/**
 * The sending port: one method, `send`. Implementations keep the promises of this module
 * (check with {@link validate}, idempotent by key, plain text).
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * import { Effect } from "effect"
 * const send = (m: Sender.Message) => Effect.flatMap(Sender.Sender, (s) => s.send(m))
 * ```
 * @category services
 * @since 0.1.0
 */
export class Sender extends Context.Service<
  Sender,
  { readonly send: (message: Message) => Effect.Effect<SendReceipt, SendError> }
>()("@paykit/notify-webhook/Sender") {}

// ---------------------------------------------------------------------------------------------
// checking a message

const E164 = /^\+[1-9]\d{6,14}$/
const EMAIL_LOCAL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/
const EMAIL_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
const DEVICE_TOKEN = /^[\x21-\x7e]{1,4096}$/
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/

const emailProblem = (to: string): string | undefined => {
  if (to.length > 254) return "an email address has at most 254 characters"
  const at = to.lastIndexOf("@")
  if (at <= 0) return 'expected an email address: a mailbox name, "@" and a domain name'
  const local = to.slice(0, at)
  const domain = to.slice(at + 1)
  if (
    local.length > 64 ||
    !EMAIL_LOCAL.test(local) ||
    local.startsWith(".") ||
    local.endsWith(".") ||
    local.includes("..")
  )
    return "the part before @ is not a valid mailbox name (ASCII letters, digits and !#$%&'*+/=?^_`{|}~.- without leading, trailing or double dots, at most 64)"
  const labels = domain.split(".")
  if (
    labels.length < 2 ||
    !labels.every((l) => EMAIL_LABEL.test(l)) ||
    !/^[A-Za-z]{2,63}$/.test(labels.at(-1)!)
  )
    return "the part after @ is not a domain name such as example.com (an internationalised domain must be given in its xn-- form)"
  return undefined
}

/**
 * Why `to` cannot receive on `channel`, or `undefined` when it can: SMS needs an E.164 number
 * (`+`, country code and number, 7 to 15 digits, no spaces), email an ASCII address with a
 * dotted domain (at most 254 characters), push a device token (1 to 4,096 visible ASCII characters).
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * Sender.recipientProblem("sms", "+8613800138000") // undefined
 * Sender.recipientProblem("sms", "13800138000") // "expected an E.164 phone number …"
 * ```
 * @category guards
 * @since 0.1.0
 */
export const recipientProblem = (channel: Channel, to: string): string | undefined => {
  switch (channel) {
    case "sms":
      return E164.test(to)
        ? undefined
        : 'expected an E.164 phone number: "+", the country code and the number, 7 to 15 digits without spaces (such as "+8613800138000")'
    case "email":
      return emailProblem(to)
    case "push":
      return DEVICE_TOKEN.test(to)
        ? undefined
        : "expected a device token: 1 to 4,096 visible ASCII characters, without spaces"
  }
}

const MessageSchema = Schema.Struct({
  channel: Schema.String,
  to: Schema.String,
  subject: Schema.optionalKey(Schema.String),
  body: Schema.String,
  locale: Schema.String,
  template: Schema.String,
  idempotencyKey: Schema.String
})

const decodeMessage = Input.decodeResult("Sender.send", MessageSchema)

const badField = (path: string, reason: string): Result.Result<never, InvalidInput> =>
  Result.fail(new InvalidInput({ operation: "Sender.send", path, reason }))

const textFieldProblem = (channel: Channel, field: "body" | "subject", text: string): string | undefined => {
  if (text.trim() === "") return "is empty"
  const bad = textProblem(text, field === "body")
  if (bad !== undefined) return bad
  const long = lengthProblem(channel, field, text)
  return long === undefined ? undefined : `is ${long.length}, over the limit of ${long.limit}`
}

const checkMessage = (
  m: typeof MessageSchema.Type
): Result.Result<Message, InvalidInput | InvalidRecipient> => {
  if (!isChannel(m.channel))
    return badField(
      "channel",
      `expected one of ${CHANNELS.join(", ")}; got ${Rounding.describeValue(m.channel)}`
    )
  const channel = m.channel
  const recipient = recipientProblem(channel, m.to)
  if (recipient !== undefined)
    return Result.fail(new InvalidRecipient({ channel, field: "to", reason: recipient }))
  if (m.subject === undefined) {
    if (channel === "email") return badField("subject", "an email needs a subject")
  } else if (channel === "sms") {
    return badField("subject", "an SMS has no subject; leave it out")
  } else {
    const bad = textFieldProblem(channel, "subject", m.subject)
    if (bad !== undefined) return badField("subject", bad)
  }
  const badBody = textFieldProblem(channel, "body", m.body)
  if (badBody !== undefined) return badField("body", badBody)
  const locale = canonicalLocale(m.locale)
  if (locale === undefined)
    return badField(
      "locale",
      'expected a locale tag of the form language[-Script][-REGION], such as "en" or "zh-CN"'
    )
  if (m.template.length > ID_MAX_LENGTH || !ID_PATTERN.test(m.template))
    return badField(
      "template",
      'expected a template id of dot-separated lowercase words, such as "payments.refund.succeeded"'
    )
  if (!IDEMPOTENCY_KEY.test(m.idempotencyKey))
    return badField("idempotencyKey", "expected 1 to 255 visible ASCII characters, without spaces")
  return Result.succeed({
    channel,
    to: m.to,
    ...(m.subject === undefined ? {} : { subject: m.subject }),
    body: m.body,
    locale,
    template: m.template,
    idempotencyKey: m.idempotencyKey
  })
}

/**
 * Checks a message as every `Sender` must before sending: the shape (no unknown fields), the
 * channel, the recipient for the channel, the subject (required for email, refused for SMS,
 * a single line), the body (not blank, plain text within the channel's limit: SMS 3 segments,
 * push 1,000 characters, email 100,000), the locale, the template id and the idempotency key.
 * Answers the message with its locale in canonical form. Input of any shape gives a value,
 * never a throw.
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * Sender.validate({ channel: "sms", to: "12345", body: "Hi", locale: "en", template: "a.b", idempotencyKey: "k1" })
 * // Failure(InvalidRecipient { channel: "sms", field: "to" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const validate = (message: Message): Result.Result<Message, InvalidInput | InvalidRecipient> => {
  try {
    const decoded = decodeMessage(message)
    return Result.isFailure(decoded) ? Result.fail(decoded.failure) : checkMessage(decoded.success)
  } catch (e) {
    return Result.fail(Input.unreadable("Sender.send", e))
  }
}

/** The first field in which two messages differ, or `undefined` when they are the same message. */
const firstDifference = (a: Message, b: Message): string | undefined =>
  (["channel", "to", "subject", "body", "locale", "template"] as const).find((k) => a[k] !== b[k])

// ---------------------------------------------------------------------------------------------
// the memory sender

/**
 * What the memory sender has accepted, in order: `all` answers a copy, `clear` forgets every
 * message and every idempotency key.
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * import { Effect } from "effect"
 * const count = Effect.flatMap(Sender.SentMessages, (s) => s.all).pipe(Effect.map((all) => all.length))
 * ```
 * @category services
 * @since 0.1.0
 */
export class SentMessages extends Context.Service<
  SentMessages,
  { readonly all: Effect.Effect<ReadonlyArray<SentMessage>>; readonly clear: Effect.Effect<void> }
>()("@paykit/notify-webhook/SentMessages") {}

/**
 * Options of the memory sender. `fail` decides, for each new message (after its checks and
 * its idempotency key), whether the "provider" refuses it: return a `SendFailed` to refuse
 * (nothing is recorded and the key stays free, so a retry can succeed), `undefined` to accept.
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * const options: Sender.MemoryOptions = {
 *   fail: (m) => (m.channel === "push" ? new Sender.SendFailed({ channel: "push", reason: "down", retryable: true }) : undefined)
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface MemoryOptions {
  readonly fail?: (message: Message) => SendFailed | undefined
}

/**
 * Builds a memory sender and its record. Message ids are `msg_000001`, `msg_000002`... in the
 * order messages are accepted.
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * import { Effect } from "effect"
 * const program = Effect.map(Sender.makeMemory(), ({ sender, sent }) => [sender, sent])
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory = (
  options: MemoryOptions = {}
): Effect.Effect<{ readonly sender: Sender["Service"]; readonly sent: SentMessages["Service"] }> =>
  Effect.sync(() => {
    const byKey = new Map<string, SentMessage>()
    const log: Array<SentMessage> = []
    let counter = 0
    const sender = Sender.of({
      send: (input) =>
        Effect.gen(function* () {
          const message = yield* Effect.fromResult(validate(input))
          const acceptedAt = yield* Clock.currentTimeMillis
          // the look-up and the write run in one synchronous step: two fibers sending the same
          // key cannot both record it
          return yield* Effect.fromResult(accept(message, acceptedAt))
        })
    })
    const accept = (
      message: Message,
      acceptedAt: number
    ): Result.Result<SendReceipt, IdempotencyConflict | SendFailed> => {
      const before = byKey.get(message.idempotencyKey)
      if (before !== undefined) {
        const field = firstDifference(before.message, message)
        return field === undefined
          ? Result.succeed(before.receipt)
          : Result.fail(new IdempotencyConflict({ idempotencyKey: message.idempotencyKey, field }))
      }
      const refused = options.fail?.(message)
      if (refused !== undefined) return Result.fail(refused)
      counter += 1
      const receipt: SendReceipt = {
        messageId: `msg_${String(counter).padStart(6, "0")}`,
        idempotencyKey: message.idempotencyKey,
        channel: message.channel,
        to: message.to,
        acceptedAt
      }
      const sent: SentMessage = { message, receipt }
      byKey.set(message.idempotencyKey, sent)
      log.push(sent)
      return Result.succeed(receipt)
    }
    const sent = SentMessages.of({
      all: Effect.sync(() => log.slice()),
      clear: Effect.sync(() => {
        log.length = 0
        byKey.clear()
      })
    })
    return { sender, sent }
  })

/**
 * The memory sender with options (see {@link MemoryOptions}); provides `Sender` and `SentMessages`.
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * const layer = Sender.layerMemoryWith({ fail: () => undefined })
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemoryWith = (options: MemoryOptions): Layer.Layer<Sender | SentMessages> =>
  Layer.effectContext(
    Effect.map(makeMemory(options), ({ sender, sent }) =>
      Context.make(Sender, sender).pipe(Context.add(SentMessages, sent))
    )
  )

/**
 * A sender that keeps every accepted message in memory, for tests; provides `Sender` and
 * `SentMessages`. It checks and deduplicates exactly as a real sender must.
 *
 * @example
 * ```ts
 * import { Sender } from "@paykit/notify-webhook"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const sent = yield* Sender.SentMessages
 *   return yield* sent.all
 * }).pipe(Effect.provide(Sender.layerMemory))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<Sender | SentMessages> = /*#__PURE__*/ layerMemoryWith({})

// ---------------------------------------------------------------------------------------------
// rendering and sending

/**
 * What {@link sendTemplate} takes: a render request plus the recipient and the idempotency key.
 *
 * @example
 * ```ts
 * import type { Sender } from "@paykit/notify-webhook"
 * const r: Sender.TemplateMessage = {
 *   template: "settlement.payout.failed",
 *   channel: "email",
 *   locale: "zh-CN",
 *   variables: { amount: { amount: "500000", currency: "CNY" }, destination: "尾号1234的账户", reason: "账户已关闭" },
 *   to: "finance@example.com",
 *   idempotencyKey: "evt_01J0:email"
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface TemplateMessage extends Templates.RenderRequest {
  readonly to: string
  readonly idempotencyKey: string
}

/**
 * Renders a template and sends it with the `Sender` in context. A bad template request or bad
 * variables fail before anything is sent (`Templates.TemplateError`), and so does a bad
 * recipient: the sender is only called with a message that passed {@link validate}. The message
 * carries the locale the template was written in (after the fallback rule), not the one asked.
 *
 * @example
 * ```ts
 * import { Sender, Templates } from "@paykit/notify-webhook"
 * import { Effect } from "effect"
 * const receipt = Sender.sendTemplate(Templates.defaults, {
 *   template: "disputes.dispute.needs_response",
 *   channel: "push",
 *   locale: "zh-CN",
 *   timeZone: "Asia/Shanghai",
 *   variables: { amount: { amount: "88800", currency: "CNY" }, paymentReference: "pay_123", dueAt: "2025-03-15T15:59:00Z" },
 *   to: "fcm-token-abc",
 *   idempotencyKey: "dp_1:due:push"
 * }).pipe(Effect.provide(Sender.layerMemory))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sendTemplate = (
  catalogue: Templates.Catalogue,
  request: TemplateMessage
): Effect.Effect<SendReceipt, Templates.TemplateError | SendError, Sender> =>
  Effect.suspend((): Effect.Effect<SendReceipt, Templates.TemplateError | SendError, Sender> => {
    let to: unknown
    let idempotencyKey: unknown
    let renderRequest: Record<string, unknown>
    try {
      if (typeof request !== "object" || request === null || Array.isArray(request))
        return Effect.fail(
          new InvalidInput({
            operation: "Sender.sendTemplate",
            path: "",
            reason: `expected a template message; got ${Rounding.describeValue(request)}`
          })
        )
      const { to: t, idempotencyKey: k, ...rest } = request as unknown as Record<string, unknown>
      to = t
      idempotencyKey = k
      renderRequest = rest
    } catch (e) {
      return Effect.fail(Input.unreadable("Sender.sendTemplate", e))
    }
    const rendered = Templates.render(catalogue, renderRequest as unknown as Templates.RenderRequest)
    if (Result.isFailure(rendered)) return Effect.fail(rendered.failure)
    const r = rendered.success
    const message = validate({
      channel: r.channel,
      to: to as string,
      ...(r.subject === undefined ? {} : { subject: r.subject }),
      body: r.body,
      locale: r.locale,
      template: r.template,
      idempotencyKey: idempotencyKey as string
    })
    if (Result.isFailure(message)) return Effect.fail(message.failure)
    return Effect.flatMap(Sender, (sender) => sender.send(message.success))
  })
