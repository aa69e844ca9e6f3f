import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryService } from '../app/inventory.service.ts';
import type { CatalogHarness } from '../testing/catalog-harness.ts';

/** The catalog's HTTP contract; run on PGlite (catalog.routes.test.ts) and PostgreSQL (.int). */
export function catalogApiSuite(label: string, start: () => Promise<CatalogHarness>): void {
  describe(`catalog API (${label})`, () => {
    let h: CatalogHarness;
    beforeAll(async () => {
      h = await start();
    });
    afterAll(async () => {
      await h?.close();
    });

    const count = async (sql: string, params: unknown[] = []): Promise<number> =>
      Number((await h.platform.db.query<{ n: number }>(sql, params)).rows[0]!.n);
    const productCount = () => count('SELECT count(*)::int AS n FROM catalog.products');
    const reserve = (items: unknown, opts: { id?: string; key?: string; ttl_s?: number } = {}) =>
      h.call(
        'POST',
        '/api/inventory/reservations',
        h.adminToken,
        {
          reservation_id: opts.id ?? `order-${randomUUID()}`,
          items,
          ...(opts.ttl_s ? { ttl_s: opts.ttl_s } : {}),
        },
        opts.key,
      );

    describe('products', () => {
      it('creates (201, Location, ETag) and serves it anonymously with the contract shape', async () => {
        const created = await h.call('POST', '/api/products', h.adminToken, {
          sku: `LC-${randomUUID()}`,
          name: 'Late checkout',
          description: 'Until 4 pm',
          price: 3000,
          currency: 'EUR',
          points_price: 3000,
          stock_quantity: 7,
          attributes: { until: '16:00' },
        });
        expect(created.status).toBe(201);
        expect(created.headers['location']).toBe(`/api/products/${created.body.id}`);
        expect(created.headers['etag']).toMatch(/^"[A-Za-z0-9_-]+"$/);
        const got = await h.call('GET', `/api/products/${created.body.id}`, null);
        expect(got.status).toBe(200);
        expect(Object.keys(got.body).sort()).toEqual(
          [
            'id',
            'sku',
            'name',
            'description',
            'category',
            'price',
            'currency',
            'points_price',
            'stock_quantity',
            'stock_reserved',
            'image_url',
            'attributes',
            'created_at',
            'updated_at',
          ].sort(),
        );
        expect(got.body).toMatchObject({
          price: 3000,
          points_price: 3000,
          stock_quantity: 7,
          stock_reserved: 0,
          category: null,
          attributes: { until: '16:00' },
        });
        expect(got.headers['etag']).toBe(created.headers['etag']);
      });

      it('answers 304 to a matching If-None-Match and 200 with a new ETag after a change', async () => {
        const p = await h.product();
        const first = await h.call('GET', `/api/products/${p.id}`, null);
        const etag = first.headers['etag'] as string;
        const again = await h.call('GET', `/api/products/${p.id}`, null, undefined, undefined, {
          'if-none-match': etag,
        });
        expect(again.status).toBe(304);
        expect(again.headers['etag']).toBe(etag);
        const {
          id: _id,
          created_at: _c,
          updated_at: _u,
          stock_quantity: _s,
          stock_reserved: _r,
          ...editable
        } = p;
        await h.call('PUT', `/api/products/${p.id}`, h.adminToken, { ...editable, price: 1234 });
        const after = await h.call('GET', `/api/products/${p.id}`, null, undefined, undefined, {
          'if-none-match': etag,
        });
        expect(after.status).toBe(200);
        expect(after.body.price).toBe(1234);
        expect(after.headers['etag']).not.toBe(etag);
      });

      it('PUT replaces fields; a stale If-Match gets 412 and changes nothing', async () => {
        const p = await h.product({ description: 'old', attributes: { a: 1 } });
        const etag = (await h.call('GET', `/api/products/${p.id}`, h.adminToken)).headers[
          'etag'
        ] as string;
        const body = { sku: p.sku, name: 'Renamed', price: 500, currency: 'USD' };
        const ok = await h.call('PUT', `/api/products/${p.id}`, h.adminToken, body, undefined, {
          'if-match': etag,
        });
        expect(ok.status).toBe(200);
        expect(ok.body).toMatchObject({
          name: 'Renamed',
          price: 500,
          currency: 'USD',
          description: '',
          attributes: {},
          stock_quantity: 10,
        });
        const stale = await h.call(
          'PUT',
          `/api/products/${p.id}`,
          h.adminToken,
          { ...body, price: 1 },
          undefined,
          { 'if-match': etag },
        );
        expect(stale.status).toBe(412);
        expect((await h.call('GET', `/api/products/${p.id}`, h.adminToken)).body.price).toBe(500);
      });

      it('soft-deletes: 204, then 404 and gone from lists, row kept', async () => {
        const p = await h.product({ name: 'Doomed reward' });
        expect((await h.call('DELETE', `/api/products/${p.id}`, h.adminToken)).status).toBe(204);
        expect((await h.call('GET', `/api/products/${p.id}`, h.adminToken)).status).toBe(404);
        expect((await h.call('DELETE', `/api/products/${p.id}`, h.adminToken)).status).toBe(404);
        const list = await h.call('GET', '/api/products?q=doomed', null);
        expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(p.id);
        expect(
          await count(
            'SELECT count(*)::int AS n FROM catalog.products WHERE id = $1 AND deleted_at IS NOT NULL',
            [p.id],
          ),
        ).toBe(1);
        // The SKU of a deleted product can be used again.
        await h.product({ sku: p.sku });
      });

      it('refuses bad input with 4xx naming the field and writes nothing', async () => {
        const valid = { sku: `V-${randomUUID()}`, name: 'Valid', price: 100, currency: 'EUR' };
        const before = await productCount();
        const cases: [Record<string, unknown>, number, string][] = [
          [{ ...valid, currency: 'eur' }, 400, 'body.currency'],
          [{ ...valid, price: -1 }, 400, 'body.price'],
          [{ ...valid, price: 1.5 }, 400, 'body.price'],
          [{ ...valid, sku: 'x'.repeat(65) }, 400, 'body.sku'],
          [{ ...valid, name: '' }, 400, 'body.name'],
          [{ ...valid, points_price: 0 }, 400, 'body.points_price'],
          [{ ...valid, category: '' }, 400, 'body.category'],
          [{ ...valid, image_url: '' }, 400, 'body.image_url'],
          [{ ...valid, category: 'no-such-category' }, 400, 'body.category'],
          [{ ...valid, attributes: { blob: 'x'.repeat(5000) } }, 400, 'body.attributes'],
          [{ ...valid, image_url: 'not a url' }, 400, 'body.image_url'],
          [{ ...valid, extra: 1 }, 400, 'body.extra'],
        ];
        for (const [body, status, field] of cases) {
          const res = await h.call('POST', '/api/products', h.adminToken, body);
          expect(res.status, field).toBe(status);
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(res.body.errors?.[0]?.field ?? res.body.field).toBe(field);
        }
        expect(await productCount()).toBe(before);
        const nulls = await h.call('POST', '/api/products', h.adminToken, {
          ...valid,
          category: null,
          points_price: null,
          image_url: null,
        });
        expect(nulls.status).toBe(201);
        expect(nulls.body).toMatchObject({ category: null, points_price: null, image_url: null });
        const dup = await h.product();
        const taken = await h.call('POST', '/api/products', h.adminToken, {
          ...valid,
          sku: dup.sku,
        });
        expect(taken.status).toBe(409);
        expect(taken.body).toMatchObject({ type: '/problems/sku-taken', field: 'body.sku' });
      });
    });

    describe('categories and listing', () => {
      const cat = `cat-${randomUUID().slice(0, 8)}`;
      const ids: string[] = [];
      beforeAll(async () => {
        expect(
          (
            await h.call('POST', '/api/categories', h.adminToken, {
              slug: cat,
              name: 'Test category',
            })
          ).status,
        ).toBe(201);
        const specs = [
          {
            name: 'Aromatherapy massage',
            description: 'Relaxing spa treatment with oils',
            price: 9000,
            stock_quantity: 3,
          },
          {
            name: 'Breakfast buffet',
            description: 'Morning dining for two',
            price: 4000,
            stock_quantity: 0,
          },
          {
            name: 'City tour',
            description: 'Walking tour of the old town',
            price: 6000,
            stock_quantity: 5,
          },
          {
            name: 'Deep tissue massage',
            description: 'Intense spa massage, sixty minutes',
            price: 9500,
            stock_quantity: 2,
          },
          {
            name: 'Evening cruise',
            description: 'Sunset on the water',
            price: 15000,
            stock_quantity: 1,
          },
        ];
        for (const s of specs) ids.push((await h.product({ ...s, category: cat })).id);
      });
      const list = async (qs: string) => {
        const res = await h.call('GET', `/api/products?category=${cat}&${qs}`, null);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body as {
          items: { name: string; price: number; stock_quantity: number }[];
          next_cursor: string | null;
        };
      };
      const names = (page: { items: { name: string }[] }) => page.items.map((i) => i.name);

      it('lists categories publicly; a taken slug is 409', async () => {
        const res = await h.call('GET', '/api/categories', null);
        expect(res.body.items.map((c: { slug: string }) => c.slug)).toContain(cat);
        expect(
          (await h.call('POST', '/api/categories', h.adminToken, { slug: cat, name: 'Again' }))
            .status,
        ).toBe(409);
        expect(
          (await h.call('POST', '/api/categories', h.adminToken, { slug: 'Bad Slug', name: 'x' }))
            .status,
        ).toBe(400);
      });

      it('filters by category, price range and availability', async () => {
        expect(names(await list('sort=name'))).toEqual([
          'Aromatherapy massage',
          'Breakfast buffet',
          'City tour',
          'Deep tissue massage',
          'Evening cruise',
        ]);
        expect(names(await list('min_price=6000&max_price=9500&sort=price'))).toEqual([
          'City tour',
          'Aromatherapy massage',
          'Deep tissue massage',
        ]);
        expect(names(await list('in_stock=true&sort=name'))).not.toContain('Breakfast buffet');
        expect(names(await list('in_stock=false'))).toEqual(['Breakfast buffet']);
      });

      it('searches name and description, by relevance by default', async () => {
        const page = await list('q=spa%20massage');
        expect(names(page).sort()).toEqual(['Aromatherapy massage', 'Deep tissue massage']);
        expect(names(await list('q=water'))).toEqual(['Evening cruise']);
        expect(names(await list('q=nonexistentword'))).toEqual([]);
      });

      it('sorts by price both ways and by creation time', async () => {
        expect((await list('sort=-price')).items.map((i) => i.price)).toEqual([
          15000, 9500, 9000, 6000, 4000,
        ]);
        expect(names(await list('sort=-created_at'))[0]).toBe('Evening cruise');
        expect(names(await list('sort=created_at'))[0]).toBe('Aromatherapy massage');
      });

      it('pages with an opaque cursor, every item once, for each sort', async () => {
        for (const sort of ['name', 'price', '-price', 'created_at', '-created_at']) {
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const page = await list(`sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
            expect(page.items.length).toBeLessThanOrEqual(2);
            seen.push(...names(page));
            cursor = page.next_cursor;
          } while (cursor);
          expect(seen.length, sort).toBe(5);
          expect(new Set(seen).size, sort).toBe(5);
        }
        const p1 = await list('q=massage&limit=1');
        const p2 = await list(`q=massage&limit=1&cursor=${p1.next_cursor}`);
        expect([...names(p1), ...names(p2)].sort()).toEqual([
          'Aromatherapy massage',
          'Deep tissue massage',
        ]);
        expect(p2.next_cursor).toBeNull();
      });

      it('refuses bad list parameters naming them', async () => {
        const bad = async (qs: string, field: string) => {
          const res = await h.call('GET', `/api/products?${qs}`, null);
          expect(res.status, qs).toBe(400);
          expect(res.body.errors?.[0]?.field, qs).toBe(field);
        };
        await bad('limit=101', 'querystring.limit');
        await bad('limit=0', 'querystring.limit');
        await bad('sort=popularity', 'querystring.sort');
        await bad('sort=relevance', 'querystring.sort');
        await bad('cursor=garbage', 'querystring.cursor');
        await bad('min_price=10&max_price=5', 'querystring.min_price');
        await bad(`q=${'a'.repeat(201)}`, 'querystring.q');
        const byName = await list('sort=name&limit=1');
        await bad(`sort=price&cursor=${byName.next_cursor}`, 'querystring.cursor');
      });

      it('caps the page size at 100 and defaults to 20', async () => {
        const res = await h.call('GET', '/api/products', null);
        expect(res.body.items.length).toBeLessThanOrEqual(20);
      });
    });

    describe('stock adjustments', () => {
      it('sets and changes on hand, audited, with stock_changed events', async () => {
        const p = await h.product({ stock_quantity: 5 });
        const set = await h.call('PATCH', `/api/products/${p.id}/stock`, h.adminToken, {
          set: 20,
          reason: 'count',
        });
        expect(set.status).toBe(200);
        expect(set.body.stock_quantity).toBe(20);
        const delta = await h.call('PATCH', `/api/products/${p.id}/stock`, h.adminToken, {
          delta: -3,
          reason: 'damaged',
        });
        expect(delta.body.stock_quantity).toBe(17);
        const { rows } = await h.platform.db.query<Record<string, unknown>>(
          'SELECT kind, on_hand_before, on_hand_after, reason, actor_id FROM catalog.stock_movements WHERE product_id = $1 ORDER BY id',
          [p.id],
        );
        expect(rows).toMatchObject([
          { kind: 'adjust', on_hand_before: 5, on_hand_after: 20, reason: 'count' },
          { kind: 'adjust', on_hand_before: 20, on_hand_after: 17, reason: 'damaged' },
        ]);
        expect(rows[0]!['actor_id']).toEqual(expect.any(String));
        const events = await count(
          "SELECT count(*)::int AS n FROM kernel.outbox WHERE topic = 'catalog' AND event->>'type' = 'stock_changed' AND event->>'subject' = $1",
          [p.id],
        );
        expect(events).toBe(2);
      });

      it('never goes below reserved (409 naming reserved) nor below zero', async () => {
        const p = await h.product({ stock_quantity: 5 });
        expect((await reserve([{ product_id: p.id, quantity: 3 }])).status).toBe(201);
        const below = await h.call('PATCH', `/api/products/${p.id}/stock`, h.adminToken, {
          set: 2,
          reason: 'x',
        });
        expect(below.status).toBe(409);
        expect(below.body).toMatchObject({ type: '/problems/stock-below-reserved', reserved: 3 });
        const q = await h.product({ stock_quantity: 1 });
        const negative = await h.call('PATCH', `/api/products/${q.id}/stock`, h.adminToken, {
          delta: -2,
          reason: 'x',
        });
        expect(negative.status).toBe(409);
        expect(negative.body.type).toBe('/problems/stock-negative');
        const both = await h.call('PATCH', `/api/products/${q.id}/stock`, h.adminToken, {
          set: 1,
          delta: 1,
          reason: 'x',
        });
        expect(both.status).toBe(400);
        const neither = await h.call('PATCH', `/api/products/${q.id}/stock`, h.adminToken, {
          reason: 'x',
        });
        expect(neither.status).toBe(400);
        expect(
          (await h.call('GET', `/api/products/${q.id}`, h.adminToken)).body.stock_quantity,
        ).toBe(1);
        expect(
          await count(
            'SELECT count(*)::int AS n FROM catalog.stock_movements WHERE product_id = $1',
            [q.id],
          ),
        ).toBe(0);
      });
    });

    describe('reservations', () => {
      it('reserves all lines with a price snapshot; stock_quantity shows what is left', async () => {
        const a = await h.product({ stock_quantity: 5, price: 700, points_price: 650 });
        const b = await h.product({ stock_quantity: 2 });
        const res = await reserve([
          { product_id: a.id, quantity: 2 },
          { product_id: b.id, quantity: 1 },
        ]);
        expect(res.status).toBe(201);
        expect(res.body.status).toBe('held');
        expect(new Date(res.body.expires_at).getTime()).toBeGreaterThan(Date.now());
        expect(res.body.items).toContainEqual({
          product_id: a.id,
          quantity: 2,
          sku: a.sku,
          name: a.name,
          unit_price: 700,
          currency: 'EUR',
          points_price: 650,
        });
        const view = await h.call('GET', `/api/products/${a.id}`, null);
        expect(view.body).toMatchObject({ stock_quantity: 3, stock_reserved: 2 });
      });

      it('is all-or-nothing: one short line is 409 out-of-stock and holds nothing', async () => {
        const a = await h.product({ stock_quantity: 5 });
        const b = await h.product({ stock_quantity: 1 });
        const id = `order-${randomUUID()}`;
        const res = await reserve(
          [
            { product_id: a.id, quantity: 2 },
            { product_id: b.id, quantity: 2 },
          ],
          { id },
        );
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({
          type: '/problems/out-of-stock',
          product_id: b.id,
          available: 1,
        });
        expect(
          (await h.call('GET', `/api/products/${a.id}`, h.adminToken)).body.stock_reserved,
        ).toBe(0);
        expect(
          (await h.call('GET', `/api/inventory/reservations/${id}`, h.adminToken)).status,
        ).toBe(404);
      });

      it('404 for an unknown or deleted product; 400 for duplicates, bad sizes, no key', async () => {
        const unknown = randomUUID();
        const res = await reserve([{ product_id: unknown, quantity: 1 }]);
        expect(res.status).toBe(404);
        expect(res.body.product_id).toBe(unknown);
        const p = await h.product();
        await h.call('DELETE', `/api/products/${p.id}`, h.adminToken);
        expect((await reserve([{ product_id: p.id, quantity: 1 }])).status).toBe(404);
        const q = await h.product();
        const bad = async (body: unknown, field: string, key?: string | null) => {
          const r = await h.call('POST', '/api/inventory/reservations', h.adminToken, body, key);
          expect(r.status, JSON.stringify(body).slice(0, 100)).toBe(400);
          expect(r.body.errors?.[0]?.field).toBe(field);
        };
        const line = { product_id: q.id, quantity: 1 };
        await bad({ reservation_id: 'r1', items: [line, line] }, 'body.items');
        await bad({ reservation_id: 'r1', items: [] }, 'body.items');
        await bad(
          { reservation_id: 'r1', items: [{ ...line, quantity: 1001 }] },
          'body.items.0.quantity',
        );
        await bad(
          { reservation_id: 'r1', items: [{ ...line, quantity: 0 }] },
          'body.items.0.quantity',
        );
        await bad({ reservation_id: 'x'.repeat(65), items: [line] }, 'body.reservation_id');
        await bad({ reservation_id: 'r1', items: [line], ttl_s: 5 }, 'body.ttl_s');
        await bad({ reservation_id: 'r1', items: [line] }, 'headers.idempotency-key', null);
        expect(
          (await h.call('GET', `/api/products/${q.id}`, h.adminToken)).body.stock_reserved,
        ).toBe(0);
      });

      it('the same reservation_id again returns the existing one; other items are 409', async () => {
        const p = await h.product({ stock_quantity: 5 });
        const id = `order-${randomUUID()}`;
        const first = await reserve([{ product_id: p.id, quantity: 2 }], { id });
        const again = await reserve([{ product_id: p.id, quantity: 2 }], { id });
        expect(first.status).toBe(201);
        expect(again.status).toBe(200);
        expect(again.body).toEqual(first.body);
        expect(
          (await h.call('GET', `/api/products/${p.id}`, h.adminToken)).body.stock_reserved,
        ).toBe(2);
        const other = await reserve([{ product_id: p.id, quantity: 3 }], { id });
        expect(other.status).toBe(409);
        expect(other.body.type).toBe('/problems/reservation-exists');
      });

      it('replays a retried request with the same Idempotency-Key', async () => {
        const p = await h.product({ stock_quantity: 5 });
        const key = randomUUID();
        const id = `order-${randomUUID()}`;
        const first = await reserve([{ product_id: p.id, quantity: 1 }], { id, key });
        const replay = await reserve([{ product_id: p.id, quantity: 1 }], { id, key });
        expect(replay.status).toBe(201);
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect(replay.body).toEqual(first.body);
        const commit1 = await h.call(
          'POST',
          `/api/inventory/reservations/${id}/commit`,
          h.adminToken,
          {},
          'k-commit',
        );
        const commit2 = await h.call(
          'POST',
          `/api/inventory/reservations/${id}/commit`,
          h.adminToken,
          {},
          'k-commit',
        );
        expect(commit2.headers['idempotent-replayed']).toBe('true');
        expect(commit2.body).toEqual(commit1.body);
        expect((await h.call('GET', `/api/products/${p.id}`, h.adminToken)).body).toMatchObject({
          stock_quantity: 4,
          stock_reserved: 0,
        });
      });

      it('commit, restock: held -> committed -> restocked, each repeatable', async () => {
        const p = await h.product({ stock_quantity: 5 });
        const id = `order-${randomUUID()}`;
        await reserve([{ product_id: p.id, quantity: 2 }], { id });
        const stock = async () => (await h.call('GET', `/api/products/${p.id}`, h.adminToken)).body;
        const act = (a: string) =>
          h.call('POST', `/api/inventory/reservations/${id}/${a}`, h.adminToken, {});
        const committed = await act('commit');
        expect(committed.status).toBe(200);
        expect(committed.body.status).toBe('committed');
        expect(await stock()).toMatchObject({ stock_quantity: 3, stock_reserved: 0 });
        expect((await act('commit')).body.status).toBe('committed');
        expect(await stock()).toMatchObject({ stock_quantity: 3, stock_reserved: 0 });
        const release = await act('release');
        expect(release.status).toBe(409);
        expect(release.body).toMatchObject({ type: '/problems/reservation-not-held', status: 409 });
        expect(release.body.detail).toMatch(/committed/);
        expect((await act('restock')).body.status).toBe('restocked');
        expect(await stock()).toMatchObject({ stock_quantity: 5, stock_reserved: 0 });
        expect((await act('restock')).status).toBe(200);
        expect(await stock()).toMatchObject({ stock_quantity: 5, stock_reserved: 0 });
        const kinds = await h.platform.db.query<{ kind: string; reservation_id: string }>(
          'SELECT kind, reservation_id FROM catalog.stock_movements WHERE product_id = $1 ORDER BY id',
          [p.id],
        );
        expect(kinds.rows.map((r) => r.kind)).toEqual(['reserve', 'commit', 'restock']);
        expect(kinds.rows.every((r) => r.reservation_id === id)).toBe(true);
      });

      it('release: held -> released, repeatable; commit after release is 409 naming the status', async () => {
        const p = await h.product({ stock_quantity: 5 });
        const id = `order-${randomUUID()}`;
        await reserve([{ product_id: p.id, quantity: 4 }], { id });
        const act = (a: string) =>
          h.call('POST', `/api/inventory/reservations/${id}/${a}`, h.adminToken, {});
        expect((await act('release')).body.status).toBe('released');
        expect((await act('release')).status).toBe(200);
        expect((await h.call('GET', `/api/products/${p.id}`, h.adminToken)).body).toMatchObject({
          stock_quantity: 5,
          stock_reserved: 0,
        });
        const commit = await act('commit');
        expect(commit.status).toBe(409);
        expect(commit.body.detail).toMatch(/released/);
        expect((await act('restock')).status).toBe(409);
        expect(
          (await h.call('GET', `/api/inventory/reservations/${id}`, h.adminToken)).body.status,
        ).toBe('released');
        expect(
          (await h.call('POST', '/api/inventory/reservations/nope/commit', h.adminToken, {}))
            .status,
        ).toBe(404);
      });

      it('expires held reservations past their time, returning the stock', async () => {
        const p = await h.product({ stock_quantity: 3 });
        const id = `order-${randomUUID()}`;
        const kept = `order-${randomUUID()}`;
        await reserve([{ product_id: p.id, quantity: 2 }], { id, ttl_s: 10 });
        await reserve([{ product_id: p.id, quantity: 1 }], { id: kept });
        await h.platform.db.query(
          "UPDATE catalog.reservations SET expires_at = now() - interval '1 second' WHERE id = $1",
          [id],
        );
        const inventory = createInventoryService({
          db: h.platform.db,
          events: h.platform.events.publisher,
          reservationTtlS: 900,
        });
        expect(await inventory.expireDue(100)).toBeGreaterThanOrEqual(1);
        expect(
          (await h.call('GET', `/api/inventory/reservations/${id}`, h.adminToken)).body.status,
        ).toBe('expired');
        expect(
          (await h.call('GET', `/api/inventory/reservations/${kept}`, h.adminToken)).body.status,
        ).toBe('held');
        const { rows } = await h.platform.db.query<{ stock_reserved: number }>(
          'SELECT stock_reserved FROM catalog.products WHERE id = $1',
          [p.id],
        );
        expect(rows[0]!.stock_reserved).toBe(1);
        const act = (a: string) =>
          h.call('POST', `/api/inventory/reservations/${id}/${a}`, h.adminToken, {});
        expect((await act('release')).body.status).toBe('expired');
        const commit = await act('commit');
        expect(commit.status).toBe(409);
        expect(commit.body.detail).toMatch(/expired/);
      });

      it('the expiry job runs by itself', async () => {
        const p = await h.product({ stock_quantity: 3 });
        const id = `order-${randomUUID()}`;
        await reserve([{ product_id: p.id, quantity: 2 }], { id, ttl_s: 10 });
        await h.platform.db.query(
          "UPDATE catalog.reservations SET expires_at = now() - interval '1 second' WHERE id = $1",
          [id],
        );
        const deadline = Date.now() + 15_000;
        let status = 'held';
        while (status === 'held' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          status = (await h.call('GET', `/api/inventory/reservations/${id}`, h.adminToken)).body
            .status;
        }
        expect(status).toBe('expired');
        expect(
          (await h.call('GET', `/api/products/${p.id}`, h.adminToken)).body.stock_quantity,
        ).toBe(3);
      });
    });

    describe('authorization', () => {
      it('admin routes: 401 anonymous, 403 member; public routes work anonymously', async () => {
        const p = await h.product();
        const id = `order-${randomUUID()}`;
        const body = { sku: `A-${randomUUID()}`, name: 'x', price: 1, currency: 'EUR' };
        const admin: [Parameters<CatalogHarness['call']>[0], string, unknown][] = [
          ['POST', '/api/products', body],
          ['PUT', `/api/products/${p.id}`, body],
          ['DELETE', `/api/products/${p.id}`, undefined],
          ['PATCH', `/api/products/${p.id}/stock`, { set: 1, reason: 'x' }],
          ['POST', '/api/categories', { slug: 'zzz', name: 'z' }],
          [
            'POST',
            '/api/inventory/reservations',
            { reservation_id: id, items: [{ product_id: p.id, quantity: 1 }] },
          ],
          ['GET', `/api/inventory/reservations/${id}`, undefined],
          ['POST', `/api/inventory/reservations/${id}/commit`, {}],
          ['POST', `/api/inventory/reservations/${id}/release`, {}],
          ['POST', `/api/inventory/reservations/${id}/restock`, {}],
        ];
        for (const [method, url, b] of admin) {
          expect((await h.call(method, url, null, b)).status, `${method} ${url}`).toBe(401);
          expect((await h.call(method, url, h.memberToken, b)).status, `${method} ${url}`).toBe(
            403,
          );
        }
        expect((await h.call('GET', `/api/products/${p.id}`, h.adminToken)).body).toMatchObject({
          name: p.name,
          stock_quantity: 10,
        });
        for (const url of ['/api/products', `/api/products/${p.id}`, '/api/categories'])
          expect((await h.call('GET', url, null)).status, url).toBe(200);
        expect((await h.call('GET', `/api/products/${p.id}`, h.memberToken)).status).toBe(200);
      });
    });

    it('publishes product events on topic catalog in the write transaction', async () => {
      const p = await h.product();
      const {
        id: _i,
        created_at: _c,
        updated_at: _u,
        stock_quantity: _s,
        stock_reserved: _r,
        ...editable
      } = p;
      await h.call('PUT', `/api/products/${p.id}`, h.adminToken, { ...editable, price: 99 });
      await h.call('DELETE', `/api/products/${p.id}`, h.adminToken);
      const { rows } = await h.platform.db.query<{ type: string; data: Record<string, unknown> }>(
        "SELECT event->>'type' AS type, event->'data' AS data FROM kernel.outbox WHERE topic = 'catalog' AND key = $1 ORDER BY id",
        [p.id],
      );
      expect(rows.map((r) => r.type)).toEqual([
        'product_created',
        'product_updated',
        'product_deleted',
      ]);
      expect(rows[1]!.data).toMatchObject({ product_id: p.id, price: 99, sku: p.sku });
    });

    it('documents every route with a summary in /api/openapi.json', async () => {
      const doc = (await h.call('GET', '/api/openapi.json', null)).body;
      for (const path of [
        '/api/products',
        '/api/products/{id}',
        '/api/products/{id}/stock',
        '/api/categories',
        '/api/inventory/reservations',
        '/api/inventory/reservations/{id}/commit',
      ])
        expect(doc.paths[path], path).toBeDefined();
      const get = doc.paths['/api/products/{id}'].get;
      expect(get.summary).toMatch(/product/i);
      expect(JSON.stringify(get.responses['200'])).toContain('LATE-CHECKOUT');
    });

    it('seeds demo rewards once', async () => {
      expect(await h.platform.seed({ demo: false })).toEqual([]);
      const first = await h.platform.seed({ demo: true });
      expect(first.join()).toMatch(/12 demo rewards/);
      expect(await h.platform.seed({ demo: true })).toEqual([]);
      const res = await h.call('GET', '/api/products?q=spa&limit=100', null);
      expect(res.body.items.length).toBeGreaterThan(0);
      expect(
        await count("SELECT count(*)::int AS n FROM catalog.products WHERE sku = 'LATE-CHECKOUT'"),
      ).toBe(1);
    });
  });
}
