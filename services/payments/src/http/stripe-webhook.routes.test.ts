import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { newId } from '@redemption/kernel';
import { startPayments, type PaymentsHarness } from '../testing/payments-harness.ts';

const secret = 'whsec_test_secret_for_payments';

describe('Stripe webhook', () => {
  let h: PaymentsHarness;
  beforeAll(async () => {
    h = await startPayments({ env: { STRIPE_WEBHOOK_SECRET: secret } });
  });
  afterAll(() => h?.close());

  const post = (payload: string, signature: string | null) =>
    h.platform.app.inject({
      method: 'POST',
      url: '/api/payments/webhooks/stripe',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(signature === null ? {} : { 'stripe-signature': signature }),
      },
      payload,
    });
  const signed = (event: object) => {
    const payload = JSON.stringify(event);
    return post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret }));
  };
  const count = async (sql: string, params: unknown[]) =>
    (await h.platform.db.query(sql, params)).rows.length;

  const orderId = newId();
  const memberId = newId();
  const intentEvent = {
    id: 'evt_intent_1',
    object: 'event',
    type: 'payment_intent.succeeded',
    data: {
      object: {
        id: 'pi_webhook_1',
        object: 'payment_intent',
        amount: 2500,
        currency: 'eur',
        status: 'succeeded',
        metadata: { order_id: orderId, member_id: memberId },
      },
    },
  };

  it('records a charge it had not recorded (lost response) once, however often it is delivered', async () => {
    const first = await signed(intentEvent);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ received: true, duplicate: false });
    const again = await signed(intentEvent);
    expect(again.json()).toEqual({ received: true, duplicate: true });
    const paid = await h.call('GET', `/api/payments/order/${orderId}`, h.adminToken);
    expect(paid.body).toMatchObject({
      amount: 2500,
      currency: 'EUR',
      provider: 'stripe',
      transaction_id: 'pi_webhook_1',
      member_id: memberId,
    });
    expect(
      await count(
        "SELECT 1 FROM kernel.outbox WHERE key = $1 AND event->>'type' = 'payment_succeeded'",
        [orderId],
      ),
    ).toBe(1);
  });

  it('applies a refund made in Stripe once (charge.refunded)', async () => {
    const event = {
      id: 'evt_refund_1',
      object: 'event',
      type: 'charge.refunded',
      data: {
        object: {
          id: 'ch_webhook_1',
          object: 'charge',
          payment_intent: 'pi_webhook_1',
          amount_refunded: 1000,
          refunds: { data: [{ id: 're_webhook_1' }] },
        },
      },
    };
    expect((await signed(event)).json()).toEqual({ received: true, duplicate: false });
    expect((await signed(event)).json()).toEqual({ received: true, duplicate: true });
    const paid = await h.call('GET', `/api/payments/order/${orderId}`, h.adminToken);
    expect(paid.body).toMatchObject({ status: 'partially_refunded', refunded_amount: 1000 });
    expect(
      await count("SELECT 1 FROM payments.refunds WHERE provider_refund_id = 're_webhook_1'", []),
    ).toBe(1);
  });

  const shapeIntent = () => ({
    id: 'pi_shape',
    object: 'payment_intent',
    status: 'succeeded',
    metadata: { order_id: newId(), member_id: newId() },
  });
  it.each([
    ['an intent without amount or currency', 'payment_intent.succeeded', shapeIntent()],
    [
      'an intent whose amount is text',
      'payment_intent.succeeded',
      { ...shapeIntent(), amount: 'lots', currency: 'eur' },
    ],
    [
      'a refund without amount_refunded',
      'charge.refunded',
      { id: 'ch_shape', object: 'charge', payment_intent: 'pi_webhook_1' },
    ],
    ['an object that is a string', 'payment_intent.succeeded', 'pi_shape'],
  ])(
    'answers 200 (ignored, logged) for a signed event with an unexpected shape: %s',
    async (label, type, object) => {
      const id = `evt_shape_${label.replace(/\W+/g, '_')}`;
      const res = await signed({ id, object: 'event', type, data: { object } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ received: true, duplicate: false, ignored: true });
      expect(
        await count('SELECT 1 FROM payments.payments WHERE transaction_id = $1', ['pi_shape']),
      ).toBe(0);
      const paid = await h.call('GET', `/api/payments/order/${orderId}`, h.adminToken);
      expect(paid.body.refunded_amount).toBe(1000);
    },
  );

  it('refuses a signed body that is not a Stripe event (no id, type or data) with 400', async () => {
    for (const [field, event] of [
      ['body.id', { object: 'event', type: 'payment_intent.succeeded', data: { object: {} } }],
      ['body.type', { id: 'evt_no_type', object: 'event', data: { object: {} } }],
      ['body.type', { id: 'evt_long_type', type: 'x'.repeat(101), data: { object: {} } }],
      ['body.data', { id: 'evt_no_data', object: 'event', type: 'payment_intent.succeeded' }],
    ] as const) {
      const res = await signed(event);
      expect(res.statusCode, field).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors[0].field).toBe(field);
    }
    const notJson = '{"id": "evt_broken", ';
    const res = await post(
      notJson,
      Stripe.webhooks.generateTestHeaderString({ payload: notJson, secret }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('/problems/invalid-webhook-event');
  });

  it('refunds at once a charge that lands for a voided order (checkout undone or cancelled)', async () => {
    const voidedOrder = newId();
    const voided = await h.call('POST', '/api/payments/void', h.serviceToken, {
      order_id: voidedOrder,
    });
    expect(voided.body).toEqual({ order_id: voidedOrder, payment: null });
    const late = {
      ...intentEvent,
      id: 'evt_intent_late',
      data: {
        object: {
          ...intentEvent.data.object,
          id: 'pi_webhook_late',
          metadata: { order_id: voidedOrder, member_id: memberId },
        },
      },
    };
    expect((await signed(late)).json()).toEqual({ received: true, duplicate: false });
    const paid = await h.call('GET', `/api/payments/order/${voidedOrder}`, h.adminToken);
    expect(paid.body).toMatchObject({
      transaction_id: 'pi_webhook_late',
      status: 'refunded',
      refunded_amount: 2500,
    });
    const types = await h.platform.db.query<{ t: string }>(
      "SELECT event->>'type' AS t FROM kernel.outbox WHERE key = $1 ORDER BY position",
      [voidedOrder],
    );
    expect(types.rows.map((r) => r.t)).toEqual(['payment_succeeded', 'payment_refunded']);
  });

  it('refuses a bad or missing signature with 400 and records nothing', async () => {
    const payload = JSON.stringify({ ...intentEvent, id: 'evt_forged' });
    const wrong = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other' });
    const forged = await post(payload, wrong);
    expect(forged.statusCode).toBe(400);
    expect(forged.json().type).toBe('/problems/invalid-signature');
    // A valid signature of another body does not carry over to this one.
    const other = Stripe.webhooks.generateTestHeaderString({ payload: '{}', secret });
    expect((await post(payload, other)).statusCode).toBe(400);
    expect((await post(payload, null)).statusCode).toBe(400);
    expect(await count("SELECT 1 FROM payments.webhook_events WHERE id = 'evt_forged'", [])).toBe(
      0,
    );
  });
});
