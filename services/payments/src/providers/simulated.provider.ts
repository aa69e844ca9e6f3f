import { randomBytes } from 'node:crypto';
import type { Card, DeclineCode } from '../domain/payment.ts';
import {
  InvalidPaymentToken,
  PaymentDeclined,
  ProviderUnavailable,
  type ChargeResult,
  type ChargeState,
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
const knownTokens = new Set([
  ...Object.keys(testCards),
  ...Object.keys(declines),
  processingErrorToken,
  slowToken,
]);

/** Remembered charges and keys; the oldest are forgotten first (it is a simulator, in memory). */
const rememberedMax = 10_000;

interface SimulatedCharge {
  token: string;
  state: ChargeState;
  /** The confirmation under way, shared by concurrent confirms as Stripe's key would be. */
  confirming?: Promise<ChargeResult>;
}

const providerId = (prefix: string): string => `${prefix}_sim_${randomBytes(12).toString('hex')}`;

/**
 * A deterministic stand-in for Stripe: no network, Stripe's test tokens, PaymentIntent-like
 * states. Idempotent per key, as Stripe's Idempotency-Key is. It lives in memory: after a
 * restart it knows none of its charges, and `retrieve` says `canceled`, which is the truth of
 * a simulated charge whose process died (no money ever existed outside it).
 */
export function createSimulatedProvider(opts: { slowMs: number }): PaymentProvider {
  const charges = new Map<string, SimulatedCharge>();
  const preparedByKey = new Map<string, string>();
  const refunds = new Map<string, string>();
  const remember = <V>(map: Map<string, V>, key: string, value: V): void => {
    if (map.size >= rememberedMax) map.delete(map.keys().next().value!);
    map.set(key, value);
  };

  async function decide(c: SimulatedCharge, transactionId: string): Promise<ChargeResult> {
    c.state = { status: 'processing' };
    if (c.token === slowToken) await new Promise((r) => setTimeout(r, opts.slowMs));
    const declined = declines[c.token];
    if (declined) {
      c.state = { status: 'failed', declineCode: declined };
      throw new PaymentDeclined(declined);
    }
    if (c.token === processingErrorToken) {
      c.state = { status: 'failed', declineCode: null };
      throw new ProviderUnavailable('simulated processing error');
    }
    const charge = { transactionId, card: testCards[c.token] ?? testCards['tok_visa']! };
    c.state = { status: 'succeeded', charge };
    return charge;
  }

  return {
    name: 'simulated',
    async prepare({ token, idempotencyKey }) {
      const known = preparedByKey.get(idempotencyKey);
      if (known) return { transactionId: known };
      if (!knownTokens.has(token)) throw new InvalidPaymentToken('unknown test token');
      const transactionId = providerId('pi');
      remember(charges, transactionId, { token, state: { status: 'requires_confirmation' } });
      remember(preparedByKey, idempotencyKey, transactionId);
      return { transactionId };
    },
    async confirm({ transactionId }) {
      const c = charges.get(transactionId);
      if (!c) throw new ProviderUnavailable('simulated charge unknown (the simulator restarted)');
      if (c.confirming) return c.confirming;
      if (c.state.status === 'canceled') throw new ProviderUnavailable('simulated charge canceled');
      c.confirming = decide(c, transactionId);
      return c.confirming;
    },
    async retrieve(transactionId) {
      return charges.get(transactionId)?.state ?? { status: 'canceled' };
    },
    async cancel(transactionId) {
      const c = charges.get(transactionId);
      if (!c) return { status: 'canceled' };
      if (c.state.status === 'requires_confirmation') c.state = { status: 'canceled' };
      return c.state;
    },
    async refund({ idempotencyKey }) {
      const refundId = refunds.get(idempotencyKey) ?? providerId('re');
      remember(refunds, idempotencyKey, refundId);
      return { refundId };
    },
  };
}
