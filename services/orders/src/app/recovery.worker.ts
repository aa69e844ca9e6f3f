import { randomUUID } from 'node:crypto';
import type { Db, Logger } from '@redemption/kernel';
import { ordersRepository } from '../store/orders.repository.ts';
import type { CheckoutSaga } from './checkout.saga.ts';

export interface RecoveryOptions {
  everyMs: number;
  leaseMs: number;
  /** Sagas one process claims per round; the rest wait for the next round or another process. */
  batchMax: number;
}

export interface RecoveryWorker {
  /** Runs one round now (start-up, tests); resolves when the claimed sagas have run. */
  round(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Finishes checkouts nobody is driving: a saga left for later after an unknown outcome, or
 * one whose process died mid-run (its lease ran out). Claims use FOR UPDATE SKIP LOCKED and a
 * lease, so several processes never run the same saga at once; each claimed saga resumes from
 * its recorded step, or compensates.
 */
export function startRecoveryWorker(
  db: Db,
  saga: CheckoutSaga,
  log: Logger,
  opts: RecoveryOptions,
): RecoveryWorker {
  let current: Promise<number> | undefined;
  let stopped = false;

  async function once(): Promise<number> {
    const owner = randomUUID();
    const ids = await ordersRepository.claimDue(db, owner, opts.leaseMs, opts.batchMax);
    await Promise.all(
      ids.map((id) =>
        saga.run(id, owner).then(
          (outcome) => log.info({ order_id: id, outcome }, 'checkout saga recovered'),
          (err: unknown) => log.warn({ err, order_id: id }, 'checkout saga recovery failed'),
        ),
      ),
    );
    return ids.length;
  }

  const round = (): Promise<number> => {
    // One round at a time per process: a slow round is not piled on by the next tick.
    if (stopped) return Promise.resolve(0);
    current ??= once().finally(() => {
      current = undefined;
    });
    return current;
  };
  const timer = setInterval(() => {
    round().catch((err: unknown) => log.warn({ err }, 'checkout recovery round failed'));
  }, opts.everyMs);
  timer.unref();

  return {
    round,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current?.catch(() => undefined);
    },
  };
}
