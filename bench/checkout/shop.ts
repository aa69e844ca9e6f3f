/** Data for the checkout bench: an admin, products with deep stock, members with points. */
import { randomUUID } from 'node:crypto';

export interface Shop {
  productIds: string[];
  memberTokens: string[];
  orderBodies: unknown[];
}

const productsCount = 5;
const stockPerProduct = 1_000_000;
const pointsPerMember = 10_000_000;
const parallelSetup = 8;
const accountWaitMs = 30_000;

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function must(p: ReturnType<typeof call>, what: string, ok = [200, 201]) {
  const r = await p;
  if (!ok.includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function inBatches<T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += parallelSetup)
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(parallelSetup, n - i) }, (_, k) => fn(i + k)),
      )),
    );
  return out;
}

async function login(base: string, username: string, password: string): Promise<string> {
  const j = await must(call(base, 'POST', '/api/users/login', { username, password }), 'login');
  return j['access_token'] as string;
}

/** Earns points once the member's account exists (loyalty opens it from member_registered). */
async function fund(base: string, admin: string, memberId: string): Promise<void> {
  const deadline = Date.now() + accountWaitMs;
  for (;;) {
    const r = await call(
      base,
      'POST',
      '/api/loyalty/earn',
      { member_id: memberId, points: pointsPerMember, reason: 'bench' },
      admin,
    );
    if (r.status === 201) return;
    if (Date.now() > deadline) throw new Error(`earn: ${r.status} ${JSON.stringify(r.json)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export async function prepareShop(base: string, members: number): Promise<Shop> {
  const admin = await login(base, 'admin@bench.test', 'bench-admin-password');
  await must(
    call(base, 'POST', '/api/categories', { slug: 'bench', name: 'Bench' }, admin),
    'category',
    [200, 201, 409],
  );
  const productIds = await inBatches(productsCount, async (i) => {
    const j = await must(
      call(
        base,
        'POST',
        '/api/products',
        {
          sku: `BENCH-${i}-${randomUUID().slice(0, 8)}`,
          name: `Bench reward ${i}`,
          description: 'A reward for the checkout benchmark',
          category: 'bench',
          price: 2_000,
          currency: 'USD',
          points_price: 2_000,
          stock_quantity: stockPerProduct,
        },
        admin,
      ),
      'product',
    );
    return j['id'] as string;
  });
  const memberTokens = await inBatches(members, async (i) => {
    const username = `bench${i}x${randomUUID().slice(0, 6)}`;
    const password = 'bench-member-password';
    const reg = await must(
      call(base, 'POST', '/api/users/register', {
        username,
        email: `${username}@bench.test`,
        password,
      }),
      'register',
    );
    await fund(base, admin, reg['id'] as string);
    return login(base, username, password);
  });
  const orderBodies = productIds.map((id) => ({
    items: [{ product_id: id, quantity: 1 }],
    shipping_address: {
      name: 'Bench Member',
      line1: '1 Loyalty Lane',
      city: 'Lisbon',
      postal_code: '1000-001',
      country: 'PT',
    },
    points_to_use: 500,
    payment: { method: 'card', token: 'tok_visa' },
  }));
  return { productIds, memberTokens, orderBodies };
}
