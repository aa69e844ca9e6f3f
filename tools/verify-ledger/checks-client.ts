import type { Queryable } from '@redemption/kernel';
import type { Check } from './checks-ledger.ts';
import type { KeyRecord } from './runner.ts';
import { balanceDelta, transactionIdOf } from './workload.ts';

const is2xx = (s: number): boolean => s >= 200 && s < 300;
/** Refusals the idempotency store keeps and replays; a key that got one must never also get a 2xx. */
const storedRefusals = new Set([410, 422]);
/** Transactions the system makes on its own (no client key): points expiry. */
const systemKinds = ['expiry'];

const signature = (b: Record<string, unknown> | undefined): string =>
  `${String(b?.['id'] ?? '')}|${String(b?.['transaction_id'] ?? '')}`;

/** What the client saw, held against the database after every process has stopped. */
export async function clientChecks(
  q: Queryable,
  records: Map<string, KeyRecord>,
): Promise<Check[]> {
  const all = [...records.values()];
  const accepted = all.filter((r) => r.accepted);
  const splitIds = all.filter(
    (r) =>
      new Set(r.responses.filter((x) => is2xx(x.status)).map((x) => signature(x.body))).size > 1,
  );
  const flipped = all.filter(
    (r) => r.accepted && r.responses.some((x) => storedRefusals.has(x.status)),
  );
  const unresolved = all.reduce((s, r) => s + r.unresolved, 0);

  const acked = new Map<string, KeyRecord>();
  for (const r of accepted) {
    const id = transactionIdOf(r.accepted!);
    if (id) acked.set(id, r);
  }
  const { rows: txRows } = await q.query<{ id: string; kind: string }>(
    'SELECT id, kind FROM loyalty.transactions',
  );
  const dbTx = new Set(txRows.filter((t) => !systemKinds.includes(t.kind)).map((t) => t.id));
  const system = txRows.length - dbTx.size;
  const missing = [...acked.keys()].filter((id) => !dbTx.has(id));
  const unexplained = [...dbTx].filter((id) => !acked.has(id));
  const setupTx = [...acked.values()].filter((r) => r.setup).length;

  const holdProblems = await holdChecks(q, accepted);
  const balanceDiffs = await balanceModelDiffs(q, accepted);
  const sample = (xs: string[]) => (xs.length ? ` e.g. ${xs.slice(0, 3).join(', ')}` : '');
  return [
    {
      name: 'every submission got a definitive answer',
      pass: unresolved === 0,
      detail: `${unresolved} gave up`,
    },
    {
      name: 'no key applied twice: all 2xx of a key carry the same id',
      pass: splitIds.length === 0,
      detail: `${splitIds.length} of ${accepted.length} accepted keys${sample(splitIds.map((r) => r.spec.key))}`,
    },
    {
      name: 'stored refusals replay: no key got both 2xx and 410/422',
      pass: flipped.length === 0,
      detail: `${flipped.length} keys${sample(flipped.map((r) => r.spec.key))}`,
    },
    {
      name: 'transactions in DB = distinct keys acknowledged with a transaction',
      pass: dbTx.size === acked.size && missing.length === 0 && unexplained.length === 0,
      detail: `${dbTx.size} in DB (+${system} system) vs ${acked.size} acknowledged (${setupTx} setup + ${acked.size - setupTx} workload); ${unexplained.length} unexplained${sample(unexplained)}`,
    },
    {
      name: 'every acknowledged transaction exists after restart',
      pass: missing.length === 0,
      detail: `${missing.length} missing of ${acked.size}${sample(missing)}`,
    },
    {
      name: 'every acknowledged hold, capture and release is in the DB',
      pass: holdProblems.length === 0,
      detail: `${holdProblems.length} problems${sample(holdProblems)}`,
    },
    {
      name: "member balances = the client's sum of acknowledged ops",
      pass: balanceDiffs.length === 0 && unresolved === 0,
      detail: `${balanceDiffs.length} differ${sample(balanceDiffs)}${unresolved ? ' (unverifiable: unresolved keys)' : ''}`,
    },
  ];
}

async function holdChecks(q: Queryable, accepted: KeyRecord[]): Promise<string[]> {
  const { rows } = await q.query<{
    id: string;
    points: number;
    status: string;
    captured_points: number;
    capture_transaction_id: string | null;
  }>('SELECT id, points, status, captured_points, capture_transaction_id FROM loyalty.holds');
  const holds = new Map(rows.map((h) => [h.id, h]));
  const problems: string[] = [];
  const settledBy = new Map<string, string>();
  for (const r of accepted) {
    const b = r.accepted!;
    const { kind, key } = r.spec;
    if (kind !== 'hold' && kind !== 'capture' && kind !== 'release') continue;
    const h = holds.get(String(b['id']));
    if (!h) {
      problems.push(`${kind} ${key}: hold ${String(b['id'])} not found`);
      continue;
    }
    if (kind === 'hold' && h.points !== b['points'])
      problems.push(`hold ${h.id}: ${h.points} points, client saw ${String(b['points'])}`);
    if (kind === 'hold') continue;
    const other = settledBy.get(h.id);
    if (other) problems.push(`hold ${h.id} settled by two keys: ${other} and ${key}`);
    settledBy.set(h.id, key);
    if (
      kind === 'capture' &&
      (h.status !== 'captured' ||
        h.captured_points !== b['captured_points'] ||
        h.capture_transaction_id !== (b['transaction_id'] ?? null))
    )
      problems.push(`capture ${key}: hold ${h.id} is ${h.status}/${h.captured_points}`);
    if (kind === 'release' && h.status !== 'released')
      problems.push(`release ${key}: hold ${h.id} is ${h.status}`);
  }
  return problems;
}

async function balanceModelDiffs(q: Queryable, accepted: KeyRecord[]): Promise<string[]> {
  const expected = new Map<string, number>();
  for (const r of accepted)
    expected.set(
      r.spec.memberId,
      (expected.get(r.spec.memberId) ?? 0) + balanceDelta(r.spec, r.accepted!),
    );
  const { rows } = await q.query<{ id: string; balance: number }>(
    'SELECT id, balance FROM loyalty.accounts WHERE id = ANY($1)',
    [[...expected.keys()]],
  );
  return rows
    .filter((a) => a.balance !== expected.get(a.id))
    .map((a) => `${a.id}: db ${a.balance}, client ${expected.get(a.id)}`);
}
