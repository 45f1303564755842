import { type Account, type Entry, type Hold, LedgerCore } from "@paykit/ledger"

/** SQL select lists that return every column in a form that survives JSON and both drivers. */
export const accountColumns = `id, currency, code, normal, owner_ref, metadata,
  debits_must_not_exceed_credits, credits_must_not_exceed_debits, closed, created_at::text AS created_at,
  debits_posted::text AS debits_posted, credits_posted::text AS credits_posted,
  debits_pending::text AS debits_pending, credits_pending::text AS credits_pending, version::text AS version`

/** A JSON object for one entry row aliased `e`, with its postings in order. */
export const entryJson = `json_build_object(
  'id', e.id, 'kind', e.kind, 'hold_id', e.hold_id, 'reverses', e.reverses, 'reversed_by', e.reversed_by,
  'timeout_ms', e.timeout_ms::text, 'description', e.description, 'metadata', e.metadata,
  'created_at', e.created_at::text, 'hash', e.hash,
  'postings', (SELECT json_agg(json_build_object('debit', p.debit, 'credit', p.credit, 'amount', p.amount::text,
    'currency', p.currency) ORDER BY p.idx) FROM paykit_ledger_postings p WHERE p.entry_id = e.id))`

/**
 * A JSON object for one consumed id (a `paykit_ledger_entries` row aliased `e` of kind `failed`), in
 * the form `LedgerCore.failedIdFromJson` reads.
 */
export const failedIdJson = `json_build_object('id', e.id, 'at', e.created_at, 'error', e.error)`

/** A JSON object for one hold row aliased `h`. */
export const holdJson = `json_build_object(
  'id', h.id, 'debit', h.debit, 'credit', h.credit, 'amount', h.amount::text, 'currency', h.currency,
  'created_at', h.created_at::text, 'expires_at', h.expires_at::text, 'status', h.status,
  'posted_amount', h.posted_amount::text, 'resolved_by', h.resolved_by, 'resolved_at', h.resolved_at::text)`

export const lineColumns = `account_id, seq::text AS seq, entry_id, at::text AS at,
  debits_posted::text AS debits_posted, credits_posted::text AS credits_posted,
  debits_pending::text AS debits_pending, credits_pending::text AS credits_pending`

/** The lines of a run `l` of `paykit_ledger_lines`, one row each as `u` (with its position `k`). */
export const lineRunUnnest = `unnest(l.entry_ids, l.ats, l.debits_posted, l.credits_posted, l.debits_pending,
  l.credits_pending) WITH ORDINALITY AS u(entry_id, at, debits_posted, credits_posted, debits_pending, credits_pending, k)`

/** {@link lineColumns} read from a run `l` and its unnested lines `u`. */
export const lineRunColumns = `l.account_id, (l.first_seq + u.k - 1)::text AS seq, u.entry_id, u.at::text AS at,
  u.debits_posted::text AS debits_posted, u.credits_posted::text AS credits_posted,
  u.debits_pending::text AS debits_pending, u.credits_pending::text AS credits_pending`

type Row = Record<string, unknown>

const str = (v: unknown): string => (typeof v === "string" ? v : String(v))
const num = (v: unknown): number => Number(v)
const big = (v: unknown): bigint => BigInt(str(v))
const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v)
const record = (v: unknown): Readonly<Record<string, string>> => (json(v) ?? {}) as Record<string, string>

export const accountFromRow = (r: Row): Account.Account => ({
  id: str(r["id"]),
  currency: str(r["currency"]),
  code: str(r["code"]),
  normal: r["normal"] === "debit" ? "debit" : "credit",
  ...(r["owner_ref"] === null || r["owner_ref"] === undefined ? {} : { ownerRef: str(r["owner_ref"]) }),
  metadata: record(r["metadata"]),
  debitsMustNotExceedCredits: r["debits_must_not_exceed_credits"] === true,
  creditsMustNotExceedDebits: r["credits_must_not_exceed_debits"] === true,
  closed: r["closed"] === true,
  createdAt: num(r["created_at"]),
  debitsPosted: big(r["debits_posted"]),
  creditsPosted: big(r["credits_posted"]),
  debitsPending: big(r["debits_pending"]),
  creditsPending: big(r["credits_pending"]),
  version: num(r["version"])
})

