import { describe, expect, it } from 'vitest';
import { decodeCursor, effectiveSort, encodeCursor, pageSizeOf } from './listing.ts';
import { adjustOnHand, attributesProblem, limits, productView } from './product.ts';
import { decideTransition, duplicateProduct, inLockOrder, sameLines } from './reservation.ts';

describe('product view', () => {
  it('shows available stock as stock_quantity and keeps reserved beside it', () => {
    const at = new Date('2026-01-01T00:00:00.123Z');
    const v = productView({
      id: 'p',
      sku: 's',
      name: 'n',
      description: '',
      category: null,
      price: 1,
      currency: 'EUR',
      points_price: null,
      on_hand: 10,
      reserved: 3,
      image_url: null,
      attributes: {},
      created_at: at,
      updated_at: at,
    });
    expect(v).toMatchObject({
      stock_quantity: 7,
      stock_reserved: 3,
      created_at: '2026-01-01T00:00:00.123Z',
    });
  });

  it('limits attributes by serialized size', () => {
    expect(attributesProblem({ a: 'x'.repeat(100) })).toBeNull();
    expect(attributesProblem({ a: 'x'.repeat(limits.attributesBytesMax) })).toMatch(/at most/);
  });
});

describe('stock adjustment', () => {
  it('sets or moves on hand, never below reserved or zero', () => {
    expect(adjustOnHand(10, 2, { set: 5 })).toEqual({ ok: true, onHand: 5 });
    expect(adjustOnHand(10, 2, { delta: -8 })).toEqual({ ok: true, onHand: 2 });
    expect(adjustOnHand(10, 2, { delta: -9 })).toMatchObject({
      ok: false,
      reason: 'below-reserved',
    });
    expect(adjustOnHand(1, 0, { delta: -2 })).toMatchObject({ ok: false, reason: 'negative' });
    expect(adjustOnHand(1, 0, { delta: limits.stockUnitsMax })).toMatchObject({
      ok: false,
      reason: 'too-large',
    });
  });
});

describe('list cursors', () => {
  const id = '0196a5e2-7c1f-7d3a-9b2e-3f4a5b6c7d8e';
  it('round-trip, and refuse garbage or another sort', () => {
    const c = encodeCursor({ sort: 'price', value: 1200, id });
    expect(decodeCursor(c, 'price')).toEqual({ sort: 'price', value: 1200, id });
    expect(decodeCursor(c, 'name')).toBeNull();
    expect(decodeCursor('!!!', 'price')).toBeNull();
    expect(decodeCursor(Buffer.from('{"a":1}').toString('base64url'), 'price')).toBeNull();
    const at = '2026-01-05T10:00:00.123Z';
    expect(
      decodeCursor(encodeCursor({ sort: '-created_at', value: at, id }), '-created_at'),
    ).toEqual({ sort: '-created_at', value: at, id });
    expect(
      decodeCursor(encodeCursor({ sort: 'relevance', value: 0.06, id }), 'relevance'),
    ).not.toBeNull();
  });
  it('refuse forged keys the database could not cast back (a 500 before)', () => {
    const forged = (sort: string, value: unknown, cursorId: unknown = id) =>
      decodeCursor(
        Buffer.from(JSON.stringify([sort, value, cursorId])).toString('base64url'),
        sort as 'name',
      );
    expect(forged('name', 'Spa', 'not-a-uuid')).toBeNull();
    expect(forged('name', 'a\u0000b')).toBeNull();
    expect(forged('name', 'x'.repeat(201))).toBeNull();
    expect(forged('name', { x: 1 })).toBeNull();
    expect(forged('price', 'cheap')).toBeNull();
    expect(forged('price', 1.5)).toBeNull();
    expect(forged('price', -1)).toBeNull();
    expect(forged('price', 1e300)).toBeNull();
    expect(forged('-created_at', 'yesterday')).toBeNull();
    expect(forged('-created_at', '2026-13-45T99:99:99.999Z')).toBeNull();
    expect(forged('created_at', 1_700_000_000)).toBeNull();
    expect(forged('relevance', 'x')).toBeNull();
    const infinite = Buffer.from(`["price",1e400,"${id}"]`).toString('base64url');
    expect(decodeCursor(infinite, 'price')).toBeNull();
  });
  it('defaults: relevance when searching, name otherwise; page size capped', () => {
    expect(effectiveSort({ q: 'spa' })).toBe('relevance');
    expect(effectiveSort({})).toBe('name');
    expect(pageSizeOf({})).toBe(20);
    expect(pageSizeOf({ limit: 1000 })).toBe(100);
  });
});

describe('reservation transitions', () => {
  it('follows the state machine', () => {
    expect(decideTransition('held', 'commit')).toEqual({ kind: 'apply', to: 'committed' });
    expect(decideTransition('committed', 'commit')).toEqual({ kind: 'unchanged' });
    expect(decideTransition('released', 'commit')).toMatchObject({
      kind: 'refuse',
      slug: 'reservation-not-held',
    });
    expect(decideTransition('expired', 'commit')).toMatchObject({
      kind: 'refuse',
      slug: 'reservation-not-held',
    });
    expect(decideTransition('held', 'release')).toEqual({ kind: 'apply', to: 'released' });
    expect(decideTransition('expired', 'release')).toEqual({ kind: 'unchanged' });
    expect(decideTransition('committed', 'release')).toMatchObject({ kind: 'refuse' });
    expect(decideTransition('held', 'expire')).toEqual({ kind: 'apply', to: 'expired' });
    expect(decideTransition('committed', 'expire')).toMatchObject({ kind: 'refuse' });
    expect(decideTransition('committed', 'restock')).toEqual({ kind: 'apply', to: 'restocked' });
    expect(decideTransition('restocked', 'restock')).toEqual({ kind: 'unchanged' });
    expect(decideTransition('held', 'restock')).toMatchObject({
      kind: 'refuse',
      slug: 'reservation-not-committed',
    });
  });
  it('orders lines by product id and compares requests regardless of order', () => {
    const lines = [
      { product_id: 'b', quantity: 1 },
      { product_id: 'a', quantity: 2 },
    ];
    expect(inLockOrder(lines).map((l) => l.product_id)).toEqual(['a', 'b']);
    expect(sameLines(lines, [...lines].reverse())).toBe(true);
    expect(sameLines(lines, [{ product_id: 'a', quantity: 2 }])).toBe(false);
    expect(duplicateProduct([...lines, { product_id: 'a', quantity: 1 }])).toBe('a');
    expect(duplicateProduct(lines)).toBeNull();
  });
});
