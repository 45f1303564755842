import { TestStores } from "../../src/testing/index.ts"

/** The PostgreSQL server used by the server tests; they are skipped when it is unset. */
export const serverUrl: string | undefined = process.env["PAYKIT_TEST_DATABASE_URL"] || undefined

/** A schema name unique to this run, so repeated runs on a long-lived server never collide. */
export const freshSchema = TestStores.freshSchema
