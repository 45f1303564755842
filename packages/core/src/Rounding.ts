/**
 * `Rounding`: the seven named rounding modes and exact integer division by each. No schemas
 * here; `Rounding.RoundingModeSchema` is on the `Rounding` of `@paykit/core/schema`.
 *
 * @since 0.1.0
 */
import type * as internal from "./internal/rounding.ts"

export * from "./internal/rounding.ts"

// The type once more, declared here: reached only through `export *` from a module the .d.ts
// bundler puts in a shared chunk, `Rounding.RoundingMode` came out of it as a value.
/** A rounding mode name (see the table of the seven). @category models @since 0.1.0 */
export type RoundingMode = internal.RoundingMode
