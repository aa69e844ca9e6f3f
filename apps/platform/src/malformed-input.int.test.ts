/**
 * Malformed input through every service in one platform on a real PostgreSQL: numbers that are
 * not finite, values of the wrong JSON type, NUL characters and forged cursors must all end in
 * a 400 naming the field, never in a 500 from the database.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type Platform } from '@redemption/kernel';
import {
  buildTestPlatform,
  createTempDatabase,
  createTestTokens,
  postgresGate,
  type Caller,
  type HttpMethod,
  type Reply,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { allModules } from './modules.ts';

const gate = postgresGate();
const notFinite = ['1e400', '-1e400', 'NaN', 'Infinity'];
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: { type?: string; format?: string; enum?: string[]; minimum?: number };
}
interface Operation {
  parameters?: Parameter[];
}

/**
 * A valid value for a required query parameter other than the one under test, so the answer is
 * about that one (a range's `to` a day after its `from`).
 */
function validQueryValue(p: Parameter): string {
  const s = p.schema ?? {};
  if (s.enum?.[0]) return s.enum[0];
  if (s.format === 'date-time')
    return new Date(Date.now() + (p.name === 'to' ? 86_400_000 : 0)).toISOString();
  if (s.type === 'integer' || s.type === 'number') return String(s.minimum ?? 1);
  return 'x';
}

describe.skipIf(!gate.url)('malformed input never reaches the database (PostgreSQL)', () => {
  let temp: TempDatabase;
  let platform: Platform;
  let admin: string;
  let member: string;
  const memberId = newId();
  let caller: Caller;
  const call = (method: string, url: string, token: string, body?: unknown) =>
    caller(method as HttpMethod, url, token, body);
  const expect400 = (res: Reply, field: string, what: string) => {
    expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
    expect(res.body.errors?.[0]?.field, what).toBe(field);
  };

  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    const tokens = await createTestTokens();
    ({ platform, call: caller } = await buildTestPlatform({
      modules: allModules,
      databaseUrl: temp.url,
      jwtKeys: tokens.keys,
    }));
    admin = await tokens.sign(newId(), 'admin');
    member = await tokens.sign(memberId, 'member');
  }, 60_000);
  afterAll(async () => {
    await platform?.close();
    await temp?.drop();
  });

  it('refuses points that are not a JSON integer: numeric strings, ±1e400, true', async () => {
    for (const points of ['-1e400', '1e400', '5', true, [5]]) {
      const res = await call('POST', '/api/loyalty/redemptions', member, { points });
      expect400(res, 'body.points', JSON.stringify(points));
    }
  });

  it('refuses a min_price that is not a finite number in range', async () => {
    for (const v of [...notFinite, '-1']) {
      const res = await call('GET', `/api/products?min_price=${v}`, admin);
      expect400(res, 'querystring.min_price', v);
    }
  });

  it('answers 4xx, never 5xx, to every numeric query parameter of every route set to ±1e400, NaN, Infinity', async () => {
    const doc = (await call('GET', '/api/openapi.json', admin)).body;
    const swept: string[] = [];
    for (const [path, ops] of Object.entries(
      doc['paths'] as Record<string, Record<string, Operation>>,
    )) {
      for (const [method, op] of Object.entries(ops)) {
        const params = op.parameters ?? [];
        const url = path.replace(/\{[^}]+\}/g, randomUUID());
        for (const p of params.filter((x) => x.in === 'query')) {
          if (!['number', 'integer'].includes(p.schema?.type ?? '')) continue;
          swept.push(`${method.toUpperCase()} ${path} ${p.name}`);
          for (const v of notFinite) {
            const others = params
              .filter((x) => x.in === 'query' && x.required && x.name !== p.name)
              .map((x) => `&${x.name}=${encodeURIComponent(validQueryValue(x))}`)
              .join('');
            const res = await call(
              method.toUpperCase(),
              `${url}?${p.name}=${v}${others}`,
              admin,
              {},
            );
            const what = `${method} ${path}?${p.name}=${v}`;
            expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
            if (method === 'get') expect400(res, `querystring.${p.name}`, what);
          }
        }
      }
    }
    // The sweep is only worth something if it found the paginated and filtered lists.
    expect(swept).toEqual(
      expect.arrayContaining([
        'GET /api/products min_price',
        'GET /api/products limit',
        'GET /api/loyalty/accounts/{memberId}/transactions limit',
      ]),
    );
  });

  it('refuses a NUL character in text fields and queries of several services', async () => {
    const nul = 'a\u0000b';
    const register = await call('POST', '/api/users/register', admin, {
      username: `n${Date.now()}`,
      email: `n${Date.now()}@example.com`,
      password: 'a long enough passphrase',
      full_name: nul,
    });
    expect400(register, 'body.full_name', 'register full_name');
    const order = await call('POST', '/api/orders', member, {
      items: [{ product_id: randomUUID(), quantity: 1 }],
      shipping_address: {
        name: nul,
        line1: '1 Quay',
        city: 'Faro',
        postal_code: '8000',
        country: 'PT',
      },
      payment: { method: 'card', token: 'tok_visa' },
    });
    expect400(order, 'body.shipping_address.name', 'order shipping name');
    expect400(await call('GET', '/api/products?q=%00', admin), 'querystring.q', 'q=%00');
    const product = await call('POST', '/api/products', admin, {
      sku: 'NUL-1',
      name: 'Spa',
      price: 100,
      currency: 'EUR',
      attributes: { note: nul },
    });
    expect400(product, 'body.attributes.note', 'product attributes');
    const earn = await call('POST', '/api/loyalty/earn', admin, {
      member_id: memberId,
      points: 10,
      reason: nul,
    });
    expect400(earn, 'body.reason', 'earn reason');
  });

  it('refuses forged product-list cursors with a 400 naming the cursor', async () => {
    const id = randomUUID();
    const forged = [
      `["name","Spa","not-a-uuid"]`,
      `["price","cheap","${id}"]`,
      `["price",1e400,"${id}"]`,
      `["price",1.5,"${id}"]`,
      `["-created_at","yesterday","${id}"]`,
      `["name","a\\u0000b","${id}"]`,
      `["name",{"x":1},"${id}"]`,
    ];
    for (const raw of forged) {
      const sort = (JSON.parse(raw.replace('1e400', '1')) as string[])[0];
      const res = await call('GET', `/api/products?sort=${sort}&cursor=${base64url(raw)}`, admin);
      expect400(res, 'querystring.cursor', raw);
    }
    const search = await call(
      'GET',
      `/api/products?q=spa&cursor=${base64url(`["relevance","x","${id}"]`)}`,
      admin,
    );
    expect400(search, 'querystring.cursor', 'relevance text');
  });

  it('refuses forged transaction-history cursors with a 400 naming the cursor', async () => {
    const id = randomUUID();
    const forged = [
      `2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`,
      `1|${id}`,
      `Tue, 01 Jan 2026|${id}`,
      `+275760-09-13T00:00:00.000Z|${id}`,
      `2026-01-01T00:00:00.000Z|${id}|extra`,
      `2026-01-01T00:00:00.000Z|${id.toUpperCase().replace(/-/g, 'G')}`,
    ];
    for (const raw of forged) {
      const res = await call(
        'GET',
        `/api/loyalty/accounts/${memberId}/transactions?cursor=${base64url(raw)}`,
        member,
      );
      expect400(res, 'querystring.cursor', raw);
    }
  });
});
