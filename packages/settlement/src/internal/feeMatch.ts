// Matching a payment's dimensions (method, brand, region) to a version's overrides and to the
// rows of a pass-through table: how specific a match is, the most specific one that matches, and
// the keys that find two overrides or rows with the same match.
import type { Match, Override, Pricing } from "../FeeSchedule.ts"

/** How specific a match is: more dimensions first, then method > brand > region; 0 is the default. */
export const specificity = (m: Match): number => {
  const method = m.method === undefined ? 0 : 1
  const brand = m.brand === undefined ? 0 : 1
  const region = m.region === undefined ? 0 : 1
  return (method + brand + region) * 8 + method * 4 + brand * 2 + region
}

const matches = (m: Match, d: Match): boolean =>
  (m.method === undefined || m.method === d.method) &&
  (m.brand === undefined || m.brand === d.brand) &&
  (m.region === undefined || m.region === d.region)

export const mostSpecific = <A>(
  items: ReadonlyArray<A>,
  matchOf: (a: A) => Match,
  d: Match
): A | undefined => {
  let best: A | undefined
  let score = -1
  for (const a of items) {
    const m = matchOf(a)
    const s = specificity(m)
    if (s > score && matches(m, d)) {
      best = a
      score = s
    }
  }
  return best
}

export const withoutMatch = ({ match: _, ...rest }: Override): Partial<Pricing> => rest

export const matchKey = (m: Match): string =>
  JSON.stringify([m.method ?? null, m.brand ?? null, m.region ?? null])

/** The index of the first item with each match (linear: tables may have thousands of rows). */
export const firstOfMatch = <A>(
  items: ReadonlyArray<A>,
  matchOf: (a: A) => Match
): ReadonlyMap<string, number> => {
  const out = new Map<string, number>()
  items.forEach((a, i) => {
    const key = matchKey(matchOf(a))
    if (!out.has(key)) out.set(key, i)
  })
  return out
}
