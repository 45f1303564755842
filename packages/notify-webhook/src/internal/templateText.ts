// The text side of message templates: parsing `{{name}}`, `{{#name}}…{{/name}}` bodies into a
// small tree, rendering the tree, the text checks every template and every message shares, and
// the per-channel length limits (SMS counted in segments). Pure functions, no Effect.

/** The channels paykit renders and sends. */
export const CHANNELS: ReadonlyArray<"sms" | "email" | "push"> = ["sms", "email", "push"]

/** A channel. */
export type Channel = "sms" | "email" | "push"

/** Whether `u` names a channel. */
export const isChannel = (u: unknown): u is Channel =>
  typeof u === "string" && (CHANNELS as ReadonlyArray<string>).includes(u)

/** A variable name: a letter, then letters, digits or `_`, at most 64 characters. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/

/** A template id: dot-separated lowercase segments (`payments.refund.succeeded`), at most 100. */
export const ID_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/
/** The longest template id. */
export const ID_MAX_LENGTH = 100

/** The limits every template and every sent message keeps to. */
export const LIMITS = {
  /** An SMS is at most this many segments (3 × 153 GSM-7 characters, or 3 × 67 UCS-2 units). */
  smsSegments: 3,
  /** A push notification's body, in characters (code points). */
  pushBody: 1_000,
  /** A push notification's title (the template's `subject`), in characters. */
  pushTitle: 100,
  /** An email's subject, in characters. */
  emailSubject: 250,
  /** An email's body, in characters. */
  emailBody: 100_000,
  /** A template's raw body or subject, in UTF-16 units, before anything else is read. */
  source: 100_000
} as const

// ---------------------------------------------------------------------------------------------
// text checks

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
/** Bidirectional embedding, override and isolate controls (the "Trojan Source" characters). */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/
/** Control characters other than line feed and tab, and the Unicode line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/
/** Every control character, line feed included, and the line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/**
 * Why `text` cannot be a message's body (multi-line) or single line (a subject, a variable's
 * value), or `undefined` when it can. Refused: NUL and other control characters (a tab and, in
 * multi-line text, a line feed are allowed), lone surrogates, and bidirectional controls, which
 * can make a message read differently from what it says.
 */
export const textProblem = (text: string, multiline: boolean): string | undefined => {
  if (LONE_SURROGATE.test(text)) return "contains a lone UTF-16 surrogate (not valid Unicode)"
  if (BIDI_CONTROL.test(text))
    return "contains a bidirectional control character (U+202A–U+202E, U+2066–U+2069), which can disguise text"
  if (multiline ? CONTROL_EXCEPT_NEWLINE.test(text) : ANY_CONTROL.test(text))
    return multiline
      ? "contains a control character (only line feeds and tabs are allowed)"
      : "contains a line break or another control character; it must be a single line"
  return undefined
}

/** The number of characters (code points) of `text`. */
export const codePoints = (text: string): number => {
  let n = 0
  for (const _ of text) n++
  return n
}

// ---------------------------------------------------------------------------------------------
// SMS segments

const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
const GSM7_EXTENDED = new Set("\f^{}\\[~]|€")

/**
 * How an SMS of `text` is encoded and how many segments it takes: GSM-7 when every character
 * is in the GSM 03.38 alphabet (extension characters such as `€` count twice), UCS-2 otherwise
 * (counted in UTF-16 units). One segment holds 160 GSM-7 characters or 70 UCS-2 units; a longer
 * message is split into segments of 153 or 67.
 */
export const smsSegments = (
  text: string
): { readonly encoding: "GSM-7" | "UCS-2"; readonly units: number; readonly segments: number } => {
  let septets = 0
  let gsm = true
  for (const ch of text) {
    if (GSM7_BASIC.has(ch)) septets += 1
    else if (GSM7_EXTENDED.has(ch)) septets += 2
    else {
      gsm = false
      break
    }
  }
  const units = gsm ? septets : text.length
  const [single, part] = gsm ? [160, 153] : [70, 67]
  const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / part)
  return { encoding: gsm ? "GSM-7" : "UCS-2", units, segments }
}

/**
 * Why `text` is too long for `field` of a message on `channel`, with the limit and the length
 * found, or `undefined` when it fits.
 */
export const lengthProblem = (
  channel: Channel,
  field: "body" | "subject",
  text: string
): { readonly limit: string; readonly length: string } | undefined => {
  if (channel === "sms") {
    const s = smsSegments(text)
    return s.segments > LIMITS.smsSegments
      ? {
          limit: `${LIMITS.smsSegments} SMS segments`,
          length: `${s.segments} segments (${s.units} ${s.encoding} ${s.encoding === "GSM-7" ? "characters" : "UTF-16 units"})`
        }
      : undefined
  }
  const limit =
    channel === "push"
      ? field === "body"
        ? LIMITS.pushBody
        : LIMITS.pushTitle
      : field === "body"
        ? LIMITS.emailBody
        : LIMITS.emailSubject
  // counted cheaply first: a string of more UTF-16 units than twice the limit is over it anyway
  const n = text.length > limit * 2 ? text.length : codePoints(text)
  return n > limit ? { limit: `${limit} characters`, length: `${n} characters` } : undefined
}

// ---------------------------------------------------------------------------------------------
// parsing

/** A parsed template: text, a variable, or a section shown only when its variable is given. */
export type Node =
  | { readonly _tag: "text"; readonly text: string }
  | { readonly _tag: "variable"; readonly name: string }
  | { readonly _tag: "section"; readonly name: string; readonly children: ReadonlyArray<Node> }

