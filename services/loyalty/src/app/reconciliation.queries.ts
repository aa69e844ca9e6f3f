import type { Queryable } from '@redemption/kernel';
import { ledgerInvariants } from '../store/ledger-invariants.ts';
import {
  readLastVerification,
  type LastVerification,
} from '../store/ledger-verification.repository.ts';

/** The invariants' ids (the `check` label of ledger_invariant_violations), in run order. */
export const ledgerCheckNames: readonly string[] = ledgerInvariants.map((i) => i.check);

export interface Reconciliation {
  last: LastVerification;
  /** Every invariant with the violations the last verification established for it. */
  checks: Array<{ check: string; title: string; proves: string; violations: number }>;
}

/** The last recorded verification, check by check (what /metrics exports). */
export async function readReconciliation(q: Queryable): Promise<Reconciliation> {
  const last = await readLastVerification(q);
  const checks = ledgerInvariants.map((i) => ({
    check: i.check,
    title: i.title,
    proves: i.proves,
    violations: last.violations[i.check] ?? 0,
  }));
  return { last, checks };
}
