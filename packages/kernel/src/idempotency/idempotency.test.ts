import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb } from '../db/pglite-db.ts';
import { fingerprintOf, parseKey } from './idempotency.ts';
import { idempotencyContract } from './idempotency-contract.ts';
import { createHarness, startBlocked, type Harness } from './idempotency-harness.ts';

describe('parseKey and fingerprintOf', () => {
  it('accepts a bare or quoted key and refuses empty, long or non-visible ones', () => {
    expect(parseKey(' abc-1 ')).toBe('abc-1');
    expect(parseKey('"abc-1"')).toBe('abc-1');
    expect(parseKey(['first', 'second'])).toBe('first');
    expect(parseKey(undefined)).toBeUndefined();
    for (const bad of ['', '""', 'a b', 'ключ', 'x'.repeat(256)])
      expect(() => parseKey(bad), bad).toThrow(/Idempotency-Key must be/);
  });

  it('fingerprints method, path and body, ignoring object key order', () => {
    const base = fingerprintOf('POST', '/a', { x: 1, y: [1, { b: 2, a: 1 }] });
    expect(fingerprintOf('POST', '/a', { y: [1, { a: 1, b: 2 }], x: 1 })).toBe(base);
    expect(fingerprintOf('POST', '/a', { x: 1, y: [{ b: 2, a: 1 }, 1] })).not.toBe(base);
    expect(fingerprintOf('PUT', '/a', { x: 1, y: [1, { b: 2, a: 1 }] })).not.toBe(base);
    expect(fingerprintOf('POST', '/b', { x: 1, y: [1, { b: 2, a: 1 }] })).not.toBe(base);
  });
});

describe('idempotency on PGlite', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(await createPgliteDb('memory://'));
  });
  afterAll(async () => {
    await h.app.close();
    await h.db.close();
  });

  idempotencyContract(() => h);

  it('serializes a duplicate sent while the first is running: it gets the replay', async () => {
    // PGlite runs one transaction at a time, so the duplicate waits and then sees the outcome.
    const key = randomUUID();
    const { first, release } = await startBlocked(h, key, { item: 'slow' });
    const second = h.post(key, { item: 'slow' });
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(201);
    expect(b).toMatchObject({ status: 201, body: a.body });
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(h.runs).toBe(1);
  });
});
