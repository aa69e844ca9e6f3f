import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServices } from '../testing/fake-services.ts';
import { eventually, orderBody, type OrdersHarness } from '../testing/orders-harness.ts';

export interface SuiteSetup {
  h: OrdersHarness;
  fakes: FakeServices;
}

/** The orders API against fake dependencies, on embedded PGlite and on a real PostgreSQL. */
export function ordersApiSuite(label: string, start: () => Promise<SuiteSetup>): void {
  describe(`orders API (${label})`, () => {
    let h: OrdersHarness;
    let fakes: FakeServices;
    beforeAll(async () => {
      ({ h, fakes } = await start());
    });
    afterAll(() => h?.close());

    /** A member with `points` and a product of `price` with `stock` units. */
    async function shopper(points = 1_000, price = 2_500, stock = 10) {
      const m = await h.member();
      fakes.balances.set(m.id, points);
      return { ...m, product: fakes.addProduct({ price, stock }) };
    }
    const countOrders = async () =>
      (await h.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders.orders'))
        .rows[0]!.n;
    const eventsOf = async (orderId: string) =>
      (
        await h.platform.db.query<{ t: string; data: Record<string, any> }>(
          "SELECT event->>'type' AS t, event->'data' AS data FROM kernel.outbox WHERE key = $1 ORDER BY position",
          [orderId],
        )
      ).rows;

    it('places an order paid with points and cash: 201, Location, snapshot, order_created and order_paid', async () => {
      const m = await shopper();
      const res = await h.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([{ product_id: m.product.id, quantity: 2 }], { points_to_use: 1_000 }),
      );
      expect(res.status).toBe(201);
      expect(res.headers['location']).toBe(`/api/orders/${res.body.id}`);
      expect(res.body).toMatchObject({
        user_id: m.id,
        status: 'processing',
        currency: 'USD',
        total_amount: 5_000,
        points_used: 1_000,
        points_value: 1_000,
        cash_amount: 4_000,
        refunded_cash: 0,
        items: [
          {
            product_id: m.product.id,
            product_name: 'Spa day',
            unit_price: 2_500,
            quantity: 2,
            line_total: 5_000,
          },
        ],
        checkout: { state: 'completed', step: null },
      });
      expect((await eventsOf(res.body.id)).map((e) => e.t)).toEqual([
        'order_created',
        'order_paid',
      ]);
      fakes.products.get(m.product.id)!.price = 9_999; // later price changes do not touch the order
      expect(
        (await h.call('GET', `/api/orders/${res.body.id}`, m.token)).body.items[0].unit_price,
      ).toBe(2_500);
    });

    it('refuses bad input with 4xx naming the field, and writes nothing', async () => {
      const m = await shopper();
      const line = [{ product_id: m.product.id, quantity: 1 }];
      const before = await countOrders();
      const cases: Array<[unknown, number, string]> = [
        [orderBody([{ product_id: m.product.id, quantity: 0 }]), 400, 'body.items.0.quantity'],
        [orderBody([{ product_id: m.product.id, quantity: 101 }]), 400, 'body.items.0.quantity'],
        [orderBody([]), 400, 'body.items'],
        [orderBody([...line, ...line]), 400, 'body.items.1.product_id'],
        [
          orderBody(line, {
            shipping_address: { name: 'A', line1: 'B', city: 'C', postal_code: '1', country: 'pt' },
          }),
          400,
          'body.shipping_address.country',
        ],
        [orderBody(line, { points_to_use: -1 }), 400, 'body.points_to_use'],
        [
          orderBody(line, { payment: { method: 'card', token: '4242 4242 4242 4242' } }),
          422,
          'body.payment.token',
        ],
        [
          orderBody(line, { payment: { method: 'card', token: 'x'.repeat(256) } }),
          400,
          'body.payment.token',
        ],
        [orderBody(line, { points_to_use: 2_501 }), 422, 'body.points_to_use'],
        [orderBody([{ product_id: randomUUID(), quantity: 1 }]), 422, 'body.items.0.product_id'],
      ];
      for (const [body, status, field] of cases) {
        const res = await h.call('POST', '/api/orders', m.token, body);
        expect({ status: res.status, field: res.body.errors?.[0]?.field }).toEqual({
          status,
          field,
        });
      }
      const eur = fakes.addProduct({ currency: 'EUR' });
      const mixed = await h.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([...line, { product_id: eur.id, quantity: 1 }]),
      );
      expect(mixed.status).toBe(422);
      expect(mixed.body.type).toBe('/problems/mixed-currencies');
      const noKey = await h.call('POST', '/api/orders', m.token, orderBody(line), null);
      expect(noKey.status).toBe(400);
      expect(await countOrders()).toBe(before);
    });

    it('answers a refused step with its problem and the cancelled order id, after compensation', async () => {
      const m = await shopper();
      const declined = await h.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([{ product_id: m.product.id, quantity: 1 }], {
          points_to_use: 500,
          payment: { method: 'card', token: 'tok_chargeDeclined' },
        }),
      );
      expect(declined.status).toBe(402);
      expect(declined.body).toMatchObject({
        type: '/problems/payment-declined',
        decline_code: 'card_declined',
        order_id: expect.any(String),
      });
      const order = await h.call('GET', `/api/orders/${declined.body.order_id}`, m.token);
      expect(order.body).toMatchObject({ status: 'cancelled', checkout: { state: 'compensated' } });
      expect(fakes.reservations.get(declined.body.order_id)!.status).toBe('released');
      const holds = [...fakes.holds.values()].filter((x) => x.member === m.id);
      expect(holds.map((x) => x.status)).toEqual(['released']);
      const events = await eventsOf(declined.body.order_id);
      expect(events.map((e) => e.t)).toEqual(['order_created', 'order_cancelled']);
      expect(events[1]!.data).toMatchObject({ refunded_cash: 0, reversed_points: 0 });

      const poor = await shopper(10);
      const res = await h.call(
        'POST',
        '/api/orders',
        poor.token,
        orderBody([{ product_id: poor.product.id, quantity: 1 }], { points_to_use: 100 }),
      );
      expect(res.status).toBe(422);
      expect(res.body.type).toBe('/problems/insufficient-points');
      const scarce = await shopper(0, 100, 1);
      const out = await h.call(
        'POST',
        '/api/orders',
        scarce.token,
        orderBody([{ product_id: scarce.product.id, quantity: 2 }]),
      );
      expect(out.status).toBe(409);
      expect(out.body).toMatchObject({
        type: '/problems/out-of-stock',
        product_id: scarce.product.id,
        order_id: expect.any(String),
      });
    });

    it('creates one order per Idempotency-Key: a retry replays it, another body is refused', async () => {
      const m = await shopper();
      const key = randomUUID();
      const body = orderBody([{ product_id: m.product.id, quantity: 1 }]);
      const first = await h.call('POST', '/api/orders', m.token, body, key);
      const again = await h.call('POST', '/api/orders', m.token, body, key);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      expect([...fakes.payments.values()].filter((p) => p.order_id === first.body.id)).toHaveLength(
        1,
      );
      const other = await h.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([{ product_id: m.product.id, quantity: 2 }]),
        key,
      );
      expect(other.status).toBe(422);
    });

    it('answers a retry with the key of a 202 with the same order, and another body with 422', async () => {
      const m = await shopper();
      const key = randomUUID();
      const body = orderBody([{ product_id: m.product.id, quantity: 1 }]);
      const before = await countOrders();
      fakes.fault({ service: 'payments', match: /process$/ });
      const first = await h.call('POST', '/api/orders', m.token, body, key);
      expect(first.status).toBe(202);
      const other = orderBody([{ product_id: m.product.id, quantity: 2 }]);
      const refused = await h.call('POST', '/api/orders', m.token, other, key);
      expect(refused.status).toBe(422);
      expect(refused.body.type).toBe('/problems/idempotency-key-reused');
      const done = await eventually(async () => {
        const again = await h.call('POST', '/api/orders', m.token, body, key);
        expect(again.body.id).toBe(first.body.id);
        expect(again.status).toBe(201);
        return again;
      });
      expect(done.headers['location']).toBe(`/api/orders/${first.body.id}`);
      expect(await countOrders()).toBe(before + 1);
    });

    it('answers 409 to a retry while the request with its key is still running', async () => {
      const m = await shopper();
      const key = randomUUID();
      const body = orderBody([{ product_id: m.product.id, quantity: 1 }]);
      const slow = Promise.withResolvers<void>();
      const pricing = new RegExp(`^GET /api/products/${m.product.id}$`);
      fakes.fault({ service: 'catalog', match: pricing, gate: slow.promise });
      const first = h.call('POST', '/api/orders', m.token, body, key);
      const priced = `catalog GET /api/products/${m.product.id}`;
      await eventually(async () => expect(fakes.calls).toContain(priced));
      const busy = await h.call('POST', '/api/orders', m.token, body, key);
      expect(busy.status).toBe(409);
      expect(busy.body.type).toBe('/problems/idempotency-key-in-flight');
      slow.resolve();
      expect((await first).status).toBe(201);
      const replay = await h.call('POST', '/api/orders', m.token, body, key);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.id).toBe((await first).body.id);
    });

    it('answers 202 with Location when a dependency is unavailable, and finishes in the background', async () => {
      const m = await shopper();
      fakes.fault({ service: 'payments', match: /process$/ });
      const res = await h.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([{ product_id: m.product.id, quantity: 1 }]),
      );
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({
        status: 'pending',
        checkout: { state: 'forward', step: 'charge', attempts: 1 },
      });
      expect(res.headers['location']).toBe(`/api/orders/${res.body.id}`);
      await eventually(async () =>
        expect((await h.call('GET', `/api/orders/${res.body.id}`, m.token)).body.status).toBe(
          'processing',
        ),
      );
    });

    it('shows members only their own orders, lists them newest first with a cursor', async () => {
      const m = await shopper(0, 100, 50);
      const other = await h.member();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push(
          (
            await h.call(
              'POST',
              '/api/orders',
              m.token,
              orderBody([{ product_id: m.product.id, quantity: 1 }]),
            )
          ).body.id,
        );
      expect((await h.call('GET', `/api/orders/${ids[0]}`, other.token)).status).toBe(404);
      expect((await h.call('GET', `/api/orders/${ids[0]}`, h.adminToken)).status).toBe(200);
      expect((await h.call('GET', `/api/orders/user/${m.id}`, other.token)).status).toBe(404);
      expect((await h.call('GET', `/api/orders/${ids[0]}`, null)).status).toBe(401);
      const page1 = await h.call('GET', `/api/orders/user/${m.id}?limit=2`, m.token);
      expect(page1.body.items.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]]);
      const page2 = await h.call(
        'GET',
        `/api/orders/user/${m.id}?limit=2&cursor=${page1.body.next_cursor}`,
        h.adminToken,
      );
      expect(page2.body).toMatchObject({ items: [{ id: ids[0] }], next_cursor: null });
      expect((await h.call('GET', `/api/orders/user/${m.id}?limit=101`, m.token)).status).toBe(400);
      const forOther = await h.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([{ product_id: m.product.id, quantity: 1 }], { user_id: other.id }),
      );
      expect(forOther.status).toBe(403);
      const byAdmin = await h.call(
        'POST',
        '/api/orders',
        h.adminToken,
        orderBody([{ product_id: m.product.id, quantity: 1 }], { user_id: other.id }),
      );
      expect(byAdmin.status).toBe(201);
      expect(byAdmin.body.user_id).toBe(other.id);
    });

    it('lists every order for an admin, by status and member, newest first with a cursor', async () => {
      const m = await shopper(0, 100, 50);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push(
          (
            await h.call(
              'POST',
              '/api/orders',
              m.token,
              orderBody([{ product_id: m.product.id, quantity: 1 }]),
            )
          ).body.id,
        );
      expect((await h.call('GET', '/api/orders', m.token)).status).toBe(403);
      expect((await h.call('GET', '/api/orders', null)).status).toBe(401);
      await h.call('PATCH', `/api/orders/${ids[1]}/status`, h.adminToken, { status: 'shipped' });
      const mine = await h.call('GET', `/api/orders?user_id=${m.id}&limit=2`, h.adminToken);
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]]);
      const rest = await h.call(
        'GET',
        `/api/orders?user_id=${m.id}&limit=2&cursor=${mine.body.next_cursor}`,
        h.adminToken,
      );
      expect(rest.body).toMatchObject({ items: [{ id: ids[0] }], next_cursor: null });
      const shipped = await h.call(
        'GET',
        `/api/orders?user_id=${m.id}&status=shipped`,
        h.adminToken,
      );
      expect(shipped.body.items.map((o: { id: string }) => o.id)).toEqual([ids[1]]);
      const everyone = await h.call('GET', '/api/orders?status=processing&limit=100', h.adminToken);
      expect(everyone.body.items.every((o: { status: string }) => o.status === 'processing')).toBe(
        true,
      );
      const bad = await h.call('GET', '/api/orders?status=lost', h.adminToken);
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toContain('status');
      expect((await h.call('GET', '/api/orders?user_id=nope', h.adminToken)).status).toBe(400);
    });

    it("takes a member's refund request on a paid order, once, and lists it for admins", async () => {
      const m = await shopper(0, 100, 50);
      const other = await h.member();
      const place = async () =>
        (
          await h.call(
            'POST',
            '/api/orders',
            m.token,
            orderBody([{ product_id: m.product.id, quantity: 1 }]),
          )
        ).body.id as string;
      const id = await place();
      const url = `/api/orders/${id}/refund-request`;
      expect((await h.call('POST', url, other.token, { reason: 'mine?' })).status).toBe(404);
      const empty = await h.call('POST', url, m.token, { reason: '' });
      expect(empty.status).toBe(400);
      expect(empty.body.detail).toContain('reason');
      expect((await h.call('POST', url, m.token, { reason: 'x'.repeat(501) })).status).toBe(400);
      const asked = await h.call('POST', url, m.token, { reason: 'The spa was closed' });
      expect(asked.status).toBe(200);
      expect(asked.body).toMatchObject({
        status: 'processing',
        refunded_cash: 0, // a request moves nothing: an admin decides
        refund_request: { reason: 'The spa was closed', requested_at: expect.any(String) },
      });
      const again = await h.call('POST', url, m.token, { reason: 'changed my mind' });
      expect(again.body.refund_request).toEqual(asked.body.refund_request);
      expect((await h.call('GET', `/api/orders/${id}`, m.token)).body.refund_request).toEqual(
        asked.body.refund_request,
      );
      const requested = await h.call(
        'GET',
        `/api/orders?refund_requested=true&user_id=${m.id}`,
        h.adminToken,
      );
      expect(requested.body.items.map((o: { id: string }) => o.id)).toEqual([id]);
      const cancelled = await place();
      expect((await h.call('DELETE', `/api/orders/${cancelled}`, m.token)).status).toBe(200);
      const late = await h.call('POST', `/api/orders/${cancelled}/refund-request`, m.token, {
        reason: 'too late',
      });
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({
        type: '/problems/order-not-paid',
        current_status: 'cancelled',
      });
      expect((await h.call('GET', `/api/orders/${cancelled}`, m.token)).body.refund_request).toBe(
        null,
      );
    });

    it('moves a paid order processing → shipped → delivered (admin only) and refuses the rest with 409', async () => {
      const m = await shopper(0);
      const id = (
        await h.call(
          'POST',
          '/api/orders',
          m.token,
          orderBody([{ product_id: m.product.id, quantity: 1 }]),
        )
      ).body.id;
      const url = `/api/orders/${id}/status`;
      expect((await h.call('PATCH', url, m.token, { status: 'shipped' })).status).toBe(403);
      expect((await h.call('PATCH', url, h.adminToken, { status: 'lost' })).status).toBe(400);
      expect(
        (await h.call('PATCH', url, h.adminToken, { status: 'delivered' })).body,
      ).toMatchObject({
        type: '/problems/illegal-transition',
        current_status: 'processing',
      });
      expect((await h.call('PATCH', url, h.adminToken, { status: 'shipped' })).body.status).toBe(
        'shipped',
      );
      expect((await h.call('PATCH', url, h.adminToken, { status: 'delivered' })).body.status).toBe(
        'delivered',
      );
      const back = await h.call('PATCH', url, h.adminToken, { status: 'shipped' });
      expect(back.status).toBe(409);
      expect(back.body.current_status).toBe('delivered');
      expect((await h.call('DELETE', `/api/orders/${id}`, m.token)).status).toBe(409);
      expect((await eventsOf(id)).map((e) => e.t)).toEqual([
        'order_created',
        'order_paid',
        'order_shipped',
        'order_delivered',
      ]);
    });

    it('refunds part of the cash with the points in proportion (rounded down), then the rest with restock', async () => {
      const m = await shopper(1_000, 2_500, 5);
      const id = (
        await h.call(
          'POST',
          '/api/orders',
          m.token,
          orderBody([{ product_id: m.product.id, quantity: 2 }], { points_to_use: 1_000 }),
        )
      ).body.id;
      const url = `/api/orders/${id}/refunds`;
      expect((await h.call('POST', url, m.token, { amount: 100 })).status).toBe(403);
      expect((await h.call('POST', url, h.adminToken, { amount: 100 }, null)).status).toBe(400);
      const over = await h.call('POST', url, h.adminToken, { amount: 4_001 });
      expect(over.status).toBe(422);
      expect(over.body.errors[0].field).toBe('body.amount');
      const key = randomUUID();
      const part = await h.call('POST', url, h.adminToken, { amount: 1_001 }, key);
      expect(part.status).toBe(201);
      // 1000 points × 1001 / 4000 = 250.25 → 250
      expect(part.body).toMatchObject({
        refund: { cash_amount: 1_001, points: 250, full_refund: false },
        order: { refunded_cash: 1_001, reversed_points: 250, status: 'processing' },
      });
      expect((await h.call('POST', url, h.adminToken, { amount: 1_001 }, key)).body.refund.id).toBe(
        part.body.refund.id,
      );
      expect(fakes.balances.get(m.id)).toBe(250);
      expect(fakes.products.get(m.product.id)!.stock).toBe(3);
      const rest = await h.call('POST', url, h.adminToken, {});
      expect(rest.body).toMatchObject({
        refund: { cash_amount: 2_999, points: 750, full_refund: true },
        order: { refunded_cash: 4_000, reversed_points: 1_000, status: 'refunded' },
      });
      expect(fakes.balances.get(m.id)).toBe(1_000);
      expect(fakes.products.get(m.product.id)!.stock).toBe(5);
      expect((await h.call('POST', url, h.adminToken, {})).status).toBe(409);
      // Refunded in full is the end: it cannot be shipped, delivered or cancelled any more.
      for (const status of ['shipped', 'delivered'] as const) {
        const ship = await h.call('PATCH', `/api/orders/${id}/status`, h.adminToken, { status });
        expect(ship.status).toBe(409);
        expect(ship.body).toMatchObject({
          type: '/problems/illegal-transition',
          current_status: 'refunded',
        });
      }
      expect((await h.call('DELETE', `/api/orders/${id}`, m.token)).status).toBe(409);
      expect((await h.call('GET', `/api/orders/${id}`, m.token)).body.status).toBe('refunded');
      const refunded = (await eventsOf(id))
        .filter((e) => e.t === 'order_refunded')
        .map((e) => e.data);
      expect(refunded).toMatchObject([
        {
          refunded_cash: 1_001,
          reversed_points: 250,
          total_refunded_cash: 1_001,
          cash_amount: 4_000,
          points_used: 1_000,
        },
        { refunded_cash: 2_999, reversed_points: 750, total_refunded_cash: 4_000 },
      ]);
    });

    it('cancels a paid order: full refund, points back, restock; owner or admin only', async () => {
      const m = await shopper(500, 1_000, 3);
      const other = await h.member();
      const id = (
        await h.call(
          'POST',
          '/api/orders',
          m.token,
          orderBody([{ product_id: m.product.id, quantity: 3 }], { points_to_use: 500 }),
        )
      ).body.id;
      expect((await h.call('DELETE', `/api/orders/${id}`, other.token)).status).toBe(404);
      const res = await h.call('DELETE', `/api/orders/${id}`, m.token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'cancelled',
        refunded_cash: 2_500,
        reversed_points: 500,
      });
      expect(fakes.balances.get(m.id)).toBe(500);
      expect(fakes.products.get(m.product.id)!.stock).toBe(3);
      expect([...fakes.payments.values()].find((p) => p.order_id === id)).toMatchObject({
        refunded_amount: 2_500,
      });
      const again = await h.call('DELETE', `/api/orders/${id}`, m.token);
      expect(again.status).toBe(409);
      expect(again.body.current_status).toBe('cancelled');
      const cancelled = (await eventsOf(id)).find((e) => e.t === 'order_cancelled')!;
      expect(cancelled.data).toMatchObject({ refunded_cash: 2_500, reversed_points: 500 });
    });

    it('cancels a pending order by undoing its checkout', async () => {
      const m = await shopper(1_000);
      const heal = fakes.fault({
        service: 'payments',
        match: /process$/,
        times: 1_000,
        answer: { status: 503, body: { type: '/problems/x', title: 'x', status: 503 } },
      });
      const placed = await h.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([{ product_id: m.product.id, quantity: 1 }], { points_to_use: 300 }),
      );
      expect(placed.status).toBe(202);
      // The recovery worker may be retrying it right now (409 checkout-in-progress): retry.
      const res = await eventually(async () => {
        const r = await h.call('DELETE', `/api/orders/${placed.body.id}`, h.adminToken);
        expect(r.body.type).not.toBe('/problems/checkout-in-progress');
        return r;
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'cancelled', checkout: { state: 'compensated' } });
      expect(
        [...fakes.holds.values()]
          .filter((x) => x.member === m.id)
          .every((x) => x.status === 'released'),
      ).toBe(true);
      expect(fakes.reservations.get(placed.body.id)!.status).toBe('released');
      heal();
    });
  });
}
