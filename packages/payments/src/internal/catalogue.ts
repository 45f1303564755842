/**
 * The customer message catalogue of `Tracking.ts`: for every stage a label and a detail template
 * in English and Simplified Chinese, and the Chinese customer messages of the card decline codes
 * (the English ones are `Decline.VOCABULARY[code].customerMessage`).
 *
 * Templates fill `{amount}`, `{reference}`, `{reason}` and `{days}`. A part in square brackets is
 * kept only when every placeholder in it has a value (`"Your refund[ of {amount}] was sent"` reads
 * "Your refund was sent" without an amount); `{days}` is never bracketed and is always given for
 * the stages that have an expectation.
 */
import type * as Decline from "../Decline.ts"
import type { Locale, Stage } from "../Tracking.ts"

/** A stage's label and detail template in one language. */
export interface Message {
  readonly label: string
  readonly detail: string
}

const ANOTHER_WAY_EN = "Please contact us so that we can refund you another way."
const ANOTHER_WAY_ZH = "请联系我们，以便我们通过其他方式为您退款。"
const RELEASED_EN = "If an amount was reserved on your account, your bank releases it."
const RELEASED_ZH = "如您的账户中有预留金额，您的银行将予以释放。"

/** Every stage's label and detail, in every locale. */
export const CATALOGUE: { readonly [S in Stage]: { readonly [L in Locale]: Message } } = {
  created: {
    en: { label: "Payment started", detail: "Your payment[ of {amount}] has been started." },
    zh: { label: "付款已创建", detail: "您的[ {amount} ]付款已创建。" }
  },
  method_attached: {
    en: { label: "Payment method added", detail: "Your payment method has been added." },
    zh: { label: "已添加付款方式", detail: "您的付款方式已添加。" }
  },
  confirmed: {
    en: {
      label: "Payment submitted",
      detail: "Your payment[ of {amount}] was sent to your bank for approval."
    },
    zh: { label: "付款已提交", detail: "您的[ {amount} ]付款已提交至您的银行等待批准。" }
  },
  action_required: {
    en: { label: "Action needed", detail: "Your bank asks you to confirm this payment." },
    zh: { label: "需要您操作", detail: "您的银行要求您确认这笔付款。" }
  },
  action_completed: {
    en: {
      label: "Confirmation received",
      detail: "Thank you, your confirmation was received. Your bank is processing the payment."
    },
    zh: { label: "已收到确认", detail: "已收到您的确认，您的银行正在处理这笔付款。" }
  },
  under_review: {
    en: { label: "Being checked", detail: "We are checking your payment. This usually takes a short while." },
    zh: { label: "审核中", detail: "我们正在审核您的付款，通常很快完成。" }
  },
  review_approved: {
    en: { label: "Check complete", detail: "Your payment passed our checks and is being processed." },
    zh: { label: "审核通过", detail: "您的付款已通过审核，正在处理中。" }
  },
  authorised: {
    en: {
      label: "Approved",
      detail:
        "Your bank approved the payment[ of {amount}]. The amount is reserved on your account until it is taken."
    },
    zh: {
      label: "已批准",
      detail: "您的银行已批准这笔[ {amount} ]付款，该金额已在您的账户中预留，待扣款时划转。"
    }
  },
  declined: {
    en: { label: "Declined", detail: "Your payment did not go through.[ {reason}]" },
    zh: { label: "被拒绝", detail: "您的付款未成功。[{reason}]" }
  },
  failed: {
    en: {
      label: "Payment failed",
      detail: "Your payment could not be completed. No money was taken.[ {reason}]"
    },
    zh: { label: "付款失败", detail: "您的付款未能完成，未扣取任何款项。[{reason}]" }
  },
  incremented: {
    en: { label: "Amount updated", detail: "The amount reserved on your account was updated[ to {amount}]." },
    zh: { label: "金额已调整", detail: "您账户中的预留金额已更新[为 {amount}]。" }
  },
  canceled: {
    en: { label: "Canceled", detail: `Your payment was canceled. ${RELEASED_EN}` },
    zh: { label: "已取消", detail: `您的付款已取消。${RELEASED_ZH}` }
  },
  expired: {
    en: {
      label: "Expired",
      detail: `Your payment was not completed in time and has expired. ${RELEASED_EN}`
    },
    zh: { label: "已过期", detail: `您的付款未能及时完成，已过期。${RELEASED_ZH}` }
  },
  capture_requested: {
    en: { label: "Being collected", detail: "We are collecting your payment[ of {amount}]." },
    zh: { label: "扣款中", detail: "我们正在扣取您的[ {amount} ]付款。" }
  },
  captured: {
    en: {
      label: "Payment taken",
      detail:
        "Your payment[ of {amount}] was taken[, reference {reference}]. It usually appears on your statement within {days} business days."
    },
    zh: {
      label: "已扣款",
      detail:
        "您的[ {amount} ]付款已扣取[（参考号：{reference}）]，通常在 {days} 个工作日内显示在您的账单上。"
    }
  },
  capture_failed: {
    en: { label: "Collection failed", detail: "We could not take your payment.[ {reason}]" },
    zh: { label: "扣款失败", detail: "我们未能扣取您的付款。[{reason}]" }
  },
  remaining_released: {
    en: {
      label: "Rest released",
      detail:
        "The rest of the amount reserved on your account[, {amount},] was released. Your bank usually frees it within {days} business days."
    },
    zh: {
      label: "余额已释放",
      detail: "您账户中剩余的[ {amount} ]预留金额已释放，您的银行通常在 {days} 个工作日内解除预留。"
    }
  },
  refund_requested: {
    en: { label: "Refund requested", detail: "A refund[ of {amount}] has been requested." },
    zh: { label: "已申请退款", detail: "已为您申请[ {amount} ]退款。" }
  },
  refund_pending: {
    en: {
      label: "Refund in progress",
      detail:
        "Your refund[ of {amount}] is being processed. A decision usually comes within {days} business days."
    },
    zh: { label: "退款处理中", detail: "您的[ {amount} ]退款正在处理中，通常在 {days} 个工作日内有结果。" }
  },
  refund_action_required: {
    en: {
      label: "Details needed for your refund",
      detail:
        "We need your bank details to send your refund[ of {amount}]. Please follow the instructions we sent you."
    },
    zh: {
      label: "退款需要您的信息",
      detail: "我们需要您的银行信息才能发送[ {amount} ]退款，请按照我们发送给您的说明操作。"
    }
  },
  refund_succeeded: {
    en: {
      label: "Refund sent to your bank",
      detail:
        "Your refund[ of {amount}] was sent to your bank[, reference {reference}]. It usually arrives within {days} business days."
    },
    zh: {
      label: "退款已发送至您的银行",
      detail: "您的[ {amount} ]退款已发送至您的银行[（参考号：{reference}）]，通常在 {days} 个工作日内到账。"
    }
  },
  refund_failed: {
    en: {
      label: "Refund failed",
      detail: `Your refund[ of {amount}] could not be completed.[ {reason}] ${ANOTHER_WAY_EN}`
    },
    zh: { label: "退款失败", detail: `您的[ {amount} ]退款未能完成。[{reason}]${ANOTHER_WAY_ZH}` }
  },
  refund_canceled: {
    en: { label: "Refund canceled", detail: "The refund[ of {amount}] was canceled." },
    zh: { label: "退款已取消", detail: "[{amount} ]退款已取消。" }
  },
  refund_returned: {
    en: {
      label: "Refund returned",
      detail: `Your bank returned the refund[ of {amount}] to us.[ {reason}] ${ANOTHER_WAY_EN}`
    },
    zh: { label: "退款被退回", detail: `您的银行退回了[ {amount} ]退款。[{reason}]${ANOTHER_WAY_ZH}` }
  }
}

