import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformConfig, type App } from '@redemption/kernel';
import { buildGateway } from './gateway.ts';
import { webAppBuilt } from './web-app.ts';

let app: App;
beforeAll(async () => {
  // Nothing listens there: these tests never reach an upstream.
  const config = loadPlatformConfig({ LOG_LEVEL: 'silent', IDENTITY_URL: 'http://127.0.0.1:9' });
  app = await buildGateway(config, '0');
});
afterAll(async () => app?.close());

describe('redemption serve gateway', () => {
  it("serves the web app's settings itself", async () => {
    const res = await app.inject({ method: 'GET', url: '/api/web-config' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ payment_provider: 'simulated', point_value_minor: 1 });
  });

  it('serves the built web app at / (its routing summary moves to /status)', async () => {
    const summaryAt = webAppBuilt() ? '/status' : '/';
    const summary = await app.inject({ method: 'GET', url: summaryAt });
    expect(summary.json()).toMatchObject({ name: 'Redemption gateway' });
    if (webAppBuilt()) {
      const page = await app.inject({ method: 'GET', url: '/orders/1' });
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.headers['cache-control']).toBe('no-cache');
    }
  });
});
