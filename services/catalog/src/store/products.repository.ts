import type { Queryable } from '@redemption/kernel';
import type { Cursor, ListQuery, Sort } from '../domain/listing.ts';
import type { ProductInput, ProductRecord } from '../domain/product.ts';

const productColumns = `p.id, p.sku, p.name, p.description, c.slug AS category, p.price, p.currency,
  p.points_price, p.stock_quantity AS on_hand, p.stock_reserved AS reserved, p.image_url,
  p.attributes, p.created_at, p.updated_at`;
const fromProducts = 'catalog.products p LEFT JOIN catalog.categories c ON c.id = p.category_id';

/** The search text is always $1 when present, so the relevance sort key can refer to it. */
const tsQuery = "websearch_to_tsquery('english', $1)";

/** Sort key SQL, its direction and the type its cursor value is cast back to. */
const sortSpecs: Record<Sort, { key: string; desc: boolean; cast: string }> = {
  name: { key: 'p.name', desc: false, cast: 'text' },
  price: { key: 'p.price', desc: false, cast: 'bigint' },
  '-price': { key: 'p.price', desc: true, cast: 'bigint' },
  created_at: { key: 'p.created_at', desc: false, cast: 'timestamptz' },
  '-created_at': { key: 'p.created_at', desc: true, cast: 'timestamptz' },
  relevance: { key: `ts_rank(p.search, ${tsQuery})`, desc: true, cast: 'real' },
};

export interface StockRow {
  id: string;
  sku: string;
  name: string;
  price: number;
  currency: string;
  points_price: number | null;
  on_hand: number;
  reserved: number;
}

