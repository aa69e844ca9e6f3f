import type { Logger } from '@redemption/kernel';
import type { CatalogCache } from './catalog-cache.ts';
import type { InventoryService } from './inventory.service.ts';

/** Reservations expired per sweep; the next sweep continues where this one stopped. */
export const expirySweepBatchMax = 500;

/**
 * Releases held reservations past their expiry (status `expired`). Safe with several processes:
 * each takes reservations with FOR UPDATE SKIP LOCKED, so none is released twice.
 */
export function startExpiryJob(
  inventory: InventoryService,
  cache: CatalogCache,
  log: Logger,
  everyMs: number,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    inventory
      .expireDue(expirySweepBatchMax)
      .then(async (n) => {
        if (n === 0) return;
        await cache.invalidate();
        log.info({ expired: n }, 'reservation expiry sweep');
      })
      .catch((err: unknown) => log.warn({ err }, 'reservation expiry sweep failed'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
