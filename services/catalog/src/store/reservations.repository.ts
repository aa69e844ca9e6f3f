import type { Queryable } from '@redemption/kernel';
import type { ReservationStatus } from '../domain/reservation.ts';

export interface ReservationRow {
  id: string;
  status: ReservationStatus;
  expires_at: Date;
}

export interface ReservationLineRow {
  product_id: string;
  quantity: number;
  sku: string;
  name: string;
  unit_price: number;
  currency: string;
  points_price: number | null;
}

export const reservationsRepository = {
  /**
   * Claims the id. A concurrent insert of the same id waits for the other transaction and then
   * does nothing, so the caller can read the winner's reservation instead of failing.
   */
  async claim(
    q: Queryable,
    r: { id: string; ttlS: number; actorId: string | null },
  ): Promise<boolean> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO catalog.reservations (id, status, expires_at, actor_id)
       VALUES ($1, 'held', now() + $2 * interval '1 second', $3)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [r.id, r.ttlS, r.actorId],
    );
    return rows.length === 1;
  },

  async find(
    q: Queryable,
    id: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<ReservationRow | undefined> {
    const { rows } = await q.query<ReservationRow>(
      `SELECT id, status, expires_at FROM catalog.reservations WHERE id = $1 ${opts.forUpdate ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0];
  },

  async lines(q: Queryable, id: string): Promise<ReservationLineRow[]> {
    const { rows } = await q.query<ReservationLineRow>(
      `SELECT product_id, quantity, sku, name, unit_price, currency, points_price
       FROM catalog.reservation_lines WHERE reservation_id = $1 ORDER BY product_id`,
      [id],
    );
    return rows;
  },

  async insertLine(q: Queryable, reservationId: string, l: ReservationLineRow): Promise<void> {
    await q.query(
      `INSERT INTO catalog.reservation_lines (reservation_id, product_id, quantity, sku, name,
         unit_price, currency, points_price) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        reservationId,
        l.product_id,
        l.quantity,
        l.sku,
        l.name,
        l.unit_price,
        l.currency,
        l.points_price,
      ],
    );
  },

  async setStatus(q: Queryable, id: string, status: ReservationStatus): Promise<void> {
    await q.query('UPDATE catalog.reservations SET status = $2, updated_at = now() WHERE id = $1', [
      id,
      status,
    ]);
  },

  /**
   * One held reservation past its expiry, locked; SKIP LOCKED lets several processes sweep at
   * once, each taking different reservations, and skips one a request is committing right now.
   */
  async lockOneDue(q: Queryable): Promise<ReservationRow | undefined> {
    const { rows } = await q.query<ReservationRow>(
      `SELECT id, status, expires_at FROM catalog.reservations
       WHERE status = 'held' AND expires_at <= now()
       ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    return rows[0];
  },
};
