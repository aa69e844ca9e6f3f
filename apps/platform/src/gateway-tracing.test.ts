/**
 * The gateway traced (in-memory exporter): a request through it is a gateway request span, the
 * proxied call a client span under it, and the service behind continues the same trace from
 * the traceparent header the call carried.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformConfig, type App } from '@redemption/kernel';
import { startTestTracing, type TestTracing } from '@redemption/kernel/testing';
import { buildGateway } from './gateway.ts';

let traced: TestTracing;
let upstream: FastifyInstance;
let gateway: App;
const seen: Array<string | undefined> = [];

beforeAll(async () => {
  traced = await startTestTracing('gateway');
  upstream = Fastify();
  await upstream.register(traced.tracing.fastifyPlugin);
  upstream.get('/api/products/:id', async (req) => {
    seen.push(req.headers['traceparent'] as string | undefined);
    return { id: (req.params as { id: string }).id };
  });
  const url = await upstream.listen({ port: 0, host: '127.0.0.1' });
  const config = loadPlatformConfig({ LOG_LEVEL: 'silent', CATALOG_URL: url });
  gateway = await buildGateway(config, '0', { tracing: traced.tracing });
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await traced?.shutdown();
});

describe('the gateway traced', () => {
  it('is one trace: gateway request, proxied call, the service behind', async () => {
    const res = await gateway.inject({ method: 'GET', url: '/api/products/p-1' });
    expect(res.statusCode).toBe(200);
    const spans = traced.spans();
    const service = spans.find((s) => s.name === 'GET /api/products/:id')!;
    expect(service, 'the service request span').toBeDefined();
    const traceId = service.spanContext().traceId;
    expect(seen.at(-1)).toContain(traceId); // the proxied call carried the trace
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const byId = new Map(inTrace.map((s) => [s.spanContext().spanId, s]));
    const client = byId.get(service.parentSpanContext?.spanId ?? '')!;
    expect(client, "the proxied call's client span").toBeDefined();
    const front = byId.get(client.parentSpanContext?.spanId ?? '')!;
    expect(front, "the gateway's request span").toBeDefined();
    expect(front.name).toMatch(/^GET \/api\/products/);
    expect(front.parentSpanContext).toBeUndefined();
  });
});
