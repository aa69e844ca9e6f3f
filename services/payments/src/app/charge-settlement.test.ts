/**
 * Unknown charge outcomes are settled by asking the provider, never by a timer: a request that
 * died mid-charge (its process killed) is resumed by its retry, whatever the provider did
 * meanwhile; a void settles or cancels what is in flight and refunds what lands later.
 * Two "processes" share one database and one fake Stripe; the first never hears back.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@redemption/kernel';
import type { PaymentProvider } from '../providers/payment-provider.ts';
import { createStripeProvider } from '../providers/stripe.provider.ts';
import { startFakeStripe, type FakeStripe } from '../testing/fake-stripe.ts';
import { startPayments, type PaymentsHarness } from '../testing/payments-harness.ts';
import { createPaymentService } from './payment.service.ts';
import { createRefundService } from './refund.service.ts';

const waitFor = async (check: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('charges whose outcome is unknown (fake Stripe)', () => {
  let h: PaymentsHarness;
  let stripe: FakeStripe;
  let provider: PaymentProvider;
  beforeAll(async () => {
    h = await startPayments();
    stripe = await startFakeStripe();
    provider = createStripeProvider({ secretKey: 'sk_test_x', apiBase: stripe.url });
  });
  afterAll(async () => {
    await h?.close();
    await stripe?.close();
  });

  /** Payments as one process builds it, with `p` as its provider. */
  const service = (p: PaymentProvider) => {
    const events = h.platform.events.publisher;
    const refunds = createRefundService({ provider: p, events });
    return createPaymentService({ db: h.platform.db, provider: p, events, refunds });
  };
  /** A process that dies in the middle of confirming: the call reaches Stripe, the answer never comes back. */
  const dyingInConfirm: () => PaymentProvider = () => ({
    ...provider,
    confirm: (input) => {
      void provider.confirm(input).catch(() => undefined);
      return new Promise(() => undefined);
    },
  });
  const dyingBeforeConfirm: () => PaymentProvider = () => ({
    ...provider,
    confirm: () => new Promise(() => undefined),
  });
  const request = () => ({
    order_id: newId(),
    member_id: newId(),
    amount: 2_000,
    currency: 'USD',
    payment_method: 'card' as const,
    token: 'pm_card_visa',
  });
  const noCommit = async () => undefined;
  const intentsOf = (orderId: string) =>
    [...stripe.intents.values()].filter((i) => i.metadata['order_id'] === orderId);
  const attemptsOf = async (orderId: string) =>
    (
      await h.platform.db.query<{ outcome: string }>(
        'SELECT outcome FROM payments.payment_attempts WHERE order_id = $1 ORDER BY created_at',
        [orderId],
      )
    ).rows.map((r) => r.outcome);

  it('a retry of the dead request asks Stripe: in progress (409) until it succeeded, then it is recorded once', async () => {
    stripe.confirmDelayMs = 300;
    const req = request();
    const key = `key-${randomUUID()}`;
    void service(dyingInConfirm()).process(req, key, noCommit);
    await waitFor(() => stripe.confirming() === 1);
    const retry = service(provider);
    await expect(retry.process(req, key, noCommit)).rejects.toMatchObject({
      status: 409,
      slug: 'payment-in-progress',
    });
    await waitFor(() => stripe.confirming() === 0);
    const done = await retry.process(req, key, noCommit);
    expect(done).toMatchObject({ status: 201, payment: { amount: 2_000, status: 'succeeded' } });
    expect(intentsOf(req.order_id)).toHaveLength(1);
    expect(await attemptsOf(req.order_id)).toEqual(['succeeded']);
  });

  it('a retry of a request that died before confirming confirms the same charge, once', async () => {
    stripe.confirmDelayMs = 0;
    const req = request();
    const key = `key-${randomUUID()}`;
    void service(dyingBeforeConfirm()).process(req, key, noCommit);
    await waitFor(() => intentsOf(req.order_id).length === 1);
    await new Promise((r) => setTimeout(r, 50)); // its id is stored before confirm is called
    const done = await service(provider).process(req, key, noCommit);
    expect(done.status).toBe(201);
    expect(intentsOf(req.order_id).map((i) => i.status)).toEqual(['succeeded']);
  });

  it('another request for the order is told to wait (409), not charged a second time', async () => {
    stripe.confirmDelayMs = 300;
    const req = request();
    void service(dyingInConfirm()).process(req, 'first', noCommit);
    await waitFor(() => stripe.confirming() === 1);
    await expect(service(provider).process(req, 'second', noCommit)).rejects.toMatchObject({
      slug: 'payment-in-progress',
    });
    await waitFor(() => stripe.confirming() === 0);
    // Stripe now says succeeded: the other request records that charge and answers with it.
    const answer = await service(provider).process(req, 'second', noCommit);
    expect(answer.payment.transaction_id).toBe(intentsOf(req.order_id)[0]!.id);
    expect(intentsOf(req.order_id)).toHaveLength(1);
  });

  it('a void cancels a charge that was never confirmed; the dead request cannot confirm it later', async () => {
    stripe.confirmDelayMs = 0;
    const req = request();
    const key = `key-${randomUUID()}`;
    void service(dyingBeforeConfirm()).process(req, key, noCommit);
    await waitFor(() => intentsOf(req.order_id).length === 1);
    await new Promise((r) => setTimeout(r, 50));
    const voided = await service(provider).voidOrder(req.order_id, 'test', 'void-1', noCommit);
    expect(voided.payment).toBeNull();
    expect(intentsOf(req.order_id).map((i) => i.status)).toEqual(['canceled']);
    expect(await attemptsOf(req.order_id)).toEqual(['abandoned']);
    await expect(service(provider).process(req, key, noCommit)).rejects.toMatchObject({
      slug: 'order-voided',
    });
  });

  it('a void during a confirmation waits (409); the charge that lands is refunded in full', async () => {
    stripe.confirmDelayMs = 300;
    const req = request();
    void service(dyingInConfirm()).process(req, `key-${randomUUID()}`, noCommit);
    await waitFor(() => stripe.confirming() === 1);
    const voids = service(provider);
    await expect(voids.voidOrder(req.order_id, 'test', 'void-2', noCommit)).rejects.toMatchObject({
      slug: 'payment-in-progress',
    });
    await waitFor(() => stripe.confirming() === 0);
    const voided = await voids.voidOrder(req.order_id, 'test', 'void-2', noCommit);
    expect(voided.payment).toMatchObject({ status: 'refunded', refunded_amount: 2_000 });
    const [intent] = intentsOf(req.order_id);
    expect(intent).toMatchObject({ status: 'succeeded', amount_refunded: 2_000 });
  });
});

