/**
 * The checkout trace with EVENT_TRANSPORT=kafka (PostgreSQL outbox relayed to the broker at
 * KAFKA_BROKERS): the same one trace as on the pg log (testing/checkout-trace.ts), the
 * order_paid consumer continuing it from the traceparent inside the Kafka message, and the
 * relay's `send` producer span, a trace of its own, linked to the publisher of order_paid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDatabase,
  kafkaGate,
  postgresGate,
  startTestTracing,
  type ModuleHarness,
  type TempDatabase,
  type TestTracing,
} from '@redemption/kernel/testing';
import { checkoutTraced, parentId, startTracedCheckout } from './testing/checkout-trace.ts';

const pg = postgresGate();
const kafka = kafkaGate();

describe.skipIf(!pg.url || !kafka.url)('a checkout traced (in-memory exporter, Kafka)', () => {
  let traced: TestTracing;
  let temp: TempDatabase;
  let h: ModuleHarness;

  beforeAll(async () => {
    traced = await startTestTracing();
    temp = await createTempDatabase(pg.url!);
    h = await startTracedCheckout(traced, {
      databaseUrl: temp.url,
      env: { EVENT_TRANSPORT: 'kafka', KAFKA_BROKERS: kafka.url! },
    });
  }, 240_000);
  afterAll(async () => {
    await h?.close();
    await traced?.shutdown();
    await temp?.drop();
  });

  it('is one trace to the order_paid consumer, and the relay send is linked to it', async () => {
    expect(h.platform.events.transport.name).toBe('kafka');
    const { order, consumer, spans } = await checkoutTraced(h, traced);
    // the publisher's span (the event's traceparent) is the consumer's parent, in the order's trace
    const publisher = parentId(consumer)!;
    expect(spans.some((s) => s.spanContext().spanId === publisher)).toBe(true);
    const send = traced
      .spans()
      .find(
        (s) =>
          s.name.startsWith('send') &&
          s.links.some(
            (l) =>
              l.context.traceId === order.spanContext().traceId && l.context.spanId === publisher,
          ),
      );
    expect(send, 'the relay send span linked to the order_paid publisher').toBeDefined();
    expect(parentId(send!), 'a trace of its own').toBeUndefined();
    expect(send!.attributes['messaging.system']).toBe('kafka');
    expect(send!.attributes['messaging.batch.message_count']).toBeGreaterThanOrEqual(1);
  });
});
