/**
 * The reason-code vocabularies a support agent reads, in English and Simplified Chinese, with
 * what to do next. The wording is paykit's own, after the public meaning of each code (Stripe's
 * payout failure codes, the ISO 20022 external reason codes used by SEPA R-transactions, the
 * SWIFT gpi tracker statuses). Re-exported, with documentation, by `Tracking.ts`.
 */
import type { ReasonEntry } from "./Tracking.ts"

/** Why a payout (or a refund sent as a bank transfer) failed, after Stripe's payout failure codes.
 *
 * @example
 * ```ts
 * import { ReasonCodes } from "@paykit/payments"
 * Object.keys(ReasonCodes.PAYOUT_FAILURES).length
 * ```
 * @category models
 * @since 0.1.0
 */
export const PAYOUT_FAILURES = {
  account_closed: {
    en: "The bank account has been closed.",
    zh: "该银行账户已关闭。",
    action: "ask_customer_for_new_details"
  },
  account_frozen: {
    en: "The bank account is frozen by the bank.",
    zh: "该银行账户已被银行冻结。",
    action: "contact_bank"
  },
  bank_account_restricted: {
    en: "The bank account does not accept this kind of transfer.",
    zh: "该银行账户不接受此类转账。",
    action: "ask_customer_for_new_details"
  },
  bank_ownership_changed: {
    en: "The bank account now belongs to another bank; new account details are needed.",
    zh: "该银行账户已转至其他银行，需要新的账户信息。",
    action: "ask_customer_for_new_details"
  },
  could_not_process: {
    en: "The bank could not process the transfer.",
    zh: "银行无法处理这笔转账。",
    action: "retry"
  },
  debit_not_authorized: {
    en: "The bank account does not allow this debit.",
    zh: "该银行账户不允许这笔扣款。",
    action: "contact_bank"
  },
  declined: {
    en: "The bank declined the transfer.",
    zh: "银行拒绝了这笔转账。",
    action: "contact_bank"
  },
  incorrect_account_holder_name: {
    en: "The account holder's name does not match the bank's records.",
    zh: "账户持有人姓名与银行记录不符。",
    action: "ask_customer_for_new_details"
  },
  insufficient_funds: {
    en: "There were not enough funds to cover the transfer.",
    zh: "余额不足，无法完成这笔转账。",
    action: "retry"
  },
  invalid_account_number: {
    en: "The account number is not valid for this bank.",
    zh: "账号对该银行无效。",
    action: "ask_customer_for_new_details"
  },
  invalid_currency: {
    en: "The bank account cannot receive this currency.",
    zh: "该银行账户无法接收此币种。",
    action: "ask_customer_for_new_details"
  },
  no_account: {
    en: "No bank account was found with these details.",
    zh: "找不到与这些信息对应的银行账户。",
    action: "ask_customer_for_new_details"
  },
  unsupported_card: {
    en: "The card cannot receive transfers.",
    zh: "该银行卡无法接收转账。",
    action: "ask_customer_for_new_details"
  }
} as const satisfies Readonly<Record<string, ReasonEntry>>

/** The ISO 20022 external reason codes of SEPA R-transactions (rejects, returns, refunds, recalls).
 *
 * @example
 * ```ts
 * import { ReasonCodes } from "@paykit/payments"
 * Object.keys(ReasonCodes.SEPA_R_CODES).length
 * ```
 * @category models
 * @since 0.1.0
 */
