import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, it } from 'vitest';
import { createEventBus } from './event-bus.ts';
import {
  effects,
  eventually,
  openDb,
  publishMany,
  recordEffect,
  uniqueTopic,
} from './testing/bus-harness.ts';

describe('event bus metrics (pg transport, embedded PGlite)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('exports consumer lag per group and partition, down to zero once caught up', async () => {
    const db = await openDb({ transport: 'pg' });
    cleanups.push(() => db.close());
    const registry = new Registry();
    const config = {
      eventTransport: 'pg' as const,
      kafkaBrokers: undefined,
      eventPartitions: 1,
      kafkaReplicationFactor: 1,
      eventAttemptsMax: 3,
    };
    const bus = await createEventBus({
      db,
      config,
      source: '/redemption/test',
      log: pino({ level: 'silent' }),
      registry,
    });
    cleanups.push(() => bus.stop());
    const topic = uniqueTopic();
    await publishMany(db, bus, topic, ['k0'], 250);
    bus.subscribe({ group: 'lagging', topics: [topic], handler: recordEffect('lagging') });
    await bus.start();
    await eventually(
      async () => (await effects(db, 'lagging')).length === 250,
      60_000,
      'all effects',
    );
    await eventually(
      async () =>
        /events_consumer_lag\{group="lagging",topic="t[0-9a-f]+",partition="0"\} 0/.test(
          await registry.metrics(),
        ),
      10_000,
      'lag 0',
    );
  });
});
