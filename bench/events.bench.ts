/**
 * Event delivery per transport, outbox commit to consumer effect (one consumer group, one
 * member; the handler INSERTs one row in the transaction the runtime gives it):
 *   throughput: BENCH_EVENTS events in transactions of BENCH_TX_SIZE, published as fast as
 *     possible by BENCH_PUBLISHERS concurrent publishers; from the first commit until all
 *     effects are recorded.
 *   latency: BENCH_RATE events/s offered open-loop for BENCH_SECONDS (a transaction per
 *     BENCH_TICK_MS tick); per event, handler time minus the publisher's commit time (same
 *     process, same clock).
 * Columns: pg on PostgreSQL (DATABASE_URL, temp database), kafka (outbox in a temp PostgreSQL
 * database, relay to KAFKA_BROKERS) and pg on PGlite (temp DATA_DIR).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Type } from 'typebox';
import { defineEvent, type EventDefinition } from '@redemption/contracts';
import {
  createDb,
  createEventBus,
  eventsMigrations,
  idempotencyMigrations,
  migrate,
  type CloudEvent,
  type Db,
  type EventBus,
  type Queryable,
} from '@redemption/kernel';
import { createTempDatabase } from '@redemption/kernel/testing';
import { tcpReachable } from './analytics/reachable.ts';

const envNum = (name: string, dflt: number): number => Number(process.env[name] ?? dflt);
const eventsTotal = envNum('BENCH_EVENTS', 20_000);
const txSize = envNum('BENCH_TX_SIZE', 100);
const publishers = envNum('BENCH_PUBLISHERS', 4);
const rate = envNum('BENCH_RATE', 1_000);
const rateSeconds = envNum('BENCH_SECONDS', 10);
const tickMs = envNum('BENCH_TICK_MS', 10);
const phaseMaxMs = envNum('BENCH_PHASE_MAX_MS', 120_000);
const stallMaxMs = envNum('BENCH_STALL_MS', 15_000);
const partitions = 3;
const keys = 64;
const warmupEvents = 30;
const rateInflightMax = 8;
const cleanupStepMaxMs = 30_000;
const databaseUrl = process.env['DATABASE_URL'] || undefined;
const kafkaBrokers = (process.env['KAFKA_BROKERS'] || '127.0.0.1:9092').split(',');
const log = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'warn' }, pino.destination(2));

interface Column {
  name: string;
  label: string;
  transport: 'pg' | 'kafka';
  database: 'postgres' | 'pglite';
}

const allColumns: Column[] = [
  { name: 'pg', label: 'pg (PostgreSQL)', transport: 'pg', database: 'postgres' },
  { name: 'kafka', label: 'kafka (local broker)', transport: 'kafka', database: 'postgres' },
  { name: 'pglite', label: 'pg (PGlite)', transport: 'pg', database: 'pglite' },
];
const only = process.env['BENCH_COLUMNS']?.split(',');
const columns = allColumns.filter((c) => !only || only.includes(c.name));

const rows = {
  throughput: 'throughput (events/s)',
  publishRate: '  outbox commits (events/s)',
  p50: `latency @${rate}/s p50 (ms)`,
  p99: `latency @${rate}/s p99 (ms)`,
  max: `latency @${rate}/s max (ms)`,
  achieved: `  achieved rate (events/s)`,
};
type RowKey = keyof typeof rows;

interface Result {
  cells: Partial<Record<RowKey, string>>;
  /** Unformatted, for the goal table. */
  eventsPerS?: number;
  p99Ms?: number;
  note?: string;
}

/** Issue 12's goals: each production transport (PostgreSQL, Kafka) end to end, and Kafka latency. */
const goals = { eventsPerS: 5_000, kafkaP99Ms: 100, kafkaRate: 1_000 };

/** What the handler saw: first delivery time per event id, and first deliveries per phase. */
interface Tracker {
  deliveredAt: Map<string, number>;
  perPhase: Map<string, number>;
}

interface Rig {
  transport: Column['transport'];
  db: Db;
  bus: EventBus;
  def: EventDefinition;
  tracker: Tracker;
}

type Cleanup = Array<{ what: string; run: () => Promise<unknown> }>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.now();
const suffix = (): string => `${Date.now().toString(36)}${process.pid.toString(36)}`;

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  p.catch(() => undefined); // a late rejection after the timeout is not unhandled
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why a column cannot run here, or undefined when it can. */
async function unavailable(c: Column): Promise<string | undefined> {
  if (c.database === 'postgres' && !databaseUrl) return 'not set (DATABASE_URL)';
  if (c.transport === 'kafka' && !(await tcpReachable(kafkaBrokers[0]!)))
    return 'not running (npm run kafka)';
  return undefined;
}

