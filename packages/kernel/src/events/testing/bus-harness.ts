import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { defineEvent } from '@redemption/contracts';
import { Type } from 'typebox';
import { createDb } from '../../db/create-db.ts';
import type { Db, Queryable } from '../../db/db.ts';
import { migrate } from '../../db/migrations.ts';
import { idempotencyMigrations } from '../../idempotency/idempotency.ts';
import { createEventBus, type EventBus } from '../event-bus.ts';
import type { CloudEvent } from '../envelope.ts';
import { eventsMigrations } from '../events.migrations.ts';

/** A test event: `seq` numbers events per key so tests can check order. */
export const testEvent = (topic: string) =>
  defineEvent(
    'test_happened',
    topic,
    Type.Object({ seq: Type.Integer({ minimum: 0 }), poison: Type.Optional(Type.Boolean()) }),
  );

export interface BusEnv {
  transport: 'pg' | 'kafka';
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  kafkaBrokers?: string[] | undefined;
}

export const uniqueTopic = (): string => `t${randomBytes(4).toString('hex')}`;

export async function openDb(env: BusEnv): Promise<Db> {
  const db = await createDb({
    databaseUrl: env.databaseUrl,
    dataDir: env.dataDir ?? 'memory://',
    poolMax: 8,
  });
  await migrate(db, [idempotencyMigrations, eventsMigrations]);
  await db.exec(
    'CREATE TABLE IF NOT EXISTS public.test_effects (event_id uuid NOT NULL, grp text NOT NULL, key text NOT NULL, seq int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())',
  );
  return db;
}

export async function newBus(
  db: Db,
  env: BusEnv,
  topic: string,
  attemptsMax = 3,
): Promise<EventBus> {
  return createEventBus({
    db,
    config: {
      eventTransport: env.transport,
      kafkaBrokers: env.kafkaBrokers,
      eventPartitions: 3,
      kafkaReplicationFactor: 1,
      eventAttemptsMax: attemptsMax,
    },
    source: '/redemption/test',
    log: pino({ level: 'silent' }),
    topics: [topic],
  });
}

/** The handler every test uses: records the effect (no unique constraint: duplicates would show). */
export const recordEffect =
  (group: string, opts: { delayMs?: number; onEffect?: () => void } = {}) =>
  async (e: CloudEvent, q: Queryable): Promise<void> => {
    const data = e.data as { seq: number; poison?: boolean };
    if (data.poison) throw new Error(`poison event ${e.id}`);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    await q.query(
      'INSERT INTO public.test_effects (event_id, grp, key, seq) VALUES ($1, $2, $3, $4)',
      [e.id, group, e.subject, data.seq],
    );
    opts.onEffect?.();
  };

/** Publishes `perKey` events for each key, numbered 0.., in one transaction per key. */
export async function publishMany(
  db: Db,
  bus: EventBus,
  topic: string,
  keys: readonly string[],
  perKey: number,
  poisonAt?: { key: string; seq: number },
) {
  const def = testEvent(topic);
  for (const key of keys) {
    await db.tx(async (q) => {
      for (let seq = 0; seq < perKey; seq++) {
        const poison = poisonAt?.key === key && poisonAt.seq === seq;
        await bus.publisher.publish(q, def, {
          subject: key,
          data: { seq, ...(poison ? { poison: true } : {}) },
        });
      }
    });
  }
}

export async function effects(
  db: Db,
  group: string,
): Promise<Array<{ event_id: string; key: string; seq: number }>> {
  const { rows } = await db.query<{ event_id: string; key: string; seq: number }>(
    'SELECT event_id, key, seq FROM public.test_effects WHERE grp = $1 ORDER BY at, seq',
    [group],
  );
  return rows;
}

/** Polls `check` until it returns true; fails after `timeoutMs` (a bound, not a timing assertion). */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
