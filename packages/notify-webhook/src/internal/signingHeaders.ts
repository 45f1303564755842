// Reading the three Standard Webhooks headers from what a server hands over: a WHATWG `Headers`
// (fetch, undici, Hono, Next.js) or a plain object with any capitalisation of the names, whose
// values are a string, an array of strings (a header sent more than once, as some frameworks
// give it) or undefined (Node's `IncomingHttpHeaders`). Pure; never throws on a well-behaved
// object (../Signing.ts catches the rest).

/** The header names, lower case as the spec writes them. */
export const ID = "webhook-id"
export const TIMESTAMP = "webhook-timestamp"
export const SIGNATURE = "webhook-signature"

/** The three header values, `undefined` when absent or empty. */
export interface WebhookHeaderValues {
  readonly id: string | undefined
  readonly timestamp: string | undefined
  readonly signature: string | undefined
}

interface HeaderGetter {
  readonly get: (name: string) => string | null
}

const isGetter = (h: object): h is HeaderGetter => typeof (h as { get?: unknown }).get === "function"

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === "" ? undefined : s)

/**
 * Several values of one header folded into one, as `Headers.get` and Node fold repeated headers:
 * joined with ", " for webhook-id and webhook-timestamp (so a repeated id or timestamp never
 * matches a signature, and a repeated timestamp is not a number), and with " " for
 * webhook-signature (each value is a list of signatures).
 */
const fold = (values: ReadonlyArray<string>, separator: string): string | undefined =>
  nonEmpty(values.filter((v) => v !== "").join(separator))

const asValues = (v: unknown): ReadonlyArray<string> => {
  if (typeof v === "string") return [v]
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string")
  return []
}

/**
 * The three headers from `headers`, or `undefined` when `headers` is neither a `Headers`-like
 * object nor a plain object.
 */
export const readHeaders = (headers: unknown): WebhookHeaderValues | undefined => {
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) return undefined
  if (isGetter(headers)) {
    const get = (name: string) => {
      const v = headers.get(name)
      return typeof v === "string" ? nonEmpty(v) : undefined
    }
    return { id: get(ID), timestamp: get(TIMESTAMP), signature: get(SIGNATURE) }
  }
  const ids: Array<string> = []
  const timestamps: Array<string> = []
  const signatures: Array<string> = []
  const record = headers as Readonly<Record<string, unknown>>
  for (const name of Object.keys(record)) {
    const lower = name.toLowerCase()
    const bucket =
      lower === ID ? ids : lower === TIMESTAMP ? timestamps : lower === SIGNATURE ? signatures : undefined
    if (bucket !== undefined) bucket.push(...asValues(record[name]))
  }
  return { id: fold(ids, ", "), timestamp: fold(timestamps, ", "), signature: fold(signatures, " ") }
}

/** The most signatures of one header that are looked at; the rest are ignored. */
export const MAX_SIGNATURES = 64

/**
 * The `webhook-signature` value as (version, signature) pairs: split on spaces, each entry split
 * at its first comma; entries without a comma are dropped. At most {@link MAX_SIGNATURES}.
 */
export const parseSignatures = (
  header: string
): ReadonlyArray<{ readonly version: string; readonly signature: string }> => {
  const out: Array<{ version: string; signature: string }> = []
  // split no further than needed: a header of a million spaces costs no more than a short one
  for (const entry of header.split(" ", MAX_SIGNATURES * 16)) {
    if (out.length >= MAX_SIGNATURES) break
    const comma = entry.indexOf(",")
    if (comma <= 0) continue
    out.push({ version: entry.slice(0, comma), signature: entry.slice(comma + 1) })
  }
  return out
}
