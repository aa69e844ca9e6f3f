/** What the database says after the runs: the drop's stock and the ledger's invariants. */
import { withPg } from './machine.ts';

export interface DropFacts {
  quantity: number;
  sold: number;
  claims: number;
  claimants: number;
}

export function dropFacts(databaseUrl: string, dropId: string): Promise<DropFacts> {
  return withPg(databaseUrl, async (c) => {
    const { rows } = await c.query(
      `SELECT d.quantity, d.sold,
              (SELECT count(*) FROM loyalty.drop_claims x WHERE x.drop_id = d.id)::int AS claims,
              (SELECT count(DISTINCT member_id) FROM loyalty.drop_claims x WHERE x.drop_id = d.id)::int AS claimants
       FROM loyalty.drops d WHERE d.id = $1`,
      [dropId],
    );
    return rows[0] as DropFacts;
  });
}

const invariantQueries: Array<[string, string]> = [
  [
    'transactions whose entries do not sum to zero',
    'SELECT count(*) FROM (SELECT transaction_id FROM loyalty.entries GROUP BY 1 HAVING sum(amount) <> 0) x',
  ],
  [
    'stored balances that differ from their entries',
    `SELECT count(*) FROM loyalty.accounts a LEFT JOIN (SELECT account_id, sum(amount) s FROM loyalty.entries GROUP BY 1) e
     ON e.account_id = a.id WHERE a.balance <> coalesce(e.s, 0)`,
  ],
  [
    'member balances that differ from their open lots',
    `SELECT count(*) FROM loyalty.accounts a LEFT JOIN (SELECT member_id, sum(remaining) s FROM loyalty.lots GROUP BY 1) l
     ON l.member_id = a.id WHERE a.kind = 'member' AND a.balance <> coalesce(l.s, 0)`,
  ],
  [
    'drops oversold or miscounted',
    `SELECT count(*) FROM loyalty.drops d
     WHERE sold > quantity OR sold <> (SELECT count(*) FROM loyalty.drop_claims c WHERE c.drop_id = d.id)`,
  ],
  [
    'idempotency keys still leased (no stored outcome)',
    'SELECT count(*) FROM kernel.idempotency_keys WHERE response_status IS NULL',
  ],
];

/** Problems found (empty when the ledger is consistent) and committed transactions by kind. */
export function ledgerFacts(
  databaseUrl: string,
): Promise<{ problems: string[]; byKind: Record<string, number> }> {
  return withPg(databaseUrl, async (c) => {
    const problems: string[] = [];
    const total = await c.query('SELECT coalesce(sum(amount), 0)::text AS s FROM loyalty.entries');
    if (total.rows[0].s !== '0') problems.push(`all entries sum to ${total.rows[0].s}, not 0`);
    for (const [label, sql] of invariantQueries) {
      const n = Number((await c.query(sql)).rows[0].count);
      if (n > 0) problems.push(`${n} ${label}`);
    }
    const kinds = await c.query(
      'SELECT kind, count(*)::int AS n FROM loyalty.transactions GROUP BY 1',
    );
    const byKind = Object.fromEntries(kinds.rows.map((r) => [r.kind as string, r.n as number]));
    return { problems, byKind };
  });
}
