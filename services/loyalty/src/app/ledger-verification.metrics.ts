import type { Db, Logger } from '@redemption/kernel';
import { Gauge, type Registry } from 'prom-client';
import { ledgerInvariants } from '../store/ledger-invariants.ts';
import {
  readLastVerification,
  type LastVerification,
} from '../store/ledger-verification.repository.ts';

/**
 * Reconciliation metrics, read from the recorded verification at scrape time: every pod
 * exports the same figures whichever pod, command or job verified last, so an alert can fire
 * on `ledger_invariant_violations > 0` or on `time() - ledger_verified_at_seconds` growing.
 */
export function registerVerificationMetrics(registry: Registry, db: Db, log: Logger): void {
  // The registry collects every metric of a scrape at once: the three gauges share one read
  // while it is in flight, and the next scrape reads again (never a stale figure).
  let inFlight: Promise<LastVerification | undefined> | undefined;
  const last = (): Promise<LastVerification | undefined> =>
    (inFlight ??= readLastVerification(db)
      .catch((err: unknown) => {
        log.warn({ err }, 'could not read the ledger verification for /metrics');
        return undefined;
      })
      .finally(() => (inFlight = undefined)));
  new Gauge({
    name: 'ledger_invariant_violations',
    help: 'ledger invariant violations found by the last verification, by check (0: holds)',
    labelNames: ['check'],
    registers: [registry],
    async collect() {
      const l = await last();
      if (!l?.verifiedAt) return; // never verified: no sample rather than a reassuring 0
      for (const inv of ledgerInvariants)
        this.set({ check: inv.check }, l.violations[inv.check] ?? 0);
    },
  });
  new Gauge({
    name: 'ledger_verified_position',
    help: 'transaction position (xid) below which every ledger transaction has been verified',
    registers: [registry],
    async collect() {
      const l = await last();
      if (l?.position) this.set(Number(l.position));
    },
  });
  new Gauge({
    name: 'ledger_verified_at_seconds',
    help: 'when the last ledger verification took its snapshot (unix seconds; 0: never)',
    registers: [registry],
    async collect() {
      const l = await last();
      if (l?.verifiedAt) this.set(l.verifiedAt.getTime() / 1000);
    },
  });
}
