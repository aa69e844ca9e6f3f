/**
 * A pool with no free connection: requests get a fast 429 + Retry-After (overload, decision
 * 024; no error logged), never a 500 after a 5 s wait. The sell-out bench used to end with
 * dozens of 500s this way.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type App } from '../http/server.ts';
import { createLogger } from '../log/logger.ts';
import { injectCaller, type Caller } from '../testing/test-platform.ts';
import { postgresGate } from '../testing/services.ts';
import { createTempDatabase, type TempDatabase } from '../testing/temp-database.ts';
import { DatabaseBusyError } from './database-busy.ts';
import type { Db } from './db.ts';
import { rejectionOf } from './db-contract.ts';
import { createPgDb, poolWaitingPerConnectionMax } from './pg-db.ts';

const gate = postgresGate();
// The wait for a pooled connection under test; the pool's one connection is opened before each
// hold (opening one on a loaded machine can take longer than this).
const connectTimeoutMs = 300;
const holdMs = 3_000;

/**
 * Keeps the pool's only connection busy for `holdMs`; resolves once it is taken, with the hold
 * wrapped in an object (an async function returning a promise would wait for it).
 */
async function holdOnlyConnection(db: Db): Promise<{ held: Promise<unknown> }> {
  await db.query('SELECT 1'); // the pool's only connection, opened and idle
  const { promise: taken, resolve, reject } = Promise.withResolvers<void>();
  const held = db.tx(async (q) => {
    resolve();
    await q.query('SELECT pg_sleep($1)', [holdMs / 1_000]);
  });
  held.catch(reject);
  await taken;
  return { held };
}

describe.skipIf(!gate.url)(`a busy connection pool ${gate.reason}`, () => {
  let temp: TempDatabase;
  let db: Db;
  let app: App;
  let call: Caller;
  const logLines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url ?? '');
    db = createPgDb({ url: temp.url, poolMax: 1, connectTimeoutMs });
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    app = await createServer({
      logger: createLogger('warn', 'busy-test', { format: 'json', destination }),
      title: 'busy-test',
      version: '0',
      corsOrigins: [],
    });
    app.get('/api/now', { config: { public: true } }, async () => {
      const { rows } = await db.query<{ ok: number }>('SELECT 1 AS ok');
      return rows[0];
    });
    await app.ready();
    call = injectCaller(app);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await temp?.drop();
  });

  it('answers 429 with Retry-After when no connection frees up in time, and logs no error', async () => {
    const { held } = await holdOnlyConnection(db);
    const startedMs = performance.now();
    const res = await call('GET', '/api/now', null);
    const tookMs = performance.now() - startedMs;
    await held;
    // Every connection of the pool is open and busy: overload, the client's cue to retry.
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ type: '/problems/database-busy', status: 429 });
    expect(tookMs).toBeLessThan(holdMs);
    expect(logLines.filter((l) => l['level'] === 'error' || l['level'] === 50)).toEqual([]);
    // Free again: served.
    expect((await call('GET', '/api/now', null)).status).toBe(200);
  });

  it('refuses at once beyond the waiting bound instead of queueing', async () => {
    const { held } = await holdOnlyConnection(db);
    const waitingMax = poolWaitingPerConnectionMax; // poolMax is 1
    const queued = Array.from({ length: waitingMax }, () => rejectionOf(db.query('SELECT 1')));
    const startedMs = performance.now();
    const refused = await rejectionOf(db.query('SELECT 1'));
    expect(performance.now() - startedMs).toBeLessThan(connectTimeoutMs / 2);
    expect(refused).toBeInstanceOf(DatabaseBusyError);
    expect(String((refused as Error).cause)).toBe('queue-full');
    const waited = await Promise.all(queued);
    expect(waited.every((e) => e instanceof DatabaseBusyError)).toBe(true);
    await held;
  });

  it('does the same for a transaction', async () => {
    const { held } = await holdOnlyConnection(db);
    const err = await rejectionOf(db.tx((q) => q.query('SELECT 1')));
    await held;
    expect(err).toBeInstanceOf(DatabaseBusyError);
    expect((err as DatabaseBusyError).status).toBe(429);
  });
});
