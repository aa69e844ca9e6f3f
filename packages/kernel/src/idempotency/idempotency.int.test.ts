import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb } from '../db/pg-db.ts';
import { postgresGate } from '../testing/services.ts';
import { createTempDatabase, type TempDatabase } from '../testing/temp-database.ts';
import { idempotencyContract } from './idempotency-contract.ts';
import { createHarness, startBlocked, type Harness } from './idempotency-harness.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)(`idempotency on PostgreSQL ${gate.reason}`, () => {
  let temp: TempDatabase;
  let h: Harness;
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url ?? '');
    h = await createHarness(createPgDb({ url: temp.url, poolMax: 10 }));
  });
  afterAll(async () => {
    await h?.app.close();
    await h?.db.close();
    await temp?.drop();
  });

  idempotencyContract(() => h);

  it('answers 409 to a duplicate sent while the first is still running', async () => {
    const key = randomUUID();
    const { first, release } = await startBlocked(h, key, { item: 'slow' });
    const busy = await h.post(key, { item: 'slow' });
    release();
    expect(busy.status).toBe(409);
    expect(busy.body['type']).toBe('/problems/idempotency-key-in-flight');
    expect((await first).status).toBe(201);
    const after = await h.post(key, { item: 'slow' });
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(h.runs).toBe(1);
  });

  it('runs the effect once for 20 concurrent requests with one key', async () => {
    const key = randomUUID();
    h.behaviour = () => new Promise((resolve) => setTimeout(resolve, 50));
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => h.post(key, { item: 'burst' })),
    );
    const fresh = replies.filter((r) => r.status === 201 && !r.headers['idempotent-replayed']);
    const others = replies.filter((r) => !fresh.includes(r));
    expect(fresh).toHaveLength(1);
    for (const r of others) {
      if (r.status === 201) expect(r.body).toEqual(fresh[0]?.body);
      else expect(r.status).toBe(409);
    }
    expect(h.runs).toBe(1);
    expect(await h.effects()).toBe(1);
  });
});