export const SEPA_R_CODES = {
  AC01: {
    en: "The account identifier (IBAN) is wrong.",
    zh: "账户标识（IBAN）有误。",
    action: "ask_customer_for_new_details"
  },
  AC03: {
    en: "The beneficiary's account number is wrong (a recall by the sender).",
    zh: "收款账号有误（由付款方发起的召回）。",
    action: "ask_customer_for_new_details"
  },
  AC04: { en: "The account is closed.", zh: "该账户已关闭。", action: "ask_customer_for_new_details" },
  AC06: {
    en: "The account is blocked, or blocked for direct debits.",
    zh: "该账户已被冻结，或不接受直接借记。",
    action: "ask_customer_for_new_details"
  },
  AC13: {
    en: "The payer's account is a consumer account (not allowed for a business direct debit).",
    zh: "付款账户为个人账户（不可用于企业直接借记）。",
    action: "ask_customer_for_new_details"
  },
  AG01: {
    en: "This kind of transaction is not allowed on this account.",
    zh: "该账户不允许此类交易。",
    action: "ask_customer_for_new_details"
  },
  AG02: {
    en: "The transaction or operation code is not valid.",
    zh: "交易代码或操作代码无效。",
    action: "investigate"
  },
  AM04: { en: "There were not enough funds on the account.", zh: "账户余额不足。", action: "retry" },
  AM05: { en: "The transaction is a duplicate.", zh: "该交易重复。", action: "investigate" },
  BE05: {
    en: "The creditor (collector) identifier is not recognised.",
    zh: "收款人（发起方）标识无法识别。",
    action: "investigate"
  },
  CNOR: {
    en: "The beneficiary's bank cannot be reached through this clearing system.",
    zh: "无法通过该清算系统联系收款银行。",
    action: "investigate"
  },
  DNOR: {
    en: "The payer's bank cannot be reached through this clearing system.",
    zh: "无法通过该清算系统联系付款银行。",
    action: "ask_customer_for_new_details"
  },
  FF01: { en: "The file or message format is not valid.", zh: "文件或报文格式无效。", action: "investigate" },
  MD01: {
    en: "There is no valid mandate for this direct debit.",
    zh: "该直接借记没有有效的授权。",
    action: "investigate"
  },
  MD02: {
    en: "The mandate is missing information or has wrong information.",
    zh: "授权信息缺失或有误。",
    action: "ask_customer_for_new_details"
  },
  MD06: {
    en: "The payer asked their bank to return the direct debit (within eight weeks).",
    zh: "付款人要求其银行退回该直接借记（八周内）。",
    action: "investigate"
  },
  MD07: { en: "The account holder has died.", zh: "账户持有人已身故。", action: "none" },
  MS02: {
    en: "The payer refused the transaction; no reason given.",
    zh: "付款人拒绝了该交易，未说明原因。",
    action: "investigate"
  },
  MS03: { en: "The bank gave no reason.", zh: "银行未说明原因。", action: "contact_bank" },
  RC01: {
    en: "The bank identifier (BIC) is wrong.",
    zh: "银行识别码（BIC）有误。",
    action: "ask_customer_for_new_details"
  },
  RR01: {
    en: "The payer's account or identification required by regulation is missing.",
    zh: "缺少监管要求的付款人账户或身份信息。",
    action: "ask_customer_for_new_details"
  },
  RR02: {
    en: "The payer's name or address required by regulation is missing.",
    zh: "缺少监管要求的付款人姓名或地址。",
    action: "ask_customer_for_new_details"
  },
  RR03: {
    en: "The beneficiary's name or address required by regulation is missing.",
    zh: "缺少监管要求的收款人姓名或地址。",
    action: "investigate"
  },
  RR04: { en: "Returned for a regulatory reason.", zh: "因监管原因被退回。", action: "investigate" },
  SL01: {
    en: "The payer's bank blocked this collector (a service the payer set up with their bank).",
    zh: "付款银行拦截了该收款方（付款人在银行设置的服务）。",
    action: "contact_bank"
  },
  FOCR: {
    en: "Returned after a cancellation (recall) request.",
    zh: "因取消（召回）请求而退回。",
    action: "none"
  },
  DUPL: { en: "The payment is a duplicate.", zh: "该付款重复。", action: "investigate" },
  TECH: {
    en: "Recalled because of a technical problem.",
    zh: "因技术问题被召回。",
    action: "investigate"
  },
  FRAD: { en: "Recalled as fraudulent.", zh: "因涉嫌欺诈被召回。", action: "investigate" },
  CUST: {
    en: "Canceled at the customer's request.",
    zh: "应客户要求取消。",
    action: "none"
  }
} as const satisfies Readonly<Record<string, ReasonEntry>>

/** SWIFT gpi tracker statuses (`ACSP` qualified by its `G` reason code).
 *
 * @example
 * ```ts
 * import { ReasonCodes } from "@paykit/payments"
 * Object.keys(ReasonCodes.SWIFT_GPI_STATUSES).length
 * ```
 * @category models
 * @since 0.1.0
 */
export const SWIFT_GPI_STATUSES = {
  "ACSP/G000": {
    en: "In progress: passed on to the next bank, which keeps tracking it.",
    zh: "处理中：已转至下一家银行，该行将继续跟踪。",
    action: "wait"
  },
  "ACSP/G001": {
    en: "In progress: passed on to a bank that does not report tracking; no updates beyond this point.",
    zh: "处理中：已转至不提供跟踪信息的银行，此后不再有更新。",
    action: "wait"
  },
  "ACSP/G002": {
    en: "In progress: the credit may not be made the same day.",
    zh: "处理中：可能无法当日入账。",
    action: "wait"
  },
  "ACSP/G003": {
    en: "On hold: the beneficiary's bank is waiting for documents from the beneficiary.",
    zh: "暂停：收款银行正在等待收款人提供文件。",
    action: "investigate"
  },
  "ACSP/G004": {
    en: "On hold: the beneficiary's bank is waiting for the funds (the cover payment).",
    zh: "暂停：收款银行正在等待资金（头寸划拨）。",
    action: "wait"
  },
  ACCC: {
    en: "Completed: credited to the beneficiary's account.",
    zh: "已完成：款项已入收款人账户。",
    action: "none"
  },
  RJCT: {
    en: "Rejected by a bank in the chain; the funds come back.",
    zh: "被链路中的银行拒绝，款项将退回。",
    action: "investigate"
  },
  ACSC: {
    en: "Completed: settlement between the banks is done.",
    zh: "已完成：银行间结算已完成。",
    action: "none"
  }
} as const satisfies Readonly<Record<string, ReasonEntry>>

/** Why a refund failed or came back, after `Refund.Outcome`'s failure reasons.
 *
 * @example
 * ```ts
 * import { ReasonCodes } from "@paykit/payments"
 * Object.keys(ReasonCodes.REFUND_FAILURES).length
 * ```
 * @category models
 * @since 0.1.0
 */
export const REFUND_FAILURES = {
  expired_or_canceled_card: {
    en: "The card the payment was made with has expired or been canceled.",
    zh: "付款所用的银行卡已过期或已注销。",
    action: "ask_customer_for_new_details"
  },
  lost_or_stolen_card: {
    en: "The card the payment was made with can no longer receive refunds.",
    zh: "付款所用的银行卡已无法接收退款。",
    action: "ask_customer_for_new_details"
  },
  declined: {
    en: "The bank declined the refund.",
    zh: "银行拒绝了这笔退款。",
    action: "contact_bank"
  },
  unknown: {
    en: "The refund could not be completed.",
    zh: "这笔退款未能完成。",
    action: "investigate"
  }
} as const satisfies Readonly<Record<string, ReasonEntry>>
