import type { Attempt, Db, Outcome, Queryable } from '@redemption/kernel';
import { claimAttempts } from '@redemption/kernel';
import type { LedgerOp } from '../domain/ledger-ops.ts';
import { asyncOperationsRepository } from '../store/async-operations.repository.ts';
import { accountView, history, holdMember } from '../store/ledger-queries.ts';

/**
 * The ledger's read side for the routes: plain reads, no locks, never through the batcher.
 * Routes reach the store only through here (and the other app services).
 */
export const ledgerQueries = {
  /** Balance, held, tier, soonest-expiring lots, pending order points; undefined: no account. */
  account: (q: Queryable, memberId: string) => accountView(q, memberId),
  /** Transactions newest first, keyset-paginated. */
  history: (q: Queryable, memberId: string, limit: number, cursor?: string) =>
    history(q, memberId, limit, cursor),
  /** Whose hold it is (undefined: no such hold), for the member-may-act check. */
  holdOwner: (q: Queryable, holdId: string) => holdMember(q, holdId),
  /** An op accepted with Prefer: respond-async, and its outcome once the worker applied it. */
  operation: (q: Queryable, id: string) => asyncOperationsRepository.find(q, id),
};

/**
 * Burst absorption: claims the caller's key, stores the op for the async worker and settles
 * the key with the 202 `outcome`, in one transaction, so a retry replays the 202 and the op runs
 * exactly once. Returns `outcome`, or the answer the key already has (a 422 or 409 is thrown).
 */
export async function queueForLater(
  db: Db,
  queued: { id: string; ownerId: string; op: LedgerOp; attempt: Attempt },
  outcome: Outcome,
): Promise<Outcome> {
  return db.tx(async (q) => {
    const [claim] = await claimAttempts(q, [queued.attempt]);
    if (claim && !claim.claimed) {
      if ('problem' in claim) throw claim.problem;
      return claim.outcome;
    }
    await asyncOperationsRepository.insert(q, queued.id, queued.ownerId, queued.op);
    await queued.attempt.complete(q, outcome);
    return outcome;
  });
}
