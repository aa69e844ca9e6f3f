/**
 * One fixed, deterministic event set for the engines: orders (data version 2 and 1), loyalty
 * and payment events over 70 minutes of event time, a little out of order, some late (after
 * their window fired, within the allowed lateness), a spike that the anomaly score flags, and
 * events that come too late. The same set feeds the embedded engine's tests, the Flink parity
 * test and the bench's Flink column.
 */
import { createHash } from 'node:crypto';

export interface FixedEvent {
  topic: 'orders' | 'payments' | 'loyalty';
  event: {
    specversion: '1.0';
    id: string;
    source: string;
    type: string;
    time: string;
    subject: string;
    datacontenttype: 'application/json';
    data: Record<string, unknown>;
  };
}

export interface FixedEventSet {
  base: number;
  /** In order of arrival: on time, a little out of order, late within the allowed lateness. */
  phase1: FixedEvent[];
  /** Events a day later on every topic: the watermark passes every window of phase 1. */
  ticks: FixedEvent[];
  /** Arrive after the ticks: every window they belong to is final, so they count nowhere. */
  tooLate: FixedEvent[];
  /** A counted order a day later (in windows that are not final), to see an engine got here. */
  marker: (n: number) => FixedEvent;
}

const minuteMs = 60_000;

/** A uuid (v8 layout) from a name: the same event gets the same id in every run. */
export function nameUuid(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** mulberry32: a small seeded PRNG, so the set is the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const products = ['spa', 'dinner', 'suite', 'late-checkout', 'breakfast', 'parking'].map((n) =>
  nameUuid(`product:${n}`),
);
const drop = nameUuid('drop:flash-suite');
const dropQuantity = 12;

function make(
  topic: FixedEvent['topic'],
  type: string,
  name: string,
  time: number,
  subject: string,
  data: Record<string, unknown>,
): FixedEvent {
  return {
    topic,
    event: {
      specversion: '1.0',
      id: nameUuid(`event:${name}`),
      source: '/redemption/fixture',
      type,
      time: new Date(time).toISOString(),
      subject,
      datacontenttype: 'application/json',
      data,
    },
  };
}

function order(rand: () => number, i: number, time: number): FixedEvent {
  const id = nameUuid(`order:${i}`);
  const currency = rand() < 0.7 ? 'EUR' : 'USD';
  const lines = 1 + Math.floor(rand() * 3);
  const items = Array.from({ length: lines }, (_, k) => ({
    product_id: products[(i + k * 2) % products.length]!,
    quantity: 1 + Math.floor(rand() * 3),
    unit_price: 500 + Math.floor(rand() * 40) * 100,
  }));
  const total = items.reduce((n, l) => n + l.quantity * l.unit_price, 0);
  // Every fifth order is a version 1 event: no items, no country (older publishers).
  const v2 = i % 5 !== 0;
  return make('orders', 'order_paid', `order:${i}`, time, id, {
    event_type: 'order_paid',
    order_id: id,
    user_id: nameUuid(`member:${i % 17}`),
    total_amount: total,
    cash_amount: total,
    points_used: 0,
    currency,
    timestamp: new Date(time).toISOString(),
    ...(v2 ? { data_version: 2, items, country: ['PT', 'DE', 'US', 'FR'][i % 4] } : {}),
  });
}

function sideEvents(
  rand: () => number,
  m: number,
  t: number,
  claims: { sold: number },
): FixedEvent[] {
  const member = nameUuid(`member:${m % 17}`);
  const out: FixedEvent[] = [];
  const tx = (k: string) => nameUuid(`tx:${m}:${k}`);
  if (m % 3 === 0)
    out.push(
      make('loyalty', 'points_earned', `earn:${m}`, t + 7_000, member, {
        member_id: member,
        transaction_id: tx('e'),
        points: 100 + m,
        reference: null,
      }),
    );
  if (m % 4 === 1)
    out.push(
      make('loyalty', 'hold_captured', `capture:${m}`, t + 13_000, member, {
        member_id: member,
        transaction_id: tx('c'),
        points: 250,
        reference: null,
        hold_id: tx('h'),
      }),
    );
  if (m % 5 === 2)
    out.push(
      make('loyalty', 'points_redeemed', `redeem:${m}`, t + 21_000, member, {
        member_id: member,
        transaction_id: tx('r'),
        points: 400,
        reference: 'spa-voucher',
        kind: 'redeem',
      }),
    );
  if (m >= 20 && m < 32 && claims.sold < dropQuantity) {
    claims.sold += 1;
    out.push(
      make('loyalty', 'points_redeemed', `claim:${m}`, t + 29_000, member, {
        member_id: member,
        transaction_id: tx('d'),
        points: 900,
        reference: drop,
        kind: 'claim',
        drop_quantity: dropQuantity,
        drop_sold: claims.sold,
      }),
    );
  }
  if (m % 7 === 3)
    out.push(
      make('payments', 'payment_failed', `failed:${m}`, t + 33_000, nameUuid(`order:f${m}`), {
        attempt_id: tx('a'),
        order_id: nameUuid(`order:f${m}`),
        member_id: member,
        amount: 1200,
        currency: 'EUR',
        provider: 'simulated',
        outcome: 'declined',
        decline_code: 'card_declined',
      }),
    );
  if (m % 9 === 4)
    out.push(
      make('payments', 'payment_refunded', `refund:${m}`, t + 41_000, nameUuid(`order:${m}`), {
        payment_id: tx('p'),
        refund_id: tx('f'),
        order_id: nameUuid(`order:${m}`),
        member_id: member,
        amount: 300 + m,
        refunded_amount: 300 + m,
        currency: rand() < 0.5 ? 'EUR' : 'USD',
        status: 'partially_refunded',
      }),
    );
  return out;
}

/**
 * `minutes` of event time from `base`; order counts per minute from a seeded PRNG, with a spike
 * in minutes 62-64. Arrival order: by time, adjacent events swapped now and then (a few seconds
 * out of order), and every 13th event held back 30-50 s (late: its window may have fired).
 */
export function fixedEventSet(
  o: { base?: number; minutes?: number; seed?: number } = {},
): FixedEventSet {
  const base = o.base ?? Date.parse('2026-11-30T09:00:00.000Z');
  const minutes = o.minutes ?? 70;
  const rand = prng(o.seed ?? 13);
  const timed: FixedEvent[] = [];
  const claims = { sold: 0 };
  let n = 0;
  for (let m = 0; m < minutes; m++) {
    const t = base + m * minuteMs;
    const count = m >= 62 && m <= 64 ? 9 : Math.floor(rand() * 3);
    for (let k = 0; k < count; k++) timed.push(order(rand, n++, t + Math.floor(rand() * 59_000)));
    timed.push(...sideEvents(rand, m, t, claims));
  }
  timed.sort((a, b) => Date.parse(a.event.time) - Date.parse(b.event.time));
  const phase1 = arrivalOrder(timed, rand);
  const day = base + 86_400_000 + 10 * minuteMs;
  const ticks = (['orders', 'payments', 'loyalty'] as const).map((topic) =>
    make(topic, 'tier_changed', `tick:${topic}`, day, nameUuid(`member:tick`), {
      member_id: 'tick',
      from: 'silver',
      to: 'gold',
      qualifying_points: 0,
    }),
  );
  const tooLate = [
    order(rand, 100_000, base + 30 * minuteMs + 1_000),
    order(rand, 100_001, base + 61 * minuteMs),
  ];
  const marker = (i: number) => {
    const e = order(rand, 200_000 + i, day + 60_000 + i * 1_000);
    e.event.data['currency'] = 'XTS';
    return e;
  };
  return { base, phase1, ticks, tooLate, marker };
}

function arrivalOrder(timed: FixedEvent[], rand: () => number): FixedEvent[] {
  const held: Array<{ due: number; e: FixedEvent }> = [];
  const out: FixedEvent[] = [];
  timed.forEach((e, i) => {
    const t = Date.parse(e.event.time);
    for (let h = held.findIndex((x) => x.due <= t); h >= 0; h = held.findIndex((x) => x.due <= t))
      out.push(held.splice(h, 1)[0]!.e);
    if (i % 13 === 12) held.push({ due: t + 30_000 + Math.floor(rand() * 20_000), e });
    else out.push(e);
  });
  out.push(...held.map((x) => x.e));
  // A few seconds out of order: swap some neighbours that are less than 4 s apart.
  for (let i = 1; i < out.length; i++) {
    const gap = Date.parse(out[i]!.event.time) - Date.parse(out[i - 1]!.event.time);
    if (gap > 0 && gap < 4_000 && rand() < 0.3) [out[i - 1], out[i]] = [out[i]!, out[i - 1]!];
  }
  return out;
}
