import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../db/create-db.ts';
import type { Db } from '../db/db.ts';
import { migrate } from '../db/migrations.ts';
import { createServer, type App } from '../http/server.ts';
import { createTokenVerifier, registerAuth } from './auth.ts';
import {
  dbTokenRevocations,
  tokenRevocationMigrations,
  type TokenRevocations,
} from './token-revocations.ts';

const issuer = 'redemption';
const audience = 'redemption-api';
const markerTtlMs = 60_000;

describe('token revocations in the database (embedded PGlite)', () => {
  let db: Db;
  let stores: Array<Awaited<ReturnType<typeof dbTokenRevocations>>> = [];
  /** A store as one process holds it; two of them stand for two processes on one database. */
  const open = async (ttlMs = markerTtlMs) => {
    const store = await dbTokenRevocations(db, ttlMs);
    stores.push(store);
    return store;
  };
  beforeAll(async () => {
    db = await createDb({ dataDir: 'memory://', poolMax: 1 });
    await migrate(db, [tokenRevocationMigrations]);
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    stores = [];
    await db?.close();
  });
  const eventually = async (check: () => Promise<void>) => {
    for (let i = 0; ; i++) {
      try {
        return await check();
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };

  it('keeps the latest instant per subject and never moves it back', async () => {
    const store = await open();
    const t = Date.now();
    expect(await store.revokedBeforeMs(['user:a', 'session:s'])).toBeUndefined();
    await store.revoke(db, ['user:a'], t - 2);
    await store.revoke(db, ['user:a'], t - 3);
    await store.revoke(db, ['session:s'], t - 1);
    expect(await store.revokedBeforeMs(['user:a'])).toBe(t - 2);
    expect(await store.revokedBeforeMs(['user:a', 'session:s'])).toBe(t - 1);
    expect(await store.revokedBeforeMs(['user:b'])).toBeUndefined();
    const { rows } = await db.query<{ ms: number }>(
      "SELECT revoked_before_ms::float8 AS ms FROM kernel.token_revocations WHERE subject = 'user:a'",
    );
    expect(rows[0]?.ms).toBe(t - 2);
  });

  it('reaches another process on commit, and never when the transaction rolls back', async () => {
    const writer = await open();
    const reader = await open();
    const t = Date.now();
    await expect(
      db.tx(async (q) => {
        await writer.revoke(q, ['user:rolled-back'], t);
        throw new Error('the rest of the change failed');
      }),
    ).rejects.toThrow();
    await db.tx((q) => writer.revoke(q, ['user:committed'], t));
    await eventually(async () => expect(await reader.revokedBeforeMs(['user:committed'])).toBe(t));
    const late = await open(); // a process started later loads what is there
    expect(await late.revokedBeforeMs(['user:committed'])).toBe(t);
    expect(await late.revokedBeforeMs(['user:rolled-back'])).toBeUndefined();
    expect(await reader.revokedBeforeMs(['user:rolled-back'])).toBeUndefined();
  });

  it('ignores and purges markers past their lifetime', async () => {
    const shortLived = await open(1);
    await shortLived.revoke(db, ['user:old'], Date.now());
    await new Promise((r) => setTimeout(r, 20));
    expect(await shortLived.revokedBeforeMs(['user:old'])).toBeUndefined();
    await shortLived.purgeExpired();
    const { rows } = await db.query(
      "SELECT 1 FROM kernel.token_revocations WHERE subject = 'user:old'",
    );
    expect(rows).toHaveLength(0);
  });
});

describe('the auth hook with revocations', () => {
  let app: App;
  let key: CryptoKey;
  const markers = new Map<string, number>();
  let storeDown = false;
  const fake: TokenRevocations = {
    revoke: async () => undefined,
    async revokedBeforeMs(subjects) {
      if (storeDown) throw new Error('connection refused');
      const found = subjects.map((s) => markers.get(s)).filter((v) => v !== undefined);
      return found.length ? Math.max(...found) : undefined;
    },
    purgeExpired: async () => undefined,
  };

  beforeAll(async () => {
    const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    key = keys.privateKey;
    app = await createServer({
      logger: pino({ level: 'silent' }),
      title: 'revocation-test',
      version: '0',
      corsOrigins: [],
    });
    const jwks = createLocalJWKSet({
      keys: [{ ...(await exportJWK(keys.publicKey)), alg: 'EdDSA' }],
    });
    registerAuth(app, createTokenVerifier({ issuer, audience, keys: jwks }), {
      revocations: fake,
    });
    const echo = async (req: { principal: unknown }) => ({ principal: req.principal });
    app.get('/api/read', echo);
    app.get('/api/profile', { config: { revocationCheck: 'always' } }, echo);
    app.post('/api/write', echo);
    app.post('/api/open', { config: { public: true } }, echo);
    await app.ready();
  });
  afterAll(async () => app?.close());

  const sign = (sub: string, iatMs: number, sid?: string) =>
    new SignJWT({ role: 'member', ...(sid ? { sid } : {}) })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(sub)
      .setIssuedAt(iatMs / 1000)
      .setExpirationTime('5m')
      .sign(key);
  const call = async (method: 'GET' | 'POST', url: string, token: string) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

  it('refuses a token issued before its user’s marker on writes, to the millisecond', async () => {
    const now = Date.now();
    markers.set('user:u1', now);
    const before = await sign('u1', now - 1);
    const after = await sign('u1', now + 1);
    const refused = await call('POST', '/api/write', before);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().detail).toMatch(/revoked/);
    expect((await call('POST', '/api/write', after)).statusCode).toBe(200);
    expect((await call('POST', '/api/write', await sign('u2', now - 1))).statusCode).toBe(200);
  });

  it('checks reads only where the route asks for it', async () => {
    const token = await sign('u3', Date.now() - 10);
    markers.set('user:u3', Date.now());
    expect((await call('GET', '/api/read', token)).statusCode).toBe(200);
    expect((await call('GET', '/api/profile', token)).statusCode).toBe(401);
  });

  it('revokes by session too, and leaves a public route without a principal', async () => {
    const now = Date.now();
    markers.set('session:s1', now);
    const inSession = await sign('u4', now - 1, 's1');
    expect((await call('POST', '/api/write', inSession)).statusCode).toBe(401);
    expect((await call('POST', '/api/write', await sign('u4', now - 1, 's2'))).statusCode).toBe(
      200,
    );
    const open = await call('POST', '/api/open', inSession);
    expect(open.statusCode).toBe(200);
    expect(open.json().principal).toBeNull();
  });

  it('answers 503 with Retry-After, not 500, while the store is down', async () => {
    storeDown = true;
    try {
      const res = await call('POST', '/api/write', await sign('u5', Date.now()));
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect((await call('GET', '/api/read', await sign('u5', Date.now()))).statusCode).toBe(200);
    } finally {
      storeDown = false;
    }
  });
});
