import { lookup as dnsLookup, type LookupAddress } from "node:dns"
import * as http from "node:http"
import * as https from "node:https"
import type { LookupFunction } from "node:net"
import { Context, Effect, Layer } from "effect"
import type * as Delivery from "./Delivery.ts"
import { nonPublic } from "./EndpointUrl.ts"

/**
 * One POST of a webhook: the URL, headers and body, and whether the URL may resolve to a
 * non-public address (development only).
 *
 * @category models
 * @since 0.1.0
 */
export interface Request {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly allowPrivate: boolean
}

/**
 * How webhooks leave the process: POST a request, answer the response (status, lower-cased
 * headers, the first `maxBodyBytes` of the body) or why there was none. Never fails: a network
 * error is a `NoResponse`. The service bounds each call with its own timeout on the Effect
 * clock and interrupts it (the request is aborted). Replace it to route through a proxy or an
 * egress gateway; tests use the Node one against a local receiver.
 *
 * @category services
 * @since 0.1.0
 */
export class HttpTransport extends Context.Service<
  HttpTransport,
  { readonly post: (request: Request) => Effect.Effect<Delivery.Response> }
>()("@paykit/notify-webhook/HttpTransport") {}

/** The most of a response body kept in an attempt's record. */
export const maxBodyBytes = 1024

/**
 * A DNS lookup that refuses addresses that are not public (the check at connect time that
 * stops DNS rebinding: a host name validated as public at registration that later resolves to
 * 169.254.169.254 or 10.0.0.5 is refused before any byte is sent).
 *
 * @category constructors
 * @since 0.1.0
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) return callback(error, "", 4)
    const list = addresses as unknown as ReadonlyArray<LookupAddress>
    const bad = list.find((a) => nonPublic(a.address) !== undefined)
    if (bad !== undefined || list.length === 0) {
      const e = Object.assign(
        new Error(`${hostname} resolves to ${bad?.address ?? "nothing"}, not a public address`),
        {
          code: "EPAYKIT_FORBIDDEN_ADDRESS"
        }
      )
      return callback(e, "", 4)
    }
    if ((options as { all?: boolean }).all === true)
      return (callback as unknown as (e: null, a: ReadonlyArray<LookupAddress>) => void)(null, list)
    const first = list[0] as LookupAddress
    callback(null, first.address, first.family)
  })
}

/**
 * The Node transport: `node:http` / `node:https` with keep-alive agents, redirects not followed
 * (a 3xx is a failed attempt, as Standard Webhooks says), the body read up to
 * {@link maxBodyBytes} and the rest discarded, and — unless the request allows private
 * addresses — {@link publicOnlyLookup} at connect time. Literal IP URLs are checked before
 * connecting.
 *
 * @example
 * ```ts
 * import { HttpTransport } from "@paykit/notify-webhook"
 * const layer = HttpTransport.layerNode
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerNode: Layer.Layer<HttpTransport> = Layer.effect(
  HttpTransport,
  Effect.acquireRelease(
    Effect.sync(() => ({
      http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 64 })
    })),
    (agents) =>
      Effect.sync(() => {
        agents.http.destroy()
        agents.https.destroy()
      })
  ).pipe(Effect.map((agents) => HttpTransport.of({ post: (request) => post(agents, request) })))
)

const post = (
  agents: { readonly http: http.Agent; readonly https: https.Agent },
  request: Request
): Effect.Effect<Delivery.Response> =>
  Effect.callback<Delivery.Response>((resume, signal) => {
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return resume(Effect.succeed({ _tag: "NoResponse", kind: "network", detail: "malformed URL" }))
    }
    const host = url.hostname.replace(/^\[|\]$/g, "")
    if (!request.allowPrivate && nonPublic(host) !== undefined && /^[\d.]+$|:/.test(host))
      return resume(
        Effect.succeed({
          _tag: "NoResponse",
          kind: "forbidden_address",
          detail: `${host} is not a public address`
        })
      )
    const secure = url.protocol === "https:"
    const body = Buffer.from(request.body, "utf8")
    const options: http.RequestOptions = {
      method: "POST",
      agent: secure ? agents.https : agents.http,
      headers: { ...request.headers, "content-length": String(body.length) },
      signal,
      ...(request.allowPrivate ? {} : { lookup: publicOnlyLookup })
    }
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Array<Buffer> = []
      let kept = 0
      res.on("data", (chunk: Buffer) => {
        if (kept < maxBodyBytes) {
          chunks.push(chunk.subarray(0, maxBodyBytes - kept))
          kept += Math.min(chunk.length, maxBodyBytes - kept)
        }
      })
      res.on("error", (e) =>
        resume(Effect.succeed({ _tag: "NoResponse", kind: "network", detail: e.message }))
      )
      res.on("end", () => {
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v
        resume(
          Effect.succeed({
            _tag: "Response",
            status: res.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).toString("utf8")
          })
        )
      })
    })
    req.on("error", (e: Error & { code?: string }) => {
      if (signal.aborted) return
      resume(
        Effect.succeed({
          _tag: "NoResponse",
          kind: e.code === "EPAYKIT_FORBIDDEN_ADDRESS" ? "forbidden_address" : "network",
          detail: e.message
        })
      )
    })
    req.end(body)
  })