async function openDb(c: Column, cleanup: Cleanup): Promise<Db> {
  let db: Db;
  if (c.database === 'postgres') {
    const temp = await createTempDatabase(databaseUrl!);
    cleanup.push({ what: 'drop temp database', run: temp.drop });
    db = await createDb({ databaseUrl: temp.url, dataDir: '', poolMax: publishers + 8 });
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-events-'));
    cleanup.push({ what: 'remove DATA_DIR', run: async () => rmSync(dir, { recursive: true }) });
    db = await createDb({ dataDir: dir, poolMax: 1 });
  }
  cleanup.push({ what: 'close db', run: () => db.close() });
  await migrate(db, [idempotencyMigrations, eventsMigrations]);
  await db.exec('CREATE TABLE public.bench_effects (event_id uuid NOT NULL, phase text NOT NULL)');
  return db;
}

const handler =
  (t: Tracker) =>
  async (e: CloudEvent, q: Queryable): Promise<void> => {
    const { phase } = e.data as { phase: string };
    await q.query('INSERT INTO public.bench_effects (event_id, phase) VALUES ($1, $2)', [
      e.id,
      phase,
    ]);
    if (t.deliveredAt.has(e.id)) return;
    t.deliveredAt.set(e.id, now());
    t.perPhase.set(phase, (t.perPhase.get(phase) ?? 0) + 1);
  };

/** The bench topic and the `.retry`/`.dlq` companions the Kafka transport creates with it. */
async function deleteTopics(topic: string): Promise<void> {
  const { Admin } = await import('@platformatic/kafka');
  const admin = new Admin({ clientId: 'bench-events', bootstrapBrokers: kafkaBrokers, retries: 1 });
  admin.on('error', () => undefined);
  try {
    await admin.deleteTopics({ topics: [topic, `${topic}.retry`, `${topic}.dlq`] });
  } finally {
    await admin.close();
  }
}

async function openRig(c: Column, cleanup: Cleanup): Promise<Rig> {
  const db = await openDb(c, cleanup);
  const topic = `bench_${suffix()}_${c.transport}`;
  const def = defineEvent(
    'bench_happened',
    topic,
    Type.Object({ phase: Type.String(), seq: Type.Integer() }),
  );
  const bus = await createEventBus({
    db,
    config: {
      eventTransport: c.transport,
      kafkaBrokers: c.transport === 'kafka' ? kafkaBrokers : undefined,
      eventPartitions: partitions,
      kafkaReplicationFactor: 1,
      eventAttemptsMax: 3,
    },
    source: '/redemption/bench',
    log,
    topics: [topic],
  });
  const tracker: Tracker = { deliveredAt: new Map(), perPhase: new Map() };
  bus.subscribe({ group: `bench_${suffix()}`, topics: [topic], handler: handler(tracker) });
  cleanup.unshift({ what: 'stop bus', run: () => bus.stop() });
  if (c.transport === 'kafka')
    cleanup.splice(1, 0, { what: 'delete Kafka topics', run: () => deleteTopics(topic) });
  await withTimeout(bus.start(), phaseMaxMs, 'bus start');
  return { transport: c.transport, db, bus, def, tracker };
}

/** One transaction of `count` events; resolves with their ids once it has committed. */
function publishTx(rig: Rig, phase: string, from: number, count: number): Promise<string[]> {
  return rig.db.tx(async (q) => {
    const ids: string[] = [];
    for (let seq = from; seq < from + count; seq++) {
      const e = await rig.bus.publisher.publish(q, rig.def, {
        subject: `key${seq % keys}`,
        data: { phase, seq },
      });
      ids.push(e.id);
    }
    return ids;
  });
}

const delivered = (rig: Rig, phase: string): number => rig.tracker.perPhase.get(phase) ?? 0;

async function committedEffects(rig: Rig, phase: string): Promise<number> {
  const { rows: r } = await rig.db.query<{ n: number }>(
    'SELECT count(DISTINCT event_id)::int AS n FROM public.bench_effects WHERE phase = $1',
    [phase],
  );
  return r[0]!.n;
}

/** pg transport: events never delivered although the group's offset is already past them. */
async function skippedBehindOffset(rig: Rig): Promise<string> {
  if (rig.transport !== 'pg') return '';
  const { rows: r } = await rig.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM kernel.outbox o
     JOIN kernel.consumer_partitions c ON c.topic = o.topic AND c.partition = o.partition
     WHERE (o.txid, o.position) <= (c.offset_txid, c.offset_position)
       AND NOT EXISTS (SELECT 1 FROM public.bench_effects e WHERE e.event_id = o.id)`,
  );
  return `; ${r[0]!.n} undelivered events lie behind the group's committed offsets`;
}

