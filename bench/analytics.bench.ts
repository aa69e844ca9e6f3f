/**
 * `npm run bench -- analytics`: the embedded analytics engine on PostgreSQL (DATABASE_URL, a
 * temp database), over the pg transport and, when a broker answers, the Kafka transport.
 *   folded/s: BENCH_EVENTS order_paid events (event time 50 ms apart, so windows fire as they
 *     would at 20 orders/s) appended to the input topic's log at once; from the append's commit
 *     until the consumer has handled the last (its inbox).
 *   lag: BENCH_RATE events/s offered open-loop for BENCH_SECONDS, one commit each; per event,
 *     the time from its commit to the NOTIFY the engine sends after the fold's commit (the window
 *     state that includes it is visible then).
 * Flink: with BENCH_FLINK=1 (Java 17, the jars fetched by services/analytics/flink/flink.sh), the
 * same events through the Flink job in a local MiniCluster: events/s from the first input to the
 * results of the last.
 */
import { cpus, loadavg } from 'node:os';
import {
  analyticsModuleFor,
  dropTopics,
  feed,
  handled,
  moduleEnv,
  nameUuid,
  newTestEnv,
  type AnalyticsTestEnv,
  type FixedEvent,
} from '@redemption/analytics/testing';
import type { Db } from '@redemption/kernel';
import { createTempDatabase, startModule } from '@redemption/kernel/testing';
import { flinkColumn } from './analytics/flink-column.ts';
import { tcpReachable } from './analytics/reachable.ts';

const envNum = (name: string, dflt: number): number => Number(process.env[name] ?? dflt);
const eventsTotal = envNum('BENCH_EVENTS', 5_000);
const rate = envNum('BENCH_RATE', 50);
const rateSeconds = envNum('BENCH_SECONDS', 10);
const phaseMaxMs = envNum('BENCH_PHASE_MAX_MS', 300_000);
const feedBatch = 1_000;
const eventSpacingMs = 50;
const pollMs = 20;
const databaseUrl = process.env['DATABASE_URL'] || undefined;
const kafkaBrokers = process.env['KAFKA_BROKERS'] || '127.0.0.1:9092';
const foldedChannel = 'analytics_folded';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Order event `i` of a run: event time `base + i * 50 ms`, two lines, four countries. */
export function benchOrder(run: string, i: number, base: number): FixedEvent {
  const id = nameUuid(`bench:${run}:${i}`);
  const time = new Date(base + i * eventSpacingMs).toISOString();
  return {
    topic: 'orders',
    event: {
      specversion: '1.0',
      id,
      source: '/redemption/bench',
      type: 'order_paid',
      time,
      subject: id,
      datacontenttype: 'application/json',
      data: {
        event_type: 'order_paid',
        order_id: id,
        user_id: nameUuid(`member:${i % 500}`),
        total_amount: 1_000 + (i % 37) * 100,
        cash_amount: 1_000 + (i % 37) * 100,
        points_used: 0,
        currency: i % 3 === 0 ? 'USD' : 'EUR',
        timestamp: time,
        data_version: 2,
        country: ['PT', 'DE', 'US', 'FR'][i % 4],
        items: [
          { product_id: nameUuid(`product:${i % 40}`), quantity: 1, unit_price: 500 },
          { product_id: nameUuid(`product:${(i * 7) % 40}`), quantity: 2, unit_price: 250 },
        ],
      },
    },
  };
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Figures {
  foldedPerS: number;
  p50: number;
  p99: number;
  max: number;
  offered: number;
}

async function waitHandled(db: Db, t: AnalyticsTestEnv, n: number): Promise<void> {
  const until = Date.now() + phaseMaxMs;
  while ((await handled(db, t.group)) < n) {
    if (Date.now() > until) throw new Error(`only ${await handled(db, t.group)} of ${n} folded`);
    await sleep(pollMs);
  }
}

async function runColumn(kafka: boolean): Promise<Figures> {
  const temp = await createTempDatabase(databaseUrl!);
  const t = newTestEnv(temp.url, kafka ? kafkaBrokers : undefined);
  if (kafka) {
    const { createTopics } = await import('@redemption/analytics/testing');
    await createTopics([kafkaBrokers], [t.topic]);
  }
  const h = await startModule(analyticsModuleFor(t, true), {
    databaseUrl: t.databaseUrl,
    env: { ...moduleEnv(t), LOG_LEVEL: 'warn' },
  });
  const db = h.platform.db;
  try {
    const base = Date.parse('2026-12-01T00:00:00.000Z');
    // Throughput: everything appended, then folded as fast as the engine goes.
    const events = Array.from({ length: eventsTotal }, (_, i) => benchOrder('t', i, base));
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += feedBatch)
      await feed(db, t.topic, events.slice(i, i + feedBatch));
    await waitHandled(db, t, eventsTotal);
    const foldedPerS = eventsTotal / ((performance.now() - t0) / 1000);

    // Lag: open loop at `rate`, one commit per event, event times continuing the stream.
    const committedAt = new Map<string, number>();
    const lags: number[] = [];
    const unlisten = await db.listen(foldedChannel, (id) => {
      const c = committedAt.get(id);
      if (c !== undefined) lags.push(performance.now() - c);
    });
    const total = rate * rateSeconds;
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const e = benchOrder('l', eventsTotal + i, base);
      inflight.push(
        feed(db, t.topic, [e]).then(() => void committedAt.set(e.event.id, performance.now())),
      );
    }
    await Promise.all(inflight);
    await waitHandled(db, t, eventsTotal + total);
    await sleep(200);
    await unlisten();
    lags.sort((a, b) => a - b);
    return {
      foldedPerS,
      p50: pct(lags, 50),
      p99: pct(lags, 99),
      max: lags[lags.length - 1] ?? NaN,
      offered: total / ((performance.now() - start) / 1000),
    };
  } finally {
    await h.close();
    await temp.drop();
    await dropTopics(t);
  }
}

const fmt = (n: number | undefined, d = 0): string =>
  n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d);

async function main(): Promise<void> {
  if (!databaseUrl) {
    console.error(
      'analytics bench: DATABASE_URL is not set (a PostgreSQL the bench may create temp databases on)',
    );
    process.exit(2);
  }
  console.log(
    `analytics bench: ${eventsTotal} events folded, lag at ${rate}/s for ${rateSeconds} s; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`,
  );
  const cols: Array<{ label: string; f?: Figures; note?: string }> = [];
  cols.push({ label: 'embedded, pg transport', f: await runColumn(false) });
  if (await tcpReachable(kafkaBrokers.split(',')[0]!))
    cols.push({ label: 'embedded, Kafka transport', f: await runColumn(true) });
  else cols.push({ label: 'embedded, Kafka transport', note: 'no broker (npm run kafka)' });
  const flink = await flinkColumn({ brokers: kafkaBrokers, events: eventsTotal, benchOrder });
  console.log('');
  console.log('| engine | folded (events/s) | commit→window lag p50 (ms) | p99 (ms) | max (ms) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const c of cols)
    console.log(
      c.f
        ? `| ${c.label} | ${fmt(c.f.foldedPerS)} | ${fmt(c.f.p50, 1)} | ${fmt(c.f.p99, 1)} | ${fmt(c.f.max, 1)} |`
        : `| ${c.label} | ${c.note} | | | |`,
    );
  console.log(
    flink.perS !== undefined
      ? `| Flink SQL job (MiniCluster, parallelism 1) | ${fmt(flink.perS)} | — | — | — |`
      : `| Flink SQL job | ${flink.note} | | | |`,
  );
  process.exit(0);
}

await main();
