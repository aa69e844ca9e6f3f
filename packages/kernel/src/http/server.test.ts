import { connect } from 'node:net';
import { pino } from 'pino';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conflict } from '../errors/problem.ts';
import { createServer, type App } from './server.ts';

const problemJson = /^application\/problem\+json/;
const signup = Type.Object(
  { email: Type.String({ maxLength: 20 }), age: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);

const search = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    price: Type.Optional(Type.Number({ minimum: -5, maximum: 5 })),
    q: Type.Optional(Type.String({ maxLength: 50 })),
    exact: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

async function buildApp(): Promise<App> {
  const app = await createServer({
    logger: pino({ level: 'silent' }),
    title: 'kernel-test',
    version: '1.2.3',
    corsOrigins: ['https://shop.example'],
    publicUrl: 'https://api.example',
  });
  app.post('/api/signups', { schema: { body: signup }, config: { public: true } }, async (req) => ({
    email: req.body.email,
    age: req.body.age ?? null,
  }));
  app.get('/api/items/:id', { config: { public: true } }, async (req) => ({
    id: (req.params as { id: string }).id,
  }));
  app.post(
    '/api/notes/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
        body: Type.Object({ meta: Type.Record(Type.String(), Type.Unknown()) }),
      },
      config: { public: true },
    },
    async (req) => ({ id: req.params.id, meta: req.body.meta }),
  );
  app.get(
    '/api/search',
    { schema: { querystring: search }, config: { public: true } },
    async (req) => ({ limit: req.query.limit, q: req.query.q ?? null, exact: req.query.exact }),
  );
  app.get('/api/boom', async () => {
    throw new Error('secret connection string postgres://admin:pw@db');
  });
  app.get('/api/taken', async () => {
    throw conflict('email-taken', 'That e-mail is already registered', { email: 'a@b.c' });
  });
  await app.ready();
  return app;
}

