import { randomBytes } from 'node:crypto';
import { createServiceTokens, newId, type Platform } from '@redemption/kernel';
import { startModule, type ModuleHarness } from '@redemption/kernel/testing';
import { paymentsModule } from '../index.ts';

export interface PaymentsHarness extends ModuleHarness {
  /** An internal token as the orders service would send it (role `service`). */
  serviceToken: string;
}

/** Payments alone, as `redemption serve payments` builds it; tokens minted by a test issuer. */
export async function startPayments(
  opts: { databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<PaymentsHarness> {
  const internalSecret = randomBytes(32).toString('base64url');
  const h = await startModule(paymentsModule, {
    ...opts,
    env: { INTERNAL_TOKEN_SECRET: internalSecret, SIMULATED_SLOW_MS: '50', ...opts.env },
  });
  return { ...h, serviceToken: await createServiceTokens(internalSecret).token('orders') };
}

/** A valid process body for a fresh order. */
export const chargeBody = (memberId: string, overrides: Record<string, unknown> = {}) => ({
  order_id: newId(),
  member_id: memberId,
  amount: 4999,
  currency: 'USD',
  payment_method: 'card',
  token: 'tok_visa',
  ...overrides,
});

/** Row counts of the payments tables, to assert that a refused request wrote nothing. */
export async function tableCounts(platform: Platform): Promise<Record<string, number>> {
  const { rows } = await platform.db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM payments.payments) AS payments,
            (SELECT count(*)::int FROM payments.payment_attempts) AS attempts,
            (SELECT count(*)::int FROM payments.refunds) AS refunds`,
  );
  return rows[0]!;
}
