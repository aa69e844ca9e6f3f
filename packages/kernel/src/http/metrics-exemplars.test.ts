/**
 * Exemplars: with tracing on, /metrics speaks OpenMetrics and the request-duration bucket a
 * request fell in carries that request's trace id; with tracing off, the plain Prometheus text
 * format and no exemplar.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestTracing, type TestTracing } from '../testing/test-tracing.ts';
import { registerMetrics } from './metrics.ts';

let app: FastifyInstance | undefined;
let traced: TestTracing | undefined;
afterEach(async () => {
  await app?.close();
  await traced?.shutdown();
  app = traced = undefined;
});

async function serve(withTracing: boolean): Promise<FastifyInstance> {
  app = Fastify();
  if (withTracing) {
    traced = await startTestTracing();
    await app.register(traced.tracing.fastifyPlugin);
  }
  registerMetrics(app, new Registry());
  app.get('/things/:id', async () => ({ ok: true }));
  return app;
}

const bucketLines = (body: string) =>
  body.split('\n').filter((l) => l.startsWith('http_request_duration_seconds_bucket{'));

describe('request-duration exemplars', () => {
  it("carry the request's trace id when tracing is on (OpenMetrics)", async () => {
    const a = await serve(true);
    expect((await a.inject({ method: 'GET', url: '/things/1' })).statusCode).toBe(200);
    const span = traced!.spans().find((s) => s.name === 'GET /things/:id')!;
    expect(span).toBeDefined();
    const scrape = await a.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.headers['content-type']).toContain('application/openmetrics-text');
    const withExemplar = bucketLines(scrape.body).filter((l) => l.includes(' # {'));
    expect(withExemplar).toHaveLength(1); // the one bucket this request's duration fell in
    expect(withExemplar[0]).toContain('route="/things/:id"');
    expect(withExemplar[0]).toContain(`# {trace_id="${span.spanContext().traceId}"}`);
    expect(scrape.body).toContain('http_requests_total{');
  });

  it('are absent, in the Prometheus text format, when tracing is off', async () => {
    const a = await serve(false);
    expect((await a.inject({ method: 'GET', url: '/things/1' })).statusCode).toBe(200);
    const scrape = await a.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.headers['content-type']).toContain('text/plain');
    expect(bucketLines(scrape.body).length).toBeGreaterThan(0);
    expect(bucketLines(scrape.body).some((l) => l.includes('#'))).toBe(false);
  });
});
