import { afterEach, describe, expect, it } from 'vitest';
import { createEvent } from './envelope.ts';
import { partitionOf } from './outbox.ts';
import { effects, eventually, testEvent } from './testing/bus-harness.ts';
import {
  logReads,
  offsetReads,
  source,
  startCountedConsumer,
} from './testing/log-consumer-harness.ts';

describe('pg log consumer: statements per wake-up (embedded PGlite)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('reads offsets once, the log with one statement per wake-up, and sweeps for an unannounced event', async () => {
    const pollMaxMs = 250;
    const c = await startCountedConsumer(
      { transport: 'pg' },
      { group: 'g', pollMaxMs, leaseMs: 60_000 },
    );
    cleanups.push(c.stop);
    const { db, seen, topics } = c;
    const started = Date.now();
    for (let seq = 0; seq < 20; seq++) await c.publish(`k${seq}`, seq);
    await eventually(async () => (await effects(db, 'g')).length === 20, 60_000, '20 effects');
    // 2 topics x 3 partitions: before, every wake-up read each partition's offset and log
    expect(offsetReads(seen)).toBe(1);
    const sweeps = Math.ceil((Date.now() - started) / pollMaxMs);
    expect(logReads(seen)).toBeLessThanOrEqual(20 + sweeps + 2);

    const idleFrom = seen.length;
    const idleStarted = Date.now();
    await new Promise((r) => setTimeout(r, 1_000));
    const idle = seen.slice(idleFrom);
    expect(offsetReads(idle)).toBe(0);
    expect(logReads(idle)).toBeLessThanOrEqual(Math.ceil((Date.now() - idleStarted) / pollMaxMs));
    expect(idle.length).toBe(logReads(idle)); // nothing but the sweeps

    // Written without NOTIFY or signal: only the periodic sweep can find it.
    const event = createEvent(testEvent(topics[1]!), source, {
      subject: 'quiet',
      data: { seq: 0 },
    });
    await db.query(
      'INSERT INTO kernel.outbox (id, topic, partition, key, event) VALUES ($1, $2, $3, $4, $5)',
      [event.id, topics[1], partitionOf('quiet', 3), 'quiet', JSON.stringify(event)],
    );
    await eventually(
      async () => (await effects(db, 'g')).some((e) => e.event_id === event.id),
      10_000,
      'the unannounced event',
    );
    expect(offsetReads(seen)).toBe(1);
  });
});
