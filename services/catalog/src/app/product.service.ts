import { productCreated, productDeleted, productUpdated } from '@redemption/contracts';
import type { Product } from '@redemption/contracts';
import type { Db, Publisher, Queryable } from '@redemption/kernel';
import {
  badRequest,
  conflict,
  isPgError,
  newId,
  pgErrorCode,
  ProblemError,
} from '@redemption/kernel';
import {
  decodeCursor,
  effectiveSort,
  encodeCursor,
  pageSizeOf,
  type ListQuery,
} from '../domain/listing.ts';
import {
  adjustOnHand,
  attributesProblem,
  productView,
  type ProductInput,
  type StockAdjustment,
} from '../domain/product.ts';
import {
  categoriesRepository,
  productsRepository,
  type CategoryRecord,
} from '../store/products.repository.ts';
import { listKey, productKey, type CatalogCache } from './catalog-cache.ts';
import { etagMatches, etagOf } from './etag.ts';
import { productNotFound } from './inventory.service.ts';
import { notifyCatalogChanged, recordStockChange } from './stock-changes.ts';

export interface Tagged {
  view: Product;
  etag: string;
}
export interface ProductPage {
  items: Product[];
  next_cursor: string | null;
}

export type ProductService = ReturnType<typeof createProductService>;

const tagged = (view: Product): Tagged => ({ view, etag: etagOf(view) });

