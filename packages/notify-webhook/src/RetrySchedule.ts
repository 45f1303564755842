/**
 * The delays before each attempt of a delivery, in milliseconds: `delays[0]` before the first
 * attempt, `delays[n]` before attempt n+1. The delivery is given up after the last.
 *
 * @category models
 * @since 0.1.0
 */
export type RetrySchedule = ReadonlyArray<number>

const second = 1000
const minute = 60 * second
const hour = 60 * minute

/**
 * Svix's schedule, paykit's default: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and
 * 10 h (eight attempts over about 27.5 hours).
 *
 * @example
 * ```ts
 * import { RetrySchedule } from "@paykit/notify-webhook"
 * RetrySchedule.svix.length // 8
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const svix: RetrySchedule = [
  0,
  5 * second,
  5 * minute,
  30 * minute,
  2 * hour,
  5 * hour,
  10 * hour,
  10 * hour
]

/** The longest `Retry-After` honoured (a receiver cannot park a delivery for longer). */
export const maxRetryAfter = 24 * hour

/**
 * When the next attempt is due after attempt `attempt` (1-based) failed at `now`, or undefined
 * when the schedule is exhausted. A `Retry-After` (milliseconds, from the response) is honoured:
 * the next attempt waits at least that long, up to {@link maxRetryAfter}.
 *
 * @example
 * ```ts
 * import { RetrySchedule } from "@paykit/notify-webhook"
 * RetrySchedule.next(RetrySchedule.svix, 1, 0) // 5000
 * RetrySchedule.next(RetrySchedule.svix, 1, 0, 60_000) // 60000
 * RetrySchedule.next(RetrySchedule.svix, 8, 0) // undefined
 * ```
 * @category math
 * @since 0.1.0
 */
export const next = (
  schedule: RetrySchedule,
  attempt: number,
  now: number,
  retryAfter?: number
): number | undefined => {
  const delay = schedule[attempt]
  if (delay === undefined) return undefined
  const floor = retryAfter === undefined ? 0 : Math.min(Math.max(0, retryAfter), maxRetryAfter)
  return now + Math.max(delay, floor)
}

/**
 * Checks a schedule: at least one attempt, every delay a finite, non-negative integer number of
 * milliseconds, at most 100 attempts. Returns the problems (empty when valid).
 *
 * @example
 * ```ts
 * import { RetrySchedule } from "@paykit/notify-webhook"
 * RetrySchedule.problems([0, -5]) // ["delay 2 (-5) must be a non-negative integer of milliseconds"]
 * ```
 * @category guards
 * @since 0.1.0
 */
export const problems = (schedule: unknown): ReadonlyArray<string> => {
  if (!Array.isArray(schedule)) return ["a retry schedule is an array of delays in milliseconds"]
  if (schedule.length === 0) return ["a retry schedule needs at least one attempt"]
  if (schedule.length > 100) return ["a retry schedule allows at most 100 attempts"]
  return schedule.flatMap((d, i) =>
    typeof d === "number" && Number.isSafeInteger(d) && d >= 0
      ? []
      : [`delay ${i + 1} (${String(d)}) must be a non-negative integer of milliseconds`]
  )
}

/**
 * Parses a `Retry-After` header (delta seconds or an HTTP date) into milliseconds from `now`;
 * undefined when absent or unreadable.
 *
 * @example
 * ```ts
 * import { RetrySchedule } from "@paykit/notify-webhook"
 * RetrySchedule.parseRetryAfter("120", 0) // 120000
 * ```
 * @category math
 * @since 0.1.0
 */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const v = value.trim()
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000
  if (!/[a-z]/i.test(v)) return undefined
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
