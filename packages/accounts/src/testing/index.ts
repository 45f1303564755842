export * as Fixtures from "./Fixtures.ts"
