import type { Db, Job, Logger } from '@redemption/kernel';
import { newId } from '@redemption/kernel';
import { tierRulesDefault } from '../domain/tiers.ts';
import { expiryQueries } from '../store/expiry.queries.ts';
import type { Ledger } from './ledger.service.ts';

/** Items handled per sweep; the next sweep continues where this one stopped. */
export const expirySweepBatchMax = 500;
const systemActor = 'system:expiry';

/** An attempt with no Idempotency-Key: the job's own ops are idempotent by their state checks. */
const noKey = {
  complete: async () => undefined,
  fail: async () => undefined,
  send: <T>(o: { body: T }) => o.body,
};

/**
 * Releases holds past their expiry, expires lots past theirs (into breakage) and lowers tiers
 * whose qualifying points aged out, through the
 * same batched ledger as every request. Safe on several pods at once: each op re-checks the
 * locked state, so a hold or lot handled by another pod is simply refused here.
 */
export async function sweepExpired(
  db: Db,
  ledger: Ledger,
): Promise<{ holds: number; lots: number; tiers: number }> {
  const holds = await expiryQueries.expiredHolds(db, expirySweepBatchMax);
  const lots = await expiryQueries.expiredLots(db, expirySweepBatchMax);
  const results = await Promise.all([
    ...holds.map((holdId) =>
      ledger.submit({
        op: { kind: 'release', holdId, actorId: systemActor, expired: true },
        attempt: noKey,
      }),
    ),
    ...lots.map((l) =>
      ledger.submit({
        op: {
          kind: 'expire',
          id: newId(),
          memberId: l.memberId,
          lotId: l.id,
          actorId: systemActor,
        },
        attempt: noKey,
      }),
    ),
  ]);
  const accepted = results.map((r) => r.ok);
  return {
    holds: accepted.slice(0, holds.length).filter(Boolean).length,
    lots: accepted.slice(holds.length).filter(Boolean).length,
    tiers: await sweepTiers(db, ledger),
  };
}

/**
 * Downgrades members whose qualifying points (trailing 12 months) have aged below their tier's
 * threshold; earning only ever recomputes the tier when a member earns, and a member who
 * stops earning would otherwise keep it forever. The query only finds candidates; the ledger's
 * `retier` op recomputes under the member's lock and is refused when nothing changes, so a
 * rerun or another pod's sweep emits no second tier_changed.
 */
export async function sweepTiers(db: Db, ledger: Ledger): Promise<number> {
  const ranked = tierRulesDefault.filter((r) => r.thresholdPoints > 0);
  const members = await expiryQueries.tierDowngradeCandidates(db, ranked, expirySweepBatchMax);
  const results = await Promise.all(
    members.map((memberId) =>
      ledger.submit({
        op: { kind: 'retier', memberId, actorId: systemActor },
        attempt: noKey,
      }),
    ),
  );
  return results.filter((r) => r.ok).length;
}

/** The sweep as a background job (the kernel runs it; see `Job`). */
export const expiryJob = (db: Db, ledger: Ledger, log: Logger, everyMs: number): Job => ({
  name: 'loyalty.expiry',
  everyMs,
  async run() {
    const n = await sweepExpired(db, ledger);
    if (n.holds || n.lots || n.tiers) log.info({ expired: n }, 'expiry sweep');
  },
});
