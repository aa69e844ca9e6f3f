import type { Queryable } from '@redemption/kernel';
import type { Drop } from '../domain/drops.ts';

/** A row of loyalty.drops as the driver returns it. */
export interface DropRow {
  id: string;
  name: string;
  points_price: number;
  quantity: number;
  sold: number;
  per_member_limit: number;
  opens_at: Date;
  closes_at: Date;
}

const columns = 'id, name, points_price, quantity, sold, per_member_limit, opens_at, closes_at';

export const dropFromRow = (d: DropRow): Drop => ({
  id: d.id,
  name: d.name,
  pointsPrice: d.points_price,
  quantity: d.quantity,
  sold: d.sold,
  perMemberLimit: d.per_member_limit,
  opensAt: d.opens_at,
  closesAt: d.closes_at,
});

export const dropsRepository = {
  async insert(q: Queryable, d: Omit<Drop, 'sold'>): Promise<Drop> {
    const { rows } = await q.query<DropRow>(
      `INSERT INTO loyalty.drops (id, name, points_price, quantity, per_member_limit, opens_at, closes_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${columns}`,
      [d.id, d.name, d.pointsPrice, d.quantity, d.perMemberLimit, d.opensAt, d.closesAt],
    );
    return dropFromRow(rows[0]!);
  },
  /** Newest opening first; `activeOnly`: drops that have not closed yet. */
  async list(q: Queryable, opts: { activeOnly: boolean; limit: number }): Promise<Drop[]> {
    const { rows } = await q.query<DropRow>(
      `SELECT ${columns} FROM loyalty.drops WHERE NOT $1 OR closes_at > now()
       ORDER BY opens_at DESC, id DESC LIMIT $2`,
      [opts.activeOnly, opts.limit],
    );
    return rows.map(dropFromRow);
  },
  async find(q: Queryable, id: string): Promise<Drop | undefined> {
    const { rows } = await q.query<DropRow>(`SELECT ${columns} FROM loyalty.drops WHERE id = $1`, [
      id,
    ]);
    return rows[0] && dropFromRow(rows[0]);
  },
  /** The members who claimed a drop, at most `limit` of them. */
  async claimants(q: Queryable, dropId: string, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ member_id: string }>(
      'SELECT DISTINCT member_id FROM loyalty.drop_claims WHERE drop_id = $1 LIMIT $2',
      [dropId, limit],
    );
    return rows.map((r) => r.member_id);
  },
};
