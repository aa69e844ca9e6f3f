/**
 * Every outbox event consumed exactly once by each consumer group, compared with what the
 * groups did: the inbox says which events a group consumed (one row per group and event id),
 * and two effects can be counted against the log, one earning row per paid order with cash and
 * one points account per registered member. Run with the load paused; the relay and consumers
 * get `catchUpMs` to drain what was published before the check began.
 */
import { memberRegistered, orderPaid, paymentFailed, pointsEarned } from '@redemption/contracts';
import pg from 'pg';

/**
 * The groups the platform's processes run, with their topics (each service's `subscriptions`:
 * catalog's cache, loyalty's accounts and order earnings, notifications, analytics).
 */
export const consumerGroups: Record<string, readonly string[]> = {
  'catalog.cache': ['catalog'],
  'loyalty.accounts': [memberRegistered.topic],
  'loyalty.order-earnings': [orderPaid.topic],
  notifications: ['identity', 'orders', 'payments', 'loyalty'],
  analytics: [orderPaid.topic, paymentFailed.topic, pointsEarned.topic],
};
const pollMs = 500;

/** Rule → SQL returning one `id` per violation, for one group's `$1` name and `$2` topics. */
const groupRules: Record<string, string> = {
  'consumed (in its inbox or dead letters)': `
    SELECT DISTINCT o.id::text FROM kernel.outbox o
     WHERE o.topic = ANY($2) AND o.position <= $3
       AND NOT EXISTS (SELECT 1 FROM kernel.inbox i WHERE i.group_name = $1 AND i.event_id = o.id)
       AND NOT EXISTS (SELECT 1 FROM kernel.dead_letters d
                        WHERE d.group_name = $1 AND d.event_id = o.id)`,
  'not dead-lettered': `
    SELECT event_id::text AS id FROM kernel.dead_letters WHERE group_name = $1`,
  'consumed only what was published': `
    SELECT i.event_id::text AS id FROM kernel.inbox i
     WHERE i.group_name = $1
       AND NOT EXISTS (SELECT 1 FROM kernel.outbox o WHERE o.id = i.event_id AND o.topic = ANY($2))`,
};

/** Effects counted against the log: `$1` is the last outbox position the check covers. */
const effectRules: Record<string, string> = {
  'one earning per paid order with cash': `
    SELECT DISTINCT o.event->'data'->>'order_id' AS id FROM kernel.outbox o
     WHERE o.topic = '${orderPaid.topic}' AND o.event->>'type' = '${orderPaid.type}'
       -- at least one whole unit: the earn rate (points per unit, default 10) gives at least a point
       AND (o.event->'data'->>'cash_amount')::bigint >= 100 AND o.position <= $1
       AND NOT EXISTS (SELECT 1 FROM loyalty.order_earnings e
                        WHERE e.order_id = o.event->'data'->>'order_id')
    UNION ALL
    SELECT e.order_id FROM loyalty.order_earnings e
     WHERE NOT EXISTS (SELECT 1 FROM kernel.outbox o
                        WHERE o.event->>'type' = '${orderPaid.type}'
                          AND o.event->'data'->>'order_id' = e.order_id)`,
  'one account per registered member': `
    SELECT DISTINCT o.event->'data'->>'member_id' AS id FROM kernel.outbox o
     WHERE o.topic = '${memberRegistered.topic}' AND o.event->>'type' = '${memberRegistered.type}'
       AND o.position <= $1
       AND NOT EXISTS (SELECT 1 FROM loyalty.accounts a WHERE a.id = o.event->'data'->>'member_id')`,
};

/** The first n of `all`, n being the highest `$n` the statement uses (PostgreSQL refuses extras). */
function paramsFor(sql: string, all: unknown[]): unknown[] {
  const used = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  return all.slice(0, Math.max(0, ...used));
}

async function violations(c: pg.Client, upTo: string): Promise<string[]> {
  const out: string[] = [];
  for (const [group, topics] of Object.entries(consumerGroups))
    for (const [rule, sql] of Object.entries(groupRules)) {
      const { rows } = await c.query<{ id: string }>(sql, paramsFor(sql, [group, topics, upTo]));
      if (rows.length) out.push(`${group} ${rule}: ${rows.length} events (${rows[0]!.id}, …)`);
    }
  for (const [rule, sql] of Object.entries(effectRules)) {
    const { rows } = await c.query<{ id: string }>(sql, [upTo]);
    if (rows.length) out.push(`${rule}: ${rows.length} (${rows[0]!.id}, …)`);
  }
  return out;
}

/**
 * The violations left after waiting up to `catchUpMs` for the groups to consume every event
 * published before the check began; empty when every group consumed each event once.
 */
export async function exactlyOnce(url: string, catchUpMs: number): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ p: string }>(
      'SELECT coalesce(max(position), 0)::text AS p FROM kernel.outbox',
    );
    const upTo = rows[0]!.p;
    const deadline = Date.now() + catchUpMs;
    let found = await violations(c, upTo);
    while (found.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, pollMs));
      found = await violations(c, upTo);
    }
    return found;
  } finally {
    await c.end();
  }
}
