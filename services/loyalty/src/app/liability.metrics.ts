import type { Db, Logger } from '@redemption/kernel';
import { Gauge, type Registry } from 'prom-client';

/**
 * What the program owes and holds, read at scrape time (so every pod reports the same figures):
 * - `loyalty_points_outstanding`: points in members' accounts. Every transaction's entries sum
 *   to zero, so this is minus the program accounts' balances: four primary-key reads, not a
 *   scan of every member;
 * - `loyalty_holds_open` and `loyalty_points_held`: active holds (checkouts between hold and
 *   capture), through the partial index on active holds.
 */
export function registerLiabilityMetrics(registry: Registry, db: Db, log: Logger): void {
  let inFlight: Promise<Figures | undefined> | undefined;
  const figures = (): Promise<Figures | undefined> =>
    (inFlight ??= readFigures(db)
      .catch((err: unknown) => {
        log.warn({ err }, 'could not read the loyalty liability for /metrics');
        return undefined;
      })
      .finally(() => (inFlight = undefined)));
  const gauge = (name: string, help: string, pick: (f: Figures) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const f = await figures();
        if (f) this.set(pick(f));
      },
    });
  gauge(
    'loyalty_points_outstanding',
    "points in members' accounts (the program's liability)",
    (f) => f.outstanding,
  );
  gauge(
    'loyalty_holds_open',
    'active point holds (checkouts between hold and capture)',
    (f) => f.holds,
  );
  gauge('loyalty_points_held', 'points reserved by active holds', (f) => f.held);
}

interface Figures {
  outstanding: number;
  holds: number;
  held: number;
}

async function readFigures(db: Db): Promise<Figures> {
  const { rows } = await db.query<{ outstanding: string; holds: string; held: string }>(
    `SELECT
       (SELECT -coalesce(sum(balance), 0) FROM loyalty.accounts WHERE id IN
          ('program:issued', 'program:redeemed', 'program:breakage', 'program:adjustments')) AS outstanding,
       (SELECT count(*) FROM loyalty.holds WHERE status = 'active') AS holds,
       (SELECT coalesce(sum(points - captured_points), 0) FROM loyalty.holds WHERE status = 'active') AS held`,
  );
  const r = rows[0]!;
  return { outstanding: Number(r.outstanding), holds: Number(r.holds), held: Number(r.held) };
}
