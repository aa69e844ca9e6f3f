import { randomUUID } from 'node:crypto';
import type { Db, Job, Logger } from '@redemption/kernel';
import { ordersRepository } from '../store/orders.repository.ts';
import type { CheckoutSaga } from './checkout.saga.ts';

/** Recovery only resumes sagas by id. */
export type Recoverable = Pick<CheckoutSaga, 'run'>;

export interface RecoveryOptions {
  everyMs: number;
  leaseMs: number;
  /** Sagas one process claims per round; the rest wait for the next round or another process. */
  batchMax: number;
}

/**
 * A round goes on claiming while batches come back full, for at most this long: after a spike
 * hundreds of sagas may be due at once, and one batch per round (every few seconds) would
 * leave the last of them waiting minutes.
 */
export const recoveryRoundMaxMs = 30_000;

/**
 * One round of finishing checkouts nobody is driving: a saga left for later after an unknown
 * outcome, or one whose process died mid-way (its lease ran out). Claims use FOR UPDATE SKIP
 * LOCKED and a lease, so several processes never run the same saga at once; each claimed saga
 * resumes from its recorded step, or compensates. Claims `batchMax` at a time, again while a
 * batch came back full (up to `recoveryRoundMaxMs`). Resolves with how many sagas it claimed.
 */
export const recoveryRound =
  (db: Db, saga: Recoverable, log: Logger, opts: Omit<RecoveryOptions, 'everyMs'>) =>
  async (): Promise<number> => {
    const startedMs = Date.now();
    let claimed = 0;
    for (;;) {
      const owner = randomUUID();
      const ids = await ordersRepository.claimDue(db, owner, opts.leaseMs, opts.batchMax);
      claimed += ids.length;
      await Promise.all(
        ids.map((id) =>
          saga.run(id, owner).then(
            (outcome) => log.info({ order_id: id, outcome }, 'checkout saga recovered'),
            (err: unknown) => log.warn({ err, order_id: id }, 'checkout saga recovery failed'),
          ),
        ),
      );
      if (ids.length < opts.batchMax || Date.now() - startedMs > recoveryRoundMaxMs) return claimed;
    }
  };

/**
 * Recovery as a background job: a first round at once, for sagas a previous process left
 * behind, then every `everyMs`. The kernel starts it once the platform is up (other services
 * are callable then) and never runs two rounds of it at once in one process.
 */
export const recoveryJob = (
  db: Db,
  saga: Recoverable,
  log: Logger,
  opts: RecoveryOptions,
): Job => ({
  name: 'orders.checkout-recovery',
  everyMs: opts.everyMs,
  runAtStart: true,
  run: recoveryRound(db, saga, log, opts),
});
