/**
 * Redis down, the platform degrades instead of falling over (decision 023): rate limits are
 * counted per process (still enforced), catalog reads go to PostgreSQL, writes with a member's
 * or admin's token pass the revocation check on the process's copy of the markers, readiness
 * stays 200 ("degraded"), and `redis_degraded` is 1; Redis back: the metric returns to 0 and
 * Redis is used again. On a redis-server of the test's own, never the machine's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogModule } from '@redemption/catalog';
import { identityModule } from '@redemption/identity';
import {
  createTempDatabase,
  postgresGate,
  startModule,
  type ModuleHarness,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { redisServerMissing, startOwnRedis, type OwnRedis } from './testing/own-redis.ts';

const pg = postgresGate();
const missing = redisServerMissing();
if (missing) {
  if (process.env['REQUIRE_SERVICES'] === '1') throw new Error(`REQUIRE_SERVICES=1 but ${missing}`);
  console.warn(`skipping the Redis-down tests: ${missing}`);
}
/** Login attempts per IP per minute: small, so the test reaches the limit quickly. */
const loginsPerIpPerMin = 3;
/** Redis back: every component has tried it again (back-off 1 s, reconnect ≤ 2 s) by then. */
const recoveryDeadlineMs = 20_000;

describe.skipIf(!pg.url || missing)('Redis down: degrade, do not fall over', () => {
  let temp: TempDatabase;
  let redis: OwnRedis;
  let h: ModuleHarness;
  let productId: string;

  const login = (ip: string, n: number) =>
    h.platform.app.inject({
      method: 'POST',
      url: '/api/users/login',
      remoteAddress: ip,
      payload: { username: `nobody-${n}@example.com`, password: 'not-the-password-1' },
    });
  const metric = async (line: RegExp): Promise<number> => {
    const text = (await h.platform.app.inject('/metrics')).body;
    const m = line.exec(text);
    return m ? Number(m[1]) : Number.NaN;
  };
  const degraded = () => metric(/^redis_degraded (\d+)$/m);
  const fallbacks = (component: string) =>
    metric(new RegExp(`^redis_fallbacks_total\\{component="${component}"\\} (\\d+)$`, 'm'));
  const readProduct = () => h.call('GET', `/api/products/${productId}`, null);
  let skus = 0;
  const createProduct = () =>
    h.call('POST', '/api/products', h.adminToken, {
      sku: `DEGRADE-${++skus}`,
      name: 'Degrade',
      price: 1000,
      currency: 'EUR',
      stock_quantity: 10,
    });

  beforeAll(async () => {
    temp = await createTempDatabase(pg.url!);
    redis = await startOwnRedis();
    h = await startModule(catalogModule, {
      alongside: [identityModule],
      databaseUrl: temp.url,
      env: { REDIS_URL: redis.url, LOGIN_RATE_PER_IP_PER_MIN: String(loginsPerIpPerMin) },
    });
    const created = await createProduct();
    expect(created.status).toBe(201);
    productId = created.body.id as string;
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await redis?.kill();
    await temp?.drop();
  });

  it('uses Redis while it is up', async () => {
    expect((await readProduct()).status).toBe(200);
    expect((await login('10.0.0.1', 0)).statusCode).toBe(401);
    expect(await degraded()).toBe(0);
  });

  it('Redis killed: per-process rate limits, catalog from the database, writes pass', async () => {
    await redis.kill();
    const statuses: number[] = [];
    for (let n = 1; n <= loginsPerIpPerMin + 1; n++)
      statuses.push((await login('10.0.0.2', n)).statusCode);
    // Still enforced, by this process alone: the limit's attempts, then 429.
    expect(statuses).toEqual([...Array(loginsPerIpPerMin).fill(401), 429]);
    const read = await readProduct();
    expect(read.status).toBe(200);
    expect(read.body.name).toBe('Degrade');
    // A write checks the token against revocations: answered from the process's copy, not 503.
    const created = await createProduct();
    expect(created.status).toBe(201);
    expect((await h.call('GET', `/api/products/${created.body.id}`, null)).status).toBe(200);
    expect(await degraded()).toBe(1);
    expect(await fallbacks('rate-limit')).toBeGreaterThan(0);
    expect(await fallbacks('catalog-cache')).toBeGreaterThan(0);
    expect(await fallbacks('revocations')).toBeGreaterThan(0);
    const ready = await h.platform.app.inject('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'degraded', checks: { database: 'ok' } });
  });

  it('Redis back: the metric returns to 0 and Redis is used again', async () => {
    await redis.start();
    const deadline = Date.now() + recoveryDeadlineMs;
    let n = 100;
    while (Date.now() < deadline) {
      await readProduct();
      await login('10.0.0.3', n++);
      await createProduct();
      await h.platform.app.inject('/health/ready');
      if ((await degraded()) === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await degraded()).toBe(0);
    // Used again: a read is served from Redis (the cache's only hits), and the fresh server
    // holds the limiter's and the cache's keys.
    const hits = () => metric(/^catalog_cache_lookups_total\{result="hit"\} (\d+)$/m);
    const hitsBefore = (await hits()) || 0;
    // A miss stores it in the fresh Redis, the next read hits (unless a late catalog event's
    // bump came between: then again).
    for (let i = 0; i < 20 && !((await hits()) > hitsBefore); i++) await readProduct();
    expect(await hits()).toBeGreaterThan(hitsBefore);
    expect((await login('10.0.0.4', 0)).statusCode).toBe(401);
    expect(redis.keys('rl:*').length).toBeGreaterThan(0);
    expect(redis.keys('catalog:*').length).toBeGreaterThan(0);
    expect((await h.platform.app.inject('/health/ready')).json()).toMatchObject({
      status: 'ready',
    });
  });
});
