/**
 * `Rounding`: the seven named rounding modes and exact integer division by each. No schemas
 * here; `Rounding.RoundingModeSchema` is on the `Rounding` of `@paykit/core/schema`.
 *
 * @since 0.1.0
 */
export * from "./internal/rounding.ts"

// The type is declared here, not in ./internal/rounding.ts: reached only through `export *` from
// a module the .d.ts bundler puts in a shared chunk, `Rounding.RoundingMode` came out as a value.

/**
 * How a result that falls between two minor units is rounded. Every conversion from an exact
 * decimal back to minor units names one; paykit has no default.
 *
 * | mode        | rule                                   | 2.5 → | −2.5 → | 2.4 → | −2.6 → |
 * | ----------- | -------------------------------------- | ----- | ------ | ----- | ------ |
 * | `half-even` | nearest; ties to the even neighbour    | 2     | −2     | 2     | −3     |
 * | `half-up`   | nearest; ties away from zero           | 3     | −3     | 2     | −3     |
 * | `half-down` | nearest; ties toward zero              | 2     | −2     | 2     | −3     |
 * | `up`        | away from zero                         | 3     | −3     | 3     | −3     |
 * | `down`      | toward zero (truncate)                 | 2     | −2     | 2     | −2     |
 * | `ceiling`   | toward +∞                              | 3     | −2     | 3     | −2     |
 * | `floor`     | toward −∞                              | 2     | −3     | 2     | −3     |
 *
 * @category models
 * @since 0.1.0
 */
export type RoundingMode = "half-even" | "half-up" | "half-down" | "up" | "down" | "ceiling" | "floor"
