import { ProblemError } from '../errors/problem.ts';

/** What a client is told to wait before retrying when no database connection was free. */
export const databaseBusyRetryAfterS = 1;

/**
 * No pooled connection became free in time, or too many requests were already waiting for one:
 * the service is overloaded, not broken. Answered 503 with Retry-After (a client error would
 * be wrong, a 500 would page someone for a load spike), and logged as a warning.
 */
export class DatabaseBusyError extends ProblemError {
  constructor(why: 'queue-full' | 'timeout', cause?: unknown) {
    super(
      503,
      'database-busy',
      'Service busy',
      'The service is at capacity; retry shortly',
      { retry_after_s: databaseBusyRetryAfterS },
      { 'retry-after': String(databaseBusyRetryAfterS) },
    );
    this.name = 'DatabaseBusyError';
    this.cause = cause ?? why;
  }
}

/** node-postgres' pool: no client freed within connectionTimeoutMillis, or none could connect. */
const poolTimeoutMessages = new Set([
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
]);

export const isPoolTimeout = (err: unknown): boolean =>
  err instanceof Error && poolTimeoutMessages.has(err.message);
