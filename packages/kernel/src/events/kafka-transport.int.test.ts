import { randomBytes } from 'node:crypto';
import { Admin, Producer } from '@platformatic/kafka';
import { defineEvent } from '@redemption/contracts';
import { pino } from 'pino';
import { Type } from 'typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../db/db.ts';
import { migrate } from '../db/migrations.ts';
import { createPgDb } from '../db/pg-db.ts';
import { idempotencyMigrations } from '../idempotency/idempotency.ts';
import { postgresGate } from '../testing/services.ts';
import { createTempDatabase, type TempDatabase } from '../testing/temp-database.ts';
import type { RetryPolicy, Subscription } from './consumer-runtime.ts';
import type { CloudEvent } from './envelope.ts';
import type { ConsumerHandle, EventTransport } from './event-transport.ts';
import { eventsMigrations } from './events.migrations.ts';
import { topicPlan } from './kafka-topics.ts';
import { createKafkaTransport } from './kafka-transport.ts';
import { createPublisher } from './outbox.ts';

function kafkaGate(): { brokers: string[] | undefined; reason: string } {
  const raw = process.env['KAFKA_BROKERS'];
  const brokers = raw
    ?.split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers && brokers.length > 0) return { brokers, reason: '' };
  if (process.env['REQUIRE_SERVICES'] === '1') {
    throw new Error('REQUIRE_SERVICES=1 but KAFKA_BROKERS is not set: Kafka tests may not skip');
  }
  const reason = 'skipping Kafka transport tests: KAFKA_BROKERS is not set';
  console.warn(reason);
  return { brokers: undefined, reason };
}

const kafka = kafkaGate();
const pg = postgresGate();
const partitions = 3;
const log = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
const fastPolicy: RetryPolicy = { attemptsMax: 3, backoffBaseMs: 10, backoffMaxMs: 50 };
/** Bounds for waiting on asynchronous delivery: a failure bound, not a timing assertion (ms). */
const waitMaxMs = 60_000;

const rand = (): string => randomBytes(4).toString('hex');
const testEvent = (topic: string) =>
  defineEvent(
    'test_happened',
    topic,
    Type.Object({ seq: Type.Integer({ minimum: 0 }), poison: Type.Optional(Type.Boolean()) }),
  );

interface Effect {
  event_id: string;
  key: string;
  seq: number;
  member: string;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + waitMaxMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Keys in per-key `seq` order, as the effects were committed (serial `n`). */
function seqsByKey(rows: readonly Effect[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of rows) out.set(r.key, [...(out.get(r.key) ?? []), r.seq]);
  return out;
}

describe.skipIf(!kafka.brokers || !pg.url)(
  `Kafka event transport ${kafka.reason} ${pg.reason}`,
  () => {
    const brokers = kafka.brokers ?? [];
    let temp: TempDatabase;
    let db: Db;
    const topicsMade: string[] = [];
    const cleanups: Array<() => Promise<void>> = [];

    beforeAll(async () => {
      temp = await createTempDatabase(pg.url ?? '');
      db = createPgDb({ url: temp.url, poolMax: 12, applicationName: 'kafka-transport-test' });
      await migrate(db, [idempotencyMigrations, eventsMigrations]);
      await db.exec(`CREATE TABLE public.effects (
        n bigserial PRIMARY KEY, grp text NOT NULL, member text NOT NULL,
        event_id uuid NOT NULL, key text NOT NULL, seq int NOT NULL)`);
    });
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });
    afterAll(async () => {
      if (topicsMade.length > 0) {
        const admin = new Admin({
          clientId: 'kafka-transport-test-cleanup',
          bootstrapBrokers: brokers,
        });
        // Only those that exist: a transport that never started created none.
        const existing = new Set(await admin.listTopics());
        const topics = [...new Set(topicsMade)].filter((t) => existing.has(t));
        if (topics.length > 0) {
          await admin
            .deleteTopics({ topics })
            .catch((err: unknown) => console.warn('topic cleanup failed', err));
        }
        await admin.close();
      }
      await db?.close();
      await temp?.drop();
    });

