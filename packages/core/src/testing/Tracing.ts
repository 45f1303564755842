import { Cause, Exit, Option, Tracer } from "effect"

/**
 * A tracer that keeps every span it starts, for tests that check which spans an operation opens,
 * their attributes and their parents. Provide it with `Effect.withTracer(tracer)`.
 *
 * @example
 * ```ts
 * import { Tracing } from "@paykit/core/testing"
 * import { Effect } from "effect"
 * const { spans, tracer } = Tracing.recording()
 * Effect.runSync(Effect.void.pipe(Effect.withSpan("op"), Effect.withTracer(tracer)))
 * spans.map((s) => s.name) // ["op"]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const recording = (): { readonly spans: Array<Tracer.NativeSpan>; readonly tracer: Tracer.Tracer } => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

/**
 * The span id of a span's parent, `undefined` for a root span.
 *
 * @example
 * ```ts
 * import { Tracing } from "@paykit/core/testing"
 * import type { Tracer } from "effect"
 * declare const span: Tracer.Span
 * const parent = Tracing.parentId(span)
 * ```
 * @category guards
 * @since 0.1.0
 */
export const parentId = (span: Tracer.Span): string | undefined => Option.getOrUndefined(span.parent)?.spanId

/**
 * Whether a span has ended with a failure.
 *
 * @example
 * ```ts
 * import { Tracing } from "@paykit/core/testing"
 * import type { Tracer } from "effect"
 * declare const span: Tracer.Span
 * const bad = Tracing.failed(span)
 * ```
 * @category guards
 * @since 0.1.0
 */
export const failed = (span: Tracer.Span): boolean =>
  span.status._tag === "Ended" && Exit.isFailure(span.status.exit)

/**
 * The `_tag` of the typed failure a span ended with, `undefined` when it has not ended with one.
 *
 * @example
 * ```ts
 * import { Tracing } from "@paykit/core/testing"
 * import type { Tracer } from "effect"
 * declare const span: Tracer.Span
 * Tracing.failureTag(span) // "QuoteNotFound"
 * ```
 * @category guards
 * @since 0.1.0
 */
export const failureTag = (span: Tracer.Span): string | undefined => {
  if (span.status._tag !== "Ended" || !Exit.isFailure(span.status.exit)) return undefined
  const error = Cause.findErrorOption(span.status.exit.cause)
  return Option.isSome(error) &&
    typeof error.value === "object" &&
    error.value !== null &&
    "_tag" in error.value
    ? String(error.value._tag)
    : undefined
}
