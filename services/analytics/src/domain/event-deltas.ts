/**
 * What one event adds to its pane's counters, pure. Counters are `(metric, key) → value`; all
 * are sums except `drop_sold` and `drop_quantity`, which are maxima (how far a drop had sold).
 * Only these event types count in windows; every event on the topics moves the watermark.
 */
export interface Counter {
  metric: string;
  key: string;
  value: number;
}

/** The counters merged by maximum rather than sum. */
export const maxCounters: ReadonlySet<string> = new Set(['drop_sold', 'drop_quantity']);

/** Country key of an order event without one (data version 1): ISO 3166's "unknown". */
export const unknownCountry = 'ZZ';

/** The event types that count in windows (the others only move the watermark). */
export const countedTypes = [
  'order_paid',
  'points_earned',
  'points_redeemed',
  'hold_captured',
  'payment_failed',
  'payment_refunded',
] as const;

export interface EventLike {
  type: string;
  time: string;
  data: unknown;
}

export interface Folded {
  /** Event time (epoch ms): the CloudEvents `time`. */
  time: number;
  /** Empty for a type that does not count (it still moves the watermark). */
  counters: Counter[];
}

type Data = Record<string, unknown>;
const int = (d: Data, f: string): number => (typeof d[f] === 'number' ? (d[f] as number) : 0);
const text = (d: Data, f: string): string => (typeof d[f] === 'string' ? (d[f] as string) : '');

/** The event's time, or null when it has none a Date can read (the event is then refused). */
export function eventTime(e: EventLike): number | null {
  const t = Date.parse(e.time);
  return Number.isFinite(t) ? t : null;
}

/** The counters an event adds; null when its time is unreadable. */
export function foldEvent(e: EventLike): Folded | null {
  const time = eventTime(e);
  if (time === null) return null;
  const d = (typeof e.data === 'object' && e.data !== null ? e.data : {}) as Data;
  const counters = countersOf(e.type, d);
  return {
    time,
    counters: counters.length ? [{ metric: 'events', key: '', value: 1 }, ...counters] : [],
  };
}

function countersOf(type: string, d: Data): Counter[] {
  const c = (metric: string, key: string, value: number): Counter => ({ metric, key, value });
  switch (type) {
    case 'order_paid':
      return orderCounters(d);
    case 'points_earned':
      return [c('points_earned', '', int(d, 'points'))];
    case 'hold_captured':
      return [c('points_redeemed', '', int(d, 'points'))];
    case 'points_redeemed':
      return redeemedCounters(d);
    case 'payment_failed':
      return [c('payments_failed', '', 1)];
    case 'payment_refunded':
      return [c('refunds', '', 1), c('refunded', text(d, 'currency'), int(d, 'amount'))];
    default:
      return [];
  }
}

function orderCounters(d: Data): Counter[] {
  const currency = text(d, 'currency');
  const country = text(d, 'country') || unknownCountry;
  const out: Counter[] = [
    { metric: 'orders', key: '', value: 1 },
    { metric: 'orders_c', key: currency, value: 1 },
    { metric: 'revenue', key: currency, value: int(d, 'total_amount') },
    { metric: 'orders_by_country', key: country, value: 1 },
  ];
  const items = Array.isArray(d['items']) ? (d['items'] as Data[]) : [];
  for (const i of items)
    out.push({ metric: 'product_units', key: text(i, 'product_id'), value: int(i, 'quantity') });
  return out;
}

function redeemedCounters(d: Data): Counter[] {
  const out: Counter[] = [{ metric: 'points_redeemed', key: '', value: int(d, 'points') }];
  if (text(d, 'kind') !== 'claim') return out;
  const drop = text(d, 'reference');
  out.push({ metric: 'drop_claims', key: drop, value: 1 });
  if (typeof d['drop_quantity'] === 'number' && typeof d['drop_sold'] === 'number')
    out.push(
      { metric: 'drop_sold', key: drop, value: int(d, 'drop_sold') },
      { metric: 'drop_quantity', key: drop, value: int(d, 'drop_quantity') },
    );
  return out;
}

/** Merges counters with the same (metric, key): one row per key, as a single upsert needs. */
export function mergeCounters(counters: readonly Counter[]): Counter[] {
  const merged = new Map<string, Counter>();
  for (const c of counters) {
    const k = `${c.metric}\u0000${c.key}`;
    const prev = merged.get(k);
    if (!prev) merged.set(k, { ...c });
    else
      prev.value = maxCounters.has(c.metric) ? Math.max(prev.value, c.value) : prev.value + c.value;
  }
  return [...merged.values()];
}
