/**
 * @paykit/accounts/fx: the accounts package's `ReferenceRates` port implemented with
 * `@paykit/fx`'s reference rates, so volume thresholds apply whatever the account's currency.
 * Needs `@paykit/fx` installed (an optional peer of this package).
 *
 * @since 0.5.0
 */
export * as ReferenceRatesFx from "./ReferenceRatesFx.ts"
