import type { PoolFigures } from './pool-metrics.ts';

/**
 * The one database interface every service uses, over a real PostgreSQL (pg) or the embedded
 * one (PGlite). Plain parameterized SQL; the same statements run on both.
 */
export interface QueryResult<R> {
  rows: R[];
  /** Rows inserted, updated or deleted (0 for SELECT on PGlite; do not rely on it for reads). */
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` once what this Queryable wrote so far is committed: at the end of a transaction
   * (never if it rolls back), at once outside one (each statement commits by itself). For work
   * that must not sit inside the transaction, e.g. waking event consumers: a NOTIFY inside a
   * transaction serializes every notifying commit in the database, fsync included. `fn` must
   * not throw. Optional so that test doubles need not provide it.
   */
  afterCommit?(fn: () => void): void;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** The pool's counters for /metrics (PostgreSQL; the embedded database has no pool). */
  poolFigures?(): PoolFigures;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Cheap liveness probe for /health/ready. */
  ping(): Promise<void>;
  /**
   * LISTEN on a channel; `onNotify` gets each NOTIFY payload. Returns a function that stops
   * listening. Used to wake event consumers; always paired with a bounded poll. If the
   * connection is lost (the server restarted) it is opened again, and `onReconnect` is called
   * then, since notices sent meanwhile were missed.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** PostgreSQL error codes we branch on. */
export const pgErrorCode = {
  uniqueViolation: '23505',
  checkViolation: '23514',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function isPgError(
  err: unknown,
  code: string,
): err is Error & { code: string; constraint?: string } {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** int8 columns come back as JS numbers, refusing values that would lose precision. */
export function parseInt8(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n))
    throw new Error(`int8 value ${raw} is outside the safe integer range`);
  return n;
}

/** Runs after-commit hooks; one that throws must not turn a committed transaction into an error. */
export function runAfterCommit(hooks: ReadonlyArray<() => void>): void {
  for (const hook of hooks) {
    try {
      hook();
    } catch {
      // Hooks are hints (wake-ups); whoever waits on them also polls within a bound.
    }
  }
}
