import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import {
  buildPlatform,
  createServer,
  loadPlatformConfig,
  newId,
  type Platform,
} from '@redemption/kernel';
import { createTestTokens } from '@redemption/kernel/testing';
import { adminOpsRoutes, metricsSnapshot } from './admin-ops.routes.ts';
import { webConfigRoute } from './platform-routes.ts';

let platform: Platform;
let admin: string;
let member: string;

beforeAll(async () => {
  const tokens = await createTestTokens();
  const config = loadPlatformConfig({
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    POINT_VALUE_MINOR: '2',
  });
  platform = await buildPlatform({
    config,
    modules: [],
    name: 'admin-ops-test',
    version: '0',
    jwtKeys: tokens.keys,
    extraRoutes: async (app, { db }) => {
      await adminOpsRoutes(app, db, { eventPartitions: 3 });
      webConfigRoute(app, config);
    },
  });
  admin = `Bearer ${await tokens.sign(newId(), 'admin')}`;
  member = `Bearer ${await tokens.sign(newId(), 'member')}`;
});
afterAll(async () => platform?.close());

const get = (url: string, authorization?: string) =>
  platform.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });

describe('admin operations routes', () => {
  it('refuse anyone but an admin: 401 without a token, 403 for a member', async () => {
    for (const url of ['/api/admin/metrics', '/api/admin/dead-letters']) {
      expect((await get(url)).statusCode, url).toBe(401);
      const asMember = await get(url, member);
      expect(asMember.statusCode, url).toBe(403);
      expect(asMember.headers['content-type']).toContain('application/problem+json');
    }
    const replay = await platform.app.inject({
      method: 'POST',
      url: `/api/admin/dead-letters/${newId()}/replay`,
      headers: { authorization: member },
    });
    expect(replay.statusCode).toBe(403);
  });

  it('metrics: counters of API responses, 429s and latency buckets as JSON', async () => {
    await get('/api/admin/metrics', member); // a 403 counts as an API response
    const res = await get('/api/admin/metrics', admin);
    expect(res.statusCode).toBe(200);
    const m = res.json();
    expect(m.requests_total).toBeGreaterThanOrEqual(1);
    expect(m).toMatchObject({ requests_429: 0, orders_created: 0, redemptions: 0 });
    const les = m.latency_buckets.map((b: { le: number }) => b.le);
    expect(les).toEqual([...les].sort((a: number, b: number) => a - b));
    expect(les.at(-1)).toBe(1e9); // +Inf, sent as a number JSON can carry
    const counts = m.latency_buckets.map((b: { count: number }) => b.count);
    expect(counts.at(-1)).toBe(m.requests_total); // cumulative: the last bucket holds them all
  });

  it('metrics snapshot counts 429s, created orders and accepted redemptions from the registry', async () => {
    const { Counter, Histogram, Registry } = await import('prom-client');
    const registry = new Registry();
    const labelNames = ['method', 'route', 'status_code'];
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'h',
      labelNames,
      registers: [registry],
    });
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'h',
      labelNames,
      registers: [registry],
    });
    const ops = new Counter({
      name: 'ledger_operations_total',
      help: 'h',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    });
    requests.inc({ method: 'POST', route: '/api/orders', status_code: '201' }, 3);
    requests.inc({ method: 'POST', route: '/api/orders', status_code: '402' }, 1);
    requests.inc({ method: 'POST', route: '/api/loyalty/drops/:id/claims', status_code: '429' }, 5);
    requests.inc({ method: 'GET', route: '/*', status_code: '200' }, 7); // pages are not the API
    ops.inc({ kind: 'claim', outcome: 'accepted' }, 4);
    ops.inc({ kind: 'redeem', outcome: 'accepted' }, 2);
    ops.inc({ kind: 'redeem', outcome: 'insufficient-points' }, 9);
    ops.inc({ kind: 'earn', outcome: 'accepted' }, 6);
    const s = await metricsSnapshot(registry);
    expect(s).toMatchObject({
      requests_total: 9,
      requests_429: 5,
      orders_created: 3,
      redemptions: 6,
    });
  });

  it('dead letters: lists them newest first and replays one exactly once', async () => {
    const id = newId();
    await platform.db.query(
      `INSERT INTO kernel.dead_letters (id, group_name, topic, event_id, event, error, attempts)
       VALUES ($1, 'loyalty.order-earnings', 'orders', $2, $3, 'boom', 5)`,
      [
        id,
        newId(),
        JSON.stringify({
          specversion: '1.0',
          id: newId(),
          source: '/redemption/orders',
          type: 'order_paid',
          subject: newId(),
          time: new Date().toISOString(),
          data: {},
        }),
      ],
    );
    const list = await get('/api/admin/dead-letters', admin);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({
        id,
        event_type: 'order_paid',
        error: 'boom',
        attempts: 5,
        replayed_at: null,
      }),
    ]);
    const replay = () =>
      platform.app.inject({
        method: 'POST',
        url: `/api/admin/dead-letters/${id}/replay`,
        headers: { authorization: admin },
      });
    expect((await replay()).json()).toEqual({ id, replayed: true });
    expect((await replay()).statusCode).toBe(404);
    expect((await get('/api/admin/dead-letters', admin)).json().items).toEqual([]);
    const all = await get('/api/admin/dead-letters?include_replayed=true', admin);
    expect(all.json().items[0].replayed_at).toEqual(expect.any(String));
    const bad = await get('/api/admin/dead-letters?limit=0', admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('limit');
  });

  it('web config: the Stripe publishable key when one is set (never the secret key)', async () => {
    const config = loadPlatformConfig({
      DATA_DIR: 'memory://',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_123',
      STRIPE_SECRET_KEY: 'sk_test_secret',
    });
    const app = await createServer({
      logger: pino({ level: 'silent' }),
      title: 't',
      version: '0',
      corsOrigins: [],
    });
    webConfigRoute(app, config);
    const res = await app.inject({ method: 'GET', url: '/api/web-config' });
    await app.close();
    expect(res.json().stripe_publishable_key).toBe('pk_test_123');
    expect(res.body).not.toContain('sk_test');
  });

  it('web config: public, with the point value and no secret', async () => {
    const res = await get('/api/web-config');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      payment_provider: 'simulated',
      stripe_publishable_key: null,
      point_value_minor: 2,
      earn_points_per_unit: 10,
    });
  });
});