export const entryFromJson = (raw: unknown): Entry.Entry => {
  const r = json(raw) as Row
  const postings = ((r["postings"] ?? []) as Array<Row>).map((p) => ({
    debit: str(p["debit"]),
    credit: str(p["credit"]),
    amount: big(p["amount"]),
    currency: str(p["currency"])
  }))
  return {
    id: str(r["id"]),
    kind: r["kind"] as Entry.Kind,
    postings,
    ...(r["hold_id"] == null ? {} : { holdId: str(r["hold_id"]) }),
    ...(r["reverses"] == null ? {} : { reverses: str(r["reverses"]) }),
    ...(r["reversed_by"] == null ? {} : { reversedBy: str(r["reversed_by"]) }),
    ...(r["timeout_ms"] == null ? {} : { timeoutMs: num(r["timeout_ms"]) }),
    ...(r["description"] == null ? {} : { description: str(r["description"]) }),
    metadata: record(r["metadata"]),
    createdAt: num(r["created_at"]),
    hash: str(r["hash"])
  }
}

export const failedIdFromJson = (raw: unknown): LedgerCore.FailedId => LedgerCore.failedIdFromJson(json(raw))

/** A consumed id as the columns of its `paykit_ledger_entries` row (`error`: the failure as JSON). */
const failedIdRecord = (f: LedgerCore.FailedId) => ({
  id: f.id,
  created_at: f.at,
  error: (LedgerCore.failedIdToJson(f) as { readonly error: unknown }).error
})

export const holdFromJson = (raw: unknown): Hold.Hold => {
  const r = json(raw) as Row
  return {
    id: str(r["id"]),
    debit: str(r["debit"]),
    credit: str(r["credit"]),
    amount: big(r["amount"]),
    currency: str(r["currency"]),
    createdAt: num(r["created_at"]),
    ...(r["expires_at"] == null ? {} : { expiresAt: num(r["expires_at"]) }),
    status: r["status"] as Hold.Status,
    postedAmount: big(r["posted_amount"]),
    ...(r["resolved_by"] == null ? {} : { resolvedBy: str(r["resolved_by"]) }),
    ...(r["resolved_at"] == null ? {} : { resolvedAt: num(r["resolved_at"]) })
  }
}

export const lineFromRow = (r: Row): Account.Line => ({
  accountId: str(r["account_id"]),
  seq: num(r["seq"]),
  entryId: str(r["entry_id"]),
  at: num(r["at"]),
  debitsPosted: big(r["debits_posted"]),
  creditsPosted: big(r["credits_posted"]),
  debitsPending: big(r["debits_pending"]),
  creditsPending: big(r["credits_pending"])
})

/** `lastAt`: the time of the account's latest line when this write adds lines to it, else null. */
const accountRecord = (a: Account.Account, lastAt: ReadonlyMap<string, number>) => ({
  id: a.id,
  currency: a.currency,
  code: a.code,
  normal: a.normal,
  owner_ref: a.ownerRef ?? null,
  metadata: a.metadata,
  dmnec: a.debitsMustNotExceedCredits,
  cmned: a.creditsMustNotExceedDebits,
  closed: a.closed,
  created_at: a.createdAt,
  dp: a.debitsPosted.toString(),
  cp: a.creditsPosted.toString(),
  dpe: a.debitsPending.toString(),
  cpe: a.creditsPending.toString(),
  version: a.version,
  last_at: lastAt.get(a.id) ?? null
})

const holdRecord = (h: Hold.Hold) => ({
  id: h.id,
  debit: h.debit,
  credit: h.credit,
  amount: h.amount.toString(),
  currency: h.currency,
  created_at: h.createdAt,
  expires_at: h.expiresAt ?? null,
  status: h.status,
  posted_amount: h.postedAmount.toString(),
  resolved_by: h.resolvedBy ?? null,
  resolved_at: h.resolvedAt ?? null
})

/**
 * The change set of an outcome as the parameters of {@link writeStatement}: `$1` is one small
 * JSON document with the rare parts (currencies, accounts, reversal marks, holds, consumed ids,
 * each account's latest line time); the bulk of a
 * batch (entries, postings, lines) goes as one typed array per column, which PostgreSQL reads
 * far faster than the same rows inside a `jsonb` document. Every element is a string (numbers
 * in decimal) so both drivers bind `text[]`, cast to the column type in SQL. The outbox events
 * go last, as one JSON array and its length (one outbox row per transaction). Entries and holds
 * created in this write carry their final state (a `reversedBy` set in the same write is folded
 * in), so no row is inserted and updated by the same statement.
 */
