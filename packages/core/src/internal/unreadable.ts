// `Input.unreadable`, apart from the schema helpers of ../Input.ts: `Money.parse` uses it, and a
// program that only does money arithmetic must not bundle effect's Schema module.
import { InvalidInput } from "../errors.ts"

/**
 * `InvalidInput` for input that could not even be read: a getter or a Proxy trap threw, or a
 * structure could not be walked. The reason carries the thrown message, cut to 200 characters.
 *
 * @example
 * ```ts
 * import { Input } from "@paykit/core"
 * Input.unreadable("post", new Error("boom")).reason // "the input could not be read: boom"
 * ```
 * @category errors
 * @since 0.1.0
 */
export const unreadable = (operation: string, thrown: unknown, path = ""): InvalidInput => {
  let text: string
  try {
    text = thrown instanceof Error ? thrown.message : String(thrown)
  } catch {
    text = "an exception"
  }
  return new InvalidInput({
    operation,
    path,
    reason: `the input could not be read: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`
  })
}
