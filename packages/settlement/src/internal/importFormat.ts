// What the importers of every format share: decoding their options (an importer that refuses
// when they are not valid), finding their columns in the header, and a cell's `InvalidFile`.
import { Currency, Input } from "@paykit/core"
import type { Schema } from "effect"
import * as Result from "effect/Result"
import type { Importer } from "../Importers.ts"
import { InvalidFile, InvalidImportOptions } from "./importErrors.ts"

const decodeOptions = <S extends Schema.Codec<unknown, unknown, never, never>>(
  schema: S,
  input: unknown
): Result.Result<S["Type"], InvalidImportOptions> => {
  const r = Input.decodeResult("import options", schema)(input)
  return Result.isSuccess(r)
    ? Result.succeed(r.success)
    : Result.fail(new InvalidImportOptions({ path: r.failure.path || "(root)", reason: r.failure.reason }))
}

/** Indexes of named columns in a header; a missing required one is `InvalidFile` at the header row. */
export const locate = <K extends string>(
  header: ReadonlyArray<string>,
  row: number,
  required: ReadonlyArray<readonly [K, string]>,
  optional: ReadonlyArray<readonly [K, string | undefined]> = []
): Result.Result<Record<string, number>, InvalidFile> => {
  const at = new Map<string, number>()
  header.forEach((h, i) => {
    at.set(h, i)
  })
  const out: Record<string, number> = {}
  for (const [key, name] of required) {
    const i = at.get(name)
    if (i === undefined) {
      const shown = header.slice(0, 30).join(", ") + (header.length > 30 ? ", …" : "")
      return Result.fail(
        new InvalidFile({ row, column: name, reason: `missing column; the header has: ${shown}` })
      )
    }
    out[key] = i
  }
  for (const [key, name] of optional) {
    if (name === undefined) continue
    const i = at.get(name)
    if (i !== undefined) out[key] = i
  }
  return Result.succeed(out)
}

export const cellProblem = (row: number, column: string, problem: string) =>
  new InvalidFile({ row, column, reason: problem })

const checkRegistry = (registry: unknown): InvalidImportOptions | undefined =>
  registry === undefined ||
  (typeof registry === "object" &&
    registry !== null &&
    typeof (registry as Currency.Registry).get === "function")
    ? undefined
    : new InvalidImportOptions({
        path: "registry",
        reason: "expected a Currency.Registry (Currency.registry([...]))"
      })

export const refused = (name: string, invalid: InvalidImportOptions): Importer => ({
  name,
  delimiter: ",",
  invalid,
  open: () => Result.fail(new InvalidFile({ row: 1, column: "", reason: invalid.message }))
})

/**
 * A format's options decoded with `schema`, and the currency registry they name (ISO 4217 when
 * they name none); when either is not valid, the importer `name` that refuses them.
 */
export const decodeFormatOptions = <
  S extends Schema.Codec<{ readonly registry?: unknown }, unknown, never, never>
>(
  name: string,
  schema: S,
  input: unknown
): Result.Result<{ readonly options: S["Type"]; readonly registry: Currency.Registry }, Importer> => {
  const decoded = decodeOptions(schema, input)
  if (Result.isFailure(decoded)) return Result.fail(refused(name, decoded.failure))
  const badRegistry = checkRegistry(decoded.success.registry)
  if (badRegistry !== undefined) return Result.fail(refused(name, badRegistry))
  const registry = (decoded.success.registry as Currency.Registry | undefined) ?? Currency.isoRegistry
  return Result.succeed({ options: decoded.success, registry })
}
