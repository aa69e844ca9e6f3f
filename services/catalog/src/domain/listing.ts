import { limits } from './product.ts';

/** Sort orders of the product list; `relevance` only with a search `q`. */
export const sorts = ['name', 'price', '-price', 'created_at', '-created_at', 'relevance'] as const;
export type Sort = (typeof sorts)[number];

export interface ListQuery {
  category?: string | undefined;
  min_price?: number | undefined;
  max_price?: number | undefined;
  in_stock?: boolean | undefined;
  q?: string | undefined;
  sort?: Sort | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** Where the previous page stopped: the sort key of its last item and its id (the tie-break). */
export interface Cursor {
  sort: Sort;
  value: string | number;
  id: string;
}

const cursorLengthMax = 512;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The form `Date#toISOString` gives (what encodeCursor writes for created_at). */
const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque to clients: base64url JSON, so the key can change without breaking the contract. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.value, c.id]), 'utf8').toString('base64url');
}

/**
 * Whether `value` is a sort key this listing could have written for `sort`. The store casts it
 * back to the sort column's type (bigint, timestamptz, real, text), so anything else (a forged
 * cursor) would fail in PostgreSQL instead of as a 400.
 */
function isSortValue(sort: Sort, value: unknown): value is string | number {
  switch (sort) {
    case 'price':
    case '-price':
      return (
        Number.isSafeInteger(value) &&
        (value as number) >= 0 &&
        (value as number) <= limits.priceMinorMax
      );
    case 'created_at':
    case '-created_at':
      return (
        typeof value === 'string' &&
        isoInstantPattern.test(value) &&
        Number.isFinite(Date.parse(value)) &&
        new Date(value).toISOString() === value
      );
    case 'relevance':
      return typeof value === 'number' && Number.isFinite(value);
    case 'name':
      return (
        typeof value === 'string' &&
        value.length <= limits.nameLengthMax &&
        !value.includes('\u0000')
      );
  }
}

/** Returns the cursor or null when it is malformed, forged or was made for another sort. */
export function decodeCursor(raw: string, sort: Sort): Cursor | null {
  if (raw.length > cursorLengthMax) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return null;
  const [s, value, id] = parsed as [unknown, unknown, unknown];
  if (s !== sort || typeof id !== 'string' || !uuidPattern.test(id)) return null;
  return isSortValue(sort, value) ? { sort, value, id } : null;
}

/** The effective sort: relevance by default when searching, name otherwise. */
export function effectiveSort(q: ListQuery): Sort {
  if (q.sort) return q.sort;
  return q.q ? 'relevance' : 'name';
}

export const pageSizeOf = (q: ListQuery): number =>
  Math.min(q.limit ?? limits.pageSizeDefault, limits.pageSizeMax);
