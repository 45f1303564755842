/**
 * @paykit/accounts: registration, requirements and verification, the account lifecycle, team
 * permissions, security settings and the PII vault.
 *
 * @since 0.1.0
 */
export * as Account from "./Account.ts"
export * as Accounts from "./Accounts.ts"
export * as AccountStore from "./AccountStore.ts"
export * as Cipher from "./Cipher.ts"
export * as ClosureCheck from "./ClosureCheck.ts"
export * as Events from "./Events.ts"
export * as KeyStore from "./KeyStore.ts"
export * as Lifecycle from "./Lifecycle.ts"
export * as Permissions from "./Permissions.ts"
export * as Redact from "./Redact.ts"
export * as ReferenceRates from "./ReferenceRates.ts"
export * as Registration from "./Registration.ts"
export * as Requirements from "./Requirements.ts"
export * as Security from "./Security.ts"
export * as SubjectExport from "./SubjectExport.ts"
export * as Verification from "./Verification.ts"
export * as VerificationProvider from "./VerificationProvider.ts"
export * from "./errors.ts"