export const changeSet = (
  o: LedgerCore.Outcome,
  currencies: ReadonlyArray<{ code: string; exponent: number }>
): Array<unknown> => {
  const created = new Set(o.entriesCreated.map((e) => e.id))
  const reversed = new Map(o.entriesReversed.map((r) => [r.id, r.reversedBy]))
  const entries = [...o.entriesCreated].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const n = entries.length
  const en = {
    id: new Array<string>(n),
    kind: new Array<string>(n),
    holdId: new Array<string | null>(n),
    reverses: new Array<string | null>(n),
    reversedBy: new Array<string | null>(n),
    timeoutMs: new Array<string | null>(n),
    description: new Array<string | null>(n),
    metadata: new Array<string>(n),
    createdAt: new Array<string>(n),
    hash: new Array<string>(n)
  }
  const po = {
    entryId: [] as Array<string>,
    idx: [] as Array<string>,
    debit: [] as Array<string>,
    credit: [] as Array<string>,
    amount: [] as Array<string>,
    currency: [] as Array<string>
  }
  for (let k = 0; k < n; k++) {
    const e = entries[k]!
    en.id[k] = e.id
    en.kind[k] = e.kind
    en.holdId[k] = e.holdId ?? null
    en.reverses[k] = e.reverses ?? null
    en.reversedBy[k] = reversed.get(e.id) ?? e.reversedBy ?? null
    en.timeoutMs[k] = e.timeoutMs === undefined ? null : String(e.timeoutMs)
    en.description[k] = e.description ?? null
    en.metadata[k] = metadataJson(e.metadata)
    en.createdAt[k] = String(e.createdAt)
    en.hash[k] = e.hash
    for (let i = 0; i < e.postings.length; i++) {
      const p = e.postings[i]!
      po.entryId.push(e.id)
      po.idx.push(String(i))
      po.debit.push(p.debit)
      po.credit.push(p.credit)
      po.amount.push(p.amount.toString())
      po.currency.push(p.currency)
    }
  }
  const ls = o.lines
  const m = ls.length
  const li = {
    accountId: new Array<string>(m),
    seq: new Array<string>(m),
    entryId: new Array<string>(m),
    at: new Array<string>(m),
    dp: new Array<string>(m),
    cp: new Array<string>(m),
    dpe: new Array<string>(m),
    cpe: new Array<string>(m)
  }
  for (let k = 0; k < m; k++) {
    const l = ls[k]!
    li.accountId[k] = l.accountId
    li.seq[k] = String(l.seq)
    li.entryId[k] = l.entryId
    li.at[k] = String(l.at)
    li.dp[k] = l.debitsPosted.toString()
    li.cp[k] = l.creditsPosted.toString()
    li.dpe[k] = l.debitsPending.toString()
    li.cpe[k] = l.creditsPending.toString()
  }
  // each account's latest line time, kept on its row for the next write's clock (see the
  // `last_at` column)
  const lastAt = new Map<string, number>()
  for (let k = 0; k < m; k++) {
    const l = ls[k]!
    const at = lastAt.get(l.accountId)
    if (at === undefined || l.at > at) lastAt.set(l.accountId, l.at)
  }
  const rare = JSON.stringify({
    cur: currencies,
    ac: [...o.accountsCreated].sort((a, b) => (a.id < b.id ? -1 : 1)).map((a) => accountRecord(a, lastAt)),
    au: o.accountsUpdated.map((a) => accountRecord(a, lastAt)),
    er: o.entriesReversed
      .filter((r) => !created.has(r.id))
      .map((r) => ({ id: r.id, reversed_by: r.reversedBy })),
    hc: [...o.holdsCreated].sort((a, b) => (a.id < b.id ? -1 : 1)).map(holdRecord),
    hu: o.holdsUpdated.map(holdRecord),
    fi: [...o.failedIds].sort((a, b) => (a.id < b.id ? -1 : 1)).map(failedIdRecord)
  })
  return [
    rare,
    en.id,
    en.kind,
    column(en.holdId),
    column(en.reverses),
    column(en.reversedBy),
    column(en.timeoutMs),
    column(en.description),
    en.metadata,
    en.createdAt,
    en.hash,
    po.entryId,
    po.idx,
    po.debit,
    po.credit,
    po.amount,
    po.currency,
    li.accountId,
    li.seq,
    li.entryId,
    li.at,
    li.dp,
    li.cp,
    li.dpe,
    li.cpe,
    o.events.length === 0 ? null : JSON.stringify(o.events),
    String(o.events.length)
  ]
}

