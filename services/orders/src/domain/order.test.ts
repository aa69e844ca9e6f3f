import { describe, expect, it } from 'vitest';
import { firstStep, nextStep, previousStep, retryDelayMs, stepKey } from './checkout-steps.ts';
import { canTransition, looksLikeCardNumber, priceOrder, splitRefund } from './order.ts';

const line = (unitPrice: number, quantity: number, currency = 'USD') => ({
  productId: 'p',
  productName: 'n',
  unitPrice,
  currency,
  quantity,
});

describe('order status machine', () => {
  it('allows pending → processing → shipped → delivered and cancel from pending or processing only', () => {
    expect(canTransition('pending', 'processing')).toBe(true);
    expect(canTransition('processing', 'shipped')).toBe(true);
    expect(canTransition('shipped', 'delivered')).toBe(true);
    expect(canTransition('pending', 'cancelled')).toBe(true);
    expect(canTransition('processing', 'cancelled')).toBe(true);
    expect(canTransition('shipped', 'cancelled')).toBe(false);
    expect(canTransition('delivered', 'shipped')).toBe(false);
    expect(canTransition('pending', 'shipped')).toBe(false);
    expect(canTransition('cancelled', 'processing')).toBe(false);
  });
  it('ends a paid order refunded in full: no shipping, delivery or cancel after that', () => {
    for (const from of ['processing', 'shipped', 'delivered'] as const)
      expect(canTransition(from, 'refunded')).toBe(true);
    for (const to of ['shipped', 'delivered', 'cancelled', 'processing'] as const)
      expect(canTransition('refunded', to)).toBe(false);
    expect(canTransition('pending', 'refunded')).toBe(false);
    expect(canTransition('cancelled', 'refunded')).toBe(false);
  });
});

describe('pricing', () => {
  it('totals in minor units and splits points (at their value) from cash', () => {
    expect(priceOrder([line(2_500, 2), line(199, 3)], 1_000, 2)).toEqual({
      currency: 'USD',
      totalAmount: 5_597,
      pointsUsed: 1_000,
      pointsValue: 2_000,
      cashAmount: 3_597,
    });
  });
  it('refuses mixed currencies, points worth more than the total, and absurd totals', () => {
    expect(priceOrder([line(1, 1), line(1, 1, 'EUR')], 0, 1)).toMatchObject({
      problem: 'mixed-currencies',
    });
    expect(priceOrder([line(1_000, 1)], 501, 2)).toEqual({
      problem: 'points-exceed-total',
      pointsMax: 500,
    });
    expect(priceOrder([line(1_000, 1)], 500, 2)).toMatchObject({ cashAmount: 0 });
    expect(priceOrder([line(100_000_000, 100)], 0, 1)).toMatchObject({
      problem: 'order-total-too-large',
    });
  });
  it('recognizes raw card numbers but not provider tokens', () => {
    expect(looksLikeCardNumber('4242424242424242')).toBe(true);
    expect(looksLikeCardNumber('4242 4242 4242 4242')).toBe(true);
    expect(looksLikeCardNumber('4242-4242-4242-4242')).toBe(true);
    expect(looksLikeCardNumber('tok_visa')).toBe(false);
    expect(looksLikeCardNumber('123456789012')).toBe(false);
  });
});

describe('refund split', () => {
  const paid = { cashAmount: 4_000, pointsUsed: 1_000, refundedCash: 0, reversedPoints: 0 };
  it('returns points in proportion on the running total, rounding down, and all of them at the end', () => {
    expect(splitRefund(paid, 1_001)).toEqual({ cash: 1_001, points: 250, full: false });
    const after = { ...paid, refundedCash: 1_001, reversedPoints: 250 };
    expect(splitRefund(after, 1_001)).toEqual({ cash: 1_001, points: 500 - 250, full: false });
    expect(splitRefund(after)).toEqual({ cash: 2_999, points: 750, full: true });
  });
  it('returns all points of an order paid with points only, and refuses what is not left', () => {
    expect(splitRefund({ ...paid, cashAmount: 0 })).toEqual({ cash: 0, points: 1_000, full: true });
    expect(splitRefund(paid, 4_001)).toEqual({
      problem: 'refund-exceeds-remaining',
      remaining: 4_000,
    });
    expect(splitRefund({ ...paid, refundedCash: 4_000, reversedPoints: 1_000 })).toEqual({
      problem: 'nothing-to-refund',
    });
  });
  it('does not overflow on large amounts', () => {
    const big = {
      cashAmount: 999_999_999,
      pointsUsed: 999_999_999,
      refundedCash: 0,
      reversedPoints: 0,
    };
    expect(splitRefund(big, 333_333_333)).toEqual({
      cash: 333_333_333,
      points: 333_333_333,
      full: false,
    });
  });
});

describe('checkout steps', () => {
  const both = { pointsUsed: 10, cashAmount: 10 };
  it('runs only the steps an order needs, and undoes them newest first', () => {
    expect(firstStep(both)).toBe('reserve');
    expect(nextStep('reserve', both)).toBe('hold');
    expect(nextStep('reserve', { pointsUsed: 0, cashAmount: 10 })).toBe('charge');
    expect(nextStep('hold', { pointsUsed: 10, cashAmount: 0 })).toBe('capture');
    expect(nextStep('commit', both)).toBeNull();
    expect(previousStep('capture', both)).toBe('charge');
    expect(previousStep('charge', { pointsUsed: 0, cashAmount: 10 })).toBe('reserve');
    expect(previousStep('reserve', both)).toBeNull();
  });
  it('derives keys from the order and step, and backs off exponentially with a cap', () => {
    expect(stepKey('o1', 'charge')).toBe('order:o1:charge');
    expect(stepKey('o1', 'charge', true)).toBe('order:o1:charge:undo');
    expect([1, 2, 3, 10].map((a) => retryDelayMs(a, 100, 1_000))).toEqual([100, 200, 400, 1_000]);
  });
});
