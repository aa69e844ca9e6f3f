import { randomUUID } from 'node:crypto';
import { memberRegistered } from '@redemption/contracts';
import { buildPlatform, loadPlatformConfig, newId, type Platform } from '@redemption/kernel';
import { createTestTokens } from '@redemption/kernel/testing';
import { resultDetail, verifyLedger } from '../app/ledger-verification.ts';
import { loyaltyModule } from '../index.ts';

export interface LoyaltyHarness {
  platform: Platform;
  adminToken: string;
  /** A member with an open account (and a token); `points` earned first when given. */
  member(points?: number): Promise<{ id: string; token: string }>;
  call(
    method: 'GET' | 'POST',
    url: string,
    token: string,
    payload?: unknown,
    key?: string | null,
  ): Promise<{ status: number; body: Record<string, any>; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** Loyalty alone, as `redemption serve loyalty` builds it; tokens minted by a test issuer. */
export async function startLoyalty(
  opts: { databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<LoyaltyHarness> {
  const tokens = await createTestTokens();
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    DATA_DIR: 'memory://',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const platform = await buildPlatform({
    config: loadPlatformConfig(env),
    modules: [loyaltyModule],
    name: 'loyalty',
    version: 'test',
    jwtKeys: tokens.keys,
  });
  const adminToken = await tokens.sign(newId(), 'admin');

  const call: LoyaltyHarness['call'] = async (method, url, token, payload, key) => {
    const res = await platform.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
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

  async function member(points?: number) {
    const id = newId();
    await platform.db.tx((q) =>
      platform.events.publisher.publish(q, memberRegistered, {
        subject: id,
        data: { member_id: id, role: 'member' },
      }),
    );
    const deadline = Date.now() + 30_000;
    while (
      (await platform.db.query('SELECT 1 FROM loyalty.accounts WHERE id = $1', [id])).rows
        .length === 0
    ) {
      if (Date.now() > deadline) throw new Error('account was never opened from member_registered');
      await new Promise((r) => setTimeout(r, 10));
    }
    if (points) {
      const earned = await call('POST', '/api/loyalty/earn', adminToken, {
        member_id: id,
        points,
        reason: 'test',
      });
      if (earned.status !== 201) throw new Error(`earn failed: ${JSON.stringify(earned.body)}`);
    }
    return { id, token: await tokens.sign(id, 'member') };
  }

  return { platform, adminToken, member, call, close: () => platform.close() };
}

/**
 * Ledger-wide invariants, straight from the tables: the reconciliation's checks (the same SQL
 * as `redemption ledger verify`), full and unrecorded. Returns the problems found.
 */
export async function ledgerProblems(platform: Platform): Promise<string[]> {
  const result = await verifyLedger(platform.db, { mode: 'full', record: false });
  return result.checks
    .filter((c) => c.status !== 'pass')
    .map((c) => `${c.check}: ${resultDetail(c)}`);
}
