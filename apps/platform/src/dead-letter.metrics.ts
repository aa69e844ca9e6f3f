import type { Db, Logger } from '@redemption/kernel';
import { Gauge, type Registry } from 'prom-client';

/**
 * `events_dead_letters{group}`: events a consumer group gave up on and nobody replayed yet,
 * read from kernel.dead_letters at scrape time (so every pod of a service reports the same
 * figure, and a replay shows at once). A group whose letters were all replayed reports 0. The DeadLettersGrowing alert fires on its growth.
 */
export function registerDeadLetterMetrics(registry: Registry, db: Db, log: Logger): void {
  new Gauge({
    name: 'events_dead_letters',
    help: 'dead-lettered events not yet replayed, by consumer group',
    labelNames: ['group'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const { rows } = await db.query<{ group_name: string; n: number }>(
          `SELECT group_name, (count(*) FILTER (WHERE replayed_at IS NULL))::int AS n
           FROM kernel.dead_letters GROUP BY group_name`,
        );
        for (const r of rows) this.set({ group: r.group_name }, r.n);
      } catch (err) {
        // No sample rather than a reassuring 0 when the table cannot be read.
        log.warn({ err }, 'could not count the dead letters for /metrics');
      }
    },
  });
}
