import type { Reservation } from '@redemption/contracts';
import type { Db, Publisher, Queryable } from '@redemption/kernel';
import { conflict, ProblemError } from '@redemption/kernel';
import {
  decideTransition,
  inLockOrder,
  sameLines,
  stockEffect,
  type ReservationAction,
  type ReservationLineInput,
} from '../domain/reservation.ts';
import { productsRepository } from '../store/products.repository.ts';
import {
  reservationsRepository as reservations,
  type ReservationLineRow,
  type ReservationRow,
} from '../store/reservations.repository.ts';
import { recordStockChange } from './stock-changes.ts';

export interface ReserveRequest {
  reservation_id: string;
  items: ReservationLineInput[];
  ttl_s?: number | undefined;
}

export interface InventoryService {
  /** `created` false: the same reservation already existed (a retry), returned as it is. */
  reserve(
    q: Queryable,
    actorId: string,
    req: ReserveRequest,
  ): Promise<{ created: boolean; reservation: Reservation }>;
  get(q: Queryable, id: string): Promise<Reservation>;
  transition(
    q: Queryable,
    id: string,
    action: Exclude<ReservationAction, 'expire'>,
    actorId: string,
  ): Promise<Reservation>;
  /** Expires held reservations past their time, at most `max`; returns how many. */
  expireDue(max: number): Promise<number>;
}

const reservationNotFound = (id: string): ProblemError =>
  new ProblemError(404, 'not-found', 'Not found', `No reservation ${id}`, { reservation_id: id });

export const productNotFound = (id: string): ProblemError =>
  new ProblemError(404, 'not-found', 'Not found', `No product ${id}`, { product_id: id });

function toReservation(r: ReservationRow, lines: ReservationLineRow[]): Reservation {
  return {
    reservation_id: r.id,
    status: r.status,
    expires_at: r.expires_at.toISOString(),
    items: lines.map((l) => ({ ...l })),
  };
}

export function createInventoryService(deps: {
  db: Db;
  events: Publisher;
  reservationTtlS: number;
}): InventoryService {
  const { events } = deps;

  async function load(q: Queryable, id: string): Promise<Reservation> {
    const row = await reservations.find(q, id);
    if (!row) throw reservationNotFound(id);
    return toReservation(row, await reservations.lines(q, id));
  }

  /** Holds every line or none: a refused line throws and the transaction rolls back. */
  async function holdLines(q: Queryable, actorId: string, req: ReserveRequest): Promise<void> {
    const lines = inLockOrder(req.items);
    const available = await productsRepository.availability(
      q,
      lines.map((l) => l.product_id),
    );
    const missing = lines.find((l) => !available.has(l.product_id));
    if (missing) throw productNotFound(missing.product_id);
    for (const line of lines) {
      const after = await productsRepository.moveStock(q, line.product_id, {
        onHand: 0,
        reserved: line.quantity,
        requireAvailable: line.quantity,
      });
      if (!after) throw await outOfStock(q, line);
      await reservations.insertLine(q, req.reservation_id, {
        product_id: line.product_id,
        quantity: line.quantity,
        sku: after.sku,
        name: after.name,
        unit_price: after.price,
        currency: after.currency,
        points_price: after.points_price,
      });
      await recordStockChange(q, events, {
        after,
        onHandDelta: 0,
        reservedDelta: line.quantity,
        kind: 'reserve',
        reason: null,
        reservationId: req.reservation_id,
        actorId,
      });
    }
  }

  async function outOfStock(q: Queryable, line: ReservationLineInput): Promise<ProblemError> {
    const now = await productsRepository.availability(q, [line.product_id]);
    const available = now.get(line.product_id);
    if (available === undefined) return productNotFound(line.product_id);
    return conflict(
      'out-of-stock',
      `Only ${available} of product ${line.product_id} available, ${line.quantity} requested`,
      { product_id: line.product_id, available, requested: line.quantity },
    );
  }

  /** Applies one action's stock effect to every line, in lock order, with audit and events. */
  async function applyLines(
    q: Queryable,
    r: ReservationRow,
    action: ReservationAction,
    actorId: string | null,
  ): Promise<void> {
    const effect = stockEffect[action];
    for (const line of await reservations.lines(q, r.id)) {
      const d = {
        onHand: effect.onHand * line.quantity,
        reserved: effect.reserved * line.quantity,
      };
      const after = await productsRepository.moveStock(q, line.product_id, d);
      // A deleted product keeps its reserved units until its reservations settle.
      const moved = after ?? (await moveDeleted(q, line.product_id, d));
      await recordStockChange(q, events, {
        after: moved,
        onHandDelta: d.onHand,
        reservedDelta: d.reserved,
        kind: action,
        reason: null,
        reservationId: r.id,
        actorId,
      });
    }
  }

  async function moveDeleted(q: Queryable, id: string, d: { onHand: number; reserved: number }) {
    const { rows } = await q.query<Parameters<typeof recordStockChange>[2]['after']>(
      `UPDATE catalog.products SET stock_quantity = stock_quantity + $2,
         stock_reserved = stock_reserved + $3, updated_at = now()
       WHERE id = $1 RETURNING id, sku, name, price, currency, points_price,
         stock_quantity AS on_hand, stock_reserved AS reserved`,
      [id, d.onHand, d.reserved],
    );
    if (!rows[0]) throw new Error(`reservation line for missing product ${id}`);
    return rows[0];
  }

  async function transitionLocked(
    q: Queryable,
    r: ReservationRow,
    action: ReservationAction,
    actorId: string | null,
  ): Promise<void> {
    const decision = decideTransition(r.status, action);
    if (decision.kind === 'refuse')
      throw conflict(decision.slug, decision.detail, { reservation_id: r.id, status: r.status });
    if (decision.kind === 'unchanged') return;
    await applyLines(q, r, action, actorId);
    await reservations.setStatus(q, r.id, decision.to);
  }

  return {
    async reserve(q, actorId, req) {
      const ttlS = req.ttl_s ?? deps.reservationTtlS;
      if (!(await reservations.claim(q, { id: req.reservation_id, ttlS, actorId }))) {
        const existing = await load(q, req.reservation_id);
        if (!sameLines(existing.items, req.items))
          throw conflict(
            'reservation-exists',
            `Reservation ${req.reservation_id} already exists with other items`,
            { reservation_id: req.reservation_id, field: 'body.reservation_id' },
          );
        return { created: false, reservation: existing };
      }
      await holdLines(q, actorId, req);
      return { created: true, reservation: await load(q, req.reservation_id) };
    },

    get: load,

    async transition(q, id, action, actorId) {
      const r = await reservations.find(q, id, { forUpdate: true });
      if (!r) throw reservationNotFound(id);
      await transitionLocked(q, r, action, actorId);
      return load(q, id);
    },

    async expireDue(max) {
      let expired = 0;
      // One reservation per transaction: a slow or failing one never holds up the rest.
      while (expired < max) {
        const done = await deps.db.tx(async (q) => {
          const r = await reservations.lockOneDue(q);
          if (!r) return false;
          await transitionLocked(q, r, 'expire', null);
          return true;
        });
        if (!done) break;
        expired++;
      }
      return expired;
    },
  };
}