    function transport(topic: string, configured: readonly string[] = [topic]): EventTransport {
      topicsMade.push(...topicPlan([topic], () => partitions).map((t) => t.name));
      const t = createKafkaTransport({
        db,
        brokers,
        clientId: 'kafka-transport-test',
        partitions: () => partitions,
        replicationFactor: 1,
        topics: configured,
        policy: fastPolicy,
        log,
        relayBatchMax: 50,
        relayPollMaxMs: 200,
      });
      cleanups.push(() => t.stop());
      return t;
    }

    async function consume(t: EventTransport, sub: Subscription): Promise<ConsumerHandle> {
      const h = await t.consume(sub);
      // Consumers stop before the transport (cleanups run in reverse).
      cleanups.push(() => h.stop());
      return h;
    }

    /** The handler: records the effect in the delivery transaction; poison events throw. */
    const recorder =
      (group: string, member: string, delayMs = 0) =>
      async (e: CloudEvent, q: Queryable): Promise<void> => {
        const data = e.data as { seq: number; poison?: boolean };
        if (data.poison) throw new Error(`poison event ${e.id}`);
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        await q.query(
          'INSERT INTO public.effects (grp, member, event_id, key, seq) VALUES ($1, $2, $3, $4, $5)',
          [group, member, e.id, e.subject, data.seq],
        );
      };

    async function effects(group: string): Promise<Effect[]> {
      const { rows } = await db.query<Effect>(
        'SELECT event_id::text, key, seq, member FROM public.effects WHERE grp = $1 ORDER BY n',
        [group],
      );
      return rows;
    }

    async function countEffects(group: string): Promise<number> {
      const { rows } = await db.query<{ c: number }>(
        'SELECT count(*)::int AS c FROM public.effects WHERE grp = $1',
        [group],
      );
      return rows[0]?.c ?? 0;
    }

    /** `perKey` events per key, interleaved across keys, all in one transaction. */
    async function publish(
      topic: string,
      keys: readonly string[],
      perKey: number,
      opts: { from?: number; poison?: { key: string; seq: number } } = {},
    ): Promise<string[]> {
      const publisher = createPublisher({
        source: '/redemption/test',
        partitions: () => partitions,
      });
      const def = testEvent(topic);
      const ids: string[] = [];
      const from = opts.from ?? 0;
      await db.tx(async (q) => {
        for (let seq = from; seq < from + perKey; seq++) {
          for (const key of keys) {
            const poison = opts.poison?.key === key && opts.poison.seq === seq;
            const e = await publisher.publish(q, def, {
              subject: key,
              data: { seq, ...(poison ? { poison: true } : {}) },
            });
            ids.push(e.id);
          }
        }
      });
      return ids;
    }

    it('answers ping, and a ping to no broker fails fast', async () => {
      const t = transport(`t${rand()}-ping`);
      await t.ping();
      const dead = createKafkaTransport({
        db,
        brokers: ['127.0.0.1:1'],
        clientId: 'kafka-transport-test',
        partitions: () => partitions,
        replicationFactor: 1,
        topics: [],
        policy: fastPolicy,
        log,
        relayBatchMax: 10,
        relayPollMaxMs: 200,
      });
      const started = Date.now();
      await expect(dead.ping()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
      await dead.stop();
    });

    it('relays a transaction of events; the group handles each once, in order per key', async () => {
      const topic = `t${rand()}-orders`;
      const group = `g${rand()}`;
      const keys = ['order-a', 'order-b', 'order-c', 'order-d', 'order-e'];
      const perKey = 10;
      const ids = await publish(topic, keys, perKey);
      const t = transport(topic);
      await t.start();
      await consume(t, {
        group,
        topics: [topic],
        handler: recorder(group, 'm1'),
        definitions: [testEvent(topic)],
      });

      await eventually(async () => (await countEffects(group)) >= ids.length, 'all effects');
      const rows = await effects(group);
      expect(rows).toHaveLength(ids.length);
      expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(ids));
      for (const [key, seqs] of seqsByKey(rows)) {
        expect(seqs, key).toEqual([...Array(perKey).keys()]);
      }
      const { rows: left } = await db.query<{ c: number }>(
        'SELECT count(*)::int AS c FROM kernel.outbox WHERE topic = $1 AND relayed_at IS NULL',
        [topic],
      );
      expect(left[0]?.c).toBe(0);

      // Events published while everything runs arrive too (NOTIFY wakes the relay).
      const more = await publish(topic, keys, 2, { from: perKey });
      await eventually(
        async () => (await countEffects(group)) >= ids.length + more.length,
        'later effects',
      );
      for (const [key, seqs] of seqsByKey(await effects(group))) {
        expect(seqs, key).toEqual([...Array(perKey + 2).keys()]);
      }
    });

