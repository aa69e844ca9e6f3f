import { createServer, type Server } from 'node:http';
import { catalogModule } from '@redemption/catalog';
import { loadPlatformConfig, type App } from '@redemption/kernel';
import { startModule, type ModuleHarness } from '@redemption/kernel/testing';
import { paymentsModule } from '@redemption/payments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from './gateway.ts';
import { mergedOpenApi, mergeDocuments } from './gateway-openapi.ts';
import { auditOpenApi, type OpenApiDocument } from './testing/openapi-audit.ts';

describe('redemption serve gateway: one OpenAPI document and the docs page', () => {
  let services: ModuleHarness[];
  let gateway: App;
  beforeAll(async () => {
    services = [await startModule(catalogModule), await startModule(paymentsModule)];
    const [catalogUrl, paymentsUrl] = await Promise.all(
      services.map((s) => s.platform.app.listen({ port: 0, host: '127.0.0.1' })),
    );
    const env = { LOG_LEVEL: 'silent', CATALOG_URL: catalogUrl!, PAYMENTS_URL: paymentsUrl! };
    gateway = await buildGateway(loadPlatformConfig(env), '0');
  });
  afterAll(async () => {
    await gateway?.close();
    for (const s of services ?? []) await s.close();
  });

  it("merges each service's own document with the gateway's routes, audit-clean", async () => {
    const res = await gateway.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<OpenApiDocument & { info: { description?: string } }>();
    const paths = Object.keys(doc.paths);
    for (const p of ['/api/products', '/api/inventory/reservations', '/api/payments/process'])
      expect(paths).toContain(p);
    expect(paths).toContain('/api/web-config'); // the gateway's own
    expect(paths.some((p) => p.startsWith('/api/orders'))).toBe(false); // not behind it
    expect(doc.info.description).toBeUndefined();
    expect(auditOpenApi(doc)).toEqual([]);
  });

  it('serves the docs page on the merged document', async () => {
    const page = await gateway.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const json = await gateway.inject({ method: 'GET', url: '/api/docs/json' });
    expect(Object.keys(json.json<OpenApiDocument>().paths)).toContain('/api/payments/process');
  });
});

describe('mergedOpenApi', () => {
  const op = { get: { tags: ['x'], operationId: 'x', responses: {} } };
  const own = () => ({ openapi: '3.1.0', info: { title: 'gw' }, paths: { '/api/web-config': op } });
  let upstream: Server;
  let url: string;
  let served = 0;
  beforeAll(async () => {
    upstream = createServer((_req, res) => {
      served++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ paths: { '/api/orders/{id}': op, '/api/products': op } }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  });
  afterAll(() => upstream?.close());

  it('takes only the paths routed to a service and names one that does not answer', async () => {
    const merged = await mergedOpenApi(own, [
      { service: 'orders', url, prefixes: ['/api/orders'] },
      { service: 'payments', url: 'http://127.0.0.1:9', prefixes: ['/api/payments'] },
    ])();
    expect(Object.keys(merged.paths!).sort()).toEqual(['/api/orders/{id}', '/api/web-config']);
    expect(merged.info).toMatchObject({ title: 'gw', description: 'Not answering: payments' });
  });

  it('asks a service again only after the cache time, and keeps its last document meanwhile', async () => {
    const docs = mergedOpenApi(own, [{ service: 'orders', url, prefixes: ['/api/orders'] }], {
      cacheMs: 60_000,
    });
    const before = served;
    await Promise.all([docs(), docs()]);
    await docs();
    expect(served - before).toBe(1);
  });

  it("drops the gateway's proxy entries and keeps its own routes over a service's", () => {
    const base = { paths: { ...own().paths, '/api/orders/{*}': op, '/api/admin/metrics': op } };
    const theirs = { get: { operationId: 'theirs' } };
    const merged = mergeDocuments(base, [
      {
        up: { service: 'orders', url, prefixes: ['/api/orders'] },
        doc: { paths: { '/api/orders/{id}': op, '/api/admin/metrics': theirs } },
      },
    ]);
    expect(merged.paths).toEqual({
      '/api/web-config': op,
      '/api/admin/metrics': op,
      '/api/orders/{id}': op,
    });
  });
});