/** Waits until the handler has seen `n` events of `phase` and all their effects committed. */
async function awaitEffects(rig: Rig, phase: string, n: number): Promise<void> {
  const deadline = now() + phaseMaxMs;
  let last = { count: -1, at: now() };
  while (delivered(rig, phase) < n || (await committedEffects(rig, phase)) < n) {
    const count = delivered(rig, phase);
    if (count !== last.count) last = { count, at: now() };
    const stalled = now() - last.at > stallMaxMs;
    if (stalled || now() > deadline) {
      const why = stalled ? `no progress for ${stallMaxMs} ms` : `after ${phaseMaxMs} ms`;
      throw new Error(`${phase}: ${count}/${n} delivered, ${why}${await skippedBehindOffset(rig)}`);
    }
    await sleep(20);
  }
}

async function warmUp(rig: Rig): Promise<void> {
  await publishTx(rig, 'warmup', 0, warmupEvents);
  await awaitEffects(rig, 'warmup', warmupEvents);
}

async function throughput(rig: Rig): Promise<{ eventsPerS: number; publishPerS: number }> {
  const phase = 'throughput';
  const txCount = Math.ceil(eventsTotal / txSize);
  const ids: string[] = [];
  let next = 0;
  let firstCommit = Infinity;
  const started = now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < txCount; i = next++) {
      const count = Math.min(txSize, eventsTotal - i * txSize);
      ids.push(...(await publishTx(rig, phase, i * txSize, count)));
      firstCommit = Math.min(firstCommit, now());
    }
  };
  await withTimeout(
    Promise.all(Array.from({ length: publishers }, worker)),
    phaseMaxMs,
    'publishing',
  );
  const published = now();
  await awaitEffects(rig, phase, eventsTotal);
  const lastEffect = ids.reduce((m, id) => Math.max(m, rig.tracker.deliveredAt.get(id)!), 0);
  return {
    eventsPerS: eventsTotal / ((lastEffect - firstCommit) / 1000),
    publishPerS: eventsTotal / ((published - started) / 1000),
  };
}

/** Offers `rate` events/s by wall clock; at most `rateInflightMax` transactions in flight. */
async function offerRate(rig: Rig, phase: string): Promise<{ committedAt: Map<string, number> }> {
  const committedAt = new Map<string, number>();
  const inflight = new Set<Promise<void>>();
  const start = now();
  let scheduled = 0;
  let failure: Error | undefined;
  for (let elapsed = 0; elapsed < rateSeconds * 1000; elapsed = now() - start) {
    const due = Math.min(Math.ceil((elapsed * rate) / 1000) - scheduled, txSize);
    if (due > 0 && inflight.size < rateInflightMax) {
      const p = publishTx(rig, phase, scheduled, due)
        .then((ids) => {
          const at = now();
          for (const id of ids) committedAt.set(id, at);
        })
        .catch((err: Error) => void (failure ??= err))
        .finally(() => inflight.delete(p));
      inflight.add(p);
      scheduled += due;
    }
    await sleep(tickMs);
  }
  await withTimeout(Promise.all(inflight), phaseMaxMs, 'publishing');
  if (failure) throw failure;
  return { committedAt };
}

const percentile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

/** BENCH_DEBUG: the worst latency per second of the phase (where stalls happen). */
function printTimeline(rig: Rig, committedAt: Map<string, number>, started: number): void {
  const worst: number[] = [];
  for (const [id, at] of committedAt) {
    const s = Math.floor((at - started) / 1000);
    worst[s] = Math.max(worst[s] ?? 0, rig.tracker.deliveredAt.get(id)! - at);
  }
  console.error(`  worst latency per second (ms): ${worst.map((w) => Math.round(w)).join(' ')}`);
}

async function latency(rig: Rig): Promise<Record<'p50' | 'p99' | 'max' | 'rate', number>> {
  const phase = 'latency';
  const started = now();
  const { committedAt } = await offerRate(rig, phase);
  const lastCommit = [...committedAt.values()].reduce((m, at) => Math.max(m, at), 0);
  await awaitEffects(rig, phase, committedAt.size);
  const ms = [...committedAt].map(([id, at]) => Math.max(0, rig.tracker.deliveredAt.get(id)! - at));
  ms.sort((a, b) => a - b);
  if (process.env['BENCH_DEBUG']) printTimeline(rig, committedAt, started);
  return {
    p50: percentile(ms, 0.5),
    p99: percentile(ms, 0.99),
    max: ms[ms.length - 1]!,
    rate: committedAt.size / ((lastCommit - started) / 1000),
  };
}

