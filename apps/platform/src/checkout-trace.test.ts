/**
 * One checkout traced to an in-memory exporter, events on the pg log (in-memory PGlite): one
 * trace from POST /api/orders through reserve, hold, charge, capture, commit to loyalty's
 * order_paid consumer (the assertions: testing/checkout-trace.ts). The Kafka variant is
 * checkout-trace.kafka.int.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTracing, type ModuleHarness, type TestTracing } from '@redemption/kernel/testing';
import { checkoutTraced, startTracedCheckout } from './testing/checkout-trace.ts';

let traced: TestTracing;
let h: ModuleHarness;

beforeAll(async () => {
  traced = await startTestTracing();
  h = await startTracedCheckout(traced);
}, 120_000);
afterAll(async () => {
  await h?.close();
  await traced?.shutdown();
});

describe('a checkout traced (in-memory exporter, pg event log)', () => {
  it('is one trace: the request, the saga steps in order, and the order_paid consumer', async () => {
    expect(h.platform.events.transport.name).toBe('pg');
    await checkoutTraced(h, traced);
  });
});
