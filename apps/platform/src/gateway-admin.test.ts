import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformConfig, type App } from '@redemption/kernel';
import { buildGateway } from './gateway.ts';

/** A stand-in for one `serve <service>` process's /api/admin routes. */
function fakeUpstream(n: number, letters: Array<{ id: string; created_at: string }>, owns: string) {
  return createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer admin')
      return send(403, { type: '/problems/forbidden', title: 'Forbidden', status: 403 });
    if (req.url === '/api/admin/metrics')
      return send(200, {
        at: new Date().toISOString(),
        requests_total: 10 * n,
        requests_429: n,
        orders_created: n,
        redemptions: 2 * n,
        latency_buckets: [
          { le: 0.1, count: 5 * n },
          { le: 1e9, count: 10 * n },
        ],
      });
    if (req.url?.startsWith('/api/admin/dead-letters?') || req.url === '/api/admin/dead-letters')
      return send(200, { items: letters });
    if (req.url === `/api/admin/dead-letters/${owns}/replay`)
      return send(200, { id: owns, replayed: true });
    return send(404, { type: '/problems/not-found', title: 'Not found', status: 404 });
  });
}

const servers: Server[] = [];
let gateway: App;
const listen = async (s: Server): Promise<string> => {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  const shared = { id: 'd-shared', created_at: '2026-12-01T10:00:00.000Z' };
  const one = await listen(
    fakeUpstream(1, [shared, { id: 'd-1', created_at: '2026-12-01T09:00:00.000Z' }], 'd-1'),
  );
  const two = await listen(
    fakeUpstream(2, [shared, { id: 'd-2', created_at: '2026-12-01T11:00:00.000Z' }], 'd-2'),
  );
  gateway = await buildGateway(
    loadPlatformConfig({ LOG_LEVEL: 'silent', IDENTITY_URL: one, LOYALTY_URL: two }),
    '0',
  );
});
afterAll(async () => {
  await gateway?.close();
  for (const s of servers) s.close();
});

const call = (method: 'GET' | 'POST', url: string, token = 'admin') =>
  gateway.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

describe('serve gateway: the admin console across service processes', () => {
  it('sums every process counters and latency buckets', async () => {
    const res = await call('GET', '/api/admin/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      requests_total: 30,
      requests_429: 3,
      orders_created: 3,
      redemptions: 6,
      latency_buckets: [
        { le: 0.1, count: 15 },
        { le: 1e9, count: 30 },
      ],
    });
  });

  it('passes a refusal through: a member sees no partial numbers', async () => {
    const res = await call('GET', '/api/admin/metrics', 'member');
    expect(res.statusCode).toBe(403);
    expect((await call('GET', '/api/admin/dead-letters', 'member')).statusCode).toBe(403);
  });

  it('merges dead letters newest first, each once', async () => {
    const res = await call('GET', '/api/admin/dead-letters?limit=10');
    expect(res.json().items.map((d: { id: string }) => d.id)).toEqual(['d-2', 'd-shared', 'd-1']);
  });

  it('replays a letter at the process that has it; 404 when none does', async () => {
    expect((await call('POST', '/api/admin/dead-letters/d-2/replay')).json()).toEqual({
      id: 'd-2',
      replayed: true,
    });
    expect((await call('POST', '/api/admin/dead-letters/nope/replay')).statusCode).toBe(404);
  });
});
