import type { EventDefinition } from '@redemption/contracts';
import type { Queryable } from '../db/db.ts';
import { createEvent, type CloudEvent, type NewEvent } from './envelope.ts';

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
}): Publisher {
  return {
    async publish(q, def, input) {
      const event = createEvent(def, opts.source, input);
      await insertOutbox(q, def.topic, event, opts.partitions(def.topic));
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
      for (const topic of new Set(rows.map((r) => r.topic)))
        await q.query('SELECT pg_notify($1, $2)', [outboxChannel, topic]);
    },
  };
}

export async function insertOutbox(
  q: Queryable,
  topic: string,
  event: CloudEvent,
  partitions: number,
): Promise<void> {
  await q.query(
    'INSERT INTO kernel.outbox (id, topic, partition, key, event) VALUES ($1, $2, $3, $4, $5)',
    [event.id, topic, partitionOf(event.subject, partitions), event.subject, JSON.stringify(event)],
  );
  // Delivered only when the transaction commits; wakes pg-transport consumers at once.
  await q.query('SELECT pg_notify($1, $2)', [outboxChannel, topic]);
}
