import type { EventDefinition } from '@redemption/contracts';
import type { Queryable } from '../db/db.ts';
import { createEvent, type CloudEvent, type NewEvent } from './envelope.ts';
import type { OutboxSignal } from './outbox-signal.ts';

export const outboxChannel = 'redemption_outbox';
export const partitionsDefault = 3;

/** FNV-1a: a stable hash so one key always lands in one partition (per-key order). */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

export interface Publisher {
  /**
   * Writes the event into the outbox inside the caller's transaction `q`: it is committed with
   * the state change or not at all. Delivery happens after commit (relay or pg log).
   */
  publish<T>(q: Queryable, def: EventDefinition, input: NewEvent<T>): Promise<CloudEvent<T>>;
  /** The same for many events with one INSERT and one notification per topic (batch writers). */
  publishMany(q: Queryable, items: ReadonlyArray<PublishItem>): Promise<void>;
}

export interface PublishItem {
  def: EventDefinition;
  input: NewEvent<unknown>;
}

export function createPublisher(opts: {
  source: string;
  partitions: (topic: string) => number;
  /** Wakes consumers after the commit; without it (or `q.afterCommit`), NOTIFY in the tx. */
  signal?: OutboxSignal;
}): Publisher {
  /** After the commit when the transaction can say when that is; else the old in-tx NOTIFY. */
  const announce = async (q: Queryable, topics: Iterable<string>): Promise<void> => {
    const signal = opts.signal;
    if (signal && q.afterCommit) {
      const committed = [...topics];
      q.afterCommit(() => signal.committed(committed));
      return;
    }
    for (const topic of topics) await q.query('SELECT pg_notify($1, $2)', [outboxChannel, topic]);
  };
  return {
    async publish(q, def, input) {
      const event = createEvent(def, opts.source, input);
      await insertOutboxRow(q, def.topic, event, opts.partitions(def.topic));
      await announce(q, [def.topic]);
      return event;
    },
    async publishMany(q, items) {
      if (items.length === 0) return;
      const rows = items.map(({ def, input }) => {
        const event = createEvent(def, opts.source, input);
        return {
          topic: def.topic,
          event,
          partition: partitionOf(event.subject, opts.partitions(def.topic)),
        };
      });
      await q.query(
        `INSERT INTO kernel.outbox (id, topic, partition, key, event)
         SELECT i, t, p, k, e
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::jsonb[])
           WITH ORDINALITY AS u(i, t, p, k, e, n)
         ORDER BY n`, // positions follow the batch's order, so per-key order holds
        [
          rows.map((r) => r.event.id),
          rows.map((r) => r.topic),
          rows.map((r) => r.partition),
          rows.map((r) => r.event.subject),
          rows.map((r) => JSON.stringify(r.event)),
        ],
      );
      await announce(q, new Set(rows.map((r) => r.topic)));
    },
  };
}

const insertOutboxRow = (q: Queryable, topic: string, event: CloudEvent, partitions: number) =>
  q.query(
    'INSERT INTO kernel.outbox (id, topic, partition, key, event) VALUES ($1, $2, $3, $4, $5)',
    [event.id, topic, partitionOf(event.subject, partitions), event.subject, JSON.stringify(event)],
  );

/** One event into the outbox with an in-transaction NOTIFY (dead-letter replays: rare). */
export async function insertOutbox(
  q: Queryable,
  topic: string,
  event: CloudEvent,
  partitions: number,
): Promise<void> {
  await insertOutboxRow(q, topic, event, partitions);
  await q.query('SELECT pg_notify($1, $2)', [outboxChannel, topic]);
}
