import type { Queryable } from '@redemption/kernel';

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

export const dropsRepository = {
  async insert(q: Queryable, d: Omit<DropRow, 'sold'>): Promise<DropRow> {
    const { rows } = await q.query<DropRow>(
      `INSERT INTO loyalty.drops (id, name, points_price, quantity, per_member_limit, opens_at, closes_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${columns}`,
      [d.id, d.name, d.points_price, d.quantity, d.per_member_limit, d.opens_at, d.closes_at],
    );
    return rows[0]!;
  },
  /** Newest opening first; `activeOnly`: drops that have not closed yet. */
  async list(q: Queryable, opts: { activeOnly: boolean; limit: number }): Promise<DropRow[]> {
    const { rows } = await q.query<DropRow>(
      `SELECT ${columns} FROM loyalty.drops WHERE NOT $1 OR closes_at > now()
       ORDER BY opens_at DESC, id DESC LIMIT $2`,
      [opts.activeOnly, opts.limit],
    );
    return rows;
  },
  async find(q: Queryable, id: string): Promise<DropRow | undefined> {
    const { rows } = await q.query<DropRow>(`SELECT ${columns} FROM loyalty.drops WHERE id = $1`, [
      id,
    ]);
    return rows[0];
  },
};

export const dropView = (d: DropRow) => ({
  id: d.id,
  name: d.name,
  points_price: d.points_price,
  quantity: d.quantity,
  sold: d.sold,
  remaining: d.quantity - d.sold,
  per_member_limit: d.per_member_limit,
  opens_at: d.opens_at.toISOString(),
  closes_at: d.closes_at.toISOString(),
});
