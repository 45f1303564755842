/**
 * The fixed sequence of list changes the list-store crash test applies, and the state after the
 * first `n` of them. Every change alters a row (a new value, the removal of a present one, a new
 * snooze time), so each one raises the store's version by exactly one.
 */
export type ListOp =
  | { readonly kind: "add"; readonly list: string; readonly value: string }
  | { readonly kind: "remove"; readonly list: string; readonly value: string }
  | { readonly kind: "snooze"; readonly ruleId: string; readonly value: string; readonly until: number }

/** Change `n`: add `v<n>` to `block` (or `allow` for every 5th); every 3rd removes the value added just before; every 7th snoozes. */
export const listOp = (n: number): ListOp => {
  if (n % 7 === 6)
    return { kind: "snooze", ruleId: "velocity_card", value: `card-${n % 3}`, until: 1_800_000_000_000 + n }
  if (n % 3 === 2) {
    const prev = listOp(n - 1)
    if (prev.kind === "add") return { kind: "remove", list: prev.list, value: prev.value }
  }
  return { kind: "add", list: n % 5 === 0 ? "allow" : "block", value: `v${n}` }
}

/** The lists and snoozes after changes 0 … n-1, as the store's snapshot shows them. */
export const stateAfter = (n: number) => {
  const lists = new Map<string, Set<string>>()
  const snoozes = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const op = listOp(i)
    if (op.kind === "snooze") snoozes.set(`${op.ruleId} ${op.value}`, op.until)
    else {
      const set = lists.get(op.list) ?? new Set<string>()
      if (op.kind === "add") set.add(op.value)
      else set.delete(op.value)
      lists.set(op.list, set)
    }
  }
  return {
    lists: Object.fromEntries(
      [...lists].filter(([, s]) => s.size > 0).map(([list, s]) => [list, [...s].sort()])
    ) as Record<string, ReadonlyArray<string>>,
    snoozes: [...snoozes]
      .map(([key, until]) => {
        const [ruleId, value] = key.split(" ") as [string, string]
        return { ruleId, value, until }
      })
      .sort((a, b) => (a.ruleId + a.value < b.ruleId + b.value ? -1 : 1))
  }
}
