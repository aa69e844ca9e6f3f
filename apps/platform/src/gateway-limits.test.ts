import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformConfig, type App } from '@redemption/kernel';
import { buildGateway } from './gateway.ts';
import { gatewayBodyLimitBytes, upstreamTimeoutMs } from './gateway-limits.ts';

const testTimeoutMs = 300;
/** What the fake identity service received: path and body size of each request. */
const received: Array<{ url: string; bytes: number }> = [];
let upstream: Server;
let gateway: App;
let unreachable: App;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      received.push({ url: req.url ?? '', bytes });
      if (req.url === '/api/users/slow') return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ bytes }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await buildGateway(
    loadPlatformConfig({ LOG_LEVEL: 'silent', IDENTITY_URL: url }),
    '0',
    {
      upstreamTimeoutMs: testTimeoutMs,
    },
  );
  // Port 9 (discard) on loopback: nothing listens, the connection is refused.
  unreachable = await buildGateway(
    loadPlatformConfig({ LOG_LEVEL: 'silent', IDENTITY_URL: 'http://127.0.0.1:9' }),
    '0',
  );
});
afterAll(async () => {
  await gateway?.close();
  await unreachable?.close();
  upstream?.closeAllConnections();
  upstream?.close();
});

const post = (app: App, payload: string | Readable, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/users/echo',
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });

describe('serve gateway: upstream timeout', () => {
  it("is the seed's 30 s", () => {
    expect(upstreamTimeoutMs).toBe(30_000);
  });

  it('answers 504 problem+json naming the service when an upstream does not answer in time', async () => {
    const started = Date.now();
    const res = await gateway.inject({ method: 'GET', url: '/api/users/slow' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(testTimeoutMs - 50);
    expect(res.statusCode).toBe(504);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      type: '/problems/upstream-timeout',
      detail: 'The identity service did not answer within 0.3 s',
    });
  });

  it('answers 502 when an upstream cannot be reached, without its address', async () => {
    const res = await unreachable.inject({ method: 'GET', url: '/api/users/me' });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ type: '/problems/upstream-unavailable' });
    expect(res.body).not.toContain('127.0.0.1');
  });
});

describe('serve gateway: request body limit', () => {
  const body = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - 10) });

  it('forwards a body up to the limit', async () => {
    const res = await post(gateway, body(gatewayBodyLimitBytes));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ bytes: gatewayBodyLimitBytes });
  });

  it('refuses a larger declared body with 413 before it reaches the service', async () => {
    const before = received.length;
    const res = await post(gateway, body(gatewayBodyLimitBytes + 1));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({
      type: '/problems/body-too-large',
      detail: `The request body must be at most ${gatewayBodyLimitBytes} bytes`,
    });
    expect(received.length).toBe(before);
  });

  it('cuts off a chunked body (no Content-Length) that passes the limit: 413', async () => {
    const chunk = 'x'.repeat(16 * 1024);
    const chunks = Array.from({ length: (4 * gatewayBodyLimitBytes) / chunk.length }, () => chunk);
    const res = await post(gateway, Readable.from(chunks), { 'transfer-encoding': 'chunked' });
    expect(res.statusCode).toBe(413);
    expect(received.some((r) => r.bytes > gatewayBodyLimitBytes)).toBe(false);
  });
});
