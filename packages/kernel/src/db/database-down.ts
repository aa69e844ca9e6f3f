import { ProblemError } from '../errors/problem.ts';

/** What a client is told to wait before retrying while the database cannot be reached. */
export const databaseDownRetryAfterS = 2;

/**
 * The database cannot be reached (refused, reset, shutting down, restarting): answered 503 with
 * Retry-After at once, as a "try again" like DatabaseBusyError, not as a 500 (nothing in the
 * request was wrong, and nothing is known to be broken in the code). `/health/ready` says
 * not-ready meanwhile; the pool opens new connections by itself once the server is back
 * (decision 023).
 */
export class DatabaseDownError extends ProblemError {
  constructor(cause: unknown) {
    super(
      503,
      'database-unavailable',
      'Service unavailable',
      'The database cannot be reached; retry shortly',
      { retry_after_s: databaseDownRetryAfterS },
      { 'retry-after': String(databaseDownRetryAfterS) },
    );
    this.name = 'DatabaseDownError';
    this.cause = cause;
  }
}

/** Socket errors of a connection that could not be made or was lost. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * SQLSTATEs of a server going away: class 08 (connection exception), and admin_shutdown,
 * crash_shutdown, cannot_connect_now (starting up or shutting down).
 */
const serverGoneCodes = new Set(['57P01', '57P02', '57P03']);
/** node-postgres' own words when the socket closes under a client. */
const lostMessages = [
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

export function isConnectionLoss(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (socketCodes.has(code) || serverGoneCodes.has(code) || code.startsWith('08')) return true;
  }
  const nested = (err as { errors?: unknown[] }).errors; // AggregateError: several addresses
  if (Array.isArray(nested) && nested.some(isConnectionLoss)) return true;
  return lostMessages.includes(err.message);
}
