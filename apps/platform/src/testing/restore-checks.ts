/**
 * Checks across the services' schemas of one database, for the restore drill (and any test that
 * wants the commerce data consistent at rest): each query returns the ids that break its rule.
 */
import pg from 'pg';

/** Rule → SQL returning one `id` per violating row. */
export const orderRules: Record<string, string> = {
  'every checkout finished (completed or compensated)': `
    SELECT id::text FROM orders.orders WHERE saga_state IN ('forward', 'compensating')`,
  'a completed order with cash has one payment of that amount': `
    SELECT o.id::text FROM orders.orders o
      LEFT JOIN payments.payments p ON p.order_id = o.id
     WHERE o.saga_state = 'completed' AND o.cash_amount > 0
       AND (p.id IS NULL OR p.amount <> o.cash_amount)`,
  'a cancelled or compensated order keeps no money': `
    SELECT o.id::text FROM orders.orders o
      JOIN payments.payments p ON p.order_id = o.id
     WHERE (o.status = 'cancelled' OR o.saga_state = 'compensated')
       AND p.refunded_amount <> p.amount`,
  'an order paid with points names a ledger transaction that exists': `
    SELECT o.id::text FROM orders.orders o
     WHERE o.saga_state = 'completed' AND o.points_used > 0
       AND NOT EXISTS (SELECT 1 FROM loyalty.transactions t
                        WHERE t.id::text = o.points_transaction_id)`,
  'no payment without an order': `
    SELECT p.id::text FROM payments.payments p
     WHERE NOT EXISTS (SELECT 1 FROM orders.orders o WHERE o.id = p.order_id)`,
  "a product's stock is its last movement's": `
    SELECT p.id::text FROM catalog.products p
      JOIN LATERAL (SELECT * FROM catalog.stock_movements m WHERE m.product_id = p.id
                     ORDER BY m.id DESC LIMIT 1) last ON true
     WHERE last.on_hand_after <> p.stock_quantity OR last.reserved_after <> p.stock_reserved`,
  'stock is never negative nor over-reserved': `
    SELECT id::text FROM catalog.products
     WHERE stock_quantity < 0 OR stock_reserved < 0 OR stock_reserved > stock_quantity`,
};

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** `rule: id, id` for each rule some row breaks; empty when all hold. */
export const orderConsistency = (url: string): Promise<string[]> =>
  withClient(url, async (c) => {
    const out: string[] = [];
    for (const [rule, sql] of Object.entries(orderRules)) {
      const { rows } = await c.query<{ id: string }>(sql);
      if (rows.length) out.push(`${rule}: ${rows.map((r) => r.id).join(', ')}`);
    }
    return out;
  });

/** The business tables compared row for row between a source and its restored copy. */
export const comparedTables = [
  'identity.users',
  'catalog.products',
  'catalog.stock_movements',
  'orders.orders',
  'orders.order_items',
  'payments.payments',
  'payments.refunds',
  'loyalty.accounts',
  'loyalty.transactions',
  'loyalty.entries',
  'loyalty.lots',
  'kernel.outbox',
];

/** Each table's row count and an md5 of its rows in a stable order. */
export const tableDigests = (url: string): Promise<Record<string, string>> =>
  withClient(url, async (c) => {
    const out: Record<string, string> = {};
    for (const t of comparedTables) {
      const { rows } = await c.query<{ n: number; md5: string | null }>(
        `SELECT count(*)::int AS n, md5(string_agg(r::text, E'\\n' ORDER BY r::text)) AS md5
           FROM ${t} r`,
      );
      out[t] = `${rows[0]!.n} rows, ${rows[0]!.md5 ?? 'empty'}`;
    }
    return out;
  });
