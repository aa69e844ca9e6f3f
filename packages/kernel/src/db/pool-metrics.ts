import { Gauge, type Registry } from 'prom-client';
import type { Db } from './db.ts';

/** node-postgres' own counters: no query, nothing to wait for. */
export interface PoolFigures {
  /** connections the pool may open (DB_POOL_MAX) */
  max: number;
  /** connections open (idle or checked out) */
  total: number;
  idle: number;
  /** callers queued for a connection */
  waiting: number;
}

/**
 * The process's database pool (one per process, shared by its modules), read at scrape time:
 * in use near the maximum with callers waiting is the pool, not the database, limiting the
 * service. The embedded database (PGlite) has no pool: the gauges stay 0 there.
 */
export function registerDbPoolMetrics(registry: Registry, db: Db): void {
  const gauge = (name: string, help: string, pick: (f: PoolFigures) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const f = db.poolFigures?.();
        if (f) this.set(pick(f));
      },
    });
  gauge('db_pool_connections_max', 'connections the database pool may open', (f) => f.max);
  gauge('db_pool_connections_open', 'database connections open (in use or idle)', (f) => f.total);
  gauge(
    'db_pool_connections_in_use',
    'database connections checked out (running a query or a transaction)',
    (f) => f.total - f.idle,
  );
  gauge('db_pool_waiting', 'callers waiting for a pooled database connection', (f) => f.waiting);
}
