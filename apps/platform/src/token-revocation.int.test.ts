/**
 * Distributed mode: identity and loyalty as two platforms (two processes' worth of state: own
 * pools, limiters, revocation stores), loyalty checking tokens through identity's JWKS. A
 * revocation written by identity must reach loyalty: through Redis when REDIS_URL is set (even
 * with a database each), or through the kernel's table when they share one database.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { identityModule } from '@redemption/identity';
import { buildPlatform, loadPlatformConfig, type Platform } from '@redemption/kernel';
import {
  createTempDatabase,
  postgresGate,
  redisGate,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { loyaltyModule } from '@redemption/loyalty';
import { httpSend, revocationAcrossServices } from './testing/revocation-journey.ts';

const pgGate = postgresGate();
const redis = redisGate();
const quiet = { LOG_LEVEL: 'silent', DATA_DIR: 'memory://' };

async function pair(opts: { identityDb: string; loyaltyDb: string; redisUrl?: string }) {
  const common = { ...quiet, ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}) };
  const identity = await buildPlatform({
    config: loadPlatformConfig({ ...common, DATABASE_URL: opts.identityDb }),
    modules: [identityModule],
    name: 'identity',
    version: 'test',
  });
  const identityUrl = await identity.app.listen({ port: 0, host: '127.0.0.1' });
  const loyalty: Platform = await buildPlatform({
    config: loadPlatformConfig({
      ...common,
      DATABASE_URL: opts.loyaltyDb,
      IDENTITY_URL: identityUrl,
    }),
    modules: [loyaltyModule],
    name: 'loyalty',
    version: 'test',
  });
  const loyaltyUrl = await loyalty.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    identity: httpSend(identityUrl),
    loyalty: httpSend(loyaltyUrl),
    close: async () => {
      await loyalty.close();
      await identity.close();
    },
  };
}

describe.skipIf(!pgGate.url)('token revocation across services (distributed, PostgreSQL)', () => {
  const temps: TempDatabase[] = [];
  const closers: Array<() => Promise<void>> = [];
  const tempDb = async () => {
    const t = await createTempDatabase(pgGate.url!);
    temps.push(t);
    return t.url;
  };
  afterAll(async () => {
    for (const close of closers) await close();
    for (const t of temps) await t.drop();
  });

  describe('one shared database, no Redis: the kernel table', () => {
    let p: Awaited<ReturnType<typeof pair>>;
    beforeAll(async () => {
      const db = await tempDb();
      p = await pair({ identityDb: db, loyaltyDb: db });
      closers.push(p.close);
    }, 60_000);
    it('refuses old tokens at loyalty after deletion and sign-out everywhere', () =>
      revocationAcrossServices(p.identity, p.loyalty));
  });

  describe.skipIf(!redis.url)('a database each, Redis shared', () => {
    let p: Awaited<ReturnType<typeof pair>>;
    beforeAll(async () => {
      p = await pair({
        identityDb: await tempDb(),
        loyaltyDb: await tempDb(),
        redisUrl: redis.url!,
      });
      closers.push(p.close);
    }, 60_000);
    it('refuses old tokens at loyalty after deletion and sign-out everywhere', () =>
      revocationAcrossServices(p.identity, p.loyalty));
  });
});
