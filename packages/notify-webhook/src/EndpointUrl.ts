import { isIP } from "node:net"
import * as Result from "effect/Result"
import { InvalidEndpointUrl } from "./errors.ts"

/**
 * What an endpoint URL may name. Production keeps both off: `https` only, public addresses
 * only. Turn them on for development and tests against a local receiver.
 *
 * @category models
 * @since 0.1.0
 */
export interface UrlPolicy {
  /** Accept `http:` URLs. Default false. */
  readonly allowHttp?: boolean | undefined
  /** Accept private, loopback, link-local and reserved addresses and local host names. Default false. */
  readonly allowPrivate?: boolean | undefined
}

/** Longest URL accepted (bytes of its text). */
export const maxLength = 2048

const v4 = (ip: string): ReadonlyArray<number> => ip.split(".").map(Number)

/**
 * Why a literal IP address is not a public one, or `undefined` when it is. Covers IPv4 private
 * (10/8, 172.16/12, 192.168/16), carrier-grade NAT (100.64/10), loopback (127/8), link-local
 * (169.254/16, where cloud metadata services live), "this network" (0/8), benchmarking
 * (198.18/15), documentation ranges, multicast and reserved (224/3); IPv6 loopback, unspecified,
 * unique-local (fc00::/7), link-local (fe80::/10), multicast (ff00::/8), documentation
 * (2001:db8::/32), and IPv4-mapped / NAT64 forms of the IPv4 ranges.
 *
 * @example
 * ```ts
 * import { EndpointUrl } from "@paykit/notify-webhook"
 * EndpointUrl.nonPublic("169.254.169.254") // "private_address"
 * EndpointUrl.nonPublic("93.184.216.34") // undefined
 * ```
 * @category guards
 * @since 0.1.0
 */
export const nonPublic = (ip: string): "private_address" | "loopback" | "reserved_address" | undefined => {
  const family = isIP(ip)
  if (family === 4) {
    const [a = 0, b = 0, c = 0] = v4(ip)
    if (a === 127) return "loopback"
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private_address"
    if (a === 100 && b >= 64 && b <= 127) return "private_address"
    if (a === 169 && b === 254) return "private_address"
    if (a === 0 || a >= 224) return "reserved_address"
    if (a === 198 && (b === 18 || b === 19)) return "reserved_address"
    if ((a === 192 && b === 0 && (c === 0 || c === 2)) || (a === 198 && b === 51 && c === 100))
      return "reserved_address"
    if (a === 203 && b === 0 && c === 113) return "reserved_address"
    return undefined
  }
  if (family === 6) {
    const lower = ip.toLowerCase()
    const mapped = /^(?:::ffff:(?:0:)?|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
    if (mapped?.[1] !== undefined) return nonPublic(mapped[1])
    const hex = /^(?:::ffff:(?:0:)?|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower)
    if (hex?.[1] !== undefined && hex[2] !== undefined) {
      const hi = Number.parseInt(hex[1], 16)
      const lo = Number.parseInt(hex[2], 16)
      return nonPublic(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`)
    }
    const groups = expand6(lower)
    if (groups === undefined) return "reserved_address"
    if (groups.every((g) => g === 0)) return "reserved_address"
    if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return "loopback"
    const first = groups[0] ?? 0
    if ((first & 0xfe00) === 0xfc00) return "private_address"
    if ((first & 0xffc0) === 0xfe80) return "private_address"
    if ((first & 0xff00) === 0xff00) return "reserved_address"
    if (first === 0x2001 && groups[1] === 0x0db8) return "reserved_address"
    // IPv4-compatible (deprecated) ::a.b.c.d and other addresses inside ::/96
    if (groups.slice(0, 6).every((g) => g === 0)) return "reserved_address"
    return undefined
  }
  return "reserved_address"
}

/** The eight 16-bit groups of an IPv6 address (an embedded dotted quad converted), or undefined. */
const expand6 = (ip: string): ReadonlyArray<number> | undefined => {
  let text = ip
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (quad?.[1] !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = v4(quad[1])
    text = `${text.slice(0, -quad[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = "", tail] = text.split("::")
  const h = head === "" ? [] : head.split(":")
  const t = tail === undefined || tail === "" ? [] : tail.split(":")
  const missing = 8 - h.length - t.length
  if (tail === undefined ? h.length !== 8 : missing < 1) return undefined
  const all = [...h, ...Array.from({ length: tail === undefined ? 0 : missing }, () => "0"), ...t]
  const groups = all.map((g) => Number.parseInt(g, 16))
  return groups.some((g) => Number.isNaN(g)) ? undefined : groups
}

const localHostname = (host: string): boolean =>
  host === "localhost" ||
  host.endsWith(".localhost") ||
  host.endsWith(".local") ||
  host.endsWith(".internal") ||
  host.endsWith(".home.arpa") ||
  !host.includes(".")

/**
 * Checks an endpoint URL against the policy: parses it (WHATWG URL), requires `https:` (or
 * `http:` when `allowHttp`), refuses credentials (`user:pass@`), fragments and URLs over
 * {@link maxLength}, and — unless `allowPrivate` — literal addresses that are not public
 * ({@link nonPublic}) and local host names (`localhost`, `*.local`, `*.internal`, single-label
 * names). Host names are resolved again at every delivery and refused when they resolve to a
 * non-public address (DNS rebinding), see `HttpTransport`.
 *
 * @example
 * ```ts
 * import { EndpointUrl } from "@paykit/notify-webhook"
 * import { Result } from "effect"
 * Result.isSuccess(EndpointUrl.validate("https://merchant.example/hooks")) // true
 * Result.isFailure(EndpointUrl.validate("https://user:pw@merchant.example/hooks")) // true
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const validate = (url: unknown, policy: UrlPolicy = {}): Result.Result<URL, InvalidEndpointUrl> => {
  const text = typeof url === "string" ? url : ""
  const refuse = (reason: InvalidEndpointUrl["reason"], detail: string) =>
    Result.fail(new InvalidEndpointUrl({ url: text, reason, detail }))
  if (typeof url !== "string") return refuse("malformed", `expected a URL string, got ${typeof url}`)
  if (Buffer.byteLength(url) > maxLength) return refuse("too_long", `longer than ${maxLength} bytes`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (url.trim() !== url || /[\s\u0000-\u001f\u007f]/.test(url))
    return refuse("malformed", "contains whitespace or control characters")
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return refuse("malformed", "not an absolute URL")
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && policy.allowHttp === true))
    return refuse(
      "scheme",
      parsed.protocol === "http:"
        ? "https is required (allowHttp is for development only)"
        : `scheme ${parsed.protocol} is not http(s)`
    )
  if (parsed.username !== "" || parsed.password !== "")
    return refuse("credentials", "credentials in the URL are refused; authenticate with the signature")
  if (parsed.hash !== "" || url.includes("#"))
    return refuse("fragment", "a fragment is never sent; remove it")
  const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase()
  if (host === "") return refuse("malformed", "no host")
  if (policy.allowPrivate === true) return Result.succeed(parsed)
  if (isIP(host) !== 0) {
    const why = nonPublic(host)
    if (why !== undefined)
      return refuse(why, `${host} is not a public address (allowPrivate is for development only)`)
    return Result.succeed(parsed)
  }
  if (localHostname(host)) return refuse("local_hostname", `${host} is a local host name`)
  return Result.succeed(parsed)
}
