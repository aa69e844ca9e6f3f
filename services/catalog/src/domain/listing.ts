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

/** Opaque to clients: base64url JSON, so the key can change without breaking the contract. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.value, c.id]), 'utf8').toString('base64url');
}

/** Returns the cursor or null when it is malformed or was made for another sort. */
export function decodeCursor(raw: string, sort: Sort): Cursor | null {
  if (raw.length > cursorLengthMax) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3) return null;
    const [s, value, id] = parsed as [unknown, unknown, unknown];
    if (s !== sort || typeof id !== 'string') return null;
    if (typeof value !== 'string' && typeof value !== 'number') return null;
    return { sort, value, id };
  } catch {
    return null;
  }
}

/** The effective sort: relevance by default when searching, name otherwise. */
export function effectiveSort(q: ListQuery): Sort {
  if (q.sort) return q.sort;
  return q.q ? 'relevance' : 'name';
}

export const pageSizeOf = (q: ListQuery): number =>
  Math.min(q.limit ?? limits.pageSizeDefault, limits.pageSizeMax);
