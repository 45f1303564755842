import { Context, Effect, Exit, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import * as QuoteStorePostgres from "../src/fx/QuoteStorePostgres.ts"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
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

const ledger = LedgerStorePostgres.migrations
const latest = Migrations.latest(ledger)

describe("Migrations on PGlite", () => {
  it("apply once, are a no-op the second time, and refuse a newer schema with SchemaTooNew", async () => {
    const exit = await open(
      {},
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const first = yield* Migrations.run(Migrations.outbox, ledger)
        const second = yield* Migrations.run(Migrations.outbox, ledger)
        expect(first.map(([ns, id]) => `${ns}:${id}`)).toEqual([
          "outbox:1",
          "ledger:1",
          "ledger:2",
          "ledger:3"
        ])
        expect(second.length).toBe(0)
        yield* sql`INSERT INTO paykit_ledger_migrations (migration_id, name) VALUES (${latest + 1}, 'from_the_future')`
        return yield* Effect.exit(Migrations.run(Migrations.outbox, ledger))
      })
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const inner = Exit.isSuccess(exit) ? exit.value : undefined
    expect(inner && failureOf(inner)).toMatchObject({
      _tag: "SchemaTooNew",
      namespace: "ledger",
      found: latest + 1,
      supported: latest
    })
    expect(inner && (failureOf(inner) as Error).message).toContain("paykit_ledger_migrations")
  })

  it("namespaces keep their own ids and record tables: two domains' migration 1 never collide, and a newer one is refused by name", async () => {
    const table = (name: string) =>
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE TABLE paykit_${name}_things (id int)`))
    const alpha = Migrations.namespace("alpha", { "1_things": table("alpha") })
    const beta = Migrations.namespace("beta", { "1_things": table("beta"), "2_more": Effect.void })
    const exit = await open(
      {},
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const applied = yield* Migrations.run(alpha, beta)
        const recorded = yield* sql<{ ns: string; id: number }>`
          SELECT 'alpha' AS ns, migration_id::int AS id FROM paykit_alpha_migrations
          UNION ALL SELECT 'beta', migration_id::int FROM paykit_beta_migrations ORDER BY 1, 2`
        const again = yield* Migrations.run(alpha, beta)
        yield* sql`INSERT INTO paykit_alpha_migrations (migration_id, name) VALUES (5, 'future')`
        const refused = yield* Effect.flip(Migrations.run(beta, alpha))
        const badName = yield* Effect.flip(Migrations.run(Migrations.namespace("Not A Word", {})))
        return {
          badName,
          applied,
          recorded,
          again,
          refused,
          versions: [yield* Migrations.currentVersion(alpha), yield* Migrations.currentVersion(beta)]
        }
      })
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(exit.value.applied.map(([ns, id]) => `${ns}:${id}`)).toEqual(["alpha:1", "beta:1", "beta:2"])
    expect(exit.value.recorded.map((r) => `${r.ns}:${r.id}`)).toEqual(["alpha:1", "beta:1", "beta:2"])
    expect(exit.value.again).toEqual([])
    expect(exit.value.refused).toMatchObject({
      _tag: "SchemaTooNew",
      namespace: "alpha",
      found: 5,
      supported: 1
    })
    expect(exit.value.versions).toEqual([5, 2])
    expect(exit.value.badName).toMatchObject({ _tag: "MigrationFailed", namespace: "Not A Word" })
  })

  it("an adapter's layer migrates only the outbox and its own namespace", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.scoped(
        Effect.gen(function* () {
          const ctx = yield* Layer.build(QuoteStorePostgres.layer({}))
          const sql = Context.get(ctx, SqlClient.SqlClient)
          const rows = yield* sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
            WHERE table_schema = 'public' ORDER BY 1`
          return rows.map((r) => r.name)
        })
      )
    )
    expect(Exit.isSuccess(exit) && exit.value).toEqual([
      "paykit_fx_migrations",
      "paykit_fx_quotes",
      "paykit_outbox",
      "paykit_outbox_migrations",
      "paykit_outbox_relay"
    ])
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
    const run = Migrations.run(Migrations.outbox, ledger)
    const results = await Promise.all([open(config, run), open(config, run), open(config, run)])
    const applied = results.map((r) => (Exit.isSuccess(r) ? r.value.length : -1))
    // the outbox's migrations and the ledger's, all applied by one of the three
    expect(applied.sort()).toEqual([0, 0, Migrations.latest(Migrations.outbox) + latest])
    const version = await open(config, Migrations.currentVersion(ledger))
    expect(Exit.isSuccess(version) && version.value).toBe(latest)
    const outbox = await open(config, Migrations.currentVersion(Migrations.outbox))
    expect(Exit.isSuccess(outbox) && outbox.value).toBe(Migrations.latest(Migrations.outbox))
    await dropSchema(schema)
  })

  it("a schema from a newer version is SchemaTooNew at start-up", async () => {
    const schema = freshSchema("new")
    const config = { url: serverUrl!, schema }
    const exit = await open(
      config,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* Migrations.run(Migrations.outbox, ledger)
        yield* sql`INSERT INTO paykit_ledger_migrations (migration_id, name) VALUES (${latest + 7}, 'future')`
        return yield* Effect.exit(Migrations.run(Migrations.outbox, ledger))
      })
    )
    const inner = Exit.isSuccess(exit) ? exit.value : undefined
    expect(inner && failureOf(inner)).toMatchObject({
      _tag: "SchemaTooNew",
      namespace: "ledger",
      found: latest + 7
    })
    await dropSchema(schema)
  })

  it("a database that does not exist is DatabaseUnavailable", async () => {
    const url = new URL(serverUrl!)
    url.pathname = "/paykit_no_such_database"
    const exit = await open({ url: url.href }, Effect.void)
    expect(failureOf(exit)).toMatchObject({ _tag: "DatabaseUnavailable" })
  })
})
