import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db.ts';
import { parseInt8, runAfterCommit } from './db.ts';
import { DatabaseBusyError, isPoolTimeout } from './database-busy.ts';
import { DatabaseDownError, isConnectionLoss } from './database-down.ts';
import { annotateDbError } from './db-errors.ts';
import { withDbSpan } from '../tracing/tracing.ts';

const int8Oid = 20;
const connectTimeoutMs = 5_000;
/**
 * Requests that may wait for a pooled connection, per connection. Beyond it a request is
 * refused at once (429, DatabaseBusyError) instead of queueing behind hundreds of others only
 * to time out after connectTimeoutMs: under a spike the answer comes fast and the queue stays
 * short enough that those in it are served in time.
 */
export const poolWaitingPerConnectionMax = 20;
const statementTimeoutMs = 30_000;
const idleTimeoutMs = 30_000;
/** A lost LISTEN connection is opened again after this, doubling per failure up to the max. */
const listenRetryBaseMs = 250;
const listenRetryMaxMs = 5_000;

/** A refused or lost connection as DatabaseDownError (503, decision 023); others as they are. */
const translate = (err: unknown): unknown =>
  isConnectionLoss(err) ? new DatabaseDownError(err) : err;

pg.types.setTypeParser(int8Oid, parseInt8);

export interface PgDbOptions {
  url: string;
  poolMax: number;
  applicationName?: string;
  /** Longest wait for a pooled connection (ms); connectTimeoutMs unless given (tests). */
  connectTimeoutMs?: number;
}

/** Db over a node-postgres pool (real server). */
export function createPgDb(opts: PgDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? connectTimeoutMs,
    idleTimeoutMillis: idleTimeoutMs,
    statement_timeout: statementTimeoutMs,
    application_name: opts.applicationName ?? 'redemption',
  });
  // An idle client that errors (server restart) must not crash the process; the pool drops it.
  pool.on('error', () => undefined);
  const waitingMax = opts.poolMax * poolWaitingPerConnectionMax;
  /** Every connection is open (none is being dialled): waiting means overload, not a fault. */
  const allOpen = (): boolean => pool.totalCount >= opts.poolMax;
  /** Fails fast with DatabaseBusyError when the pool's queue is full or the wait timed out. */
  const admit = <T>(use: () => Promise<T>): Promise<T> => {
    if (pool.waitingCount >= waitingMax)
      return Promise.reject(new DatabaseBusyError('queue-full', undefined, allOpen()));
    return use().catch((err: unknown) => {
      throw isPoolTimeout(err) ? new DatabaseBusyError('timeout', err, allOpen()) : translate(err);
    });
  };

  const run = async <R>(
    q: pg.Pool | pg.PoolClient,
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> =>
    withDbSpan('postgresql', sql, async () => {
      try {
        const res = await q.query(sql, params as unknown[] | undefined);
        return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
      } catch (err) {
        throw translate(annotateDbError(err, sql));
      }
    });
  const exec = async (q: pg.Pool | pg.PoolClient, sql: string): Promise<void> => {
    await q.query(sql).catch((err: unknown) => {
      throw translate(annotateDbError(err, sql));
    });
  };

  return {
    kind: 'postgres',
    poolFigures: () => ({
      max: opts.poolMax,
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
    query: (sql, params) => admit(() => run(pool, sql, params)),
    exec: (sql) => admit(() => exec(pool, sql)),
    afterCommit: (after) => runAfterCommit([after]),
    async tx(fn) {
      const client = await admit(() => pool.connect());
      // The pool listens for errors on idle clients only: a checked-out client whose connection
      // dies (failover, admin kill) emits 'error' on itself, which unhandled crashes the process.
      // The query in flight rejects anyway; remember the error and destroy the client on release.
      let broken: Error | undefined;
      const onError = (err: Error): void => {
        broken ??= err;
      };
      client.on('error', onError);
      const committed: Array<() => void> = [];
      const q: Queryable = {
        query: (sql, params) => run(client, sql, params),
        exec: (sql) => exec(client, sql),
        afterCommit: (after) => void committed.push(after),
      };
      try {
        await client.query('BEGIN');
        const out = await fn(q);
        await client.query('COMMIT');
        runAfterCommit(committed);
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => onError(rollbackErr));
        throw translate(err);
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    listen: (channel, onNotify, onReconnect) =>
      listenReconnecting(opts.url, channel, onNotify, onReconnect),
    close: () => pool.end(),
  };
}

/**
 * LISTEN on a dedicated connection outside the pool (LISTEN is per session), opened again with
 * backoff whenever it is lost, so notices resume by themselves after a server restart.
 */
async function listenReconnecting(
  url: string,
  channel: string,
  onNotify: (payload: string) => void,
  onReconnect: (() => void) | undefined,
): Promise<() => Promise<void>> {
  const statement = `LISTEN ${quoteChannel(channel)}`;
  let closed = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const open = async (): Promise<void> => {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
    });
    client.on('error', () => undefined); // 'end' follows, and reconnects
    client.on('notification', (n) => {
      if (n.channel === channel) onNotify(n.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(statement);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (closed) return void (await client.end().catch(() => undefined));
    current = client;
    client.once('end', () => {
      if (!closed) reconnect(0);
    });
  };
  const reconnect = (failures: number): void => {
    const delayMs = Math.min(listenRetryBaseMs * 2 ** failures, listenRetryMaxMs);
    retry = setTimeout(() => {
      open().then(
        () => !closed && onReconnect?.(),
        () => !closed && reconnect(failures + 1),
      );
    }, delayMs);
    retry.unref();
  };
  await open();
  return async () => {
    closed = true;
    clearTimeout(retry);
    await current?.end().catch(() => undefined);
  };
}

function quoteChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel))
    throw new Error(`unsafe channel name ${JSON.stringify(channel)}`);
  return channel;
}
