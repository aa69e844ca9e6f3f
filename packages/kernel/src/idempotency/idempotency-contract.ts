/**
 * Behaviour of the Idempotency-Key runner over any Db, shared by the PGlite test and the
 * PostgreSQL integration test.
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import { unprocessable } from '../errors/problem.ts';
import type { Harness } from './idempotency-harness.ts';

const replayed = 'idempotent-replayed';

const expireKey = (h: Harness, key: string) =>
  h.db.query(
    "UPDATE kernel.idempotency_keys SET expires_at = now() - interval '1 minute' WHERE key = $1",
    [key],
  );

export function idempotencyContract(getHarness: () => Harness): void {
  let h: Harness;
  let key: string;
  beforeEach(async () => {
    h = getHarness();
    h.behaviour = async () => undefined;
    h.runs = 0;
    h.pending = false;
    h.checkpoints = true;
    h.resumed = [];
    key = randomUUID();
    await h.db.exec('DELETE FROM orders; DELETE FROM kernel.idempotency_keys');
  });

  it('refuses a request without a key where one is required, naming the header', async () => {
    const res = await h.post(undefined, { item: 'a' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body['errors']).toEqual([
      { field: 'headers.idempotency-key', message: 'The Idempotency-Key header is required here' },
    ]);
    expect(await h.effects()).toBe(0);
  });

  it('refuses a malformed key', async () => {
    for (const bad of ['x'.repeat(256), 'has space', '""']) {
      const res = await h.post(bad, { item: 'a' });
      expect(res.status, bad).toBe(400);
      expect(res.body['detail']).toMatch(/^Idempotency-Key must be/);
    }
    expect(h.runs).toBe(0);
  });

  it('runs without protection where the key is optional and none is sent', async () => {
    await h.post(undefined, { item: 'a' }, '/api/notes');
    const res = await h.post(undefined, { item: 'a' }, '/api/notes');
    expect(res.status).toBe(201);
    expect(await h.effects()).toBe(2);
  });

  it('replays the stored response for the same key and body; the effect happens once', async () => {
    const first = await h.post(key, { item: 'a' });
    expect(first.status).toBe(201);
    expect(first.headers[replayed]).toBeUndefined();
    // The quoted structured-field form is the same key.
    const again = await h.post(`"${key}"`, { item: 'a' });
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers[replayed]).toBe('true');
    expect(await h.effects()).toBe(1);
    expect(h.runs).toBe(1);
  });

  it('refuses the same key with a different body with 422', async () => {
    await h.post(key, { item: 'a' });
    const res = await h.post(key, { item: 'b' });
    expect(res.status).toBe(422);
    expect(res.body['type']).toBe('/problems/idempotency-key-reused');
    expect(await h.effects()).toBe(1);
  });

  it('keeps keys apart per scope', async () => {
    await h.post(key, { item: 'a' });
    const other = await h.post(key, { item: 'a' }, '/api/gifts');
    expect(other.status).toBe(201);
    expect(other.headers[replayed]).toBeUndefined();
    expect(await h.effects()).toBe(2);
  });

  it('stores a 422 problem thrown by the handler, rolls its writes back and replays it', async () => {
    h.behaviour = async () => {
      throw unprocessable('out-of-stock', 'Item a is out of stock');
    };
    const first = await h.post(key, { item: 'a' });
    expect(first.status).toBe(422);
    expect(first.body).toMatchObject({ type: '/problems/out-of-stock', status: 422 });
    const again = await h.post(key, { item: 'a' });
    expect(again).toMatchObject({ status: 422, body: first.body });
    expect(again.headers[replayed]).toBe('true');
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(h.runs).toBe(1);
    expect(await h.effects()).toBe(0);
  });

  it('frees the key after an unexpected error, so a retry runs', async () => {
    h.behaviour = async () => {
      throw new Error('database exploded');
    };
    const failed = await h.post(key, { item: 'a' });
    expect(failed.status).toBe(500);
    expect(JSON.stringify(failed.body)).not.toContain('exploded');
    expect(await h.effects()).toBe(0);
    h.behaviour = async () => undefined;
    const retry = await h.post(key, { item: 'a' });
    expect(retry.status).toBe(201);
    expect(retry.headers[replayed]).toBeUndefined();
    expect(await h.effects()).toBe(1);
  });

  it('answers 409 while another run holds the key, and lets a retry take over a dead run', async () => {
    const other = randomUUID();
    await h.plantLease(key, { item: 'a' }, 'future');
    await h.plantLease(other, { item: 'a' }, 'past');
    const busy = await h.post(key, { item: 'a' });
    expect(busy.status).toBe(409);
    expect(busy.body['type']).toBe('/problems/idempotency-key-in-flight');
    expect(await h.post(other, { item: 'b' })).toMatchObject({ status: 422 });
    expect(await h.post(other, { item: 'a' })).toMatchObject({ status: 201 });
    expect(await h.effects()).toBe(1);
  });

  it('treats an expired key as free, even before it is purged', async () => {
    await h.post(key, { item: 'a' });
    await expireKey(h, key);
    const reused = await h.post(key, { item: 'b' });
    expect(reused.status).toBe(201);
    expect(reused.headers[replayed]).toBeUndefined();
    expect(await h.effects()).toBe(2);
  });

  it('purges expired keys only, after which the key is free again', async () => {
    const fresh = randomUUID();
    await h.post(key, { item: 'a' });
    await h.post(fresh, { item: 'a' });
    await expireKey(h, key);
    expect(await h.idempotency.purgeExpired()).toBe(1);
    expect(await h.idempotency.purgeExpired()).toBe(0);
    const { rows } = await h.db.query<{ key: string }>('SELECT key FROM kernel.idempotency_keys');
    expect(rows).toEqual([{ key: fresh }]);
    const reused = await h.post(key, { item: 'other body' });
    expect(reused.status).toBe(201);
    expect(await h.effects()).toBe(3);
  });

  it('does not store a non-final answer: a retry resumes the checkpointed resource, then replays', async () => {
    h.pending = true;
    const first = await h.post(key, { item: 'a' }, '/api/bookings');
    expect(first.status).toBe(202);
    const still = await h.post(key, { item: 'a' }, '/api/bookings');
    expect(still).toMatchObject({ status: 202, body: first.body });
    expect(still.headers[replayed]).toBeUndefined();
    h.pending = false;
    const done = await h.post(key, { item: 'a' }, '/api/bookings');
    expect(done).toMatchObject({ status: 201, body: first.body });
    const again = await h.post(key, { item: 'a' }, '/api/bookings');
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers[replayed]).toBe('true');
    expect(h.resumed).toEqual([undefined, { id: first.body['id'] }, { id: first.body['id'] }]);
    expect(await h.effects()).toBe(1);
  });

  it('refuses another body with the key of a non-final answer (422), creating nothing', async () => {
    h.pending = true;
    await h.post(key, { item: 'a' }, '/api/bookings');
    const other = await h.post(key, { item: 'b' }, '/api/bookings');
    expect(other.status).toBe(422);
    expect(other.body['type']).toBe('/problems/idempotency-key-reused');
    expect(await h.effects()).toBe(1);
  });

  it('resumes the checkpointed resource after an unexpected error instead of making another', async () => {
    h.behaviour = async () => {
      throw new Error('the network fell over');
    };
    expect((await h.post(key, { item: 'a' }, '/api/bookings')).status).toBe(500);
    h.behaviour = async () => undefined;
    const retry = await h.post(key, { item: 'a' }, '/api/bookings');
    expect(retry.status).toBe(201);
    expect(h.resumed[1]).toEqual({ id: retry.body['id'] });
    expect(await h.effects()).toBe(1);
  });

  it('answers 409 while a checkpointed run holds the key; resumes it once its lease ran out', async () => {
    const dead = randomUUID();
    await h.plantLease(key, { item: 'a' }, 'future', { id: 41 });
    await h.plantLease(dead, { item: 'a' }, 'past', { id: 42 });
    const busy = await h.post(key, { item: 'a' }, '/api/bookings');
    expect(busy.status).toBe(409);
    expect(busy.body['type']).toBe('/problems/idempotency-key-in-flight');
    const resumed = await h.post(dead, { item: 'a' }, '/api/bookings');
    expect(resumed).toMatchObject({ status: 201, body: { id: 42 } });
    expect(h.resumed).toEqual([{ id: 42 }]);
    expect(await h.effects()).toBe(0);
  });

  it('frees the key of a non-final answer without a checkpoint: a retry runs anew', async () => {
    h.checkpoints = false;
    h.pending = true;
    await h.post(key, { item: 'a' }, '/api/bookings');
    h.pending = false;
    const retry = await h.post(key, { item: 'a' }, '/api/bookings');
    expect(retry.status).toBe(201);
    expect(h.resumed).toEqual([undefined, undefined]);
    expect(await h.effects()).toBe(2);
  });

  it('forgets the checkpoint of an expired key', async () => {
    h.pending = true;
    await h.post(key, { item: 'a' }, '/api/bookings');
    await expireKey(h, key);
    h.pending = false;
    const fresh = await h.post(key, { item: 'b' }, '/api/bookings');
    expect(fresh.status).toBe(201);
    expect(h.resumed).toEqual([undefined, undefined]);
    expect(await h.effects()).toBe(2);
  });
}
