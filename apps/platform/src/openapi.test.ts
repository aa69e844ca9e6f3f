import { buildPlatform, loadPlatformConfig, type Platform } from '@redemption/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allModules } from './modules.ts';
import { platformRoutes } from './platform-routes.ts';
import { auditOpenApi, operationsOf, type OpenApiDocument } from './testing/openapi-audit.ts';

describe('the standalone OpenAPI document (/api/openapi.json)', () => {
  let platform: Platform;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    const config = loadPlatformConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent' });
    platform = await buildPlatform({
      config,
      modules: allModules,
      name: 'platform',
      version: 'test',
      extraRoutes: platformRoutes(allModules, 'openapi', config),
    });
    const res = await platform.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => platform?.close());

  it('documents every service', () => {
    const tags = new Set(operationsOf(doc).flatMap(([, op]) => op.tags ?? []));
    for (const m of allModules) expect(tags, m.name).toContain(m.name);
  });

  it('gives every route a tag, an operationId and its error responses as problem+json', () => {
    expect(auditOpenApi(doc)).toEqual([]);
  });
});

describe('auditOpenApi', () => {
  const problem = { content: { 'application/problem+json': { schema: { type: 'object' } } } };
  it('names what a route lacks', () => {
    const doc: OpenApiDocument = {
      paths: {
        '/api/orders/{id}': {
          get: { security: [{}], parameters: [{}], responses: { 200: {}, 404: problem } },
          delete: { tags: ['payments'], operationId: 'x', responses: { 404: {} } },
        },
        '/api/other': { post: { tags: ['t'], operationId: 'x', responses: { 201: {} } } },
      },
    };
    expect(auditOpenApi(doc)).toEqual([
      'GET /api/orders/{id}: no tag',
      'GET /api/orders/{id}: no operationId',
      'GET /api/orders/{id}: needs a token but no 401',
      'GET /api/orders/{id}: takes input but no 400',
      'DELETE /api/orders/{id}: not tagged "orders"',
      'DELETE /api/orders/{id}: 404 is not documented as application/problem+json',
      'POST /api/other: no error response',
      "POST /api/other: operationId x is also DELETE /api/orders/{id}'s",
    ]);
  });
});
