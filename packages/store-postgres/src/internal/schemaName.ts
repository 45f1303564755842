import { Effect } from "effect"
import { InvalidStoreConfig } from "../errors.ts"

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** `schema` as a plain lower-case PostgreSQL identifier, or `InvalidStoreConfig` naming it. */
export const checkSchemaName = (schema: string): Effect.Effect<void, InvalidStoreConfig> =>
  SCHEMA_NAME.test(schema)
    ? Effect.void
    : Effect.fail(
        new InvalidStoreConfig({
          field: "schema",
          reason: `${JSON.stringify(schema)} is not a plain lower-case identifier (a-z, 0-9, _; at most 63 characters)`
        })
      )
