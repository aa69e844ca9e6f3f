import { hostname } from 'node:os';
import type { Db } from '../db/db.ts';
import type { Logger } from 'pino';
import { newId } from '../ids.ts';
import type { RetryPolicy } from './consumer-runtime.ts';
import type { ConsumerMetrics, EventTransport } from './event-transport.ts';
import type { OutboxSignal } from './outbox-signal.ts';
import { startPgLogConsumer } from './pg-log-consumer.ts';

export interface PgTransportOptions {
  db: Db;
  partitions: (topic: string) => number;
  policy: RetryPolicy;
  log: Pick<Logger, 'warn' | 'error' | 'info'>;
  metrics?: ConsumerMetrics;
  /** Commits of this process's publishers (other processes' arrive as NOTIFY). */
  signal?: OutboxSignal;
  batchMax: number;
  pollMaxMs: number;
  leaseMs: number;
}

/** The outbox table is the log; no broker. Works on PGlite and on a real PostgreSQL. */
export function createPgTransport(o: PgTransportOptions): EventTransport {
  return {
    name: 'pg',
    start: async () => undefined,
    consume: (sub) =>
      startPgLogConsumer({
        ...o,
        sub,
        memberId: `${hostname()}:${process.pid}:${newId().slice(-8)}`,
        ...(o.metrics
          ? { onLag: (topic, partition, lag) => o.metrics!.lag(sub.group, topic, partition, lag) }
          : {}),
      }),
    ping: () => o.db.ping(),
    stop: async () => undefined,
  };
}