export function createProductService(deps: { db: Db; events: Publisher; cache: CatalogCache }) {
  const { db, events, cache } = deps;

  async function categoryIdOf(q: Queryable, slug: string | null | undefined) {
    if (slug === null || slug === undefined) return null;
    const id = await categoriesRepository.idOfSlug(q, slug);
    if (!id) throw badRequest(`body.category "${slug}" is not a known category`, 'body.category');
    return id;
  }

  function checkInput(input: ProductInput): void {
    const problem = attributesProblem(input.attributes);
    if (problem) throw badRequest(`body.attributes ${problem}`, 'body.attributes');
  }

  async function loadTagged(q: Queryable, id: string): Promise<Tagged> {
    const p = await productsRepository.find(q, id);
    if (!p) throw productNotFound(id);
    return tagged(productView(p));
  }

  /** Runs a product write, then drops cached views in this process (others via NOTIFY/Redis). */
  async function write<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    try {
      const out = await db.tx(async (q) => {
        const result = await fn(q);
        await notifyCatalogChanged(q);
        return result;
      });
      await cache.invalidate();
      return out;
    } catch (err) {
      if (isPgError(err, pgErrorCode.uniqueViolation) && err.constraint === 'products_sku_live')
        throw conflict('sku-taken', 'Another product already has this SKU', { field: 'body.sku' });
      throw err;
    }
  }

  const eventData = (v: Product) => ({
    product_id: v.id,
    sku: v.sku,
    name: v.name,
    category: v.category,
    price: v.price,
    currency: v.currency,
    points_price: v.points_price,
  });

  return {
    get: (id: string): Promise<Tagged | undefined> =>
      cache.through(productKey(id), async () => {
        const p = await productsRepository.find(db, id);
        return p ? tagged(productView(p)) : undefined;
      }),

    async list(query: ListQuery): Promise<ProductPage> {
      const sort = effectiveSort(query);
      if (sort === 'relevance' && !query.q)
        throw badRequest('querystring.sort relevance needs a search text q', 'querystring.sort');
      if (
        query.min_price !== undefined &&
        query.max_price !== undefined &&
        query.min_price > query.max_price
      )
        throw badRequest(
          'querystring.min_price must not exceed max_price',
          'querystring.min_price',
        );
      const cursor = query.cursor ? decodeCursor(query.cursor, sort) : null;
      if (query.cursor && !cursor)
        throw badRequest(
          'querystring.cursor is not a cursor of this listing',
          'querystring.cursor',
        );
      const size = pageSizeOf(query);
      const page = await cache.through(listKey({ ...query, sort, limit: size }), async () => {
        const rows = await productsRepository.list(db, query, sort, cursor, size);
        const items = rows.slice(0, size);
        const last = items[items.length - 1];
        const more = rows.length > size && last;
        const value =
          last?.sort_value instanceof Date ? last.sort_value.toISOString() : last?.sort_value;
        return {
          items: items.map((r) => productView(r)),
          next_cursor:
            more && value !== undefined ? encodeCursor({ sort, value, id: last.id }) : null,
        };
      });
      return page!;
    },

    create: (input: ProductInput & { stock_quantity?: number | undefined }): Promise<Tagged> =>
      write(async (q) => {
        checkInput(input);
        const id = newId();
        const categoryId = await categoryIdOf(q, input.category);
        await productsRepository.insert(q, {
          ...input,
          id,
          categoryId,
          onHand: input.stock_quantity ?? 0,
        });
        const t = await loadTagged(q, id);
        await events.publish(q, productCreated, { subject: id, data: eventData(t.view) });
        return t;
      }),

    /** Full replace; with `ifMatch`, refuses (412) unless it is the current ETag. */
    replace: (id: string, input: ProductInput, ifMatch?: string): Promise<Tagged> =>
      write(async (q) => {
        checkInput(input);
        const current = await productsRepository.find(q, id, { forUpdate: true });
        if (!current) throw productNotFound(id);
        if (ifMatch !== undefined && !etagMatches(ifMatch, etagOf(productView(current)), false))
          throw new ProblemError(
            412,
            'precondition-failed',
            'Precondition failed',
            'The product changed since you read it (If-Match does not match its ETag)',
            { field: 'headers.if-match' },
          );
        await productsRepository.replace(q, id, {
          ...input,
          categoryId: await categoryIdOf(q, input.category),
        });
        const t = await loadTagged(q, id);
        await events.publish(q, productUpdated, { subject: id, data: eventData(t.view) });
        return t;
      }),

    remove: (id: string): Promise<void> =>
      write(async (q) => {
        const gone = await productsRepository.softDelete(q, id);
        if (!gone) throw productNotFound(id);
        await events.publish(q, productDeleted, {
          subject: id,
          data: { product_id: id, sku: gone.sku },
        });
      }),

    /** Admin stock adjustment on hand, in the caller's transaction (the idempotency runner's). */
    async adjustStock(
      q: Queryable,
      a: { id: string; adj: StockAdjustment; reason: string; actorId: string },
    ): Promise<Tagged> {
      const current = await productsRepository.find(q, a.id, { forUpdate: true });
      if (!current) throw productNotFound(a.id);
      const out = adjustOnHand(current.on_hand, current.reserved, a.adj);
      const field = 'set' in a.adj ? 'body.set' : 'body.delta';
      if (!out.ok) throw stockRefused(out.reason, out.onHand, current.reserved, field);
      const delta = out.onHand - current.on_hand;
      const after = await productsRepository.moveStock(q, a.id, { onHand: delta, reserved: 0 });
      if (!after) throw productNotFound(a.id);
      await recordStockChange(q, events, {
        after,
        onHandDelta: delta,
        reservedDelta: 0,
        kind: 'adjust',
        reason: a.reason,
        reservationId: null,
        actorId: a.actorId,
      });
      return loadTagged(q, a.id);
    },

    /** After a write the caller committed itself (the idempotency runner's transaction). */
    invalidate: (): Promise<void> => cache.invalidate(),

    categories: (): Promise<CategoryRecord[]> => categoriesRepository.list(db),

    async createCategory(c: { slug: string; name: string }): Promise<CategoryRecord> {
      const made = await categoriesRepository.insert(db, { id: newId(), ...c });
      if (!made)
        throw conflict('slug-taken', `Category ${c.slug} already exists`, { field: 'body.slug' });
      return made;
    },
  };
}

function stockRefused(reason: string, next: number, reserved: number, field: string): ProblemError {
  if (reason === 'below-reserved')
    return conflict(
      'stock-below-reserved',
      `On-hand stock cannot go below the ${reserved} units reserved by checkouts (asked for ${next})`,
      { reserved, requested_on_hand: next, field },
    );
  if (reason === 'negative')
    return conflict('stock-negative', `On-hand stock cannot go below 0 (asked for ${next})`, {
      reserved,
      requested_on_hand: next,
      field,
    });
  return badRequest(`${field} would put on-hand stock above the maximum`, field);
}
