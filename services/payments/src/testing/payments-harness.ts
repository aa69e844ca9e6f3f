import { randomBytes, randomUUID } from 'node:crypto';
import {
  buildPlatform,
  createServiceTokens,
  loadPlatformConfig,
  newId,
  type Platform,
} from '@redemption/kernel';
import { createTestTokens } from '@redemption/kernel/testing';
import { paymentsModule } from '../index.ts';

export interface Reply {
  status: number;
  body: Record<string, any>;
  headers: Record<string, unknown>;
}

export interface PaymentsHarness {
  platform: Platform;
  adminToken: string;
  /** An internal token as the orders service would send it (role `service`). */
  serviceToken: string;
  member(): Promise<{ id: string; token: string }>;
  /** `token` null: anonymous; `key` null: no Idempotency-Key (a fresh one when undefined). */
  call(
    method: 'GET' | 'POST',
    url: string,
    token: string | null,
    payload?: unknown,
    key?: string | null,
  ): Promise<Reply>;
  close(): Promise<void>;
}

/** Payments alone, as `redemption serve payments` builds it; tokens minted by a test issuer. */
export async function startPayments(
  opts: { databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<PaymentsHarness> {
  const tokens = await createTestTokens();
  const internalSecret = randomBytes(32).toString('base64url');
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    DATA_DIR: 'memory://',
    INTERNAL_TOKEN_SECRET: internalSecret,
    SIMULATED_SLOW_MS: '50',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const platform = await buildPlatform({
    config: loadPlatformConfig(env),
    modules: [paymentsModule],
    name: 'payments',
    version: 'test',
    jwtKeys: tokens.keys,
  });
  const adminToken = await tokens.sign(newId(), 'admin');
  const serviceToken = await createServiceTokens(internalSecret).token('orders');

  const call: PaymentsHarness['call'] = async (method, url, token, payload, key) => {
    const res = await platform.app.inject({
      method,
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(key === null || method === 'GET' ? {} : { 'idempotency-key': key ?? randomUUID() }),
      },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return {
      status: res.statusCode,
      body: res.body ? (res.json() as Record<string, any>) : {},
      headers: res.headers,
    };
  };

  return {
    platform,
    adminToken,
    serviceToken,
    call,
    async member() {
      const id = newId();
      return { id, token: await tokens.sign(id, 'member') };
    },
    close: () => platform.close(),
  };
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
