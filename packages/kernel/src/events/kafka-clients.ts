import type { Logger } from 'pino';
import { backoffMs } from './consumer-runtime.ts';
import { kafkaSecurityOptions, processKafkaSecurityOptions } from './kafka-security.ts';

/** What the Kafka transport logs through (a pino logger satisfies it). */
export type KafkaLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** TCP connect bound for every Kafka client (ms). */
export const connectTimeoutMs = 5_000;
/** Bound on one request/response round trip (ms); above the consumer's fetch wait. */
export const requestTimeoutMs = 10_000;
/** Retries the client itself makes per operation before reporting an error to us. */
export const clientRetries = 3;
/** Pause between the client's own retries (ms). */
export const clientRetryDelayMs = 500;
/** Closing a client (which may first leave a group or flush) takes at most this long (ms). */
export const closeTimeoutMs = 10_000;

/**
 * Options every @platformatic/kafka client (Producer, Consumer, Admin) gets, with the process's
 * TLS and SASL settings (KAFKA_TLS, KAFKA_SASL_MECHANISM; kafka-security.ts) unless given.
 */
export function clientOptions(
  clientId: string,
  brokers: readonly string[],
  security: ReturnType<typeof kafkaSecurityOptions> = processKafkaSecurityOptions(),
) {
  return {
    clientId,
    bootstrapBrokers: [...brokers],
    connectTimeout: connectTimeoutMs,
    requestTimeout: requestTimeoutMs,
    retries: clientRetries,
    retryDelay: clientRetryDelayMs,
    ...security,
  };
}

/** Rejects when `p` has not settled after `ms`; `p` itself keeps running. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Full-jitter exponential backoff between `baseMs` and `maxMs` for the n-th consecutive failure. */
export function failureBackoffMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.max(
    1,
    backoffMs(Math.max(1, failures), {
      attemptsMax: 0,
      backoffBaseMs: baseMs,
      backoffMaxMs: maxMs,
    }),
  );
}

export interface Sleeper {
  /** Sleeps `ms`, or less when woken; returns at once after `close()` or after a missed `wake()`. */
  sleep(ms: number): Promise<void>;
  /** Ends the current sleeps; if nobody sleeps, the next sleep returns at once (a wake-up is never lost). */
  wake(): void;
  /** Ends every sleep, now and later (shutdown). */
  close(): void;
}

export function createSleeper(): Sleeper {
  const sleepers = new Set<() => void>();
  let pending = false;
  let closed = false;
  return {
    sleep(ms) {
      if (closed) return Promise.resolve();
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          sleepers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        sleepers.add(done);
      });
    },
    wake() {
      if (sleepers.size === 0) pending = true;
      for (const done of [...sleepers]) done();
    },
    close() {
      closed = true;
      for (const done of [...sleepers]) done();
    },
  };
}