    it('two relays (two processes) on one outbox: each event once, in order per key', async () => {
      const topic = `t${rand()}-orders`;
      const group = `g${rand()}`;
      const keys = ['p', 'q', 'r', 's'];
      const relays = [transport(topic), transport(topic)];
      await Promise.all(relays.map((r) => r.start()));
      await consume(relays[0]!, { group, topics: [topic], handler: recorder(group, 'm1') });
      const ids: string[] = [];
      // Many small transactions while both relays compete for the lock.
      for (let seq = 0; seq < 20; seq++)
        ids.push(...(await publish(topic, keys, 1, { from: seq })));

      await eventually(async () => (await countEffects(group)) >= ids.length, 'all effects');
      const rows = await effects(group);
      expect(rows).toHaveLength(ids.length);
      for (const [key, seqs] of seqsByKey(rows)) expect(seqs, key).toEqual([...Array(20).keys()]);
    });

    it('creates a topic missing from the configured list on first relay, instead of stalling', async () => {
      const topic = `t${rand()}-unlisted`;
      const group = `g${rand()}`;
      const t = transport(topic, []);
      await t.start();
      const ids = await publish(topic, ['u', 'v'], 3);
      await eventually(async () => {
        const { rows } = await db.query<{ c: number }>(
          'SELECT count(*)::int AS c FROM kernel.outbox WHERE topic = $1 AND relayed_at IS NULL',
          [topic],
        );
        return rows[0]?.c === 0;
      }, 'the relay');
      await consume(t, { group, topics: [topic], handler: recorder(group, 'm1') });
      await eventually(async () => (await countEffects(group)) >= ids.length, 'all effects');
      expect(await effects(group)).toHaveLength(ids.length);
    });

