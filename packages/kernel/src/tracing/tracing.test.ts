/**
 * Tracing with an in-memory exporter: a request to "orders" that calls "loyalty" over HTTP
 * and publishes an event a consumer handles is one trace (server → fetch → server, and the
 * consumer under the publisher's span through the event's traceparent); log lines carry the
 * ids. Off without OTEL_EXPORTER_OTLP_ENDPOINT.
 */
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import {
  startTracing,
  traceLogFields,
  traceparentNow,
  withEventContext,
  type Tracing,
} from './tracing.ts';

const lines: Array<Record<string, unknown>> = [];
const log = pino(
  { mixin: traceLogFields },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  }),
);
const apps: FastifyInstance[] = [];
let tracing: Tracing | undefined;
afterAll(async () => {
  for (const a of apps) await a.close();
  await tracing?.shutdown();
});

async function serve(t: Tracing, routes: (app: FastifyInstance) => void): Promise<string> {
  const app = Fastify();
  await app.register(t.fastifyPlugin);
  routes(app);
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

describe('tracing', () => {
  it('is off, and costs nothing, without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    expect(await startTracing({ serviceName: 'x', serviceVersion: '0', env: {} })).toBeUndefined();
    expect(traceLogFields()).toEqual({});
    expect(traceparentNow()).toBeUndefined();
  });

  it('follows a checkout across a service call and an event into one trace', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = (await startTracing({
      serviceName: 'orders',
      serviceVersion: '0',
      env: {},
      exporter,
    }))!;
    const published: Array<{ type: string; traceparent?: string }> = [];
    const loyalty = await serve(tracing, (app) =>
      app.post('/api/loyalty/holds', async () => {
        log.info('hold placed');
        return { id: 'h1' };
      }),
    );
    const orders = await serve(tracing, (app) =>
      app.post('/api/orders', async () => {
        await fetch(`${loyalty}/api/loyalty/holds`, { method: 'POST' });
        published.push({ type: 'order_paid', traceparent: traceparentNow() });
        return { id: 'o1' };
      }),
    );
    expect((await fetch(`${orders}/api/orders`, { method: 'POST' })).status).toBe(200);
    await withEventContext(published[0]!, 'loyalty.order-earnings', async () => {
      log.info('points earned');
    });

    const spans = exporter.getFinishedSpans();
    const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
    expect(traceIds.size, spans.map((s) => s.name).join(', ')).toBe(1);
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const route = (r: string) => spans.find((s) => s.name === `POST ${r}`)!;
    const ordersSpan = route('/api/orders');
    const holdSpan = route('/api/loyalty/holds');
    const call = byId.get(parentOf(holdSpan)!)!;
    expect(call.attributes['http.request.method']).toBe('POST'); // the fetch (undici) span
    // orders' request → its handler → the fetch → loyalty's request
    let up: ReadableSpan | undefined = call;
    while (up && up !== ordersSpan) up = byId.get(parentOf(up) ?? '');
    expect(up).toBe(ordersSpan);
    // the test's own fetch is the trace's root (a client span): the caller's trace goes on
    const root = byId.get(parentOf(ordersSpan)!)!;
    expect(root.attributes['http.request.method']).toBe('POST');
    expect(parentOf(root)).toBeUndefined();
    const consumer = spans.find((s) => s.name === 'consume order_paid')!;
    expect(consumer.spanContext().traceId).toBe(ordersSpan.spanContext().traceId);
    expect(consumer.attributes['messaging.consumer.group.name']).toBe('loyalty.order-earnings');

    const traceId = ordersSpan.spanContext().traceId;
    expect(lines.map((l) => [l['msg'], l['trace_id']])).toEqual([
      ['hold placed', traceId],
      ['points earned', traceId],
    ]);
    expect(lines[1]!['span_id']).toBe(consumer.spanContext().spanId);
  });
});