/**
 * A nullable column: `null` (a NULL array, which `unnest` pads with NULLs) when every value is
 * null, since a driver cannot name the element type of an array of nulls.
 */
const column = (xs: ReadonlyArray<string | null>): ReadonlyArray<string | null> | null => {
  for (let i = 0; i < xs.length; i++) if (xs[i] !== null) return xs
  return null
}

const metadataJson = (m: Readonly<Record<string, string>>): string => {
  for (const _ in m) return JSON.stringify(m)
  return "{}"
}

const accountColumnsDef = `id text, currency text, code text, normal text, owner_ref text, metadata jsonb, dmnec boolean,
  cmned boolean, closed boolean, created_at bigint, dp numeric, cp numeric, dpe numeric, cpe numeric, version bigint,
  last_at bigint`
const holdColumnsDef = `id text, debit text, credit text, amount numeric, currency text, created_at bigint,
  expires_at bigint, status text, posted_amount numeric, resolved_by text, resolved_at bigint`

/** The caller's settings a write changes, as `paykit_ledger_lock` returns them. */
export interface Settings {
  readonly p: string
  readonly j: string
  readonly s: string
  readonly l: string
  readonly t: string
}

/** {@link Settings} as the parameters of {@link restoreSettingsAt}. */
export const settingsOf = (old: Settings): Array<string> => [old.p, old.j, old.s, old.l, old.t]

/** Puts back the caller's settings, given as parameters `$n`…`$n+4` ({@link settingsOf}). */
export const restoreSettingsAt = (n: number): string =>
  `set_config('plan_cache_mode', $${n}, true), set_config('jit', $${n + 1}, true),
  set_config('enable_seqscan', $${n + 2}, true), set_config('lock_timeout', $${n + 3}, true),
  set_config('statement_timeout', $${n + 4}, true)`

/**
 * Persists a change set in one statement (one round trip): data-modifying CTEs insert and
 * update every table. Foreign keys and CHECK constraints (limits, ranges, currencies) are
 * verified at the end of the statement, so a violation writes nothing. `$1` is the JSON of the
 * rare parts, `$2`… the columns of entries, postings and lines, then the outbox events (see
 * {@link changeSet}).
 */
