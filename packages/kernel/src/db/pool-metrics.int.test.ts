/**
 * The pool gauges on a real PostgreSQL: two connections held by open transactions and a third
 * caller queued show as 2 of 2 in use and 1 waiting; released, 0 in use and none waiting.
 */
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresGate } from '../testing/services.ts';
import { createPgDb } from './pg-db.ts';
import { registerDbPoolMetrics } from './pool-metrics.ts';
import type { Db } from './db.ts';

const gate = postgresGate();
let db: Db | undefined;
afterAll(() => db?.close());

const read = async (registry: Registry, name: string): Promise<number> =>
  (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? NaN;

describe.skipIf(!gate.url)('database pool metrics', () => {
  it('show connections in use and callers waiting, read from the pool at scrape time', async () => {
    db = createPgDb({ url: gate.url!, poolMax: 2 });
    const registry = new Registry();
    registerDbPoolMetrics(registry, db);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const begun = [0, 1].map(() => Promise.withResolvers<void>());
    const txs = begun.map((b) =>
      db!.tx(async (q) => {
        await q.query('SELECT 1');
        b.resolve(); // this transaction holds its connection now
        await held;
      }),
    );
    await Promise.all(begun.map((b) => b.promise));
    const queued = db.query('SELECT 1'); // no connection free: waits in the pool's queue
    expect(await read(registry, 'db_pool_connections_max')).toBe(2);
    expect(await read(registry, 'db_pool_connections_in_use')).toBe(2);
    expect(await read(registry, 'db_pool_waiting')).toBe(1);
    release();
    await Promise.all([...txs, queued]);
    expect(await read(registry, 'db_pool_connections_in_use')).toBe(0);
    expect(await read(registry, 'db_pool_waiting')).toBe(0);
    expect(await read(registry, 'db_pool_connections_open')).toBeGreaterThanOrEqual(1);
  });
});
