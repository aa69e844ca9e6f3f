import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type App } from '../http/server.ts';
import { createTokenVerifier, registerAuth, requireAdmin, requireSelfOrAdmin } from './auth.ts';

const issuer = 'redemption';
const audience = 'redemption-api';

interface Claims {
  sub?: string;
  role?: string;
  iss?: string;
  aud?: string;
  /** Seconds from now; negative for a token that has expired. */
  expiresInS?: number;
}

const nowS = () => Math.floor(Date.now() / 1000);

function sign(key: CryptoKey, c: Claims = {}): Promise<string> {
  const jwt = new SignJWT({ role: c.role ?? 'member' })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(c.iss ?? issuer)
    .setAudience(c.aud ?? audience)
    .setIssuedAt()
    .setExpirationTime(nowS() + (c.expiresInS ?? 300));
  return (c.sub === '' ? jwt : jwt.setSubject(c.sub ?? 'member-1')).sign(key);
}

async function buildApp(publicKey: CryptoKey): Promise<App> {
  const app = await createServer({
    logger: pino({ level: 'silent' }),
    title: 'auth-test',
    version: '0',
    corsOrigins: [],
  });
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), alg: 'EdDSA' }] });
  registerAuth(app, createTokenVerifier({ issuer, audience, keys: jwks }));
  app.get('/api/x', async (req) => ({ principal: req.principal }));
  app.get('/api/open', { config: { public: true } }, async (req) => ({ principal: req.principal }));
  app.get('/api/admin', async (req) => requireAdmin(req));
  app.get('/api/members/:id', async (req) =>
    requireSelfOrAdmin(req, (req.params as { id: string }).id),
  );
  await app.ready();
  return app;
}

describe('bearer auth', () => {
  let app: App;
  let keys: { publicKey: CryptoKey; privateKey: CryptoKey };
  let otherKey: CryptoKey;
  beforeAll(async () => {
    keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    otherKey = (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey;
    app = await buildApp(keys.publicKey);
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (url: string, token?: string) =>
    app.inject({ url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  /** Asserts a 401 problem with the bearer challenge; returns its detail. */
  async function refused(url: string, token?: string): Promise<string> {
    const res = await get(url, token);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    return res.json().detail;
  }

  it('refuses a protected route without a token', async () => {
    expect(await refused('/api/x')).toBe('A valid bearer token is required');
  });

  it('lets a valid token through and exposes the principal', async () => {
    const res = await get('/api/x', await sign(keys.privateKey, { sub: 'm-42' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ principal: { id: 'm-42', role: 'member' } });
  });

  it('refuses expired, foreign, tampered and incomplete tokens', async () => {
    const pk = keys.privateKey;
    const good = await sign(pk);
    const [head, payload, sig] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'm-1', role: 'admin' })).toString('base64url');
    const bad = {
      expired: await sign(pk, { expiresInS: -60 }),
      wrongIssuer: await sign(pk, { iss: 'someone-else' }),
      wrongAudience: await sign(pk, { aud: 'other-api' }),
      otherKey: await sign(otherKey),
      tamperedPayload: `${head}.${forged}.${sig}`,
      tamperedSignature: `${head}.${payload}.${sig?.slice(0, -4)}AAAA`,
      noSubject: await sign(pk, { sub: '' }),
      unknownRole: await sign(pk, { role: 'root' }),
    };
    for (const [name, token] of Object.entries(bad)) {
      expect(await refused('/api/x', token), name).toBe('The bearer token is invalid or expired');
    }
  });

  it('tolerates a few seconds of clock skew, not more', async () => {
    expect((await get('/api/x', await sign(keys.privateKey, { expiresInS: -2 }))).statusCode).toBe(
      200,
    );
    await refused('/api/x', await sign(keys.privateKey, { expiresInS: -10 }));
  });

  it('refuses a header that is not "Bearer <token>"', async () => {
    const token = await sign(keys.privateKey);
    for (const header of [
      `Basic ${token}`,
      `Bearer ${token} extra`,
      `Bearer x${'y'.repeat(4096)}`,
    ]) {
      const res = await app.inject({ url: '/api/x', headers: { authorization: header } });
      expect(res.statusCode).toBe(401);
    }
  });

  it('cannot be bypassed by percent-encoding the path', async () => {
    // The router decodes `%61` to `a`, so this reaches the protected /api/x route.
    await refused('/%61pi/x');
  });

  it('serves a public route without a token, and with a principal when one is sent', async () => {
    const anonymous = await get('/api/open');
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual({ principal: null });
    const invalid = await get('/api/open', 'not-a-jwt');
    expect(invalid.json()).toEqual({ principal: null });
    const res = await get('/api/open', await sign(keys.privateKey, { sub: 'm-7' }));
    expect(res.json()).toEqual({ principal: { id: 'm-7', role: 'member' } });
  });

  it('leaves unknown routes and non-API routes to their own answers', async () => {
    expect((await get('/api/unknown')).statusCode).toBe(404);
    expect((await get('/health/live')).statusCode).toBe(200);
  });

  it('enforces admin and self-or-admin access', async () => {
    const member = await sign(keys.privateKey, { sub: 'm-1' });
    const admin = await sign(keys.privateKey, { sub: 'a-1', role: 'admin' });
    expect((await get('/api/admin', member)).statusCode).toBe(403);
    expect((await get('/api/admin', admin)).statusCode).toBe(200);
    expect((await get('/api/members/m-1', member)).statusCode).toBe(200);
    expect((await get('/api/members/m-2', member)).statusCode).toBe(404);
    expect((await get('/api/members/m-2', admin)).statusCode).toBe(200);
  });
});
