import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ManagedRuntime } from "effect"
import * as PgliteClient from "../src/PgliteClient.ts"

const runtime = ManagedRuntime.make(PgliteClient.layer({}))
const run = <A, E>(program: Effect.Effect<A, E, SqlClient.SqlClient>) => runtime.runPromise(program)

beforeAll(() =>
  run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE counter (id int PRIMARY KEY, n numeric(39,0) NOT NULL)`
      yield* sql`INSERT INTO counter VALUES (1, 0)`
    })
  )
)
afterAll(() => runtime.dispose())

describe("PgliteClient", () => {
  it("keeps numeric(39,0) exact and decodes int8 as bigint", async () => {
    const rows = await run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{
          n: string
          b: bigint
        }>`SELECT (2::numeric ^ 127 - 1)::numeric(39,0)::text AS n, 9007199254740993::int8 AS b`
      })
    )
    expect(rows[0]?.n).toBe((2n ** 127n - 1n).toString())
    expect(rows[0]?.b).toBe(9007199254740993n)
  })

  it("serialises concurrent transactions on the one connection (no lost updates)", async () => {
    const increment = Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.withTransaction(
        Effect.gen(function* () {
          const [row] = yield* sql<{ n: string }>`SELECT n::text AS n FROM counter WHERE id = 1`
          yield* Effect.yieldNow
          yield* sql`UPDATE counter SET n = ${(BigInt(row!.n) + 1n).toString()}::numeric WHERE id = 1`
        })
      )
    })
    await run(
      Effect.all(
        Array.from({ length: 50 }, () => increment),
        { concurrency: "unbounded" }
      )
    )
    const rows = await run(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: string }>`SELECT n::text AS n FROM counter`)
    )
    expect(rows[0]?.n).toBe("50")
  })

  it("rolls back a failed transaction completely", async () => {
    const exit = await runtime.runPromiseExit(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`UPDATE counter SET n = n + 1000 WHERE id = 1`
            return yield* Effect.fail("boom" as const)
          })
        )
      })
    )
    expect(exit._tag).toBe("Failure")
    const rows = await run(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: string }>`SELECT n::text AS n FROM counter`)
    )
    expect(rows[0]?.n).toBe("50")
  })

  it("classifies a unique violation as a typed SqlError", async () => {
    const exit = await runtime.runPromiseExit(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`INSERT INTO counter VALUES (1, 0)`)
    )
    expect(exit._tag === "Failure" && JSON.stringify(exit.cause)).toContain("UniqueViolation")
  })
})
