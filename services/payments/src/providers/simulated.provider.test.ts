import { describe, expect, it } from 'vitest';
import { InvalidPaymentToken, PaymentDeclined, ProviderUnavailable } from './payment-provider.ts';
import { createSimulatedProvider } from './simulated.provider.ts';

describe('simulated provider', () => {
  const provider = createSimulatedProvider({ slowMs: 30 });
  const prepare = (token: string, idempotencyKey = `k-${Math.random()}`) =>
    provider.prepare({ amount: 1000, currency: 'USD', token, idempotencyKey, metadata: {} });
  const charge = async (token: string, key = `k-${Math.random()}`) => {
    const { transactionId } = await prepare(token, key);
    return provider.confirm({ transactionId, idempotencyKey: `${key}:confirm` });
  };

  it('charges the success tokens with their test card', async () => {
    expect((await charge('tok_visa')).card).toEqual({ brand: 'visa', last4: '4242' });
    expect((await charge('tok_mastercard')).card).toEqual({ brand: 'mastercard', last4: '4444' });
    expect((await charge('tok_amex')).card).toEqual({ brand: 'amex', last4: '8431' });
  });

  it('prepares the same charge for the same key and a new one for another key', async () => {
    const a = await prepare('tok_visa', 'same');
    const b = await prepare('tok_visa', 'same');
    const c = await prepare('tok_visa', 'other');
    expect(b.transactionId).toBe(a.transactionId);
    expect(c.transactionId).not.toBe(a.transactionId);
    const [x, y] = await Promise.all([
      provider.confirm({ transactionId: a.transactionId, idempotencyKey: 'k1' }),
      provider.confirm({ transactionId: a.transactionId, idempotencyKey: 'k2' }),
    ]);
    expect(y).toEqual(x);
  });

  it('declines, fails and refuses the error tokens', async () => {
    await expect(charge('tok_chargeDeclined')).rejects.toMatchObject({
      declineCode: 'card_declined',
    });
    await expect(charge('tok_chargeDeclinedInsufficientFunds')).rejects.toBeInstanceOf(
      PaymentDeclined,
    );
    await expect(charge('tok_chargeDeclinedProcessingError')).rejects.toBeInstanceOf(
      ProviderUnavailable,
    );
    await expect(prepare('tok_unknown')).rejects.toBeInstanceOf(InvalidPaymentToken);
  });

  it('takes its time with tok_slow (processing meanwhile) and then succeeds', async () => {
    const started = Date.now();
    const { transactionId } = await prepare('tok_slow');
    expect(await provider.retrieve(transactionId)).toEqual({ status: 'requires_confirmation' });
    const confirming = provider.confirm({ transactionId, idempotencyKey: 'slow' });
    expect(await provider.retrieve(transactionId)).toEqual({ status: 'processing' });
    const res = await confirming;
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(res.transactionId).toMatch(/^pi_sim_/);
    expect(await provider.retrieve(transactionId)).toMatchObject({ status: 'succeeded' });
  });

  it('says what became of a charge: failed with its code, cancelled, or unknown (restarted)', async () => {
    const declined = await prepare('tok_chargeDeclinedInsufficientFunds');
    await expect(
      provider.confirm({ transactionId: declined.transactionId, idempotencyKey: 'd' }),
    ).rejects.toBeInstanceOf(PaymentDeclined);
    expect(await provider.retrieve(declined.transactionId)).toEqual({
      status: 'failed',
      declineCode: 'insufficient_funds',
    });
    const unconfirmed = await prepare('tok_visa');
    expect(await provider.cancel(unconfirmed.transactionId, 'c')).toEqual({ status: 'canceled' });
    await expect(
      provider.confirm({ transactionId: unconfirmed.transactionId, idempotencyKey: 'late' }),
    ).rejects.toBeInstanceOf(ProviderUnavailable);
    const restarted = createSimulatedProvider({ slowMs: 30 });
    expect(await restarted.retrieve(unconfirmed.transactionId)).toEqual({ status: 'canceled' });
  });

  it('refunds idempotently per key', async () => {
    const a = await provider.refund({ transactionId: 'pi_x', amount: 5, idempotencyKey: 'r1' });
    const b = await provider.refund({ transactionId: 'pi_x', amount: 5, idempotencyKey: 'r1' });
    expect(b.refundId).toBe(a.refundId);
  });
});
