// The Stripe provider with the real `stripe` library against a local fake of Stripe's HTTP API
// (testing/fake-stripe.ts): Stripe cannot be reached from here. The tests assert what the
// library sent and what the provider made of Stripe's documented answers.
import { chargeProcessingMaxMs } from '@redemption/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../testing/fake-stripe.ts';
import { InvalidPaymentToken, PaymentDeclined, ProviderUnavailable } from './payment-provider.ts';
import {
  createStripeProvider,
  stripeCallsPerChargeMax,
  stripeNetworkRetriesMax,
  stripeTimeoutMs,
} from './stripe.provider.ts';

const secretKey = 'sk_test_fake_123';

describe('Stripe provider against a fake Stripe API', () => {
  let stripe: FakeStripe;
  let provider: ReturnType<typeof createStripeProvider>;
  beforeAll(async () => {
    stripe = await startFakeStripe();
    provider = createStripeProvider({ secretKey, apiBase: stripe.url });
  });
  afterAll(() => stripe.close());
  beforeEach(() => {
    stripe.seen.length = 0;
    stripe.confirmDelayMs = 0;
  });

  const prepare = (token: string, idempotencyKey = `key-${Math.random()}`) =>
    provider.prepare({
      amount: 4999,
      currency: 'USD',
      token,
      idempotencyKey,
      metadata: { order_id: 'o-1' },
    });
  const charge = async (token: string, key = `key-${Math.random()}`) => {
    const { transactionId } = await prepare(token, key);
    return provider.confirm({ transactionId, idempotencyKey: `${key}:confirm` });
  };

  it('prepares an unconfirmed card-only PaymentIntent from the token, then confirms it', async () => {
    const { transactionId } = await prepare('tok_visa', 'key-1');
    expect(stripe.intents.get(transactionId)?.status).toBe('requires_confirmation');
    expect(stripe.seen.map((s) => s.path)).toEqual(['/v1/payment_methods', '/v1/payment_intents']);
    for (const s of stripe.seen) expect(s.auth).toBe(`Bearer ${secretKey}`);
    expect(stripe.seen[0]!.idempotencyKey).toBe('key-1:pm');
    expect(stripe.seen[0]!.form.get('card[token]')).toBe('tok_visa');
    const intent = stripe.seen[1]!;
    expect(intent.idempotencyKey).toBe('key-1');
    expect(intent.form.get('amount')).toBe('4999');
    expect(intent.form.get('currency')).toBe('usd');
    expect(intent.form.get('confirm')).toBeNull();
    expect(intent.form.get('payment_method')).toBe('pm_from_tok_visa');
    expect(intent.form.get('allowed_payment_method_types[0]')).toBe('card');
    expect(intent.form.get('metadata[order_id]')).toBe('o-1');

    const res = await provider.confirm({ transactionId, idempotencyKey: 'key-1:confirm' });
    expect(res).toEqual({ transactionId, card: { brand: 'visa', last4: '4242' } });
    const confirm = stripe.seen[2]!;
    expect(confirm.path).toBe(`/v1/payment_intents/${transactionId}/confirm`);
    expect(confirm.idempotencyKey).toBe('key-1:confirm');
    expect(confirm.form.get('error_on_requires_action')).toBe('true');
  });

  it('prepares the same intent for the same key (a retry creates nothing new)', async () => {
    const a = await prepare('tok_visa', 'key-same');
    const b = await prepare('tok_visa', 'key-same');
    expect(b.transactionId).toBe(a.transactionId);
  });

  it('uses a pm_ token as the payment method directly', async () => {
    await prepare('pm_card_visa');
    expect(stripe.seen.map((s) => s.path)).toEqual(['/v1/payment_intents']);
    expect(stripe.seen[0]!.form.get('payment_method')).toBe('pm_card_visa');
  });

  it('maps card_error decline codes to declines', async () => {
    await expect(charge('tok_chargeDeclined')).rejects.toMatchObject({
      declineCode: 'card_declined',
      providerCode: 'generic_decline',
    });
    await expect(charge('tok_chargeDeclinedInsufficientFunds')).rejects.toBeInstanceOf(
      PaymentDeclined,
    );
    await expect(charge('tok_chargeDeclinedInsufficientFunds')).rejects.toMatchObject({
      declineCode: 'insufficient_funds',
    });
  });

  it('maps a 500 to a provider error, retrying only with the same Idempotency-Key', async () => {
    await expect(charge('tok_chargeDeclinedProcessingError', 'key-500')).rejects.toBeInstanceOf(
      ProviderUnavailable,
    );
    const confirms = stripe.seen.filter((s) => s.path.endsWith('/confirm'));
    expect(confirms.length).toBeGreaterThanOrEqual(1);
    for (const s of confirms) expect(s.idempotencyKey).toBe('key-500:confirm');
  });

  it('maps an unknown token to InvalidPaymentToken', async () => {
    await expect(prepare('tok_missing')).rejects.toBeInstanceOf(InvalidPaymentToken);
  });

  it('maps a connection failure to a provider error', async () => {
    const dead = createStripeProvider({ secretKey, apiBase: 'http://127.0.0.1:1' });
    await expect(
      dead.prepare({
        amount: 1,
        currency: 'USD',
        token: 'pm_card_visa',
        idempotencyKey: 'k',
        metadata: {},
      }),
    ).rejects.toBeInstanceOf(ProviderUnavailable);
    await expect(dead.retrieve('pi_x')).rejects.toBeInstanceOf(ProviderUnavailable);
  });

  it('retrieves what became of an intent: processing while confirming, then succeeded', async () => {
    stripe.confirmDelayMs = 300;
    const { transactionId } = await prepare('tok_visa');
    expect(await provider.retrieve(transactionId)).toEqual({ status: 'requires_confirmation' });
    const confirming = provider.confirm({ transactionId, idempotencyKey: 'slow:confirm' });
    await new Promise((r) => setTimeout(r, 100));
    expect(await provider.retrieve(transactionId)).toEqual({ status: 'processing' });
    await confirming;
    expect(await provider.retrieve(transactionId)).toEqual({
      status: 'succeeded',
      charge: { transactionId, card: { brand: 'visa', last4: '4242' } },
    });
    const get = stripe.seen.find((s) => s.method === 'GET')!;
    expect(get.path).toBe(`/v1/payment_intents/${transactionId}`);
    expect(get.auth).toBe(`Bearer ${secretKey}`);
  });

  it('retrieves a declined intent as failed with its decline code', async () => {
    const key = 'declined';
    const { transactionId } = await prepare('tok_chargeDeclinedInsufficientFunds', key);
    await expect(provider.confirm({ transactionId, idempotencyKey: key })).rejects.toBeInstanceOf(
      PaymentDeclined,
    );
    expect(await provider.retrieve(transactionId)).toEqual({
      status: 'failed',
      declineCode: 'insufficient_funds',
    });
  });

  it('cancels an unconfirmed intent (a later confirm fails), but not a confirmed one', async () => {
    const { transactionId } = await prepare('tok_visa');
    expect(await provider.cancel(transactionId, 'c-1')).toEqual({ status: 'canceled' });
    expect(stripe.seen.at(-1)).toMatchObject({
      method: 'POST',
      path: `/v1/payment_intents/${transactionId}/cancel`,
      idempotencyKey: 'c-1',
    });
    await expect(
      provider.confirm({ transactionId, idempotencyKey: 'late' }),
    ).rejects.toBeInstanceOf(ProviderUnavailable);
    const paid = await charge('tok_visa', 'paid');
    expect(await provider.cancel(paid.transactionId, 'c-2')).toMatchObject({
      status: 'succeeded',
    });
  });

  it('refunds through POST /v1/refunds with the key and the secret', async () => {
    const paid = await charge('tok_visa');
    stripe.seen.length = 0;
    const res = await provider.refund({
      transactionId: paid.transactionId,
      amount: 700,
      idempotencyKey: 'rk-1',
    });
    expect(res.refundId).toMatch(/^re_/);
    expect(stripe.seen).toHaveLength(1);
    expect(stripe.seen[0]).toMatchObject({
      path: '/v1/refunds',
      auth: `Bearer ${secretKey}`,
      idempotencyKey: 'rk-1',
    });
    expect(stripe.seen[0]!.form.get('payment_intent')).toBe(paid.transactionId);
    expect(stripe.seen[0]!.form.get('amount')).toBe('700');
  });

  it('answers within the processing window the saga allows a charge (contracts)', () => {
    const longestChargeMs =
      stripeCallsPerChargeMax * stripeTimeoutMs * (1 + stripeNetworkRetriesMax);
    expect(longestChargeMs).toBeLessThanOrEqual(chargeProcessingMaxMs);
  });
});
