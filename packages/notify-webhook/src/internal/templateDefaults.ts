// The default message catalogue: five paykit events, in English and Simplified Chinese, on SMS,
// email and push. Plain data: every text of an event uses every one of its variables, and both
// languages declare the same variables, as `Templates.make` requires.
import type { Definition, Variables } from "../Templates.ts"

interface Texts {
  readonly sms: string
  readonly emailSubject: string
  readonly emailBody: string
  readonly pushTitle: string
  readonly pushBody: string
}

const event = <const V extends Definition["variables"]>(
  id: string,
  variables: V,
  texts: { readonly en: Texts; readonly "zh-CN": Texts }
): ReadonlyArray<Definition> =>
  (["en", "zh-CN"] as const).flatMap((locale): ReadonlyArray<Definition> => {
    const t = texts[locale]
    return [
      { id, channel: "sms", locale, body: t.sms, variables },
      { id, channel: "email", locale, subject: t.emailSubject, body: t.emailBody, variables },
      { id, channel: "push", locale, subject: t.pushTitle, body: t.pushBody, variables }
    ]
  })

export const paymentVariables = {
  amount: { kind: "money" },
  merchant: { kind: "string" },
  reference: { kind: "string", optional: true }
} as const

export const payoutPaidVariables = {
  amount: { kind: "money" },
  destination: { kind: "string" },
  arrivalDate: { kind: "date", show: "date" }
} as const

export const payoutFailedVariables = {
  amount: { kind: "money" },
  destination: { kind: "string" },
  reason: { kind: "string" }
} as const

export const disputeVariables = {
  amount: { kind: "money" },
  paymentReference: { kind: "string" },
  dueAt: { kind: "date", show: "dateTime" }
} as const

