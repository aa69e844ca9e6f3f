import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDatabase,
  createTestTokens,
  postgresGate,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { startCatalog, type CatalogHarness } from '../testing/catalog-harness.ts';
import { createInventoryService } from './inventory.service.ts';

const gate = postgresGate();
const busyRetriesMax = 20;

/**
 * As a client would: a 429 `database-busy` (the pool's wait ran out on a loaded machine) is
 * sent again after its Retry-After. The race under test is the stock row's; on a quiet machine
 * no attempt needs this.
 */
async function untilAdmitted<R extends { status: number; body: Record<string, unknown> }>(
  send: () => Promise<R>,
): Promise<R> {
  let res = await send();
  for (let i = 0; i < busyRetriesMax && res.status === 429; i++) {
    await new Promise((r) => setTimeout(r, Number(res.body['retry_after_s'] ?? 1) * 1000));
    res = await send();
  }
  return res;
}
const stock = 50;
const attempts = 200;

describe.skipIf(!gate.url)('reservations under contention (two processes, real PostgreSQL)', () => {
  let temp: TempDatabase;
  let a: CatalogHarness;
  let b: CatalogHarness;
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    const tokens = await createTestTokens();
    // Two platforms on one database stand in for two pods behind a load balancer. Admission
    // control is off: the race under test is the stock row's, not the door's (its 429s are
    // tested in admission.int.test.ts); every attempt must reach the database.
    const env = { IN_FLIGHT_WRITES_PER_DB_CONNECTION: '0' };
    a = await startCatalog({ databaseUrl: temp.url, tokens, env });
    b = await startCatalog({ databaseUrl: temp.url, tokens, env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await temp?.drop();
  });

  it(`${attempts} concurrent 1-unit reservations of ${stock} units: exactly ${stock} win`, async () => {
    const p = await a.product({ stock_quantity: stock });
    const results = await Promise.all(
      Array.from({ length: attempts }, (_, i) => {
        const body = {
          reservation_id: `order-${randomUUID()}`,
          items: [{ product_id: p.id, quantity: 1 }],
        };
        const h = i % 2 === 0 ? a : b;
        return untilAdmitted(() =>
          h.call('POST', '/api/inventory/reservations', a.adminToken, body),
        );
      }),
    );
    const byStatus = new Map<number, number>();
    for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ 201: stock, 409: attempts - stock });
    expect(
      results
        .filter((r) => r.status === 409)
        .every((r) => r.body.type === '/problems/out-of-stock'),
    ).toBe(true);
    const { rows } = await a.platform.db.query<{ stock_quantity: number; stock_reserved: number }>(
      'SELECT stock_quantity, stock_reserved FROM catalog.products WHERE id = $1',
      [p.id],
    );
    expect(rows[0]).toEqual({ stock_quantity: stock, stock_reserved: stock });
    const held = await a.platform.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM catalog.reservations WHERE status = 'held'",
    );
    expect(held.rows[0]!.n).toBe(stock);
    const view = await b.call('GET', `/api/products/${p.id}`, null);
    expect(view.body).toMatchObject({ stock_quantity: 0, stock_reserved: stock });
  });

  it('multi-line reservations in opposite orders never deadlock and never oversell', async () => {
    const x = await a.product({ stock_quantity: 30 });
    const y = await a.product({ stock_quantity: 30 });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const items = [
          { product_id: x.id, quantity: 1 },
          { product_id: y.id, quantity: 1 },
        ];
        return (i % 2 === 0 ? a : b).call('POST', '/api/inventory/reservations', a.adminToken, {
          reservation_id: `order-${randomUUID()}`,
          items: i % 2 ? items.reverse() : items,
        });
      }),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(30);
    expect(results.filter((r) => r.status === 409)).toHaveLength(30);
  });

  it('two expiry sweepers at once expire each reservation exactly once', async () => {
    const p = await a.product({ stock_quantity: 40 });
    const ids = Array.from({ length: 40 }, () => `order-${randomUUID()}`);
    for (const id of ids)
      await a.call('POST', '/api/inventory/reservations', a.adminToken, {
        reservation_id: id,
        items: [{ product_id: p.id, quantity: 1 }],
      });
    await a.platform.db.query(
      "UPDATE catalog.reservations SET expires_at = now() - interval '1 second' WHERE id = ANY($1)",
      [ids],
    );
    const sweeper = (h: CatalogHarness) =>
      createInventoryService({
        db: h.platform.db,
        events: h.platform.events.publisher,
        reservationTtlS: 900,
      });
    const [n1, n2] = await Promise.all([sweeper(a).expireDue(1000), sweeper(b).expireDue(1000)]);
    // The platforms' own jobs may take some too; what matters is that none is released twice.
    expect(n1 + n2).toBeLessThanOrEqual(40);
    const { rows } = await a.platform.db.query<{ stock_reserved: number }>(
      'SELECT stock_reserved FROM catalog.products WHERE id = $1',
      [p.id],
    );
    expect(rows[0]!.stock_reserved).toBe(0);
    const moves = await a.platform.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM catalog.stock_movements WHERE product_id = $1 AND kind = 'expire'",
      [p.id],
    );
    expect(moves.rows[0]!.n).toBe(40);
  });
});
