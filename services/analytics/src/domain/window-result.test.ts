import { describe, expect, it } from 'vitest';
import { orderRateScore } from './anomaly.ts';
import { foldEvent, mergeCounters, unknownCountry, type Counter } from './event-deltas.ts';
import { changedRows, peakHour, windowRows } from './window-result.ts';

const time = '2026-12-01T10:00:00.000Z';
const paid = (total: number, currency: string, items: [string, number][], country?: string) => ({
  type: 'order_paid',
  time,
  data: {
    total_amount: total,
    currency,
    ...(country ? { country, data_version: 2 } : {}),
    items: items.map(([product_id, quantity]) => ({ product_id, quantity, unit_price: 1 })),
  },
});
const countersOf = (events: ReturnType<typeof paid>[] | object[]): Counter[] =>
  mergeCounters(events.flatMap((e) => foldEvent(e as never)!.counters));
const value = (rows: ReturnType<typeof windowRows>, metric: string, key = '') =>
  rows.find((r) => r.metric === metric && r.key === key)?.value;

describe('event counters', () => {
  it('reads the event time and ignores types that do not count (they only move the watermark)', () => {
    expect(foldEvent({ type: 'tier_changed', time, data: {} })).toEqual({
      time: Date.parse(time),
      counters: [],
    });
    expect(foldEvent({ type: 'order_paid', time: 'yesterday', data: {} })).toBeNull();
  });

  it('counts a version 1 order (no items, no country) under the unknown country', () => {
    const rows = windowRows(
      'sliding_5m',
      countersOf([{ type: 'order_paid', time, data: { total_amount: 500, currency: 'EUR' } }]),
    );
    expect(value(rows, 'orders_by_country', unknownCountry)).toBe(1);
    expect(rows.filter((r) => r.metric === 'top_product')).toEqual([]);
  });

  it('merges equal keys (sums, and maxima for how far a drop sold)', () => {
    const claim = (sold: number) => ({
      type: 'points_redeemed',
      time,
      data: { points: 5, kind: 'claim', reference: 'd1', drop_quantity: 4, drop_sold: sold },
    });
    const c = countersOf([claim(1), claim(3), claim(2)]);
    expect(c.find((x) => x.metric === 'drop_sold')!.value).toBe(3);
    expect(c.find((x) => x.metric === 'points_redeemed')!.value).toBe(15);
    const rows = windowRows('tumbling_5m', c);
    expect(value(rows, 'drop_claims', 'd1')).toBe(3);
    expect(value(rows, 'drop_sell_through', 'd1')).toBe(750);
  });
});

describe('window rows', () => {
  it('sums orders, revenue and AOV per currency, countries, points, refunds and failures', () => {
    const c = countersOf([
      paid(1000, 'EUR', [['p1', 2]], 'PT'),
      paid(2001, 'EUR', [['p2', 1]], 'PT'),
      paid(700, 'USD', [['p1', 1]], 'US'),
      { type: 'points_earned', time, data: { points: 40 } },
      { type: 'hold_captured', time, data: { points: 300 } },
      { type: 'points_redeemed', time, data: { points: 20, kind: 'redeem' } },
      { type: 'payment_failed', time, data: {} },
      { type: 'payment_refunded', time, data: { amount: 250, currency: 'EUR' } },
    ]);
    const rows = windowRows('sliding_5m', c);
    expect(value(rows, 'events')).toBe(8);
    expect(value(rows, 'orders')).toBe(3);
    expect(value(rows, 'revenue', 'EUR')).toBe(3001);
    expect(value(rows, 'aov', 'EUR')).toBe(1500); // rounded down
    expect(value(rows, 'aov', 'USD')).toBe(700);
    expect(value(rows, 'orders_by_country', 'PT')).toBe(2);
    expect(value(rows, 'points_earned')).toBe(40);
    expect(value(rows, 'points_redeemed')).toBe(320);
    expect(value(rows, 'payments_failed')).toBe(1);
    expect(value(rows, 'refunds')).toBe(1);
    expect(value(rows, 'refunded', 'EUR')).toBe(250);
    expect(rows.filter((r) => r.metric === 'top_product')).toEqual([
      { metric: 'top_product', key: '01', value: 3, label: 'p1' },
      { metric: 'top_product', key: '02', value: 1, label: 'p2' },
    ]);
    // Scalars are there (0) even when nothing of the kind happened.
    expect(
      value(
        windowRows(
          'sliding_5m',
          countersOf([{ type: 'points_earned', time, data: { points: 1 } }]),
        ),
        'orders',
      ),
    ).toBe(0);
  });

  it('ranks ten products at most, most units first, ties by product id', () => {
    const items: [string, number][] = Array.from({ length: 12 }, (_, i) => [
      `p${String(i).padStart(2, '0')}`,
      i < 3 ? 5 : 1,
    ]);
    const top = windowRows('tumbling_5m', countersOf([paid(1, 'EUR', items)])).filter(
      (r) => r.metric === 'top_product',
    );
    expect(top.map((r) => r.label)).toEqual([
      'p00',
      'p01',
      'p02',
      'p03',
      'p04',
      'p05',
      'p06',
      'p07',
      'p08',
      'p09',
    ]);
    expect(top[9]!.key).toBe('10');
  });

  it('names the peak hour of a day (the earliest of equals) and skips a day without orders', () => {
    expect(
      peakHour(
        new Map([
          [9, 4],
          [14, 7],
          [18, 7],
        ]),
      ),
    ).toEqual([
      { metric: 'peak_hour', key: '', value: 14, label: null },
      { metric: 'peak_hour_orders', key: '', value: 7, label: null },
    ]);
    expect(peakHour(new Map([[3, 0]]))).toEqual([]);
    const day = windowRows('day', countersOf([paid(1, 'EUR', [])]), {
      hourlyOrders: new Map([[10, 1]]),
    });
    expect(value(day, 'peak_hour')).toBe(10);
  });

  it('publishes only the rows a revision changed', () => {
    const before = windowRows('sliding_5m', countersOf([paid(100, 'EUR', [['p1', 1]], 'PT')]));
    const after = windowRows(
      'sliding_5m',
      countersOf([paid(100, 'EUR', [['p1', 1]], 'PT'), paid(50, 'EUR', [['p1', 1]], 'PT')]),
    );
    expect(changedRows(before, after).map((r) => `${r.metric}/${r.key}=${r.value}`)).toEqual([
      'aov/EUR=75',
      'events/=2',
      'orders/=2',
      'orders_by_country/PT=2',
      'revenue/EUR=150',
      'top_product/01=2',
    ]);
    expect(changedRows(after, after)).toEqual([]);
  });
});

describe('order-rate anomaly', () => {
  it('scores against the trailing hour and flags |z| >= 3', () => {
    const steady = [10, 12, 11, 9, 10, 12, 11, 10, 9, 11, 10, 12];
    expect(orderRateScore(10, steady)).toEqual({ zCenti: -56, anomaly: false });
    expect(orderRateScore(0, steady)!.anomaly).toBe(true); // the sale stalled
    expect(orderRateScore(60, steady)!.anomaly).toBe(true); // a spike
  });

  it('needs three trailing windows, and takes a flat hour as one order of spread', () => {
    expect(orderRateScore(5, [1, 1])).toBeNull();
    expect(orderRateScore(1, [0, 0, 0])).toEqual({ zCenti: 100, anomaly: false });
    expect(orderRateScore(3, [0, 0, 0])).toEqual({ zCenti: 300, anomaly: true });
  });
});
