import type { Db, Logger } from '@redemption/kernel';
import { newId } from '@redemption/kernel';
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
 * Releases holds past their expiry and expires lots past theirs (into breakage), through the
 * same batched ledger as every request. Safe on several pods at once: each op re-checks the
 * locked state, so a hold or lot handled by another pod is simply refused here.
 */
export async function sweepExpired(
  db: Db,
  ledger: Ledger,
): Promise<{ holds: number; lots: number }> {
  const holds = await db.query<{ id: string }>(
    "SELECT id FROM loyalty.holds WHERE status = 'active' AND expires_at <= now() ORDER BY expires_at LIMIT $1",
    [expirySweepBatchMax],
  );
  const lots = await db.query<{ id: string; member_id: string }>(
    'SELECT id, member_id FROM loyalty.lots WHERE remaining > 0 AND expires_at <= now() ORDER BY expires_at LIMIT $1',
    [expirySweepBatchMax],
  );
  const results = await Promise.all([
    ...holds.rows.map((h) =>
      ledger.submit({
        op: { kind: 'release', holdId: h.id, actorId: systemActor, expired: true },
        attempt: noKey,
      }),
    ),
    ...lots.rows.map((l) =>
      ledger.submit({
        op: {
          kind: 'expire',
          id: newId(),
          memberId: l.member_id,
          lotId: l.id,
          actorId: systemActor,
        },
        attempt: noKey,
      }),
    ),
  ]);
  const accepted = results.map((r) => r.ok);
  return {
    holds: accepted.slice(0, holds.rows.length).filter(Boolean).length,
    lots: accepted.slice(holds.rows.length).filter(Boolean).length,
  };
}

export function startExpiryJob(db: Db, ledger: Ledger, log: Logger, everyMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepExpired(db, ledger)
      .then((n) => (n.holds || n.lots ? log.info({ expired: n }, 'expiry sweep') : undefined))
      .catch((err: unknown) => log.warn({ err }, 'expiry sweep failed'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
