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