async function runCleanup(cleanup: Cleanup): Promise<void> {
  for (const step of cleanup) {
    await withTimeout(step.run(), cleanupStepMaxMs, step.what).catch((err: Error) =>
      console.error(`events bench: cleanup: ${err.message}`),
    );
  }
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const dec = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

async function measure(c: Column, res: Result): Promise<void> {
  const cleanup: Cleanup = [];
  const progress = (msg: string): void => console.error(`events bench: ${c.label}: ${msg}`);
  try {
    const rig = await openRig(c, cleanup);
    await withTimeout(warmUp(rig), phaseMaxMs, 'warm-up');
    const t = await throughput(rig);
    res.cells.throughput = int(t.eventsPerS);
    res.eventsPerS = t.eventsPerS;
    res.cells.publishRate = int(t.publishPerS);
    progress(`throughput ${int(t.eventsPerS)} events/s (outbox commits ${int(t.publishPerS)}/s)`);
    const l = await latency(rig);
    Object.assign(res.cells, { p50: dec(l.p50), p99: dec(l.p99), max: dec(l.max) });
    res.p99Ms = l.p99;
    res.cells.achieved = int(l.rate);
    progress(`latency p50 ${dec(l.p50)} p99 ${dec(l.p99)} max ${dec(l.max)} ms`);
  } catch (err) {
    res.note = `failed: ${(err as Error).message}`;
    progress(res.note);
  } finally {
    await runCleanup(cleanup);
  }
}

async function runColumn(c: Column): Promise<Result> {
  const res: Result = { cells: {} };
  const why = await unavailable(c);
  if (why) res.note = why;
  else await measure(c, res);
  return res;
}

function printTable(results: Result[]): void {
  const labelWidth = 31;
  const width = Math.max(...columns.map((c) => c.label.length)) + 3;
  console.log(' '.repeat(labelWidth) + columns.map((c) => c.label.padStart(width)).join(''));
  for (const [key, label] of Object.entries(rows) as Array<[RowKey, string]>) {
    const cells = results.map((r) => (r.cells[key] ?? '-').padStart(width));
    console.log(label.padEnd(labelWidth) + cells.join(''));
  }
  results.forEach((r, i) => r.note && console.log(`${columns[i]!.name}: ${r.note}`));
}

/** goal / measured / met for the production transports (PGlite is the embedded mode's). */
function printGoals(results: Result[]): void {
  const of = (name: string) => results[columns.findIndex((c) => c.name === name)];
  const rowsOut: string[] = [];
  for (const name of ['pg', 'kafka']) {
    const r = of(name);
    const got = r?.eventsPerS;
    rowsOut.push(
      `| ${name}: events end to end (events/s) | ${got === undefined ? 'not run' : int(got)} | >= ${int(goals.eventsPerS)} | ${got !== undefined && got >= goals.eventsPerS ? 'yes' : 'NO'} |`,
    );
  }
  const k = of('kafka')?.p99Ms;
  const atRate =
    rate === goals.kafkaRate ? '' : ` (offered ${rate}/s, goal is at ${goals.kafkaRate}/s)`;
  rowsOut.push(
    `| kafka: latency p99 (ms)${atRate} | ${k === undefined ? 'not run' : dec(k)} | < ${goals.kafkaP99Ms} | ${k !== undefined && k < goals.kafkaP99Ms && rate === goals.kafkaRate ? 'yes' : 'NO'} |`,
  );
  console.log('\n| figure | measured | goal | met |\n|---|---|---|---|');
  for (const line of rowsOut) console.log(line);
}

const began = now();
console.log(
  `events: ${eventsTotal} events, ${partitions} partitions, 1 consumer, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim()}, load avg ${loadavg()[0]!.toFixed(1)})`,
);
console.log(
  `  throughput: transactions of ${txSize}, ${publishers} concurrent publishers; latency: ${rate}/s offered for ${rateSeconds} s, a transaction per ${tickMs} ms tick`,
);
const results: Result[] = [];
for (const c of columns) results.push(await runColumn(c));
printTable(results);
printGoals(results);
console.log(`(run took ${((now() - began) / 1000).toFixed(1)} s)`);
// A client that did not close within its bound must not keep the benchmark alive.
setTimeout(() => process.exit(), 2_000).unref();