    it('dead-letters an event whose handler always throws, after attemptsMax, and moves on', async () => {
      const topic = `t${rand()}-orders`;
      const group = `g${rand()}`;
      const keys = ['k1', 'k2', 'k3'];
      const perKey = 5;
      const ids = await publish(topic, keys, perKey, { poison: { key: 'k2', seq: 1 } });
      const t = transport(topic);
      await t.start();
      await consume(t, { group, topics: [topic], handler: recorder(group, 'm1') });

      await eventually(
        async () => (await countEffects(group)) >= ids.length - 1,
        'the other effects',
      );
      await eventually(async () => {
        const { rows } = await db.query('SELECT 1 FROM kernel.dead_letters WHERE group_name = $1', [
          group,
        ]);
        return rows.length > 0;
      }, 'the dead letter');
      const { rows: dead } = await db.query<{
        attempts: number;
        error: string;
        topic: string;
        seq: number;
      }>(
        "SELECT attempts, error, topic, (event->'data'->>'seq')::int AS seq FROM kernel.dead_letters WHERE group_name = $1",
        [group],
      );
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ attempts: fastPolicy.attemptsMax, topic, seq: 1 });
      expect(dead[0]?.error).toMatch(/poison event/);
      const rows = await effects(group);
      expect(rows).toHaveLength(ids.length - 1);
      expect(seqsByKey(rows).get('k2')).toEqual([0, 2, 3, 4]);
      expect(seqsByKey(rows).get('k1')).toEqual([0, 1, 2, 3, 4]);
    });

    it('dead-letters a message that is not a CloudEvent without blocking its partition', async () => {
      const topic = `t${rand()}-orders`;
      const group = `g${rand()}`;
      const t = transport(topic);
      await t.start();
      // Foreign bytes on the topic, on every partition (each to an explicit partition), then
      // real events behind them. The third kind parses, but holds a \u0000 that PostgreSQL
      // cannot store, and its handler fails: even the dead-letter insert of the event fails.
      const awkward = {
        specversion: '1.0',
        id: '0190f0e0-0000-7000-8000-000000000001',
        source: '/elsewhere',
        type: 'test_happened',
        time: new Date().toISOString(),
        subject: 'x',
        datacontenttype: 'application/json',
        data: { seq: 99, poison: true, note: 'nul \u0000 here' },
      };
      const bad = ['not json {', JSON.stringify({ id: 'not-a-uuid' }), JSON.stringify(awkward)];
      const producer = new Producer({
        clientId: 'kafka-transport-test-raw',
        bootstrapBrokers: brokers,
      });
      try {
        await producer.send({
          messages: bad.map((value, i) => ({
            topic,
            partition: i % partitions,
            value: Buffer.from(value),
          })),
        });
      } finally {
        await producer.close();
      }
      const ids = await publish(topic, ['x', 'y', 'z', 'w'], 3);
      await consume(t, { group, topics: [topic], handler: recorder(group, 'm1') });

      await eventually(async () => (await countEffects(group)) >= ids.length, 'the real events');
      await eventually(async () => {
        const { rows } = await db.query('SELECT 1 FROM kernel.dead_letters WHERE group_name = $1', [
          group,
        ]);
        return rows.length >= bad.length;
      }, 'the unreadable dead letters');
      const { rows: dead } = await db.query<{ error: string; type: string; attempts: number }>(
        "SELECT error, event->>'type' AS type, attempts FROM kernel.dead_letters WHERE group_name = $1",
        [group],
      );
      expect(dead).toHaveLength(bad.length);
      for (const d of dead) expect(d).toMatchObject({ type: 'kafka.unreadable', attempts: 1 });
      expect(dead.map((d) => d.error).sort()).toEqual([
        expect.stringMatching(/^unreadable message: event cannot be stored: .*Unicode/),
        expect.stringMatching(/^unreadable message: event id is not a UUID/),
        expect.stringMatching(/^unreadable message: value is not JSON/),
      ]);
      expect(await effects(group)).toHaveLength(ids.length);
    });

    it('a member joining and another leaving mid-stream: every effect exactly once', async () => {
      const topic = `t${rand()}-orders`;
      const group = `g${rand()}`;
      const keys = [...Array(12).keys()].map((i) => `key-${i}`);
      const perKey = 8;
      const t = transport(topic);
      await t.start();
      const first = await publish(topic, keys, perKey);
      const a = await consume(t, { group, topics: [topic], handler: recorder(group, 'a', 15) });
      await eventually(async () => (await countEffects(group)) >= 10, 'member a to start');

      // b joins: the group rebalances while a has events in hand.
      const b = await consume(t, { group, topics: [topic], handler: recorder(group, 'b', 15) });
      await eventually(async () => (await countEffects(group)) >= first.length / 2, 'progress');
      const second = await publish(topic, keys, perKey, { from: perKey });
      // a leaves cleanly: b takes over its partitions.
      await a.stop();

      const all = [...first, ...second];
      await eventually(async () => (await countEffects(group)) >= all.length, 'all effects');
      await new Promise((r) => setTimeout(r, 1_000)); // late duplicates would show up here
      const rows = await effects(group);
      expect(rows).toHaveLength(all.length);
      expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(all));
      for (const [key, seqs] of seqsByKey(rows)) {
        expect(seqs, key).toEqual([...Array(perKey * 2).keys()]);
      }
      expect(rows.some((r) => r.member === 'b')).toBe(true);
      await b.stop();
    });
  },
);
