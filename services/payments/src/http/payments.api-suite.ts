import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeBody, tableCounts, type PaymentsHarness } from '../testing/payments-harness.ts';

const outboxTypes = async (h: PaymentsHarness, subject: string): Promise<string[]> => {
  const { rows } = await h.platform.db.query<{ type: string }>(
    "SELECT event->>'type' AS type FROM kernel.outbox WHERE key = $1 ORDER BY created_at, id",
    [subject],
  );
  return rows.map((r) => r.type);
};

/** The payments API contract (payments.client.ts), run on embedded PGlite and real PostgreSQL. */
export function paymentsApiSuite(label: string, start: () => Promise<PaymentsHarness>): void {
  describe(`payments API (${label})`, () => {
    let h: PaymentsHarness;
    beforeAll(async () => {
      h = await start();
    });
    afterAll(async () => {
      await h?.close();
    });

    const process = (body: object, key?: string, token = h.serviceToken) =>
      h.call('POST', '/api/payments/process', token, body, key);

    it.each([
      ['tok_visa', 'visa', '4242'],
      ['tok_mastercard', 'mastercard', '4444'],
      ['tok_amex', 'amex', '8431'],
      ['tok_slow', 'visa', '4242'],
    ])('charges %s and records brand and last4 only', async (token, brand, last4) => {
      const m = await h.member();
      const body = chargeBody(m.id, { token });
      const res = await process(body);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        order_id: body.order_id,
        member_id: m.id,
        amount: 4999,
        currency: 'USD',
        payment_method: 'card',
        status: 'succeeded',
        provider: 'simulated',
        card: { brand, last4 },
        refunded_amount: 0,
      });
      expect(res.body.transaction_id).toMatch(/^pi_sim_/);
      expect(await outboxTypes(h, body.order_id)).toEqual(['payment_succeeded']);
      const attempts = await h.platform.db.query<{ outcome: string; payment_id: string }>(
        'SELECT outcome, payment_id FROM payments.payment_attempts WHERE order_id = $1',
        [body.order_id],
      );
      expect(attempts.rows).toEqual([{ outcome: 'succeeded', payment_id: res.body.id }]);
    });

    it.each([
      ['tok_chargeDeclined', 402, 'payment-declined', 'declined', 'card_declined'],
      [
        'tok_chargeDeclinedInsufficientFunds',
        402,
        'payment-declined',
        'declined',
        'insufficient_funds',
      ],
      ['tok_chargeDeclinedProcessingError', 502, 'payment-provider-error', 'provider_error', null],
    ])(
      '%s: %i %s, no payment, a failed attempt recorded',
      async (token, status, slug, outcome, code) => {
        const m = await h.member();
        const body = chargeBody(m.id, { token });
        const res = await process(body);
        expect(res.status).toBe(status);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.type).toBe(`/problems/${slug}`);
        if (code) expect(res.body.decline_code).toBe(code);
        const paid = await h.platform.db.query(
          'SELECT 1 FROM payments.payments WHERE order_id = $1',
          [body.order_id],
        );
        expect(paid.rows).toHaveLength(0);
        const attempts = await h.platform.db.query(
          'SELECT outcome, decline_code FROM payments.payment_attempts WHERE order_id = $1',
          [body.order_id],
        );
        expect(attempts.rows).toEqual([{ outcome, decline_code: code }]);
        expect(await outboxTypes(h, body.order_id)).toEqual(['payment_failed']);
        // The failure does not take the order's slot: another card can pay it.
        const retry = await process({ ...body, token: 'tok_mastercard' });
        expect(retry.status).toBe(201);
      },
    );

    it('replays the same Idempotency-Key: same payment, one row, one event', async () => {
      const m = await h.member();
      const body = chargeBody(m.id);
      const key = randomUUID();
      const first = await process(body, key);
      const again = await process(body, key);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      const rows = await h.platform.db.query(
        'SELECT id FROM payments.payments WHERE order_id = $1',
        [body.order_id],
      );
      expect(rows.rows).toHaveLength(1);
      expect(await outboxTypes(h, body.order_id)).toEqual(['payment_succeeded']);
    });

    it('answers a second process for a paid order with its payment (200), or 409 if it differs', async () => {
      const m = await h.member();
      const body = chargeBody(m.id);
      const first = await process(body);
      const second = await process(body); // new key
      expect(second.status).toBe(200);
      expect(second.body.id).toBe(first.body.id);
      const other = await process({ ...body, amount: 5000 });
      expect(other.status).toBe(409);
      expect(other.body.type).toBe('/problems/order-already-paid');
      expect((await tableCounts(h.platform)).payments).toBeGreaterThan(0);
      const rows = await h.platform.db.query(
        'SELECT 1 FROM payments.payments WHERE order_id = $1',
        [body.order_id],
      );
      expect(rows.rows).toHaveLength(1);
    });

    it('refunds partially, then the rest by default, and refuses more than is left', async () => {
      const m = await h.member();
      const paid = await process(chargeBody(m.id, { amount: 1000 }));
      const refund = (payload: object) =>
        h.call('POST', '/api/payments/refund', h.adminToken, {
          payment_id: paid.body.id,
          ...payload,
        });

      const part = await refund({ amount: 300, reason: 'one night cancelled' });
      expect(part.status).toBe(201);
      expect(part.body).toMatchObject({
        payment_id: paid.body.id,
        amount: 300,
        status: 'succeeded',
        reason: 'one night cancelled',
        payment: { status: 'partially_refunded', refunded_amount: 300 },
      });
      expect(part.body.provider_refund_id).toMatch(/^re_sim_/);

      const tooMuch = await refund({ amount: 701 });
      expect(tooMuch.status).toBe(422);
      expect(tooMuch.body).toMatchObject({
        type: '/problems/refund-exceeds-payment',
        refundable: 700,
      });

      const rest = await refund({});
      expect(rest.status).toBe(201);
      expect(rest.body).toMatchObject({ amount: 700, reason: null });
      expect(rest.body.payment).toMatchObject({ status: 'refunded', refunded_amount: 1000 });

      const none = await refund({});
      expect(none.status).toBe(422);
      expect(none.body.refundable).toBe(0);
      const got = await h.call('GET', `/api/payments/${paid.body.id}`, m.token);
      expect(got.body).toMatchObject({ status: 'refunded', refunded_amount: 1000 });
      expect(await outboxTypes(h, paid.body.order_id)).toEqual([
        'payment_succeeded',
        'payment_refunded',
        'payment_refunded',
      ]);
    });

    it('replays a refund with the same key without refunding twice', async () => {
      const m = await h.member();
      const paid = await process(chargeBody(m.id, { amount: 1000 }));
      const key = randomUUID();
      const body = { payment_id: paid.body.id, amount: 100 };
      const a = await h.call('POST', '/api/payments/refund', h.serviceToken, body, key);
      const b = await h.call('POST', '/api/payments/refund', h.serviceToken, body, key);
      expect(b.body.id).toBe(a.body.id);
      const rows = await h.platform.db.query(
        'SELECT 1 FROM payments.refunds WHERE payment_id = $1',
        [paid.body.id],
      );
      expect(rows.rows).toHaveLength(1);
    });

    it('refuses a refund of an unknown payment with 404', async () => {
      const res = await h.call('POST', '/api/payments/refund', h.adminToken, {
        payment_id: randomUUID(),
      });
      expect(res.status).toBe(404);
    });

    it('needs a token on every route (401), admin or service to write (403), own payments to read (404)', async () => {
      const [a, b] = [await h.member(), await h.member()];
      const paid = await process(chargeBody(a.id));
      const id = paid.body.id;
      const orderId = paid.body.order_id;
      const routes = [
        ['POST', '/api/payments/process', chargeBody(a.id)],
        ['POST', '/api/payments/refund', { payment_id: id }],
        ['GET', `/api/payments/${id}`, undefined],
        ['GET', `/api/payments/order/${orderId}`, undefined],
      ] as const;
      for (const [method, url, body] of routes)
        expect((await h.call(method, url, null, body)).status).toBe(401);
      const before = await tableCounts(h.platform);
      expect((await process(chargeBody(a.id), undefined, a.token)).status).toBe(403);
      const memberRefund = await h.call('POST', '/api/payments/refund', a.token, {
        payment_id: id,
      });
      expect(memberRefund.status).toBe(403);
      expect(await tableCounts(h.platform)).toEqual(before);

      expect((await h.call('GET', `/api/payments/${id}`, a.token)).status).toBe(200);
      expect((await h.call('GET', `/api/payments/order/${orderId}`, a.token)).body.id).toBe(id);
      expect((await h.call('GET', `/api/payments/${id}`, b.token)).status).toBe(404);
      expect((await h.call('GET', `/api/payments/order/${orderId}`, b.token)).status).toBe(404);
      expect((await h.call('GET', `/api/payments/${id}`, h.adminToken)).status).toBe(200);
      expect((await h.call('GET', `/api/payments/order/${orderId}`, h.serviceToken)).status).toBe(
        200,
      );
      expect(
        (await h.call('GET', `/api/payments/order/${randomUUID()}`, h.adminToken)).status,
      ).toBe(404);
    });

    it.each([
      ['order_id', { order_id: 'not-a-uuid' }],
      ['member_id', { member_id: 'x' }],
      ['amount', { amount: 0 }],
      ['amount', { amount: 100_000_001 }],
      ['amount', { amount: 10.5 }],
      ['currency', { currency: 'usd' }],
      ['payment_method', { payment_method: 'paypal' }],
      ['token', { token: '' }],
      ['token', { token: 't'.repeat(256) }],
      ['extra', { extra: 1 }],
    ])('refuses a bad %s with 400 naming it, writing nothing', async (field, override) => {
      const m = await h.member();
      const before = await tableCounts(h.platform);
      const res = await process(chargeBody(m.id, override));
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe(`body.${field}`);
      expect(await tableCounts(h.platform)).toEqual(before);
    });

    it('requires an Idempotency-Key on process and refund', async () => {
      const m = await h.member();
      const res = await process(chargeBody(m.id), null as unknown as string);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('headers.idempotency-key');
      const refund = await h.call(
        'POST',
        '/api/payments/refund',
        h.adminToken,
        { payment_id: randomUUID() },
        null,
      );
      expect(refund.status).toBe(400);
    });

    it('refuses bad refund bodies with 400 naming the field', async () => {
      for (const [field, body] of [
        ['payment_id', { payment_id: 'nope' }],
        ['amount', { payment_id: randomUUID(), amount: -1 }],
        ['reason', { payment_id: randomUUID(), reason: 'r'.repeat(201) }],
      ] as const) {
        const res = await h.call('POST', '/api/payments/refund', h.adminToken, body);
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toBe(`body.${field}`);
      }
    });

    it('refuses an unknown token with 422 invalid-token, recording nothing', async () => {
      const m = await h.member();
      const before = await tableCounts(h.platform);
      const res = await process(chargeBody(m.id, { token: 'tok_nonsense' }));
      expect(res.status).toBe(422);
      expect(res.body.type).toBe('/problems/invalid-token');
      expect(await tableCounts(h.platform)).toEqual(before);
    });

    it('refuses a raw card number with 422 and stores it nowhere', async () => {
      const m = await h.member();
      const pan = '4242424242424242';
      const before = await tableCounts(h.platform);
      for (const token of [pan, '4242 4242 4242 4242', '5555-5555-5555-4444']) {
        const res = await process(chargeBody(m.id, { token }));
        expect(res.status).toBe(422);
        expect(res.body.type).toBe('/problems/raw-card-data');
        expect(JSON.stringify(res.body)).not.toContain('4242');
      }
      expect(await tableCounts(h.platform)).toEqual(before);
      // Nothing in any table of this database holds the number or a token.
      const dump = await h.platform.db.query<{ t: string }>(
        `SELECT string_agg(t, ' ') AS t FROM (
           SELECT row_to_json(p)::text AS t FROM payments.payments p
           UNION ALL SELECT row_to_json(a)::text FROM payments.payment_attempts a
           UNION ALL SELECT row_to_json(r)::text FROM payments.refunds r
           UNION ALL SELECT row_to_json(k)::text FROM kernel.idempotency_keys k
           UNION ALL SELECT row_to_json(o)::text FROM kernel.outbox o) all_rows`,
      );
      const text = dump.rows[0]!.t;
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toContain(pan);
      expect(text).not.toContain('4242 4242');
      expect(text).not.toMatch(/tok_(visa|mastercard|amex|slow|charge)/);
    });

    it('documents every payments route in OpenAPI with examples', async () => {
      const res = await h.platform.app.inject({ method: 'GET', url: '/api/openapi.json' });
      const paths = res.json().paths as Record<string, Record<string, any>>;
      for (const p of [
        '/api/payments/process',
        '/api/payments/refund',
        '/api/payments/{id}',
        '/api/payments/order/{orderId}',
        '/api/payments/webhooks/stripe',
      ]) {
        const op = Object.values(paths[p] ?? {})[0];
        expect(op?.summary, p).toBeTruthy();
        expect(op?.tags, p).toEqual(['payments']);
      }
      const ok = paths['/api/payments/process']!['post'].responses['201'];
      expect(JSON.stringify(ok)).toContain('4242');
    });
  });
}
