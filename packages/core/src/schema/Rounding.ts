/**
 * `Rounding` with its codec: every function of the main entry point's `Rounding`, plus
 * `RoundingModeSchema`.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import * as Plain from "../Rounding.ts"

export * from "../Rounding.ts"

// The type once more, declared here: reached only through `export *` from a module the .d.ts
// bundler puts in a shared chunk, `Rounding.RoundingMode` came out of it as a value.
/** A rounding mode name (see the table of the seven). @category models @since 0.1.0 */
export type RoundingMode = Plain.RoundingMode

/**
 * Schema for a rounding mode name: exactly the seven of `RoundingMode` (see its table).
 *
 * @category models
 * @since 0.1.0
 */
export const RoundingModeSchema = /*#__PURE__*/ Schema.Literals(Plain.modes)