describe('createServer', () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const signupWith = (payload: object) =>
    app.inject({ method: 'POST', url: '/api/signups', payload });

  it('runs a valid request through the TypeBox schema', async () => {
    const res = await signupWith({ email: 'a@b.c', age: 42 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ email: 'a@b.c', age: 42 });
  });

  it('never coerces body types: a numeric string, a boolean or an array is not a number', async () => {
    for (const age of ['42', '1e400', '-1e400', true, [42], null]) {
      const res = await signupWith({ email: 'a@b.c', age });
      expect(res.statusCode, JSON.stringify(age)).toBe(400);
      expect(res.json().errors[0].field).toBe('body.age');
    }
    expect((await signupWith({ email: 42 })).json().errors[0].field).toBe('body.email');
  });

  it('coerces querystring text into finite numbers in range, and 400s the rest', async () => {
    const ok = await app.inject('/api/search?limit=5&price=-2.5&exact=true');
    expect(ok.json()).toEqual({ limit: 5, q: null, exact: true });
    expect((await app.inject('/api/search')).json().limit).toBe(20);
    const values = ['1e400', '-1e400', 'Infinity', '-Infinity', 'NaN', '0', '101', '2.5', 'x', ''];
    for (const v of values) {
      const res = await app.inject(`/api/search?limit=${v}`);
      expect(res.statusCode, v).toBe(400);
      expect(res.headers['content-type']).toMatch(problemJson);
      expect(res.json().errors[0].field, v).toBe('querystring.limit');
    }
    for (const v of ['1e400', '-1e400', 'Infinity', 'NaN', '1e308']) {
      const res = await app.inject(`/api/search?price=${v}`);
      expect(res.statusCode, v).toBe(400);
      expect(res.json().errors[0].field, v).toBe('querystring.price');
    }
  });

  it('refuses a NUL character anywhere in a body, querystring or params (PostgreSQL would 500)', async () => {
    const body = await signupWith({ email: 'a\u0000b@c.d' });
    expect(body.statusCode).toBe(400);
    expect(body.headers['content-type']).toMatch(problemJson);
    expect(body.json().errors[0]).toEqual({
      field: 'body.email',
      message: 'must not contain a NUL character',
    });
    const query = await app.inject('/api/search?q=a%00b');
    expect(query.statusCode).toBe(400);
    expect(query.json().errors[0].field).toBe('querystring.q');
    const nested = await app.inject({
      method: 'POST',
      url: '/api/notes/n1',
      payload: { meta: { tags: ['ok', 'bad\u0000'] } },
    });
    expect(nested.statusCode).toBe(400);
    expect(nested.json().errors[0].field).toBe('body.meta.tags.1');
    const key = await app.inject({
      method: 'POST',
      url: '/api/notes/n1',
      payload: { meta: { 'k\u0000': 1 } },
    });
    expect(key.statusCode).toBe(400);
    expect(key.json().errors[0].field).toBe('body.meta');
    const param = await app.inject({
      method: 'POST',
      url: '/api/notes/n%00',
      payload: { meta: {} },
    });
    expect(param.statusCode).toBe(400);
    expect(param.json().errors[0].field).toBe('params.id');
    const fine = await app.inject({ method: 'POST', url: '/api/notes/n1', payload: { meta: {} } });
    expect(fine.json()).toEqual({ id: 'n1', meta: {} });
  });

  it('answers a bad field with a 400 problem naming it', async () => {
    const res = await signupWith({ email: 'x'.repeat(21) });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(problemJson);
    const body = res.json();
    expect(body).toMatchObject({
      type: '/problems/validation-failed',
      status: 400,
      instance: '/api/signups',
    });
    expect(body.detail).toMatch(/^body\.email /);
    expect(body.errors[0].field).toBe('body.email');
  });

  it('names a missing and an unknown field', async () => {
    const missing = (await signupWith({})).json();
    expect(missing.errors[0].field).toBe('body.email');
    const unknown = (await signupWith({ email: 'a@b.c', admin: true })).json();
    expect(unknown.errors[0]).toEqual({ field: 'body.admin', message: 'is not an allowed field' });
    expect(unknown.detail).toBe('body.admin is not an allowed field');
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/signups',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(problemJson);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await app.inject('/api/nothing-here?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(problemJson);
    expect(res.json()).toMatchObject({
      type: '/problems/not-found',
      detail: 'No route for GET /api/nothing-here',
    });
  });

  it('hides the message of an unexpected error behind a 500 problem with the request id', async () => {
    const res = await app.inject({ url: '/api/boom', headers: { 'x-request-id': 'req-500' } });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toMatch(problemJson);
    expect(res.json()).toMatchObject({ type: '/problems/internal', status: 500 });
    expect(res.json().detail).toContain('req-500');
    expect(res.body).not.toMatch(/secret|postgres|admin/);
  });

  it('sends a thrown ProblemError as is, with its extensions', async () => {
    const res = await app.inject('/api/taken');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      type: '/problems/email-taken',
      title: 'Conflict',
      status: 409,
      detail: 'That e-mail is already registered',
      instance: '/api/taken',
      email: 'a@b.c',
    });
  });

  it('publishes OpenAPI 3.1 with the route schemas and bearer auth where needed', async () => {
    const res = await app.inject('/api/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toEqual({ title: 'kernel-test', version: '1.2.3' });
    expect(doc.servers).toEqual([{ url: 'https://api.example' }]);
    const schema = doc.paths['/api/signups'].post.requestBody.content['application/json'].schema;
    expect(schema).toMatchObject({
      type: 'object',
      required: ['email'],
      additionalProperties: false,
      properties: { email: { type: 'string', maxLength: 20 } },
    });
    expect(doc.paths['/api/signups'].post.security).toBeUndefined();
    expect(doc.paths['/api/boom'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/metrics']).toBeUndefined();
  });

  it('counts requests by route template, method and status in /metrics', async () => {
    await app.inject('/api/items/1');
    await app.inject('/api/items/2');
    await signupWith({});
    await app.inject('/no/such/route/42');
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(
      /^http_requests_total\{method="GET",route="\/api\/items\/:id",status_code="200"\} 2$/m,
    );
    expect(res.body).toMatch(
      /^http_requests_total\{method="POST",route="\/api\/signups",status_code="400"\} \d+$/m,
    );
    // Raw URLs never become labels (unbounded cardinality); unmatched ones share one label.
    expect(res.body).not.toMatch(/\/api\/items\/1|no\/such/);
    expect(res.body).toMatch(/route="unmatched",status_code="404"/);
    expect(res.body).toContain('http_request_duration_seconds_bucket');
  });

  it('reports liveness, and readiness from the registered checks', async () => {
    expect((await app.inject('/health/live')).statusCode).toBe(200);
    const ready = await app.inject('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: {} });
    app.readinessChecks.push({ name: 'db', check: async () => undefined });
    app.readinessChecks.push({
      name: 'broker',
      check: async () => {
        throw new Error('connection refused');
      },
    });
    try {
      const down = await app.inject('/health/ready');
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({
        status: 'not-ready',
        checks: { db: 'ok', broker: 'failed: connection refused' },
      });
      // A dependency the process serves without (Redis, Kafka) is reported, and stays 200.
      app.readinessChecks.splice(1, 1, {
        name: 'broker',
        degradable: true,
        check: async () => {
          throw new Error('connection refused');
        },
      });
      const degraded = await app.inject('/health/ready');
      expect(degraded.statusCode).toBe(200);
      expect(degraded.json()).toEqual({
        status: 'degraded',
        checks: { db: 'ok', broker: 'degraded: connection refused' },
      });
    } finally {
      app.readinessChecks.length = 0;
    }
  });

  it('sets security headers and CORS only for the configured origins', async () => {
    const allowed = await app.inject({
      url: '/api/items/1',
      headers: { origin: 'https://shop.example' },
    });
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    expect(allowed.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    const foreign = await app.inject({
      url: '/api/items/1',
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('echoes a well-formed x-request-id and replaces a malformed one', async () => {
    const given = await app.inject({ url: '/api/items/1', headers: { 'x-request-id': 'abc.123' } });
    expect(given.headers['x-request-id']).toBe('abc.123');
    const bad = await app.inject({
      url: '/api/items/1',
      headers: { 'x-request-id': 'a b<script>' },
    });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const notFound = await app.inject({ url: '/nope', headers: { 'x-request-id': 'on-404' } });
    expect(notFound.headers['x-request-id']).toBe('on-404');
  });
});

/** Writes `raw` on a new connection and resolves with everything the server sent back. */
function rawHttp(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    socket.on('data', (chunk) => (got += chunk.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('errors raised before routing (real HTTP)', () => {
  let app: App;
  let base: string;
  let port: number;
  beforeAll(async () => {
    app = await buildApp();
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers a path parameter over the limit with a 414 problem that does not echo the path', async () => {
    const long = 'z'.repeat(150);
    const res = await fetch(`${base}/api/items/${long}`, { headers: { 'x-request-id': 'r414' } });
    expect(res.status).toBe(414);
    expect(res.headers.get('content-type')).toMatch(problemJson);
    expect(res.headers.get('x-request-id')).toBe('r414');
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ type: '/problems/uri-too-long', status: 414 });
    expect(body).not.toContain('zzzz');
  });

  it('answers an undecodable URL with a 400 problem that does not echo it', async () => {
    const res = await fetch(`${base}/api/items/%zz-secret`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(problemJson);
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ type: '/problems/bad-url', status: 400 });
    expect(body).not.toContain('secret');
  });

  it("answers what Node's HTTP parser refuses with a problem, without echoing the input", async () => {
    const huge = await rawHttp(port, `GET /api/${'q'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toMatch(/content-type: application\/problem\+json/i);
    expect(huge).not.toContain('qqqq');
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431 });
    const garbage = await rawHttp(port, 'NOT HTTP AT ALL /secret\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage).toMatch(/content-type: application\/problem\+json/i);
    expect(garbage).not.toContain('secret');
  });
});

describe('who may read /metrics', () => {
  const token = 'm'.repeat(40);
  const withAccess = async (metrics: { token?: string; openWithoutToken: boolean }) => {
    const app = await createServer({
      logger: pino({ level: 'silent' }),
      title: 'kernel-test',
      version: '1',
      corsOrigins: [],
      metrics,
    });
    await app.ready();
    return app;
  };
  const scrape = (app: App, authorization?: string) =>
    app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });

  it('with a token: only a scraper that sends it, as a bearer token', async () => {
    const app = await withAccess({ token, openWithoutToken: false });
    try {
      const anonymous = await scrape(app);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['content-type']).toMatch(problemJson);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      expect((await scrape(app, `Bearer ${token}x`)).statusCode).toBe(401);
      expect((await scrape(app, token)).statusCode).toBe(401);
      const ok = await scrape(app, `Bearer ${token}`);
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('http_requests_total');
    } finally {
      await app.close();
    }
  });

  it('without a token: open where allowed (standalone), not served otherwise (distributed)', async () => {
    const closed = await withAccess({ openWithoutToken: false });
    const open = await withAccess({ openWithoutToken: true });
    try {
      expect((await scrape(closed)).statusCode).toBe(404);
      expect((await scrape(open)).statusCode).toBe(200);
    } finally {
      await closed.close();
      await open.close();
    }
  });
});