const GENERIC_ZH = "您的银行卡被拒绝，请使用其他付款方式或联系您的银行。"
const LIMIT_ZH = "您已超出银行卡限额，请稍后重试或使用其他银行卡。"
const RETRY_ZH = "付款未能处理，请几分钟后重试。"

/**
 * The Chinese customer message of every decline code, saying as much as the English one does (lost,
 * stolen and fraud read as a generic decline, as card schemes require).
 */
export const DECLINE_MESSAGES_ZH: { readonly [C in Decline.Code]: string } = {
  insufficient_funds: "您的银行卡余额不足，请使用其他付款方式。",
  generic_decline: GENERIC_ZH,
  do_not_honor: GENERIC_ZH,
  expired_card: "您的银行卡已过期，请使用其他银行卡。",
  incorrect_cvc: "安全码不正确，请检查后重试。",
  incorrect_number: "卡号不正确，请检查后重试。",
  incorrect_expiry: "有效期不正确，请检查后重试。",
  lost_card: GENERIC_ZH,
  stolen_card: GENERIC_ZH,
  pickup_card: GENERIC_ZH,
  fraudulent: GENERIC_ZH,
  restricted_card: GENERIC_ZH,
  card_not_supported: "此银行卡不支持此类消费，请使用其他银行卡。",
  currency_not_supported: "此银行卡不支持该币种，请使用其他银行卡。",
  transaction_not_allowed: GENERIC_ZH,
  invalid_account: GENERIC_ZH,
  card_velocity_exceeded: LIMIT_ZH,
  withdrawal_count_limit_exceeded: LIMIT_ZH,
  authentication_required: "您的银行要求您确认这笔付款。",
  issuer_unavailable: "无法联系您的银行，请几分钟后重试。",
  processing_error: RETRY_ZH,
  try_again_later: RETRY_ZH,
  blocked_by_risk: GENERIC_ZH
}
