import type { Queryable } from '@redemption/kernel';

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

const count = async (q: Queryable, sql: string): Promise<number> =>
  Number((await q.query<{ n: number }>(sql)).rows[0]!.n);

/** The ledger's own invariants, recomputed from the tables (the SQL of `ledgerProblems`, with counts). */
export async function ledgerChecks(q: Queryable): Promise<Check[]> {
  const txs = await count(q, 'SELECT count(*)::int AS n FROM loyalty.transactions');
  const members = await count(
    q,
    "SELECT count(*)::int AS n FROM loyalty.accounts WHERE kind = 'member'",
  );
  const accounts = await count(q, 'SELECT count(*)::int AS n FROM loyalty.accounts');
  const unbalanced = await count(
    q,
    'SELECT count(*)::int AS n FROM (SELECT transaction_id FROM loyalty.entries GROUP BY 1 HAVING sum(amount) <> 0) x',
  );
  const total = await count(q, 'SELECT coalesce(sum(amount), 0)::bigint AS n FROM loyalty.entries');
  const memberMoves = await count(
    q,
    `SELECT count(*)::int AS n FROM loyalty.transactions t
     WHERE t.direction * t.points <> (SELECT coalesce(sum(amount), 0) FROM loyalty.entries e WHERE e.transaction_id = t.id AND e.account_id = t.member_id)`,
  );
  const [neg] = (
    await q.query<{ b: number; h: number; over: number }>(
      `SELECT count(*) FILTER (WHERE balance < 0)::int AS b, count(*) FILTER (WHERE held < 0)::int AS h,
              count(*) FILTER (WHERE held > balance)::int AS over FROM loyalty.accounts WHERE kind = 'member'`,
    )
  ).rows;
  const drift = await count(
    q,
    `SELECT count(*)::int AS n FROM loyalty.accounts a LEFT JOIN (SELECT account_id, sum(amount) AS s FROM loyalty.entries GROUP BY 1) e ON e.account_id = a.id
     WHERE a.balance <> coalesce(e.s, 0)`,
  );
  const lots = await count(
    q,
    `SELECT count(*)::int AS n FROM loyalty.accounts a LEFT JOIN (SELECT member_id, sum(remaining) AS s FROM loyalty.lots GROUP BY 1) l ON l.member_id = a.id
     WHERE a.kind = 'member' AND a.balance <> coalesce(l.s, 0)`,
  );
  const held = await count(
    q,
    `SELECT count(*)::int AS n FROM loyalty.accounts a LEFT JOIN (SELECT member_id, sum(points) AS s FROM loyalty.holds WHERE status = 'active' GROUP BY 1) h ON h.member_id = a.id
     WHERE a.kind = 'member' AND a.held <> coalesce(h.s, 0)`,
  );
  const reversed = await count(
    q,
    `SELECT count(*)::int AS n FROM loyalty.transactions t LEFT JOIN (SELECT reverses, sum(points) AS s FROM loyalty.transactions WHERE reverses IS NOT NULL GROUP BY 1) r ON r.reverses = t.id
     WHERE t.reversed_points <> coalesce(r.s, 0) OR t.reversed_points > t.points`,
  );
  const c = (name: string, bad: number, of: string): Check => ({
    name,
    pass: bad === 0,
    detail: `${bad} bad of ${of}`,
  });
  return [
    c("every transaction's entries sum to zero", unbalanced, `${txs} transactions`),
    { name: 'all entries sum to zero', pass: total === 0, detail: `sum = ${total}` },
    c(
      'each transaction moves its member by direction x points',
      memberMoves,
      `${txs} transactions`,
    ),
    c('no member balance < 0', neg!.b, `${members} members`),
    c('no member held < 0', neg!.h, `${members} members`),
    c('held <= balance', neg!.over, `${members} members`),
    c('stored balance = sum of entries', drift, `${accounts} accounts`),
    c('member balance = sum of open lots', lots, `${members} members`),
    c('held = sum of active holds', held, `${members} members`),
    c('reversed_points = sum of its reversals, <= points', reversed, `${txs} transactions`),
  ];
}

interface DropRow {
  id: string;
  quantity: number;
  sold: number;
  per_member_limit: number;
  claims: number;
  max_per_member: number;
}

/** Drops: never oversold, sold counts the claims, nobody over the per-member limit. */
export async function dropChecks(q: Queryable): Promise<{ checks: Check[]; drops: DropRow[] }> {
  const { rows } = await q.query<DropRow>(
    `SELECT d.id, d.quantity, d.sold, d.per_member_limit,
       (SELECT count(*)::int FROM loyalty.drop_claims c WHERE c.drop_id = d.id) AS claims,
       (SELECT coalesce(max(n), 0)::int FROM (SELECT count(*) AS n FROM loyalty.drop_claims c WHERE c.drop_id = d.id GROUP BY member_id) x) AS max_per_member
     FROM loyalty.drops d ORDER BY d.created_at`,
  );
  const claimTx = await count(
    q,
    `SELECT count(*)::int AS n FROM loyalty.drop_claims c JOIN loyalty.drops d ON d.id = c.drop_id
     LEFT JOIN loyalty.transactions t ON t.id = c.transaction_id
     WHERE t.kind IS DISTINCT FROM 'claim' OR t.points <> d.points_price OR t.member_id <> c.member_id`,
  );
  const shown = rows
    .map((d) => `${d.sold}/${d.quantity} (limit ${d.per_member_limit}, max ${d.max_per_member})`)
    .join(', ');
  const bad = (f: (d: DropRow) => boolean) => rows.filter(f).length;
  return {
    drops: rows,
    checks: [
      {
        name: 'drops: sold <= quantity',
        pass: bad((d) => d.sold > d.quantity) === 0,
        detail: shown,
      },
      {
        name: 'drops: sold = number of claims',
        pass: bad((d) => d.sold !== d.claims) === 0,
        detail: rows.map((d) => `${d.sold}=${d.claims}`).join(', '),
      },
      {
        name: 'drops: no member over per_member_limit',
        pass: bad((d) => d.max_per_member > d.per_member_limit) === 0,
        detail: `${rows.length} drops`,
      },
      {
        name: 'drops: every claim paid by its own claim transaction',
        pass: claimTx === 0,
        detail: `${claimTx} bad of ${rows.reduce((s, d) => s + d.claims, 0)} claims`,
      },
    ],
  };
}
