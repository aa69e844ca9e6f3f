import { describe, expect, it } from 'vitest';
import { createTempDatabase, postgresGate } from '@redemption/kernel/testing';
import { chargeBody, startPayments } from '../testing/payments-harness.ts';
import { paymentsApiSuite } from './payments.api-suite.ts';

const gate = postgresGate();
const concurrentRefunds = 20;
const concurrentCharges = 10;

describe.skipIf(!gate.url)('on a real PostgreSQL', () => {
  const start = async () => {
    const temp = await createTempDatabase(gate.url!);
    const h = await startPayments({ databaseUrl: temp.url });
    return {
      ...h,
      close: async () => {
        await h.close();
        await temp.drop();
      },
    };
  };

  paymentsApiSuite('distributed mode, PostgreSQL', start);

  it('never refunds more than was paid, however many refunds race', async () => {
    const h = await start();
    try {
      const m = await h.member();
      const paid = await h.call(
        'POST',
        '/api/payments/process',
        h.serviceToken,
        chargeBody(m.id, { amount: 1000 }),
      );
      // 20 refunds of 70 race for 1000: exactly 14 fit (980), the rest must be refused.
      const results = await Promise.all(
        Array.from({ length: concurrentRefunds }, () =>
          h.call('POST', '/api/payments/refund', h.adminToken, {
            payment_id: paid.body.id,
            amount: 70,
          }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(14);
      expect(statuses.filter((s) => s === 422)).toHaveLength(6);
      const { rows } = await h.platform.db.query<{ refunded: string; total: string }>(
        `SELECT p.refunded_amount::text AS refunded, (SELECT sum(amount) FROM payments.refunds r WHERE r.payment_id = p.id)::text AS total
         FROM payments.payments p WHERE p.id = $1`,
        [paid.body.id],
      );
      expect(rows[0]).toEqual({ refunded: '980', total: '980' });
    } finally {
      await h.close();
    }
  });

  it('charges an order at most once when processes for it race with different keys', async () => {
    const h = await start();
    try {
      const m = await h.member();
      const body = chargeBody(m.id, { token: 'tok_slow' });
      const results = await Promise.all(
        Array.from({ length: concurrentCharges }, () =>
          h.call('POST', '/api/payments/process', h.serviceToken, body),
        ),
      );
      const ok = results.filter((r) => r.status === 201 || r.status === 200);
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      for (const r of results) expect([200, 201, 409]).toContain(r.status);
      expect(new Set(ok.map((r) => r.body.id)).size).toBe(1);
      const charged = await h.platform.db.query(
        "SELECT 1 FROM payments.payment_attempts WHERE order_id = $1 AND outcome = 'succeeded'",
        [body.order_id],
      );
      expect(charged.rows).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
