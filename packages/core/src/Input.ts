import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import { InvalidInput } from "./errors.ts"
import { unreadable } from "./internal/unreadable.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const renderPath = (path: ReadonlyArray<unknown>): string =>
  path
    .map((s) => (typeof s === "object" && s !== null && "key" in s ? s.key : s))
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("")

/**
 * Turns a schema failure into `InvalidInput` naming the first offending field and every reason.
 *
 * @category errors
 * @since 0.1.0
 */
export const toInvalidInput = (operation: string, error: Schema.SchemaError): InvalidInput => {
  const { issues } = formatter(error.issue)
  const first = issues[0]
  const path = first === undefined ? "" : renderPath(first.path ?? [])
  const reason =
    issues.length <= 1
      ? (first?.message ?? "invalid")
      : issues.map((i) => `${renderPath(i.path ?? []) || "(root)"}: ${i.message}`).join("; ")
  return new InvalidInput({ operation, path, reason })
}

export { unreadable } from "./internal/unreadable.ts"

/**
 * Decodes public input with `schema`; failure is `InvalidInput` naming the field and the reason.
 * Every paykit service runs its inputs through this before touching state.
 *
 * @example
 * ```ts
 * import { Input } from "@paykit/core"
 * import { Schema } from "effect"
 * const decode = Input.decode("createAccount", Schema.Struct({ code: Schema.String }))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decode =
  <S extends Schema.Codec<unknown, unknown, never, never>>(operation: string, schema: S) =>
  (input: unknown): Effect.Effect<S["Type"], InvalidInput> =>
    // lazy: nothing is read until the effect runs, so a caller can refuse cheaply first (an
    // oversized batch is refused before a million elements are decoded)
    Effect.suspend(() => Effect.fromResult(decodeResult(operation, schema)(input)))

/**
 * The same as {@link decode} for plain TypeScript callers: a `Result` instead of an `Effect`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const decodeResult =
  <S extends Schema.Codec<unknown, unknown, never, never>>(operation: string, schema: S) =>
  (input: unknown): Result.Result<S["Type"], InvalidInput> => {
    try {
      const r = Schema.decodeUnknownResult(schema)(input, { errors: "all", onExcessProperty: "error" })
      return Result.isSuccess(r)
        ? Result.succeed(r.success)
        : Result.fail(toInvalidInput(operation, r.failure))
    } catch (e) {
      // hostile input (a getter or a Proxy trap that throws, a cycle a check walks into) is bad
      // input like any other: a typed error, never an exception out of a service call, naming
      // where reading it threw
      return Result.fail(unreadable(operation, e, whereUnreadable(input)))
    }
  }

/** How many values {@link whereUnreadable} reads at most before it gives up looking. */
const WALK_LIMIT = 10_000

/**
 * The path of the first place where reading `input` throws, walking it as a decoder does (array
 * lengths and elements, object keys and values, prototypes), or `"(root)"` when the walk finds
 * none (the throw came from a value read once well and then badly). Total and bounded: it reads
 * at most 10,000 values and never follows a cycle. Only run after a decode threw.
 */
const whereUnreadable = (input: unknown): string => {
  const seen = new Set<object>()
  let budget = WALK_LIMIT
  const at = (path: string, key: string | number) =>
    typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`
  const walk = (v: unknown, path: string): string | undefined => {
    if (--budget < 0 || typeof v !== "object" || v === null) return undefined
    try {
      if (seen.has(v)) return undefined
      seen.add(v)
      Object.getPrototypeOf(v)
      if (Array.isArray(v)) {
        const n = v.length
        for (let i = 0; i < n && budget > 0; i++) {
          let e: unknown
          try {
            e = v[i]
          } catch {
            return at(path, i)
          }
          const inner = walk(e, at(path, i))
          if (inner !== undefined) return inner
        }
        return undefined
      }
      const keys = Object.keys(v)
      for (const k of keys) {
        if (budget <= 0) return undefined
        let e: unknown
        try {
          e = (v as Record<string, unknown>)[k]
        } catch {
          return at(path, k)
        }
        const inner = walk(e, at(path, k))
        if (inner !== undefined) return inner
      }
      return undefined
    } catch {
      return path
    }
  }
  const found = walk(input, "")
  return found === undefined || found === "" ? "(root)" : found
}

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Whether `s` can be stored as text everywhere paykit stores text: no NUL character (PostgreSQL's
 * `text` and `jsonb` refuse it) and no lone surrogate (not valid Unicode; `jsonb` refuses it too).
 * Every free-text field of a paykit input checks this, so memory and PostgreSQL stores accept
 * exactly the same strings.
 *
 * @example
 * ```ts
 * import { Input } from "@paykit/core"
 * Input.isStorableText("café ☕") // true
 * Input.isStorableText("a\u0000b") // false
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isStorableText = (s: string): boolean => !s.includes("\u0000") && !LONE_SURROGATE.test(s)

/**
 * The schema check of {@link isStorableText}, for free-text fields.
 *
 * @example
 * ```ts
 * import { Input } from "@paykit/core"
 * import { Schema } from "effect"
 * const Description = Schema.String.check(Input.storableText)
 * ```
 * @category schemas
 * @since 0.1.0
 */
export const storableText = Schema.makeFilter(
  (s: string) => isStorableText(s) || "expected text without NUL characters or lone surrogates"
)
