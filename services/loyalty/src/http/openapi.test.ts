import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { startLoyalty, type LoyaltyHarness } from '../testing/loyalty-harness.ts';

interface Media {
  schema?: Record<string, unknown> & { examples?: unknown[] };
  example?: unknown;
}
interface Operation {
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}

/** Every loyalty route, so a route that drops out of the document fails here too. */
const loyaltyOperations = [
  'get /api/loyalty/accounts/{memberId}',
  'get /api/loyalty/accounts/{memberId}/transactions',
  'post /api/loyalty/earn',
  'post /api/loyalty/redemptions',
  'post /api/loyalty/holds',
  'post /api/loyalty/holds/{id}/capture',
  'post /api/loyalty/holds/{id}/release',
  'post /api/loyalty/transactions/{id}/reverse',
  'post /api/loyalty/adjustments',
  'get /api/loyalty/operations/{id}',
  'post /api/loyalty/drops',
  'get /api/loyalty/drops',
  'get /api/loyalty/drops/{id}',
  'post /api/loyalty/drops/{id}/claims',
  'post /api/loyalty/admin/verify',
  'get /api/loyalty/admin/reconciliation',
  'get /api/loyalty/admin/expiring-points',
];

/** The examples of one media entry, wherever swagger put them (media `example` or schema `examples`). */
const examplesOf = (m: Media): unknown[] => [
  ...(m.example === undefined ? [] : [m.example]),
  ...(m.schema?.examples ?? []),
];

/** Schema problems of each example, as readable strings; empty when all validate. */
function invalidExamples(m: Media): string[] {
  const { examples: _, ...schema } = m.schema ?? {};
  const check = Compile(schema);
  return examplesOf(m).flatMap((ex) =>
    check.Check(ex)
      ? []
      : [...check.Errors(ex)].map((e) => `${JSON.stringify(ex)}: ${e.instancePath} ${e.message}`),
  );
}

describe('loyalty OpenAPI document (embedded PGlite)', () => {
  let h: LoyaltyHarness;
  let operations: Map<string, Operation>;
  beforeAll(async () => {
    h = await startLoyalty();
    const res = await h.platform.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, Record<string, Operation>> };
    operations = new Map(
      Object.entries(doc.paths)
        .filter(([path]) => path.startsWith('/api/loyalty/'))
        .flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => [`${m} ${path}`, op])),
    );
  });
  afterAll(async () => h?.close());

  it('lists exactly the loyalty routes', () => {
    expect([...operations.keys()].sort()).toEqual([...loyaltyOperations].sort());
  });

  it.each(loyaltyOperations)(
    '%s: a 2xx JSON response with an example that fits its schema',
    (key) => {
      const op = operations.get(key)!;
      const success = Object.entries(op.responses).filter(([code]) => /^2\d\d$/.test(code));
      expect(success.length).toBeGreaterThan(0);
      for (const [code, r] of success) {
        const media = r.content?.['application/json'];
        expect(media, `${key} ${code} has no application/json content`).toBeDefined();
        expect(examplesOf(media!).length, `${key} ${code} has no example`).toBeGreaterThan(0);
        expect(invalidExamples(media!), `${key} ${code}`).toEqual([]);
      }
    },
  );

  it.each(loyaltyOperations.filter((k) => k.startsWith('post ')))(
    '%s: a request body example that validates against the body schema',
    (key) => {
      const media = operations.get(key)!.requestBody?.content['application/json'];
      expect(media?.schema).toBeDefined();
      expect(examplesOf(media!).length).toBeGreaterThan(0);
      expect(invalidExamples(media!)).toEqual([]);
    },
  );

  it.each(loyaltyOperations)('%s: problems documented as application/problem+json', (key) => {
    const op = operations.get(key)!;
    const problems = Object.entries(op.responses).filter(([code]) => /^[45]\d\d$/.test(code));
    expect(problems.map(([code]) => code)).toContain('400');
    if (!key.startsWith('get /api/loyalty/drops')) expect(op.responses).toHaveProperty('401');
    for (const [code, r] of problems) {
      const media = r.content?.['application/problem+json'];
      expect(media, `${key} ${code}`).toBeDefined();
      expect(examplesOf(media!).length).toBeGreaterThan(0);
      expect(invalidExamples(media!)).toEqual([]);
      expect((examplesOf(media!)[0] as { status: number }).status).toBe(Number(code));
    }
  });

  it('serializes problem extensions through the problem schema (nothing stripped)', async () => {
    const m = await h.member(10);
    const over = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 11 });
    expect(over.status).toBe(422);
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect(over.body).toMatchObject({ available: 10, needed: 11, instance: expect.any(String) });
    const bad = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 0 });
    expect(bad.body.errors).toEqual([{ field: 'body.points', message: expect.any(String) }]);
  });

  it('serializes a success body with every field the ledger returns', async () => {
    const m = await h.member(100);
    const hold = await h.call('POST', '/api/loyalty/holds', m.token, { points: 40 });
    expect(Object.keys(hold.body).sort()).toEqual(
      ['available', 'expires_at', 'id', 'member_id', 'points', 'reference', 'status'].sort(),
    );
    expect(hold.body.reference).toBeNull(); // a null stays null, not ""
    const cap = await h.call('POST', `/api/loyalty/holds/${hold.body.id}/capture`, m.token, {
      points: 40,
    });
    expect(cap.body).toMatchObject({ captured_points: 40, transaction_id: expect.any(String) });
    const page = await h.call('GET', `/api/loyalty/accounts/${m.id}/transactions`, m.token);
    expect(page.body.items[0]).toMatchObject({
      kind: 'capture',
      signed_points: -40,
      reverses: null,
    });
  });
});
