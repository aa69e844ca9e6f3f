import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerProblems, startLoyalty, type LoyaltyHarness } from '../testing/loyalty-harness.ts';

describe('backpressure: 429 when the queue is full, 202 with Prefer: respond-async (embedded PGlite)', () => {
  let h: LoyaltyHarness;
  beforeAll(async () => {
    h = await startLoyalty({
      env: { LEDGER_BATCH_MAX: '1', LEDGER_QUEUE_DEPTH_MAX: '2', LEDGER_BATCH_WAIT_MS: '0' },
    });
  });
  afterAll(async () => {
    expect(await ledgerProblems(h.platform)).toEqual([]);
    await h?.close();
  });

  /** Holds the (single-connection) database so requests pile up, then lets them all through. */
  async function burst<T>(fire: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const held = h.platform.db.tx(() => new Promise<void>((r) => (release = r)));
    const out = fire();
    await new Promise((r) => setTimeout(r, 200));
    release();
    await held;
    return out;
  }

  const redeem = (token: string, prefer: boolean) =>
    h.platform.app.inject({
      method: 'POST',
      url: '/api/loyalty/redemptions',
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': crypto.randomUUID(),
        ...(prefer ? { prefer: 'respond-async' } : {}),
      },
      payload: { points: 1 },
    });

  it('answers a full queue with 429 + Retry-After, never a timeout or a 500', async () => {
    const members = await Promise.all(Array.from({ length: 20 }, () => h.member(10)));
    const res = await burst(() => Promise.all(members.map((m) => redeem(m.token, false))));
    const codes = res.map((r) => r.statusCode);
    expect(codes.every((c) => c === 201 || c === 429)).toBe(true);
    const busy = res.find((r) => r.statusCode === 429);
    expect(busy).toBeDefined();
    expect(busy!.headers['retry-after']).toBe('1');
    expect(busy!.json().type).toBe('/problems/ledger-busy');
  });

  it('parks the overflow durably with Prefer: respond-async and applies it later', async () => {
    const members = await Promise.all(Array.from({ length: 20 }, () => h.member(10)));
    const res = await burst(() => Promise.all(members.map((m) => redeem(m.token, true))));
    expect(res.every((r) => r.statusCode === 201 || r.statusCode === 202)).toBe(true);
    const parked = res
      .map((r, i) => ({ r, m: members[i]! }))
      .filter(({ r }) => r.statusCode === 202);
    expect(parked.length).toBeGreaterThan(0);
    for (const { r, m } of parked) {
      expect(r.headers['location']).toBe(r.json().status_url);
      let status = 'pending';
      for (let i = 0; i < 300 && status === 'pending'; i++) {
        status = (await h.call('GET', r.json().status_url, m.token)).body.status;
        if (status === 'pending') await new Promise((res) => setTimeout(res, 20));
      }
      expect(status).toBe('done');
      expect((await h.call('GET', `/api/loyalty/accounts/${m.id}`, m.token)).body.balance).toBe(9);
    }
  });
});
