import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../db/db.ts';
import type { EventBus } from '../event-bus.ts';
import { listDeadLetters, replayDeadLetter } from '../dead-letters.ts';
import type { CloudEvent } from '../envelope.ts';
import {
  effects,
  eventually,
  newBus,
  openDb,
  publishMany,
  recordEffect,
  testEvent,
  uniqueTopic,
  type BusEnv,
} from './bus-harness.ts';
import { kill9, startChild, stopGracefully } from './child-process.ts';

export interface ContractEnv {
  /** In-process bus environment (a fresh database per call). */
  make(): Promise<{ env: BusEnv; drop(): Promise<void> }>;
}

const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];

/** The event backbone's promises, run against each transport and database. */
export function eventContractSuite(label: string, ctx: ContractEnv): void {
  describe(`event backbone contract (${label})`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    async function setup(
      attemptsMax = 3,
    ): Promise<{ db: Db; env: BusEnv; topic: string; bus: () => Promise<EventBus> }> {
      const made = await ctx.make();
      const db = await openDb(made.env);
      cleanups.push(made.drop, () => db.close());
      const topic = uniqueTopic();
      const bus = async () => {
        const b = await newBus(db, made.env, topic, attemptsMax);
        cleanups.push(() => b.stop());
        return b;
      };
      return { db, env: made.env, topic, bus };
    }

    it('delivers a published event once, as a valid CloudEvent', async () => {
      const { db, topic, bus } = await setup();
      const b = await bus();
      const seen: CloudEvent[] = [];
      b.subscribe({
        group: 'g',
        topics: [topic],
        handler: async (e, q) => {
          seen.push(e);
          await recordEffect('g')(e, q);
        },
      });
      await b.start();
      await db.tx((q) =>
        b.publisher.publish(q, testEvent(topic), { subject: 'k0', data: { seq: 0 } }),
      );
      await eventually(async () => (await effects(db, 'g')).length === 1, 60_000, 'the effect');
      expect(seen[0]).toMatchObject({
        specversion: '1.0',
        type: 'test_happened',
        subject: 'k0',
        source: '/redemption/test',
        data: { seq: 0 },
      });
    });

    it('does not deliver what a rolled-back transaction published', async () => {
      const { db, topic, bus } = await setup();
      const b = await bus();
      b.subscribe({ group: 'g', topics: [topic], handler: recordEffect('g') });
      await b.start();
      await expect(
        db.tx(async (q) => {
          await b.publisher.publish(q, testEvent(topic), { subject: 'k0', data: { seq: 0 } });
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      await db.tx((q) =>
        b.publisher.publish(q, testEvent(topic), { subject: 'k0', data: { seq: 1 } }),
      );
      await eventually(
        async () => (await effects(db, 'g')).length === 1,
        60_000,
        'the committed event',
      );
      expect((await effects(db, 'g')).map((e) => e.seq)).toEqual([1]);
    });

    it('keeps per-key order', async () => {
      const { db, topic, bus } = await setup();
      const b = await bus();
      b.subscribe({ group: 'g', topics: [topic], handler: recordEffect('g') });
      await b.start();
      await publishMany(db, b, topic, keys, 20);
      await eventually(async () => (await effects(db, 'g')).length === 120, 60_000, '120 effects');
      const rows = await effects(db, 'g');
      for (const k of keys)
        expect(rows.filter((r) => r.key === k).map((r) => r.seq)).toEqual([...Array(20).keys()]);
    });

    it('sends a poison event to the DLQ after N attempts while the rest keep flowing, and replays it', async () => {
      const { db, topic, bus } = await setup(3);
      const b = await bus();
      let poisonFails = true;
      const handler = recordEffect('g');
      b.subscribe({
        group: 'g',
        topics: [topic],
        handler: async (e, q) => {
          if (poisonFails && (e.data as { poison?: boolean }).poison)
            throw new Error('cannot digest this');
          await handler({ ...e, data: { ...(e.data as object), poison: false } }, q);
        },
      });
      await b.start();
      await publishMany(db, b, topic, keys, 5, { key: 'k1', seq: 2 });
      await eventually(
        async () => (await effects(db, 'g')).length === 29,
        60_000,
        'the 29 good events',
      );
      const [dead] = await listDeadLetters(db, { limit: 10 });
      expect(dead).toMatchObject({
        group_name: 'g',
        topic,
        attempts: 3,
        event_type: 'test_happened',
      });
      expect(dead!.error).toContain('cannot digest this');
      expect((await effects(db, 'g')).filter((r) => r.key === 'k1').map((r) => r.seq)).toEqual([
        0, 1, 3, 4,
      ]);
      poisonFails = false;
      expect(await replayDeadLetter(db, dead!.id, 3)).toBe(true);
      expect(await replayDeadLetter(db, dead!.id, 3)).toBe(false);
      await eventually(
        async () => (await effects(db, 'g')).length === 30,
        60_000,
        'the replayed event',
      );
      expect(await listDeadLetters(db, { limit: 10 })).toEqual([]);
    });

    it('shares partitions between two members of a group and survives one leaving', async () => {
      const { db, topic, bus } = await setup();
      const [a, b] = [await bus(), await bus()];
      const handled = { a: 0, b: 0 };
      a.subscribe({
        group: 'g',
        topics: [topic],
        handler: recordEffect('g', { onEffect: () => handled.a++ }),
      });
      b.subscribe({
        group: 'g',
        topics: [topic],
        handler: recordEffect('g', { onEffect: () => handled.b++ }),
      });
      await a.start();
      await b.start();
      let published = 0;
      await eventually(
        async () => {
          await publishMany(db, a, topic, keys, 1);
          published += keys.length;
          return handled.a > 0 && handled.b > 0;
        },
        90_000,
        'both members to handle events',
      );
      await a.stop();
      await publishMany(db, b, topic, keys, 10);
      published += keys.length * 10;
      await eventually(
        async () => (await effects(db, 'g')).length === published,
        90_000,
        `${published} effects after a member left`,
      );
      const rows = await effects(db, 'g');
      expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length);
    });

    it('applies each event exactly once when the consumer process is killed with SIGKILL mid-batch', async () => {
      const made = await ctx.make();
      cleanups.push(made.drop);
      const topic = uniqueTopic();
      const vars = {
        TOPIC: topic,
        GROUP: 'g',
        ROLE: 'consumer',
        PUBLISH: '60',
        EXPECT: '60',
        DELAY_MS: '25',
      };
      const first = startChild(made.env, vars);
      await first.waitFor(/^effect$/, 10);
      await kill9(first);
      const second = startChild(made.env, vars);
      await second.waitFor(/^done$/);
      expect(await stopGracefully(second)).toBe(0);
      const db = await openDb(made.env);
      cleanups.push(() => db.close());
      const rows = await effects(db, 'g');
      expect(rows).toHaveLength(60);
      expect(new Set(rows.map((r) => r.event_id)).size).toBe(60);
    });

    it('loses nothing when the relay is killed with SIGKILL mid-drain', async () => {
      const made = await ctx.make();
      cleanups.push(made.drop);
      const topic = uniqueTopic();
      const relay = startChild(made.env, {
        TOPIC: topic,
        GROUP: 'g',
        ROLE: 'relay',
        PUBLISH: '600',
      });
      await relay.waitFor(/^started$/);
      await kill9(relay);
      const consumer = startChild(made.env, {
        TOPIC: topic,
        GROUP: 'g',
        ROLE: 'consumer',
        EXPECT: '600',
      });
      await consumer.waitFor(/^done$/);
      expect(await stopGracefully(consumer)).toBe(0);
      const db = await openDb(made.env);
      cleanups.push(() => db.close());
      const rows = await effects(db, 'g');
      expect(rows).toHaveLength(600);
      expect(new Set(rows.map((r) => r.event_id)).size).toBe(600);
    });
  });
  afterAll(() => undefined);
}
