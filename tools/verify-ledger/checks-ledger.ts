import type { Db } from '@redemption/kernel';
import { resultDetail, verifyLedger, type VerificationResult } from '@redemption/loyalty';

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

/**
 * The ledger's own invariants (entries, balances, lots, holds, reversals, drops): the product's
 * reconciliation (`redemption ledger verify --full`), so the harness proves the same SQL that
 * operators run. Full, from a consistent snapshot, each check with its own statement timeout
 * sized by the tables it reads; a progress line per check goes to `say`. Recorded like any
 * verification, so the figures also land where `/metrics` reads them.
 */
export async function ledgerChecks(
  db: Db,
  say: (line: string) => void,
): Promise<{ checks: Check[]; result: VerificationResult }> {
  const result = await verifyLedger(db, { mode: 'full', onProgress: say });
  const checks = result.checks.map((c) => ({
    name: c.title,
    pass: c.status === 'pass',
    detail: `${resultDetail(c)} (timeout ${c.timeoutMs / 1000} s)`,
  }));
  return { checks, result };
}
