import type { Db } from '../db/db.ts';
import type { CloudEvent } from './envelope.ts';
import { insertOutbox } from './outbox.ts';

export interface DeadLetter {
  id: string;
  group_name: string;
  topic: string;
  event_id: string;
  event_type: string;
  error: string;
  attempts: number;
  created_at: Date;
  replayed_at: Date | null;
}

export const deadLettersPageMax = 500;

/** Newest first; by default only those not yet replayed. */
export async function listDeadLetters(
  db: Db,
  opts: { limit: number; includeReplayed?: boolean },
): Promise<DeadLetter[]> {
  const limit = Math.min(Math.max(1, opts.limit), deadLettersPageMax);
  const { rows } = await db.query<DeadLetter>(
    `SELECT id, group_name, topic, event_id, event->>'type' AS event_type, error, attempts, created_at, replayed_at
     FROM kernel.dead_letters WHERE $1 OR replayed_at IS NULL ORDER BY created_at DESC LIMIT $2`,
    [opts.includeReplayed ?? false, limit],
  );
  return rows;
}

/**
 * Re-drives a dead letter: appends the same event (same id) to the outbox again. Groups that
 * already processed it skip it through their inbox; the group that failed processes it.
 * Returns false when there is no such un-replayed dead letter.
 */
export async function replayDeadLetter(db: Db, id: string, partitions: number): Promise<boolean> {
  return db.tx(async (q) => {
    const { rows } = await q.query<{ topic: string; event: CloudEvent }>(
      'UPDATE kernel.dead_letters SET replayed_at = now() WHERE id = $1 AND replayed_at IS NULL RETURNING topic, event',
      [id],
    );
    const dl = rows[0];
    if (!dl) return false;
    await insertOutbox(q, dl.topic, dl.event, partitions);
    return true;
  });
}
