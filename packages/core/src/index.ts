/**
 * @paykit/core: exact money, currencies, rounding, decimal rates, ids, events and the Notifier port.
 *
 * @since 0.1.0
 */
export * as Client from "./Client.ts"
export * as Currency from "./Currency.ts"
export * as Decimal from "./Decimal.ts"
export * as DomainEvent from "./DomainEvent.ts"
export * as Ids from "./Ids.ts"
export * as Input from "./Input.ts"
export * as Money from "./Money.ts"
export * as Notifier from "./Notifier.ts"
export * as Rounding from "./Rounding.ts"
export * as Service from "./Service.ts"
export * as StateMachine from "./StateMachine.ts"
export * from "./errors.ts"