/**
 * The variables of each default template, by id, typed by kind (money as minor units, never a
 * number).
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const v: Templates.DefaultVariables["payments.refund.succeeded"] = {
 *   amount: { amount: "1250", currency: "EUR" },
 *   merchant: "Coffee Shop"
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface DefaultVariables {
  readonly "payments.payment.succeeded": Variables<typeof paymentVariables>
  readonly "payments.refund.succeeded": Variables<typeof paymentVariables>
  readonly "settlement.payout.paid": Variables<typeof payoutPaidVariables>
  readonly "settlement.payout.failed": Variables<typeof payoutFailedVariables>
  readonly "disputes.dispute.needs_response": Variables<typeof disputeVariables>
}

export const definitions: ReadonlyArray<Definition> = [
  ...event("payments.payment.succeeded", paymentVariables, {
    en: {
      sms: "Your payment of {{amount}} to {{merchant}} succeeded.{{#reference}} Ref: {{reference}}{{/reference}}",
      emailSubject: "Your payment of {{amount}} to {{merchant}} succeeded",
      emailBody:
        "Hello,\n\nYour payment of {{amount}} to {{merchant}} succeeded.{{#reference}}\nReference: {{reference}}{{/reference}}\n\nThank you.",
      pushTitle: "Payment succeeded",
      pushBody: "You paid {{amount}} to {{merchant}}.{{#reference}} Ref: {{reference}}{{/reference}}"
    },
    "zh-CN": {
      sms: "您向{{merchant}}支付的{{amount}}已成功。{{#reference}}参考号：{{reference}}{{/reference}}",
      emailSubject: "您向{{merchant}}支付的{{amount}}已成功",
      emailBody:
        "您好：\n\n您向{{merchant}}支付的{{amount}}已成功。{{#reference}}\n参考号：{{reference}}{{/reference}}\n\n谢谢。",
      pushTitle: "支付成功",
      pushBody: "您已向{{merchant}}支付{{amount}}。{{#reference}}参考号：{{reference}}{{/reference}}"
    }
  }),
  ...event("payments.refund.succeeded", paymentVariables, {
    en: {
      sms: "Your refund of {{amount}} from {{merchant}} succeeded. It can take a few days to show on your statement.{{#reference}} Ref: {{reference}}{{/reference}}",
      emailSubject: "Your refund of {{amount}} from {{merchant}} succeeded",
      emailBody:
        "Hello,\n\nYour refund of {{amount}} from {{merchant}} succeeded. It can take a few days to show on your statement.{{#reference}}\nReference: {{reference}}{{/reference}}\n\nThank you.",
      pushTitle: "Refund succeeded",
      pushBody: "{{merchant}} refunded {{amount}} to you.{{#reference}} Ref: {{reference}}{{/reference}}"
    },
    "zh-CN": {
      sms: "{{merchant}}向您退款{{amount}}已成功，款项可能需要几天才会显示在您的账单中。{{#reference}}参考号：{{reference}}{{/reference}}",
      emailSubject: "{{merchant}}向您退款{{amount}}已成功",
      emailBody:
        "您好：\n\n{{merchant}}向您退款{{amount}}已成功，款项可能需要几天才会显示在您的账单中。{{#reference}}\n参考号：{{reference}}{{/reference}}\n\n谢谢。",
      pushTitle: "退款成功",
      pushBody: "{{merchant}}已向您退款{{amount}}。{{#reference}}参考号：{{reference}}{{/reference}}"
    }
  }),
  ...event("settlement.payout.paid", payoutPaidVariables, {
    en: {
      sms: "Your payout of {{amount}} to {{destination}} has been paid. Expected arrival: {{arrivalDate}}.",
      emailSubject: "Your payout of {{amount}} has been paid",
      emailBody:
        "Hello,\n\nYour payout of {{amount}} to {{destination}} has been paid.\nExpected arrival: {{arrivalDate}}.\n\nThank you.",
      pushTitle: "Payout paid",
      pushBody: "{{amount}} is on its way to {{destination}}, expected {{arrivalDate}}."
    },
    "zh-CN": {
      sms: "您的结算款{{amount}}已付往{{destination}}，预计到账日期：{{arrivalDate}}。",
      emailSubject: "您的结算款{{amount}}已付出",
      emailBody:
        "您好：\n\n您的结算款{{amount}}已付往{{destination}}。\n预计到账日期：{{arrivalDate}}。\n\n谢谢。",
      pushTitle: "结算款已付出",
      pushBody: "{{amount}}正在付往{{destination}}，预计{{arrivalDate}}到账。"
    }
  }),
  ...event("settlement.payout.failed", payoutFailedVariables, {
    en: {
      sms: "Your payout of {{amount}} to {{destination}} failed: {{reason}}. Please check your bank details.",
      emailSubject: "Your payout of {{amount}} failed",
      emailBody:
        "Hello,\n\nYour payout of {{amount}} to {{destination}} failed: {{reason}}.\nPlease check your bank details; we will try again once they are updated.",
      pushTitle: "Payout failed",
      pushBody: "Your payout of {{amount}} to {{destination}} failed: {{reason}}."
    },
    "zh-CN": {
      sms: "您付往{{destination}}的结算款{{amount}}失败：{{reason}}。请检查您的银行账户信息。",
      emailSubject: "您的结算款{{amount}}付款失败",
      emailBody:
        "您好：\n\n您付往{{destination}}的结算款{{amount}}失败：{{reason}}。\n请检查您的银行账户信息，更新后我们将重新付款。",
      pushTitle: "结算款付款失败",
      pushBody: "您付往{{destination}}的结算款{{amount}}失败：{{reason}}。"
    }
  }),
  ...event("disputes.dispute.needs_response", disputeVariables, {
    en: {
      sms: "A customer disputed a payment of {{amount}} (ref {{paymentReference}}). Respond by {{dueAt}} or the dispute is lost.",
      emailSubject: "Dispute on {{paymentReference}}: respond by {{dueAt}}",
      emailBody:
        "Hello,\n\nA customer disputed a payment of {{amount}} (reference {{paymentReference}}).\nSubmit your evidence by {{dueAt}}; after that the dispute is lost automatically.",
      pushTitle: "Dispute needs a response",
      pushBody: "Payment {{paymentReference}} of {{amount}} is disputed. Respond by {{dueAt}}."
    },
    "zh-CN": {
      sms: "客户对一笔{{amount}}的付款（参考号{{paymentReference}}）提出了争议。请在{{dueAt}}前回复，否则争议将判您败诉。",
      emailSubject: "付款{{paymentReference}}有争议：请在{{dueAt}}前回复",
      emailBody:
        "您好：\n\n客户对一笔{{amount}}的付款（参考号{{paymentReference}}）提出了争议。\n请在{{dueAt}}前提交证据，逾期争议将自动判您败诉。",
      pushTitle: "争议需要回复",
      pushBody: "付款{{paymentReference}}（{{amount}}）有争议，请在{{dueAt}}前回复。"
    }
  })
]
