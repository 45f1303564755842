import { type ASTNode, Environment } from "@marcbachmann/cel-js"
import type { Catalog } from "../Attributes.ts"
import {
  ExpressionTooLarge,
  type RuleDefinitionError,
  RuleSyntaxError,
  RuleTypeError,
  UnknownAttribute
} from "../errors.ts"

/** The size limits of a rule condition. */
export const MAX_CHARACTERS = 2_000
export const MAX_NODES = 200
export const MAX_DEPTH = 24

type Schema = { [key: string]: string | Schema }

const environments = new WeakMap<Catalog, Environment>()

/** The CEL environment of a catalog: one variable per namespace, with a nested schema. */
export const environment = (catalog: Catalog): Environment => {
  const cached = environments.get(catalog)
  if (cached !== undefined) return cached
  const roots: Record<string, Schema> = {}
  for (const a of catalog.attributes.values()) {
    const parts = a.path.split(".")
    const root = parts[0]!
    if (roots[root] === undefined) roots[root] = {}
    let node: Schema = roots[root]
    for (let i = 1; i < parts.length - 1; i++) {
      const next = node[parts[i]!]
      if (typeof next === "object") node = next
      else {
        const fresh: Schema = {}
        node[parts[i]!] = fresh
        node = fresh
      }
    }
    node[parts[parts.length - 1]!] = a.type
  }
  const env = new Environment({
    limits: { maxAstNodes: MAX_NODES, maxDepth: MAX_DEPTH, maxListElements: 1_000 }
  })
  for (const [name, schema] of Object.entries(roots)) env.registerVariable({ name, schema })
  environments.set(catalog, env)
  return env
}

/** Line and column (1-based) of a 0-based offset. */
export const lineColumn = (source: string, position: number): { line: number; column: number } => {
  let line = 1
  let start = 0
  for (let i = 0; i < position && i < source.length; i++) {
    if (source[i] === "\n") {
      line++
      start = i + 1
    }
  }
  return { line, column: position - start + 1 }
}

interface CelError {
  readonly name?: string
  readonly code?: string
  readonly summary?: string
  readonly message?: string
  readonly range?: { readonly start: number; readonly end: number }
  readonly node?: { readonly pos?: number; readonly start?: number }
}

const positionOf = (e: CelError): number => e.range?.start ?? e.node?.start ?? e.node?.pos ?? 0

const reasonOf = (e: CelError): string => e.summary ?? (e.message ?? "invalid").split("\n")[0]!

/** Parses and type-checks a condition; returns its AST or the definition error. */
export const parseAndCheck = (
  catalog: Catalog,
  ruleId: string,
  source: string
): { readonly ast: ASTNode } | { readonly error: RuleDefinitionError } => {
  if (source.length > MAX_CHARACTERS) {
    const lc = lineColumn(source, MAX_CHARACTERS)
    return {
      error: new ExpressionTooLarge({
        ruleId,
        unit: "characters",
        size: source.length,
        limit: MAX_CHARACTERS,
        position: MAX_CHARACTERS,
        ...lc
      })
    }
  }
  const env = environment(catalog)
  let parsed: ReturnType<Environment["parse"]>
  try {
    parsed = env.parse(source)
  } catch (u) {
    const e = u as CelError
    const position = positionOf(e)
    const lc = lineColumn(source, position)
    const reason = reasonOf(e)
    if (e.code === "limit_exceeded") {
      const nodes = /maxAstNodes/.test(reason)
      return {
        error: new ExpressionTooLarge({
          ruleId,
          unit: nodes ? "nodes" : "depth",
          size: nodes ? MAX_NODES + 1 : MAX_DEPTH + 1,
          limit: nodes ? MAX_NODES : MAX_DEPTH,
          position,
          ...lc
        })
      }
    }
    return { error: new RuleSyntaxError({ ruleId, position, ...lc, reason }) }
  }
  const checked = parsed.check()
  if (!checked.valid) {
    const e = (checked.error ?? {}) as CelError
    const position = positionOf(e)
    const lc = lineColumn(source, position)
    const reason = reasonOf(e)
    if (e.code === "no_such_key" || e.code === "unknown_variable") {
      const end = e.range?.end ?? position
      return {
        error: new UnknownAttribute({
          ruleId,
          attribute: attributeAt(source, position, end),
          position,
          ...lc,
          reason
        })
      }
    }
    return { error: new RuleTypeError({ ruleId, position, ...lc, reason }) }
  }
  if (checked.type !== "bool") {
    return {
      error: new RuleTypeError({
        ruleId,
        position: 0,
        line: 1,
        column: 1,
        reason: `a condition must be a bool, this one is ${checked.type ?? "unknown"}`
      })
    }
  }
  return { ast: parsed.ast }
}

/** The dotted attribute path around an error range (`payment.amout`). */
const attributeAt = (source: string, start: number, end: number): string => {
  let s = start
  while (s > 0 && /[A-Za-z0-9_.]/.test(source[s - 1]!)) s--
  let e = Math.max(end, start)
  while (e < source.length && /[A-Za-z0-9_]/.test(source[e]!)) e++
  return source.slice(s, e) || source.slice(start, end)
}
