import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisGate } from '../testing/services.ts';
import { redisTokenRevocations, type TokenRevocations } from './token-revocations.ts';

const gate = redisGate();
const markerTtlMs = 60_000;
// Random per run, so repeated runs against one server never see each other's markers.
const subject = (name: string) => `user:${randomUUID()}-${name}`;

describe.skipIf(!gate.url)(`token revocations in Redis ${gate.reason}`, () => {
  let client: ReturnType<typeof createClient>;
  let store: TokenRevocations;
  const noTx = {} as never; // Redis writes at once; the transaction is not used
  beforeAll(async () => {
    client = createClient({ url: gate.url! });
    await client.connect();
    store = redisTokenRevocations(client, markerTtlMs);
  });
  afterAll(async () => client?.close());

  it('keeps the latest instant per subject and never moves it back', async () => {
    const [a, s] = [subject('a'), subject('s')];
    expect(await store.revokedBeforeMs([a, s])).toBeUndefined();
    await store.revoke(noTx, [a], 2_000);
    await store.revoke(noTx, [a], 1_000);
    await store.revoke(noTx, [s], 3_000);
    expect(await store.revokedBeforeMs([a])).toBe(2_000);
    expect(await store.revokedBeforeMs([a, s])).toBe(3_000);
  });

  it('lets a marker expire after the access token lifetime, under revoked-before:', async () => {
    const a = subject('ttl');
    await store.revoke(noTx, [a], Date.now());
    const ttlMs = await client.pTTL(`revoked-before:${a}`);
    expect(ttlMs).toBeGreaterThan(markerTtlMs - 5_000);
    expect(ttlMs).toBeLessThanOrEqual(markerTtlMs);
  });
});
