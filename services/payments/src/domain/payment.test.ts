import { describe, expect, it } from 'vitest';
import { looksLikePan, refundAmount, sameOrderVerdict, statusAfterRefund } from './payment.ts';

describe('payment rules', () => {
  it('recognises card numbers however they are typed, and not provider tokens', () => {
    expect(looksLikePan('4242424242424242')).toBe(true);
    expect(looksLikePan('4242 4242 4242 4242')).toBe(true);
    expect(looksLikePan('3782-822463-10005')).toBe(true);
    expect(looksLikePan('4000000000000')).toBe(true); // 13 digits
    expect(looksLikePan('424242424242')).toBe(false); // 12 digits
    expect(looksLikePan('42424242424242424242')).toBe(false); // 20 digits
    expect(looksLikePan('tok_visa')).toBe(false);
    expect(looksLikePan('pm_4242424242424242')).toBe(false);
  });

  it('refunds what is left by default and refuses more than that', () => {
    const p = { amount: 1000, refunded_amount: 300 };
    expect(refundAmount(p, undefined)).toBe(700);
    expect(refundAmount(p, 700)).toBe(700);
    expect(refundAmount(p, 701)).toBeNull();
    expect(refundAmount({ amount: 1000, refunded_amount: 1000 }, undefined)).toBeNull();
  });

  it('derives the status from the refunded amount', () => {
    expect(statusAfterRefund(1000, 0)).toBe('succeeded');
    expect(statusAfterRefund(1000, 1)).toBe('partially_refunded');
    expect(statusAfterRefund(1000, 1000)).toBe('refunded');
  });

  it('replays the payment of an order only for the same amount, currency and member', () => {
    const existing = { amount: 500, currency: 'USD', member_id: 'm1' };
    expect(sameOrderVerdict(existing, { ...existing })).toBe('replay');
    expect(sameOrderVerdict(existing, { ...existing, amount: 501 })).toBe('conflict');
    expect(sameOrderVerdict(existing, { ...existing, currency: 'EUR' })).toBe('conflict');
    expect(sameOrderVerdict(existing, { ...existing, member_id: 'm2' })).toBe('conflict');
  });
});