describe('voiding an order (simulated provider)', () => {
  let h: PaymentsHarness;
  beforeAll(async () => {
    h = await startPayments({ env: { SIMULATED_SLOW_MS: '300' } });
  });
  afterAll(() => h?.close());

  const voidOrder = (orderId: string, key?: string) =>
    h.call('POST', '/api/payments/void', h.serviceToken, { order_id: orderId }, key);
  const charge = (orderId: string, token = 'tok_visa') =>
    h.call('POST', '/api/payments/process', h.serviceToken, {
      order_id: orderId,
      member_id: newId(),
      amount: 1_500,
      currency: 'USD',
      payment_method: 'card',
      token,
    });

  it('of an order never charged: nothing to refund, and it is never charged after', async () => {
    const orderId = newId();
    const res = await voidOrder(orderId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ order_id: orderId, payment: null });
    const late = await charge(orderId);
    expect(late.status).toBe(409);
    expect(late.body.type).toBe('/problems/order-voided');
  });

  it('of a paid order: refunded in full, once, however often it is voided', async () => {
    const orderId = newId();
    expect((await charge(orderId)).status).toBe(201);
    const key = randomUUID();
    const first = await voidOrder(orderId, key);
    expect(first.body.payment).toMatchObject({ status: 'refunded', refunded_amount: 1_500 });
    expect((await voidOrder(orderId, key)).body).toEqual(first.body);
    expect((await voidOrder(orderId)).body.payment.refunded_amount).toBe(1_500);
    const refunds = await h.platform.db.query(
      'SELECT 1 FROM payments.refunds r JOIN payments.payments p ON p.id = r.payment_id WHERE p.order_id = $1',
      [orderId],
    );
    expect(refunds.rows).toHaveLength(1);
  });

  it('while a slow charge is in flight: 409 until it lands, and the landed charge goes back', async () => {
    const orderId = newId();
    const slow = charge(orderId, 'tok_slow');
    await new Promise((r) => setTimeout(r, 100));
    const during = await voidOrder(orderId);
    expect(during.status).toBe(409);
    expect(during.body.type).toBe('/problems/payment-in-progress');
    const landed = await slow;
    expect(landed.status).toBe(409);
    expect(landed.body.type).toBe('/problems/order-voided');
    const paid = await h.call('GET', `/api/payments/order/${orderId}`, h.adminToken);
    expect(paid.body).toMatchObject({ status: 'refunded', refunded_amount: 1_500 });
    expect((await voidOrder(orderId)).body.payment.status).toBe('refunded');
  });

  it('needs admin or service, an Idempotency-Key and a uuid order_id (400 naming it)', async () => {
    const m = await h.member();
    const member = await h.call('POST', '/api/payments/void', m.token, { order_id: newId() });
    expect(member.status).toBe(403);
    const bad = await h.call('POST', '/api/payments/void', h.adminToken, { order_id: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.order_id');
    const keyless = await h.call(
      'POST',
      '/api/payments/void',
      h.adminToken,
      { order_id: newId() },
      null,
    );
    expect(keyless.status).toBe(400);
  });
});