const writeBody = `WITH input AS (SELECT $1::jsonb AS j),
cur AS (
  INSERT INTO paykit_ledger_currencies (code, exponent)
  SELECT x.code, x.exponent FROM input, jsonb_to_recordset(input.j->'cur') AS x(code text, exponent smallint)
  ON CONFLICT (code) DO NOTHING
),
ac AS (
  INSERT INTO paykit_ledger_accounts (id, currency, code, normal, owner_ref, metadata, debits_must_not_exceed_credits,
    credits_must_not_exceed_debits, closed, created_at, debits_posted, credits_posted, debits_pending, credits_pending, version,
    last_at)
  SELECT x.id, x.currency, x.code, x.normal, x.owner_ref, x.metadata, x.dmnec, x.cmned, x.closed, x.created_at,
    x.dp, x.cp, x.dpe, x.cpe, x.version, x.last_at
  FROM input, jsonb_to_recordset(input.j->'ac') AS x(${accountColumnsDef})
),
au AS (
  UPDATE paykit_ledger_accounts a SET closed = x.closed, debits_posted = x.dp, credits_posted = x.cp,
    debits_pending = x.dpe, credits_pending = x.cpe, version = x.version, last_at = greatest(a.last_at, x.last_at)
  FROM input, jsonb_to_recordset(input.j->'au') AS x(${accountColumnsDef})
  WHERE a.id = x.id
),
en AS (
  INSERT INTO paykit_ledger_entries (id, kind, hold_id, reverses, reversed_by, timeout_ms, description, metadata, created_at, hash)
  SELECT x.id, x.kind, x.hold_id, x.reverses, x.reversed_by, x.timeout_ms, x.description, x.metadata, x.created_at, x.hash
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::jsonb[],
    $10::bigint[], $11::text[]) WITH ORDINALITY
    AS x(id, kind, hold_id, reverses, reversed_by, timeout_ms, description, metadata, created_at, hash, ord)
  ORDER BY x.ord
),
fi AS (
  INSERT INTO paykit_ledger_entries (id, kind, created_at, hash, error)
  SELECT x.id, 'failed', x.created_at, '', x.error
  FROM input, jsonb_to_recordset(input.j->'fi') AS x(id text, created_at bigint, error jsonb)
),
po AS (
  INSERT INTO paykit_ledger_postings (entry_id, idx, debit, credit, amount, currency)
  SELECT x.entry_id, x.idx, x.debit, x.credit, x.amount, x.currency
  FROM unnest($12::text[], $13::smallint[], $14::text[], $15::text[], $16::numeric[], $17::text[])
    AS x(entry_id, idx, debit, credit, amount, currency)
),
er AS (
  UPDATE paykit_ledger_entries e SET reversed_by = x.reversed_by
  FROM input, jsonb_to_recordset(input.j->'er') AS x(id text, reversed_by text)
  WHERE e.id = x.id
),
hc AS (
  INSERT INTO paykit_ledger_holds (id, debit, credit, amount, currency, created_at, expires_at, status, posted_amount,
    resolved_by, resolved_at)
  SELECT x.id, x.debit, x.credit, x.amount, x.currency, x.created_at, x.expires_at, x.status, x.posted_amount,
    x.resolved_by, x.resolved_at
  FROM input, jsonb_to_recordset(input.j->'hc') AS x(${holdColumnsDef})
),
hu AS (
  UPDATE paykit_ledger_holds h SET status = x.status, posted_amount = x.posted_amount, resolved_by = x.resolved_by,
    resolved_at = x.resolved_at
  FROM input, jsonb_to_recordset(input.j->'hu') AS x(${holdColumnsDef})
  WHERE h.id = x.id
),
li AS (
  INSERT INTO paykit_ledger_lines (account_id, first_seq, last_seq, min_at, entry_ids, ats, debits_posted, credits_posted,
    debits_pending, credits_pending)
  SELECT g.account_id,
    -- a run must start right after the account's last line and hold distinct seqs; otherwise
    -- first_seq 0 fails the table's CHECK (first_seq >= 1) and the whole statement with it
    CASE WHEN g.distinct_seqs = g.lines AND g.first_seq = 1 + coalesce(
      (SELECT max(p.last_seq) FROM paykit_ledger_lines p WHERE p.account_id = g.account_id), 0)
    THEN g.first_seq ELSE 0 END,
    g.last_seq, g.min_at, g.entry_ids, g.ats, g.dp, g.cp, g.dpe, g.cpe
  FROM (
    SELECT x.account_id, min(x.seq) AS first_seq, max(x.seq) AS last_seq, count(*) AS lines,
      count(DISTINCT x.seq) AS distinct_seqs, min(x.at) AS min_at, array_agg(x.entry_id ORDER BY x.seq) AS entry_ids,
      array_agg(x.at ORDER BY x.seq) AS ats, array_agg(x.dp ORDER BY x.seq) AS dp, array_agg(x.cp ORDER BY x.seq) AS cp,
      array_agg(x.dpe ORDER BY x.seq) AS dpe, array_agg(x.cpe ORDER BY x.seq) AS cpe
    FROM unnest($18::text[], $19::bigint[], $20::text[], $21::bigint[], $22::numeric[], $23::numeric[],
      $24::numeric[], $25::numeric[]) AS x(account_id, seq, entry_id, at, dp, cp, dpe, cpe)
    GROUP BY x.account_id
  ) g
),
ob AS (
  INSERT INTO paykit_outbox (events, count) SELECT $26::json, $27::integer WHERE $27::integer > 0
)`

/** {@link writeBody} on its own: the store's own transaction ends with the settings. */
export const writeStatement = `${writeBody}
SELECT 1 AS done`

/**
 * {@link writeBody} inside the caller's transaction: also puts back the caller's settings
 * (`$28`…`$32`, {@link settingsOf}), which the write changed for its own statements and which
 * would otherwise last until the caller's transaction ends.
 */
export const writeStatementRestoring = `${writeBody}
SELECT ${restoreSettingsAt(28)}`
