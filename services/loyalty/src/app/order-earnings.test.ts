import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  orderCancelled,
  orderDelivered,
  orderPaid,
  orderRefunded,
  type EventDefinition,
} from '@redemption/contracts';
import {
  createEvent,
  deliver,
  newId,
  retryPolicyDefault,
  type CloudEvent,
} from '@redemption/kernel';
import { ledgerProblems, startLoyalty, type LoyaltyHarness } from '../testing/loyalty-harness.ts';
import { orderEarnId } from './deterministic-id.ts';
import { createLedger } from './ledger.service.ts';
import { orderEarningsGroup, orderEarningsSubscription } from './order-earnings.consumer.ts';
import { applyOrderEarnings } from './order-earnings.worker.ts';

const earnPointsPerUnit = 10; // the config default, which the harness uses
const returnWindowDays = 14; // the config default, which the harness uses
const dayMs = 86_400_000;
const waitMaxMs = 20_000;

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + waitMaxMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('earning from orders, exactly once (embedded PGlite)', () => {
  let h: LoyaltyHarness;
  let round: () => ReturnType<typeof applyOrderEarnings>;
  beforeAll(async () => {
    h = await startLoyalty();
    // A second ledger and worker on the same database, as another pod's would be.
    const ledger = createLedger(h.platform.db, h.platform.events.publisher, {
      batchMax: 64,
      batchWaitMs: 1,
      queueDepthMax: 1000,
      lotExpiryMonths: 24,
    });
    round = () => applyOrderEarnings(h.platform.db, ledger, h.platform.app.log);
  });
  afterAll(async () => {
    expect(await ledgerProblems(h.platform)).toEqual([]);
    await h?.close();
  });

  const db = () => h.platform.db;
  const orderData = (memberId: string, orderId: string, cash: number, extra = {}) => ({
    event_type: 'order_paid',
    order_id: orderId,
    user_id: memberId,
    total_amount: cash + 1_000,
    cash_amount: cash,
    points_used: 1_000,
    currency: 'EUR',
    timestamp: new Date().toISOString(),
    ...extra,
  });
  const event = (def: EventDefinition, orderId: string, data: Record<string, unknown>) =>
    createEvent(def, 'orders', { subject: orderId, data: { ...data, event_type: def.type } });
  /** Through the outbox and the platform's own consumer, as orders would publish it. */
  const publish = (def: EventDefinition, orderId: string, data: Record<string, unknown>) =>
    db().tx((q) =>
      h.platform.events.publisher.publish(q, def, {
        subject: orderId,
        data: { ...data, event_type: def.type },
      }),
    );
  /** Straight to the consumer, as a redelivery would (the inbox is what makes it a no-op). */
  const redeliver = (e: CloudEvent) =>
    deliver({
      db: db(),
      sub: orderEarningsSubscription({ earnPointsPerUnit, returnWindowDays }, h.platform.app.log),
      event: e,
      topic: 'orders',
      policy: retryPolicyDefault,
    });
  /** Delivered `daysAgo` days ago: past the return window when daysAgo > 14. */
  const deliver_ = (memberId: string, orderId: string, cash: number, daysAgo = 15) =>
    publish(orderDelivered, orderId, {
      ...orderData(memberId, orderId, cash),
      timestamp: new Date(Date.now() - daysAgo * dayMs).toISOString(),
    });
  /** Paid, then delivered long enough ago that the points are released. */
  const paidAndReleased = async (memberId: string, orderId: string, cash: number) => {
    await publish(orderPaid, orderId, orderData(memberId, orderId, cash));
    await deliver_(memberId, orderId, cash);
  };
  const balance = async (memberId: string) =>
    (
      await db().query<{ balance: number }>('SELECT balance FROM loyalty.accounts WHERE id = $1', [
        memberId,
      ])
    ).rows[0]?.balance;
  const earnings = async (orderId: string) =>
    (
      await db().query<{ status: string; earned_points: number; reversed_points: number }>(
        'SELECT status, earned_points, reversed_points FROM loyalty.order_earnings WHERE order_id = $1',
        [orderId],
      )
    ).rows[0];
  const orderTxs = async (orderId: string) =>
    (
      await db().query<{ id: string; kind: string; points: number; reason: string }>(
        'SELECT id, kind, points, reason FROM loyalty.transactions WHERE reference = $1 OR reverses = $2 ORDER BY created_at',
        [`order:${orderId}`, orderEarnId(orderId)],
      )
    ).rows;

  it('earns floor(cash / 100 × rate) once, opening the account of a member not yet seen', async () => {
    const memberId = newId(); // member_registered never consumed
    const orderId = newId();
    await paidAndReleased(memberId, orderId, 12_345);
    await until('the earn', async () => (await balance(memberId)) === 1_234);
    expect(await orderTxs(orderId)).toEqual([
      { id: orderEarnId(orderId), kind: 'earn', points: 1_234, reason: 'order' },
    ]);
    // The same order paid twice (two events, two ids): one earning.
    const again = event(orderPaid, orderId, orderData(memberId, orderId, 12_345));
    expect(await redeliver(again)).toBe('processed');
    await round();
    expect(await balance(memberId)).toBe(1_234);
    expect(await orderTxs(orderId)).toHaveLength(1);
  });

  it('earns once when the same event is delivered twice, and after a crash between the ledger commit and the inbox', async () => {
    const m = await h.member();
    const orderId = newId();
    const paid = event(orderPaid, orderId, orderData(m.id, orderId, 5_000));
    expect(await redeliver(paid)).toBe('processed');
    expect(await redeliver(paid)).toBe('duplicate');
    await deliver_(m.id, orderId, 5_000);
    await round();
    await until('the earn', async () => (await earnings(orderId))?.status === 'earned');
    expect(await balance(m.id)).toBe(500);

    // Crash: the ledger committed the earn, but the consumer's transaction (inbox row and
    // earning record) never did. The event comes again and the earning is recorded anew.
    await db().query('DELETE FROM kernel.inbox WHERE group_name = $1 AND event_id = $2', [
      orderEarningsGroup,
      paid.id,
    ]);
    await db().query('DELETE FROM loyalty.order_earnings WHERE order_id = $1', [orderId]);
    expect(await redeliver(paid)).toBe('processed');
    expect((await earnings(orderId))?.status).toBe('pending');
    await db().query(
      "UPDATE loyalty.order_earnings SET release_at = now() - interval '1 day' WHERE order_id = $1",
      [orderId],
    );
    await Promise.all([round(), round()]); // two workers, as two pods would race
    await until('the record healed', async () => (await earnings(orderId))?.status === 'earned');
    expect(await earnings(orderId)).toMatchObject({ earned_points: 500 });
    expect(await balance(m.id)).toBe(500);
    expect(await orderTxs(orderId)).toHaveLength(1);
  });

  it('applies the tier multiplier, and reverses in proportion to the cash refunded, once per refund', async () => {
    const m = await h.member(10_000); // silver: 1.25×
    const orderId = newId();
    await paidAndReleased(m.id, orderId, 16_000);
    await until('the earn', async () => (await earnings(orderId))?.status === 'earned');
    expect((await earnings(orderId))?.earned_points).toBe(2_000); // 1,600 × 1.25
    const refund = event(orderRefunded, orderId, {
      ...orderData(m.id, orderId, 16_000),
      refunded_cash: 8_000,
      reversed_points: 0,
      total_refunded_cash: 8_000,
    });
    await publish(orderRefunded, orderId, refund.data as Record<string, unknown>);
    await until('half reversed', async () => (await balance(m.id)) === 11_000);
    expect(await redeliver(refund)).toBe('processed'); // a second copy with its own id...
    await round();
    expect(await balance(m.id)).toBe(11_000); // ...is a no-op: the running total did not move
    await publish(orderCancelled, orderId, {
      ...orderData(m.id, orderId, 16_000),
      refunded_cash: 8_000,
      reversed_points: 0,
    });
    await until('all reversed', async () => (await balance(m.id)) === 10_000);
    expect((await orderTxs(orderId)).map((t) => [t.kind, t.points])).toEqual([
      ['earn', 2_000],
      ['reversal', 1_000],
      ['reversal', 1_000],
    ]);
    expect(await earnings(orderId)).toMatchObject({ reversed_points: 2_000 });
  });

  it('takes back only what is left when points released after the window were spent (an admin refund)', async () => {
    const m = await h.member();
    const orderId = newId();
    await paidAndReleased(m.id, orderId, 10_000);
    await until('the earn', async () => (await balance(m.id)) === 1_000);
    await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 700 });
    await publish(orderCancelled, orderId, {
      ...orderData(m.id, orderId, 10_000),
      refunded_cash: 10_000,
      reversed_points: 0,
    });
    await until('settled', async () => (await earnings(orderId))?.reversed_points === 1_000);
    expect(await balance(m.id)).toBe(0);
    const written = await db().query<{ written_off_points: number }>(
      'SELECT written_off_points FROM loyalty.order_earnings WHERE order_id = $1',
      [orderId],
    );
    expect(written.rows[0]!.written_off_points).toBe(700);
  });

  it('earns nothing for an order paid without cash', async () => {
    const m = await h.member();
    const orderId = newId();
    const paid = await publish(orderPaid, orderId, orderData(m.id, orderId, 0));
    await until('the event consumed', async () => {
      const r = await db().query(
        'SELECT 1 FROM kernel.inbox WHERE group_name = $1 AND event_id = $2',
        [orderEarningsGroup, paid.id],
      );
      return r.rows.length === 1;
    });
    await round();
    expect(await earnings(orderId)).toBeUndefined();
    expect(await orderTxs(orderId)).toEqual([]);
    expect(await balance(m.id)).toBe(0);
  });
  const account = async (m: { id: string; token: string }) =>
    (await h.call('GET', `/api/loyalty/accounts/${m.id}`, m.token)).body;

  it('keeps points earned on an order pending (visible, not spendable) until the return window closes', async () => {
    const m = await h.member();
    const orderId = newId();
    await publish(orderPaid, orderId, orderData(m.id, orderId, 10_000));
    await until('pending', async () => (await account(m)).pending === 1_000);
    expect(await account(m)).toMatchObject({
      balance: 0,
      available: 0,
      pending_earnings: [{ order_id: orderId, points: 1_000, release_at: null }],
    });
    const spend = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 1 });
    expect(spend.status).toBe(422);
    // Delivered yesterday: released in 13 days, not before.
    await deliver_(m.id, orderId, 10_000, 1);
    await until('release date', async () => (await earnings(orderId)) !== undefined);
    await until('release date set', async () => {
      const at = (await account(m)).pending_earnings[0]?.release_at as string | null;
      return at !== null && Math.abs(Date.parse(at) - (Date.now() + 13 * dayMs)) < 60_000;
    });
    await round();
    expect(await earnings(orderId)).toMatchObject({ status: 'pending' });
    expect(await balance(m.id)).toBe(0);
    // The window passes: earned, spendable, no longer pending.
    await db().query(
      "UPDATE loyalty.order_earnings SET release_at = now() - interval '1 second' WHERE order_id = $1",
      [orderId],
    );
    await until('the earn', async () => (await balance(m.id)) === 1_000);
    expect(await account(m)).toMatchObject({ available: 1_000, pending: 0, pending_earnings: [] });
  });

  it('earn, spend, cancel: a cancellation voids the pending points, so nothing paid back is kept', async () => {
    const m = await h.member(300); // points of the member's own, which stay theirs
    const orderId = newId();
    await publish(orderPaid, orderId, orderData(m.id, orderId, 10_000));
    await until('pending', async () => (await account(m)).pending === 1_000);
    // Spending more than the member's own points is refused: the earned ones are not there.
    const spend = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 301 });
    expect(spend.status).toBe(422);
    await publish(orderCancelled, orderId, {
      ...orderData(m.id, orderId, 10_000),
      refunded_cash: 10_000,
      reversed_points: 0,
    });
    await until('voided', async () => (await earnings(orderId))?.status === 'voided');
    await deliver_(m.id, orderId, 10_000); // even a stray delivery afterwards earns nothing
    await round();
    expect(await account(m)).toMatchObject({ balance: 300, pending: 0 });
    expect(await orderTxs(orderId)).toEqual([]);
  });

  it('earns only on the cash kept when part was refunded before release, and reverses later refunds on that basis', async () => {
    const m = await h.member();
    const orderId = newId();
    await publish(orderPaid, orderId, orderData(m.id, orderId, 10_000));
    const refunded = (total: number, now: number) => ({
      ...orderData(m.id, orderId, 10_000),
      refunded_cash: now,
      reversed_points: 0,
      total_refunded_cash: total,
    });
    await publish(orderRefunded, orderId, refunded(4_000, 4_000));
    await until('pending shrinks', async () => (await account(m)).pending === 600);
    await deliver_(m.id, orderId, 10_000);
    await until('the earn', async () => (await balance(m.id)) === 600);
    expect(await earnings(orderId)).toMatchObject({ status: 'earned', earned_points: 600 });
    // Half of the cash the earn counted (6,000) comes back: half the earned points go.
    await publish(orderRefunded, orderId, refunded(7_000, 3_000));
    await until('reversed', async () => (await balance(m.id)) === 300);
    await publish(orderRefunded, orderId, refunded(10_000, 3_000));
    await until('all reversed', async () => (await balance(m.id)) === 0);
    expect((await orderTxs(orderId)).map((t) => [t.kind, t.points])).toEqual([
      ['earn', 600],
      ['reversal', 300],
      ['reversal', 300],
    ]);
  });
});
