import type { Job, Logger } from '@redemption/kernel';
import type { CatalogCache } from './catalog-cache.ts';
import type { InventoryService } from './inventory.service.ts';

/** Reservations expired per sweep; the next sweep continues where this one stopped. */
export const expirySweepBatchMax = 500;

/**
 * Releases held reservations past their expiry (status `expired`). Safe with several processes:
 * each takes reservations with FOR UPDATE SKIP LOCKED, so none is released twice.
 */
export const expiryJob = (
  inventory: InventoryService,
  cache: CatalogCache,
  log: Logger,
  everyMs: number,
): Job => ({
  name: 'catalog.reservation-expiry',
  everyMs,
  async run() {
    const n = await inventory.expireDue(expirySweepBatchMax);
    if (n === 0) return;
    await cache.invalidate();
    log.info({ expired: n }, 'reservation expiry sweep');
  },
});