export const productsRepository = {
  async find(
    q: Queryable,
    id: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<ProductRecord | undefined> {
    const lock = opts.forUpdate ? 'FOR UPDATE OF p' : '';
    const { rows } = await q.query<ProductRecord>(
      `SELECT ${productColumns} FROM ${fromProducts} WHERE p.id = $1 AND p.deleted_at IS NULL ${lock}`,
      [id],
    );
    return rows[0];
  },

  async insert(
    q: Queryable,
    p: ProductInput & { id: string; categoryId: string | null; onHand: number },
  ): Promise<void> {
    await q.query(
      `INSERT INTO catalog.products (id, sku, name, description, category_id, price, currency,
         points_price, stock_quantity, image_url, attributes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        p.id,
        p.sku,
        p.name,
        p.description ?? '',
        p.categoryId,
        p.price,
        p.currency,
        p.points_price ?? null,
        p.onHand,
        p.image_url ?? null,
        JSON.stringify(p.attributes ?? {}),
      ],
    );
  },

  /** Full replace of the editable fields; false when there is no live product `id`. */
  async replace(
    q: Queryable,
    id: string,
    p: ProductInput & { categoryId: string | null },
  ): Promise<boolean> {
    const res = await q.query<{ id: string }>(
      `UPDATE catalog.products SET sku = $2, name = $3, description = $4, category_id = $5,
         price = $6, currency = $7, points_price = $8, image_url = $9, attributes = $10,
         updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [
        id,
        p.sku,
        p.name,
        p.description ?? '',
        p.categoryId,
        p.price,
        p.currency,
        p.points_price ?? null,
        p.image_url ?? null,
        JSON.stringify(p.attributes ?? {}),
      ],
    );
    return res.rows.length === 1;
  },

  async softDelete(q: Queryable, id: string): Promise<{ sku: string } | undefined> {
    const { rows } = await q.query<{ sku: string }>(
      `UPDATE catalog.products SET deleted_at = now(), updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL RETURNING sku`,
      [id],
    );
    return rows[0];
  },

  /**
   * Moves stock by deltas in one statement. `requireAvailable` adds the guard that makes a
   * reservation atomic: the row only changes if that many units are still free. Returns the
   * row after the change, or undefined when the guard (or a CHECK-free miss) refused it.
   */
  async moveStock(
    q: Queryable,
    id: string,
    d: { onHand: number; reserved: number; requireAvailable?: number },
  ): Promise<StockRow | undefined> {
    const guard =
      d.requireAvailable === undefined ? '' : 'AND stock_quantity - stock_reserved >= $4';
    const params: unknown[] = [id, d.onHand, d.reserved];
    if (d.requireAvailable !== undefined) params.push(d.requireAvailable);
    const { rows } = await q.query<StockRow>(
      `UPDATE catalog.products SET stock_quantity = stock_quantity + $2,
         stock_reserved = stock_reserved + $3, updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL ${guard}
       RETURNING id, sku, name, price, currency, points_price,
         stock_quantity AS on_hand, stock_reserved AS reserved`,
      params,
    );
    return rows[0];
  },

  /** Live products among `ids`, with what is still available (no lock: a pre-check only). */
  async availability(q: Queryable, ids: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await q.query<{ id: string; available: number }>(
      `SELECT id, stock_quantity - stock_reserved AS available FROM catalog.products
       WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.available]));
  },

  async list(
    q: Queryable,
    query: ListQuery,
    sort: Sort,
    cursor: Cursor | null,
    pageSize: number,
  ): Promise<(ProductRecord & { sort_value: string | number | Date })[]> {
    const spec = sortSpecs[sort];
    const params: unknown[] = query.q ? [query.q] : [];
    const where = ['p.deleted_at IS NULL'];
    const add = (sql: (n: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (query.q) where.push(`p.search @@ ${tsQuery}`);
    if (query.category !== undefined) add((n) => `c.slug = ${n}`, query.category);
    if (query.min_price !== undefined) add((n) => `p.price >= ${n}`, query.min_price);
    if (query.max_price !== undefined) add((n) => `p.price <= ${n}`, query.max_price);
    if (query.in_stock !== undefined)
      where.push(`p.stock_quantity - p.stock_reserved ${query.in_stock ? '>' : '='} 0`);
    if (cursor) {
      params.push(cursor.value, cursor.id);
      const v = `$${params.length - 1}::${spec.cast}`;
      const i = `$${params.length}::uuid`;
      where.push(`(${spec.key}, p.id) ${spec.desc ? '<' : '>'} (${v}, ${i})`);
    }
    params.push(pageSize + 1);
    const dir = spec.desc ? 'DESC' : 'ASC';
    const { rows } = await q.query<ProductRecord & { sort_value: string | number | Date }>(
      `SELECT ${productColumns}, ${spec.key} AS sort_value FROM ${fromProducts}
       WHERE ${where.join(' AND ')}
       ORDER BY ${spec.key} ${dir}, p.id ${dir} LIMIT $${params.length}`,
      params,
    );
    return rows;
  },
};

export interface CategoryRecord {
  id: string;
  slug: string;
  name: string;
}

export const categoriesRepository = {
  async list(q: Queryable): Promise<CategoryRecord[]> {
    const { rows } = await q.query<CategoryRecord>(
      'SELECT id, slug, name FROM catalog.categories ORDER BY name, slug',
    );
    return rows;
  },
  async idOfSlug(q: Queryable, slug: string): Promise<string | undefined> {
    const { rows } = await q.query<{ id: string }>(
      'SELECT id FROM catalog.categories WHERE slug = $1',
      [slug],
    );
    return rows[0]?.id;
  },
  /** Inserts; undefined when the slug is taken. */
  async insert(q: Queryable, c: CategoryRecord): Promise<CategoryRecord | undefined> {
    const { rows } = await q.query<CategoryRecord>(
      `INSERT INTO catalog.categories (id, slug, name) VALUES ($1, $2, $3)
       ON CONFLICT (slug) DO NOTHING RETURNING id, slug, name`,
      [c.id, c.slug, c.name],
    );
    return rows[0];
  },
};

export interface MovementInput {
  productId: string;
  kind: 'adjust' | 'reserve' | 'release' | 'expire' | 'commit' | 'restock';
  onHandBefore: number;
  onHandAfter: number;
  reservedBefore: number;
  reservedAfter: number;
  reason: string | null;
  reservationId: string | null;
  actorId: string | null;
}

export async function insertMovement(q: Queryable, m: MovementInput): Promise<void> {
  await q.query(
    `INSERT INTO catalog.stock_movements (product_id, kind, on_hand_before, on_hand_after,
       reserved_before, reserved_after, reason, reservation_id, actor_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      m.productId,
      m.kind,
      m.onHandBefore,
      m.onHandAfter,
      m.reservedBefore,
      m.reservedAfter,
      m.reason,
      m.reservationId,
      m.actorId,
    ],
  );
}
