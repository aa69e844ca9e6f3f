import { memberRegistered } from '@redemption/contracts';
import type { Platform } from '@redemption/kernel';
import { startModule, type ModuleHarness, type TestTokens } from '@redemption/kernel/testing';
import { resultDetail, verifyLedger } from '../app/ledger-verification.ts';
import { loyaltyModule } from '../index.ts';

/** How long `member()` waits for member_registered to open the account, and how often it looks. */
const accountOpenTimeoutMs = 30_000;
const accountPollMs = 10;

export interface LoyaltyHarness extends ModuleHarness {
  /** A member with an open account (and a token); `points` earned first when given. */
  member(points?: number): Promise<{ id: string; token: string }>;
}

/** Loyalty alone, as `redemption serve loyalty` builds it (the kernel's `startModule`). */
export async function startLoyalty(
  opts: { databaseUrl?: string; env?: Record<string, string>; tokens?: TestTokens } = {},
): Promise<LoyaltyHarness> {
  const h = await startModule(loyaltyModule, opts);

  async function member(points?: number) {
    const m = await h.member();
    await openAccount(h.platform, m.id);
    if (points) {
      const earned = await h.call('POST', '/api/loyalty/earn', h.adminToken, {
        member_id: m.id,
        points,
        reason: 'test',
      });
      if (earned.status !== 201) throw new Error(`earn failed: ${JSON.stringify(earned.body)}`);
    }
    return m;
  }

  return { ...h, member };
}

/** Registers the member the way identity does and waits for loyalty to open their account. */
async function openAccount(platform: Platform, id: string): Promise<void> {
  await platform.db.tx((q) =>
    platform.events.publisher.publish(q, memberRegistered, {
      subject: id,
      data: { member_id: id, role: 'member' },
    }),
  );
  const deadline = Date.now() + accountOpenTimeoutMs;
  while (
    (await platform.db.query('SELECT 1 FROM loyalty.accounts WHERE id = $1', [id])).rows.length ===
    0
  ) {
    if (Date.now() > deadline) throw new Error('account was never opened from member_registered');
    await new Promise((r) => setTimeout(r, accountPollMs));
  }
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
