import { Effect, Exit, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import * as Migrations from "../src/Migrations.ts"
import { freshSchema, serverUrl } from "./support/env.ts"

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  return reason?._tag === "Fail" ? reason.error : undefined
}

const open = <A, E>(config: Database.DatabaseConfig, program: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromiseExit(
    Effect.scoped(
      Layer.build(Database.layer(config)).pipe(Effect.flatMap((ctx) => Effect.provide(program, ctx)))
    )
  )

describe("Database start-up errors", () => {
  it("a malformed URL is InvalidStoreConfig naming the url", async () => {
    const exit = await open({ url: "not a url" }, Effect.void)
    expect(failureOf(exit)).toMatchObject({ _tag: "InvalidStoreConfig", field: "url" })
  })

  it("a non-postgres scheme is InvalidStoreConfig", async () => {
    const exit = await open({ url: "mysql://root@127.0.0.1/test" }, Effect.void)
    expect(failureOf(exit)).toMatchObject({ _tag: "InvalidStoreConfig", field: "url" })
  })

  it("a bad schema name is InvalidStoreConfig", async () => {
    const exit = await open({ schema: "Robert'); DROP TABLE x;--" }, Effect.void)
    expect(failureOf(exit)).toMatchObject({ _tag: "InvalidStoreConfig", field: "schema" })
  })

  it("a database that is down (closed port) is DatabaseUnavailable, without a hang", async () => {
    const exit = await open(
      { url: "postgres://postgres@127.0.0.1:1/test", connectTimeout: "3 seconds" },
      Effect.void
    )
    const error = failureOf(exit)
    expect(error).toMatchObject({
      _tag: "DatabaseUnavailable",
      target: "postgres://postgres@127.0.0.1:1/test"
    })
    expect((error as Error).message).toContain("DATABASE_URL")
  })

  it("a host that never answers is DatabaseUnavailable within the connect timeout", async () => {
    // 10.255.255.1 is unroutable here: the SYN is dropped, so only the timeout ends the attempt.
    const exit = await open(
      { url: "postgres://postgres@10.255.255.1:5432/test", connectTimeout: "1 second" },
      Effect.void
    )
    expect(failureOf(exit)).toMatchObject({ _tag: "DatabaseUnavailable" })
  })

  it("the password never appears in errors", async () => {
    const exit = await open(
      { url: "postgres://postgres:s3cret@127.0.0.1:1/test", connectTimeout: "2 seconds" },
      Effect.void
    )
    const error = failureOf(exit) as Error
    expect(error.message).not.toContain("s3cret")
  })
})

describe("Migrations on PGlite", () => {
  it("apply once, are a no-op the second time, and refuse a newer schema with SchemaTooNew", async () => {
    const exit = await open(
      {},
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const first = yield* Migrations.run
        const second = yield* Migrations.run
        expect(first.length).toBe(Migrations.latest)
        expect(second.length).toBe(0)
        yield* sql`INSERT INTO paykit_migrations (migration_id, name) VALUES (${Migrations.latest + 1}, 'from_the_future')`
        return yield* Effect.exit(Migrations.run)
      })
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const inner = Exit.isSuccess(exit) ? exit.value : undefined
    expect(inner && failureOf(inner)).toMatchObject({
      _tag: "SchemaTooNew",
      found: Migrations.latest + 1,
      supported: Migrations.latest
    })
  })
})

const dropSchema = (schema: string) =>
  open(
    { url: serverUrl! },
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
  )

describe.skipIf(serverUrl === undefined)("Migrations on PostgreSQL", () => {
  it("two pools migrating one fresh schema at once apply each migration exactly once", async () => {
    const schema = freshSchema("mig")
    const config = { url: serverUrl!, schema }
    const results = await Promise.all([
      open(config, Migrations.run),
      open(config, Migrations.run),
      open(config, Migrations.run)
    ])
    const applied = results.map((r) => (Exit.isSuccess(r) ? r.value.length : -1))
    expect(applied.sort()).toEqual([0, 0, Migrations.latest])
    const version = await open(config, Migrations.currentVersion)
    expect(Exit.isSuccess(version) && version.value).toBe(Migrations.latest)
    await dropSchema(schema)
  })

  it("a schema from a newer version is SchemaTooNew at start-up", async () => {
    const schema = freshSchema("new")
    const config = { url: serverUrl!, schema }
    const exit = await open(
      config,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* Migrations.run
        yield* sql`INSERT INTO paykit_migrations (migration_id, name) VALUES (${Migrations.latest + 7}, 'future')`
        return yield* Effect.exit(Migrations.run)
      })
    )
    const inner = Exit.isSuccess(exit) ? exit.value : undefined
    expect(inner && failureOf(inner)).toMatchObject({ _tag: "SchemaTooNew", found: Migrations.latest + 7 })
    await dropSchema(schema)
  })

  it("a database that does not exist is DatabaseUnavailable", async () => {
    const url = new URL(serverUrl!)
    url.pathname = "/paykit_no_such_database"
    const exit = await open({ url: url.href }, Effect.void)
    expect(failureOf(exit)).toMatchObject({ _tag: "DatabaseUnavailable" })
  })
})
