import { describe, expect, it } from 'vitest';
import { InvalidPaymentToken, PaymentDeclined, ProviderUnavailable } from './payment-provider.ts';
import { createSimulatedProvider } from './simulated.provider.ts';

const charge = (token: string, idempotencyKey = `k-${Math.random()}`) => ({
  amount: 1000,
  currency: 'USD',
  token,
  idempotencyKey,
  metadata: {},
});

describe('simulated provider', () => {
  const provider = createSimulatedProvider({ slowMs: 30 });

  it('charges the success tokens with their test card', async () => {
    expect((await provider.charge(charge('tok_visa'))).card).toEqual({
      brand: 'visa',
      last4: '4242',
    });
    expect((await provider.charge(charge('tok_mastercard'))).card).toEqual({
      brand: 'mastercard',
      last4: '4444',
    });
    expect((await provider.charge(charge('tok_amex'))).card).toEqual({
      brand: 'amex',
      last4: '8431',
    });
  });

  it('returns the same transaction for the same key and a new one for another key', async () => {
    const a = await provider.charge(charge('tok_visa', 'same'));
    const b = await provider.charge(charge('tok_visa', 'same'));
    const c = await provider.charge(charge('tok_visa', 'other'));
    expect(b.transactionId).toBe(a.transactionId);
    expect(c.transactionId).not.toBe(a.transactionId);
  });

  it('declines, fails and refuses the error tokens', async () => {
    await expect(provider.charge(charge('tok_chargeDeclined'))).rejects.toMatchObject({
      declineCode: 'card_declined',
    });
    await expect(
      provider.charge(charge('tok_chargeDeclinedInsufficientFunds')),
    ).rejects.toBeInstanceOf(PaymentDeclined);
    await expect(
      provider.charge(charge('tok_chargeDeclinedProcessingError')),
    ).rejects.toBeInstanceOf(ProviderUnavailable);
    await expect(provider.charge(charge('tok_unknown'))).rejects.toBeInstanceOf(
      InvalidPaymentToken,
    );
  });

  it('takes its time with tok_slow and then succeeds', async () => {
    const started = Date.now();
    const res = await provider.charge(charge('tok_slow'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(res.transactionId).toMatch(/^pi_sim_/);
  });

  it('refunds idempotently per key', async () => {
    const a = await provider.refund({ transactionId: 'pi_x', amount: 5, idempotencyKey: 'r1' });
    const b = await provider.refund({ transactionId: 'pi_x', amount: 5, idempotencyKey: 'r1' });
    expect(b.refundId).toBe(a.refundId);
  });
});
