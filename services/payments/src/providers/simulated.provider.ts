import { randomBytes } from 'node:crypto';
import type { Card, DeclineCode } from '../domain/payment.ts';
import {
  InvalidPaymentToken,
  PaymentDeclined,
  ProviderUnavailable,
  type ChargeResult,
  type PaymentProvider,
} from './payment-provider.ts';

/** Stripe's test tokens and the last4 of the test cards behind them. */
const testCards: Record<string, Card> = {
  tok_visa: { brand: 'visa', last4: '4242' },
  tok_mastercard: { brand: 'mastercard', last4: '4444' },
  tok_amex: { brand: 'amex', last4: '8431' },
};
const declines: Record<string, DeclineCode> = {
  tok_chargeDeclined: 'card_declined',
  tok_chargeDeclinedInsufficientFunds: 'insufficient_funds',
};
const processingErrorToken = 'tok_chargeDeclinedProcessingError';
const slowToken = 'tok_slow';
/** Remembered idempotency keys; the oldest are forgotten first (it is a simulator, in memory). */
const rememberedKeysMax = 10_000;

type Remembered = { ok: ChargeResult } | { declined: DeclineCode };

const providerId = (prefix: string): string => `${prefix}_sim_${randomBytes(12).toString('hex')}`;

/**
 * A deterministic stand-in for Stripe: no network, Stripe's test tokens. Idempotent per key, so
 * a retried charge returns the same transaction id, as Stripe's Idempotency-Key does.
 */
export function createSimulatedProvider(opts: { slowMs: number }): PaymentProvider {
  const charges = new Map<string, Remembered>();
  const refunds = new Map<string, string>();
  const remember = <V>(map: Map<string, V>, key: string, value: V): void => {
    if (map.size >= rememberedKeysMax) map.delete(map.keys().next().value!);
    map.set(key, value);
  };

  async function decide(token: string): Promise<Remembered> {
    if (token === slowToken) {
      await new Promise((r) => setTimeout(r, opts.slowMs));
      return { ok: { transactionId: providerId('pi'), card: testCards['tok_visa']! } };
    }
    const card = testCards[token];
    if (card) return { ok: { transactionId: providerId('pi'), card } };
    const declined = declines[token];
    if (declined) return { declined };
    // A processing error is not remembered: like a 5xx, a retry may succeed.
    if (token === processingErrorToken) throw new ProviderUnavailable('simulated processing error');
    throw new InvalidPaymentToken(`unknown test token`);
  }

  return {
    name: 'simulated',
    async charge({ token, idempotencyKey }) {
      const outcome = charges.get(idempotencyKey) ?? (await decide(token));
      remember(charges, idempotencyKey, outcome);
      if ('declined' in outcome) throw new PaymentDeclined(outcome.declined);
      return outcome.ok;
    },
    async refund({ idempotencyKey }) {
      const refundId = refunds.get(idempotencyKey) ?? providerId('re');
      remember(refunds, idempotencyKey, refundId);
      return { refundId };
    },
  };
}
