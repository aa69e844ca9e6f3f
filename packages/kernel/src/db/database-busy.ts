import { ProblemError } from '../errors/problem.ts';

/** What a client is told to wait before retrying when no database connection was free. */
export const databaseBusyRetryAfterS = 1;

/**
 * No pooled connection became free in time, or too many requests were already waiting for one.
 * With every connection of the pool open and working, that is overload: 429 with Retry-After
 * (decision 024: a spike is demand beyond capacity, not a fault, and must not count as 5xx).
 * With connections missing (they could not be opened: the database is unreachable or slow to
 * accept), it is a fault on our side: 503. Either way logged as a warning when 503, never as an
 * error: a 500 would page someone for a load spike.
 */
export class DatabaseBusyError extends ProblemError {
  constructor(why: 'queue-full' | 'timeout', cause?: unknown, overloaded = true) {
    super(
      overloaded ? 429 : 503,
      'database-busy',
      overloaded ? 'Too many requests' : 'Service busy',
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
