/**
 * One checkout, traced, on the platform `redemption start` builds (every service in one
 * process, calls between services through Fastify's inject), with an in-memory exporter: the
 * assertions the pg-log and the Kafka variants share (checkout-trace*.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { memberRegistered } from '@redemption/contracts';
import {
  createTestTokens,
  startModule,
  type ModuleHarness,
  type ReadableSpan,
  type TestTracing,
} from '@redemption/kernel/testing';
import { createOrdersModule } from '@redemption/orders';
import { eventually, orderBody } from '@redemption/orders/testing';
import { commerceServices } from './commerce-modules.ts';

/** Orders with the services it calls; earning on (the default rate), so order_paid has a consumer. */
export async function startTracedCheckout(
  traced: TestTracing,
  opts: { databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<ModuleHarness> {
  return startModule(createOrdersModule(), {
    alongside: commerceServices,
    tokens: await createTestTokens(),
    env: {
      LOYALTY_RATE_PER_MEMBER_PER_S: '1000',
      LOYALTY_RATE_PER_IP_PER_S: '100000',
      ...opts.env,
    },
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    tracing: traced.tracing,
  });
}

/** A member with an open loyalty account holding `points`, and a product in stock. */
async function memberAndProduct(h: ModuleHarness, points: number) {
  const m = await h.member();
  await h.platform.db.tx((q) =>
    h.platform.events.publisher.publish(q, memberRegistered, {
      subject: m.id,
      data: { member_id: m.id, role: 'member' },
    }),
  );
  await eventually(async () =>
    expect((await h.call('GET', `/api/loyalty/accounts/${m.id}`, h.adminToken)).status).toBe(200),
  );
  const earn = { member_id: m.id, points, reason: 'test' };
  expect((await h.call('POST', '/api/loyalty/earn', h.adminToken, earn)).status).toBe(201);
  const product = await h.call('POST', '/api/products', h.adminToken, {
    sku: `SKU-${randomUUID().slice(0, 8)}`,
    name: 'Spa day',
    price: 2_500,
    currency: 'USD',
    stock_quantity: 10,
  });
  expect(product.status).toBe(201);
  return { m, productId: product.body.id as string };
}

export const parentId = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
const hrMs = ([s, ns]: readonly [number, number]): number => s * 1e3 + ns / 1e6;

export interface CheckoutTrace {
  /** the POST /api/orders span (the trace's root) */
  order: ReadableSpan;
  /** loyalty's consume order_paid span (the earning) */
  consumer: ReadableSpan;
  /** every span of the order's trace */
  spans: ReadableSpan[];
}

/**
 * Places one order and asserts its trace: the request is the root; under it the price lookup
 * then reserve, hold, charge, capture, commit in order (request spans of in-process calls),
 * SQL statements, and loyalty's order_paid consumer through the event's traceparent; the
 * ledger batch that placed the hold is a trace of its own linked to the hold's request.
 */
export async function checkoutTraced(
  h: ModuleHarness,
  traced: TestTracing,
): Promise<CheckoutTrace> {
  const { m, productId } = await memberAndProduct(h, 1_000);
  const body = orderBody([{ product_id: productId, quantity: 2 }], { points_to_use: 1_000 });
  const res = await h.call('POST', '/api/orders', m.token, body);
  expect(res.status).toBe(201);

  const order = traced
    .spans()
    .find(
      (s) => s.name === 'POST /api/orders' && s.attributes['http.response.status_code'] === 201,
    )!;
  expect(order, 'the POST /api/orders span').toBeDefined();
  const traceId = order.spanContext().traceId;
  const inTrace = () => traced.spans().filter((s) => s.spanContext().traceId === traceId);
  // loyalty's earning consumer runs after the commit, from the outbox: wait for its span
  const consumer = await eventually(async () => {
    const c = inTrace().find((s) => s.name === 'consume order_paid');
    expect(c).toBeDefined();
    return c!;
  });
  expect(consumer.attributes['messaging.consumer.group.name']).toBe('loyalty.order-earnings');

  const spans = inTrace();
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const under = (s: ReadableSpan, top: ReadableSpan): boolean => {
    for (let p = byId.get(parentId(s) ?? ''); p; p = byId.get(parentId(p) ?? ''))
      if (p === top) return true;
    return false;
  };
  expect(parentId(order), 'the order request is the trace root').toBeUndefined();
  // The saga's service calls: in-process requests (inject), each a request span under the order's.
  const calls = spans
    .filter((s) => s.attributes['fastify.root'] !== undefined && under(s, order))
    .sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime))
    .map((s) => s.name);
  expect(calls).toEqual([
    'GET /api/products/:id', // pricing, before the saga
    'POST /api/inventory/reservations', // reserve
    'POST /api/loyalty/holds', // hold
    'POST /api/payments/process', // charge
    'POST /api/loyalty/holds/:id/capture', // capture
    'POST /api/inventory/reservations/:id/commit', // commit
  ]);
  // SQL statements are spans too (text only, never parameters)
  const sql = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');
  expect(sql.length).toBeGreaterThan(0);
  expect(sql.every((s) => under(s, order) || under(s, consumer) || s === order)).toBe(true);
  // the consumer continues the trace from the event's traceparent (written inside the order's span)
  expect(byId.get(parentId(consumer) ?? '')).toBeDefined();
  expect(under(consumer, order)).toBe(true);

  // the ledger batch that placed the hold: its own trace, linked to the hold's request
  const hold = spans.find((s) => s.name === 'POST /api/loyalty/holds')!;
  const batch = traced.spans().find(
    (s) =>
      s.name === 'ledger batch' &&
      s.links.some((l) => {
        const linked = byId.get(l.context.spanId); // the hold's handler span
        return linked !== undefined && (linked === hold || under(linked, hold));
      }),
  );
  expect(batch, 'a ledger batch linked to the hold').toBeDefined();
  expect(parentId(batch!)).toBeUndefined();
  expect(batch!.attributes['ledger.batch.size']).toBeGreaterThanOrEqual(1);
  return { order, consumer, spans };
}
