import { stockChanged } from '@redemption/contracts';
import type { Publisher, Queryable } from '@redemption/kernel';
import type { StockRow } from '../store/products.repository.ts';
import { insertMovement, type MovementInput } from '../store/products.repository.ts';

/** Channel on which every committed catalog write tells all processes to drop cached pages. */
export const cacheChannel = 'catalog_cache';

/**
 * Tells every process (LISTEN in catalog-cache.ts) that cached products may be stale. NOTIFY is
 * transactional: delivered at commit, never for a rolled-back write; PostgreSQL folds duplicates
 * sent in one transaction, so calling it once per changed row costs nothing extra.
 */
export async function notifyCatalogChanged(q: Queryable): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [cacheChannel, '']);
}

export interface StockChange {
  after: StockRow;
  onHandDelta: number;
  reservedDelta: number;
  kind: MovementInput['kind'];
  reason: string | null;
  reservationId: string | null;
  actorId: string | null;
}

/** Audit row, `stock_changed` event and cache notice for one product, in the caller's tx. */
export async function recordStockChange(
  q: Queryable,
  events: Publisher,
  c: StockChange,
): Promise<void> {
  const { after } = c;
  await insertMovement(q, {
    productId: after.id,
    kind: c.kind,
    onHandBefore: after.on_hand - c.onHandDelta,
    onHandAfter: after.on_hand,
    reservedBefore: after.reserved - c.reservedDelta,
    reservedAfter: after.reserved,
    reason: c.reason,
    reservationId: c.reservationId,
    actorId: c.actorId,
  });
  await events.publish(q, stockChanged, {
    subject: after.id,
    data: {
      product_id: after.id,
      sku: after.sku,
      kind: c.kind,
      on_hand: after.on_hand,
      reserved: after.reserved,
      available: after.on_hand - after.reserved,
      reservation_id: c.reservationId,
      reason: c.reason,
    },
  });
  await notifyCatalogChanged(q);
}