/** Something wrong with a template's text. */
export interface ParseProblem {
  readonly code: "UnbalancedBraces" | "InvalidPlaceholder" | "UnbalancedSection"
  readonly reason: string
}

/** Where a variable appears: its name and the sections around it (innermost last). */
export interface Use {
  readonly name: string
  readonly within: ReadonlyArray<string>
  readonly section: boolean
}

/** What {@link parse} finds. */
export interface Parsed {
  readonly nodes: ReadonlyArray<Node>
  readonly uses: ReadonlyArray<Use>
  readonly problems: ReadonlyArray<ParseProblem>
}

/** At most this many problems are reported per text, so a hostile body cannot flood the error. */
const MAX_PROBLEMS = 10

const show = (s: string): string => JSON.stringify(s.length > 30 ? `${s.slice(0, 30)}…` : s)

/**
 * Parses a template's text. `{{name}}` is a variable (spaces inside the braces are allowed),
 * `{{#name}}…{{/name}}` a section shown only when `name` is given (sections may nest). A `{{`
 * must be closed by `}}` before the next `{{`; a `}}` that closes nothing is an error; a single
 * `{` or `}` is plain text. There is no way to write a literal `{{` (messages have no use for it).
 */
export const parse = (source: string): Parsed => {
  const problems: Array<ParseProblem> = []
  const uses: Array<Use> = []
  const report = (code: ParseProblem["code"], reason: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ code, reason })
  }
  interface Frame {
    readonly name: string
    readonly at: number
    readonly children: Array<Node>
  }
  const root: Array<Node> = []
  const stack: Array<Frame> = []
  const current = (): Array<Node> => stack[stack.length - 1]?.children ?? root
  const within = (): ReadonlyArray<string> => stack.map((f) => f.name)
  const pushText = (text: string) => {
    if (text === "") return
    const nodes = current()
    const last = nodes[nodes.length - 1]
    if (last !== undefined && last._tag === "text")
      nodes[nodes.length - 1] = { _tag: "text", text: last.text + text }
    else nodes.push({ _tag: "text", text })
  }
  let i = 0
  while (i < source.length) {
    const open = source.indexOf("{{", i)
    const stray = source.indexOf("}}", i)
    if (stray !== -1 && (open === -1 || stray < open)) {
      report("UnbalancedBraces", `the "}}" at offset ${stray} closes no "{{"`)
      pushText(source.slice(i, stray + 2))
      i = stray + 2
      continue
    }
    if (open === -1) {
      pushText(source.slice(i))
      break
    }
    pushText(source.slice(i, open))
    const close = source.indexOf("}}", open + 2)
    const next = source.indexOf("{{", open + 2)
    if (close === -1) {
      report("UnbalancedBraces", `the "{{" at offset ${open} is never closed with "}}"`)
      pushText(source.slice(open))
      break
    }
    if (next !== -1 && next < close) {
      report(
        "UnbalancedBraces",
        `the "{{" at offset ${open} is not closed before the next "{{" at offset ${next}`
      )
      pushText(source.slice(open, next))
      i = next
      continue
    }
    const inner = source.slice(open + 2, close).trim()
    i = close + 2
    const sigil = inner[0] === "#" || inner[0] === "/" ? inner[0] : ""
    const name = inner.slice(sigil.length).trim()
    if (!NAME_PATTERN.test(name)) {
      report(
        "InvalidPlaceholder",
        `${show(source.slice(open, close + 2))} at offset ${open} is not {{name}}, {{#name}} or {{/name}} with a name of letters, digits and _ starting with a letter`
      )
      continue
    }
    if (sigil === "") {
      uses.push({ name, within: within(), section: false })
      current().push({ _tag: "variable", name })
    } else if (sigil === "#") {
      uses.push({ name, within: within(), section: true })
      stack.push({ name, at: open, children: [] })
    } else {
      const depth = stack.map((f) => f.name).lastIndexOf(name)
      if (depth === -1) {
        report("UnbalancedSection", `{{/${name}}} at offset ${open} closes a section that is not open`)
        continue
      }
      // sections opened inside this one and never closed are reported, and closed here
      while (stack.length > depth + 1) {
        const f = stack.pop()!
        report("UnbalancedSection", `{{#${f.name}}} at offset ${f.at} is not closed before {{/${name}}}`)
        current().push({ _tag: "section", name: f.name, children: f.children })
      }
      const f = stack.pop()!
      current().push({ _tag: "section", name: f.name, children: f.children })
    }
  }
  while (stack.length > 0) {
    const f = stack.pop()!
    report("UnbalancedSection", `{{#${f.name}}} at offset ${f.at} is never closed with {{/${f.name}}}`)
    current().push({ _tag: "section", name: f.name, children: f.children })
  }
  return { nodes: root, uses, problems }
}

/** The text of a template without its variables: every text node, sections included. */
export const staticText = (nodes: ReadonlyArray<Node>): string =>
  nodes.map((n) => (n._tag === "text" ? n.text : n._tag === "section" ? staticText(n.children) : "")).join("")

/**
 * Renders parsed nodes with the given values (already formatted). A section renders only when
 * its variable has a value; a variable without a value renders as nothing (the catalogue makes
 * sure that only happens inside the variable's own section). Values are inserted as they are,
 * once: a value that looks like `{{x}}` stays literal text.
 */
export const renderNodes = (nodes: ReadonlyArray<Node>, values: ReadonlyMap<string, string>): string => {
  let out = ""
  for (const n of nodes) {
    if (n._tag === "text") out += n.text
    else if (n._tag === "variable") out += values.get(n.name) ?? ""
    else if (values.has(n.name)) out += renderNodes(n.children, values)
  }
  return out
}
