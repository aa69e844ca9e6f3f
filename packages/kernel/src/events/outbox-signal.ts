import type { Logger } from 'pino';
import type { Db } from '../db/db.ts';
import { outboxChannel } from './outbox.ts';

/**
 * Says "outbox rows of these topics were committed", after the commit (decision 021):
 * - to this process's consumers and relay at once (`onCommitted`), no database round trip;
 * - to other processes with a NOTIFY sent from its own short transaction, at most one in flight
 *   per process (the topics of every commit meanwhile ride on the next one), with
 *   `synchronous_commit` off because a wake-up hint needs no durability.
 * NOTIFY inside the writer's transaction is what this replaces: PostgreSQL serializes every
 * notifying commit, its WAL flush included, on one lock (`Lock:object` in pg_stat_activity),
 * so all writers that published events committed one at a time.
 * Lost hints cost latency only: every waiter also polls within a bound.
 */
export interface OutboxSignal {
  committed(topics: Iterable<string>): void;
  /** Calls `fn` for each commit in this process; returns a function that stops it. */
  onCommitted(fn: (topic: string) => void): () => void;
  /** Waits for the NOTIFY in flight (shutdown). */
  close(): Promise<void>;
}

export function createOutboxSignal(db: Db, log: Pick<Logger, 'debug'>): OutboxSignal {
  const local = new Set<(topic: string) => void>();
  const pending = new Set<string>();
  // PGlite is one process: nobody else can be listening.
  const remote = db.kind === 'postgres';
  let sending: Promise<void> | undefined;

  const kick = (): void => {
    if (sending || pending.size === 0) return;
    sending = send().finally(() => {
      sending = undefined;
      kick(); // topics added after the loop's last look
    });
  };
  const send = async (): Promise<void> => {
    while (pending.size > 0) {
      const topics = [...pending];
      pending.clear();
      await db
        .tx((q) =>
          q.query(
            `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, t)
             FROM unnest($2::text[]) AS t`,
            [outboxChannel, topics],
          ),
        )
        .catch((err: unknown) => log.debug({ err }, 'outbox NOTIFY failed; pollers cover it'));
    }
  };

  return {
    committed(topics) {
      for (const topic of topics) {
        for (const fn of local) fn(topic);
        if (remote) pending.add(topic);
      }
      kick();
    },
    onCommitted(fn) {
      local.add(fn);
      return () => void local.delete(fn);
    },
    async close() {
      await sending;
    },
  };
}
