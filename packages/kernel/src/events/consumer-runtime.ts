import type { EventDefinition } from '@redemption/contracts';
import type { Db, Queryable } from '../db/db.ts';
import { newId } from '../ids.ts';
import { envelopeProblems, type CloudEvent } from './envelope.ts';
import { limitOf } from './concurrency-limit.ts';
import { withEventContext } from '../tracing/tracing.ts';

export type EventHandler = (event: CloudEvent, q: Queryable) => Promise<void>;

export interface Subscription {
  /** Consumer group: each group gets every event once; members of a group share partitions. */
  group: string;
  topics: readonly string[];
  handler: EventHandler;
  /** Known event types; their `data` is validated before the handler runs. Others are passed through. */
  definitions?: readonly EventDefinition[];
  /**
   * This group's delivery transactions in progress at once in a process, across partitions
   * (default: one per partition). 1 for a group whose every transaction locks the same row.
   */
  concurrencyMax?: number;
}

/** `fn` (a delivery transaction) under the subscription's concurrency limit, if it has one. */
const limited = <T>(sub: Subscription, fn: () => Promise<T>): Promise<T> =>
  limitOf(sub)?.run(fn) ?? fn();

export interface RetryPolicy {
  attemptsMax: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const retryPolicyDefault: RetryPolicy = {
  attemptsMax: 5,
  backoffBaseMs: 100,
  backoffMaxMs: 5_000,
};
const errorTextMax = 2_000;

export type DeliveryOutcome = 'processed' | 'duplicate' | 'dead-lettered';

/** Thrown by a transport's in-transaction step when this member no longer owns the partition. */
export class FencedError extends Error {}

class InvalidEventError extends Error {}

/** Full-jitter exponential backoff, capped. */
export function backoffMs(attempt: number, p: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(p.backoffMaxMs, p.backoffBaseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

export interface DeliverOptions {
  db: Db;
  sub: Subscription;
  event: CloudEvent;
  topic: string;
  policy: RetryPolicy;
  /** Runs in the same transaction as the effect (pg transport: the offset commit + fence). */
  inTx?: (q: Queryable) => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  isStopping?: () => boolean;
}

/**
 * Delivers one event to a handler, exactly once in effect: the inbox row and the handler's
 * writes commit together, so a redelivered event is a no-op. Retries with backoff; after
 * `attemptsMax` failures (or at once for an invalid event) the event goes to the dead-letter
 * table with the error and attempt count, and the partition moves on.
 */
export async function deliver(o: DeliverOptions): Promise<DeliveryOutcome> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await limited(o.sub, () =>
        o.db.tx(async (q) => {
          const fresh = await q.query(
            'INSERT INTO kernel.inbox (group_name, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id',
            [o.sub.group, o.event.id],
          );
          if (fresh.rows.length === 1) {
            validate(o.sub, o.event);
            await handle(o.sub, o.event, q);
          }
          await o.inTx?.(q);
          return fresh.rows.length === 1 ? 'processed' : 'duplicate';
        }),
      );
    } catch (err) {
      if (err instanceof FencedError) throw err;
      if (err instanceof InvalidEventError || attempt >= o.policy.attemptsMax) {
        await deadLetter(o, err as Error, attempt);
        return 'dead-lettered';
      }
      // Shutting down: leave the event for the next owner (its offset was not advanced).
      if (o.isStopping?.()) throw err;
      await sleep(backoffMs(attempt, o.policy));
    }
  }
}

export interface DeliverBatchOptions {
  db: Db;
  sub: Subscription;
  /** In the order they must be handled (one partition's). */
  events: readonly CloudEvent[];
  /** Runs last in the batch's transaction (pg transport: the offset commit + fence). */
  inTx?: (q: Queryable) => Promise<void>;
}

/**
 * Delivers several events in ONE transaction: their inbox rows with one statement, the handler
 * for each event not seen before (in order, each seeing the previous ones' effects), then
 * `inTx`. Effects, inbox rows and offset commit together, so a crash redelivers the whole batch
 * and the inbox skips what had committed. Returns undefined when anything failed (the batch
 * was rolled back): the caller then delivers the events one by one with `deliver`, which
 * retries each and dead-letters a poison event alone.
 */
export async function deliverBatch(o: DeliverBatchOptions): Promise<DeliveryOutcome[] | undefined> {
  try {
    return await limited(o.sub, () =>
      o.db.tx(async (q) => {
        const { rows } = await q.query<{ event_id: string }>(
          `INSERT INTO kernel.inbox (group_name, event_id) SELECT $1, unnest($2::uuid[])
         ON CONFLICT DO NOTHING RETURNING event_id`,
          [o.sub.group, o.events.map((e) => e.id)],
        );
        const fresh = new Set(rows.map((r) => r.event_id));
        const outcomes: DeliveryOutcome[] = [];
        for (const event of o.events) {
          // delete: an id twice in one batch (a duplicate on the wire) is handled once.
          if (!fresh.delete(event.id)) {
            outcomes.push('duplicate');
            continue;
          }
          validate(o.sub, event);
          await handle(o.sub, event, q);
          outcomes.push('processed');
        }
        await o.inTx?.(q);
        return outcomes;
      }),
    );
  } catch (err) {
    if (err instanceof FencedError) throw err;
    return undefined;
  }
}

/** The handler, in a consumer span continuing the event's trace (tracing on). */
const handle = (sub: Subscription, event: CloudEvent, q: Queryable): Promise<void> =>
  withEventContext(event, sub.group, () => sub.handler(event, q));

function validate(sub: Subscription, event: CloudEvent): void {
  const problems = envelopeProblems(event);
  const def = sub.definitions?.find((d) => d.type === event.type);
  if (def) problems.push(...def.problems(event.data));
  if (problems.length > 0) throw new InvalidEventError(`invalid event: ${problems.join('; ')}`);
}

async function deadLetter(o: DeliverOptions, err: Error, attempts: number): Promise<void> {
  await o.db.tx(async (q) => {
    await q.query(
      `INSERT INTO kernel.dead_letters (id, group_name, topic, event_id, event, error, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (group_name, event_id) DO UPDATE SET error = EXCLUDED.error, attempts = EXCLUDED.attempts,
         created_at = now(), replayed_at = NULL`,
      [
        newId(),
        o.sub.group,
        o.topic,
        o.event.id,
        JSON.stringify(o.event),
        String(err.message ?? err).slice(0, errorTextMax),
        attempts,
      ],
    );
    await o.inTx?.(q);
  });
}
