import type { Db, Job, Logger } from '@redemption/kernel';
import { asyncOperationsRepository } from '../store/async-operations.repository.ts';
import type { Ledger } from './ledger.service.ts';

/** Queued ops taken per round; a round starts only when the ledger queue has room for them. */
export const asyncRoundMax = 200;

/**
 * Feeds durably queued ops (Prefer: respond-async) to the ledger when it has room. Each op's
 * outcome is written in the batch's transaction and fenced on `pending`, so a crash or a
 * second pod never applies one twice; a crash before that leaves it pending for the next round.
 */
export function asyncOperationsJob(
  db: Db,
  ledger: Ledger,
  log: Logger,
  o: { everyMs: number; queueDepthMax: number },
): Job {
  // Leave at least half the in-memory queue to live requests.
  const roundSize = Math.max(1, Math.min(asyncRoundMax, Math.floor(o.queueDepthMax / 2)));
  const round = async (): Promise<void> => {
    if (o.queueDepthMax - ledger.depth() < roundSize) return;
    const pending = await asyncOperationsRepository.pending(db, roundSize);
    await Promise.all(
      pending.map((p) =>
        ledger
          .submit({ op: p.op, attempt: asyncOperationsRepository.attemptFor(db, p.id) })
          .catch((err: unknown) => {
            log.warn({ err, async_operation_id: p.id }, 'queued operation not applied; will retry');
          }),
      ),
    );
  };
  return { name: 'loyalty.async-operations', everyMs: o.everyMs, run: round };
}
