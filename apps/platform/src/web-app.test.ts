import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type App } from '@redemption/kernel';
import { registerWebApp, webAppBuilt } from './web-app.ts';

const dist = `${mkdtempSync(join(tmpdir(), 'redemption-web-'))}/`;
const indexHtml = '<!doctype html><title>app</title><div id="root"></div>';
const assetJs = `console.log(${JSON.stringify('x'.repeat(2_000))});`;
let app: App;

beforeAll(async () => {
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), indexHtml);
  writeFileSync(join(dist, 'assets/index-abc123.js'), assetJs);
  writeFileSync(join(dist, 'assets/index-abc123.js.br'), brotliCompressSync(assetJs));
  app = await createServer({
    logger: pino({ level: 'silent' }),
    title: 'test',
    version: '0',
    corsOrigins: [],
  });
  expect(await registerWebApp(app, dist)).toBe(true);
  app.get('/api/things', async () => ({ ok: true }));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('the web app served by the platform', () => {
  it('serves index.html at / with no-cache and a strict content security policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(indexHtml);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('answers deep links and reloads of client routes with index.html (SPA fallback)', async () => {
    for (const url of ['/products/0196a5e2', '/account', '/admin/orders?status=shipped']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(indexHtml);
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('caches hashed assets for a year as immutable, compressed ahead of time', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-encoding']).toBe('br');
    const plain = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(plain.body).toBe(assetJs);
  });

  it('keeps 404s for unknown API paths (problem+json) and missing assets, never index.html', async () => {
    const api = await app.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toContain('application/problem+json');
    expect(api.json()).toMatchObject({ type: '/problems/not-found', status: 404 });
    const asset = await app.inject({ method: 'GET', url: '/assets/gone-123.js' });
    expect(asset.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/things' })).json()).toEqual({ ok: true });
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('registers nothing when the app is not built', async () => {
    expect(webAppBuilt('/nonexistent/')).toBe(false);
    const bare = await createServer({
      logger: pino({ level: 'silent' }),
      title: 'bare',
      version: '0',
      corsOrigins: [],
    });
    expect(await registerWebApp(bare, '/nonexistent/')).toBe(false);
    await bare.close();
  });
});
