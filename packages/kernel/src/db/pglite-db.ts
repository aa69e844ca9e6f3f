import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.ts';
import { parseInt8, runAfterCommit } from './db.ts';
import { annotateDbError } from './db-errors.ts';
import { withDbSpan } from '../tracing/tracing.ts';

/**
 * Db over PGlite (PostgreSQL compiled to WASM, in this process). One connection: PGlite
 * serializes statements and whole transactions, so the code paths match a real server, but
 * there is no parallelism; fine for standalone mode and tests.
 */
export async function createPgliteDb(dataDir: string): Promise<Db> {
  const lite = await PGlite.create({
    dataDir,
    parsers: { [types.INT8]: (v: string) => parseInt8(v) },
  });
  const run = async <R>(
    q: Pick<PGlite, 'query'>,
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> =>
    withDbSpan('postgresql', sql, async () => {
      try {
        const res = await q.query<R>(sql, params as unknown[] | undefined);
        return { rows: res.rows, rowCount: res.affectedRows ?? 0 };
      } catch (err) {
        // PGlite attaches the statement's text and parameters to its errors; they must not reach logs.
        throw annotateDbError(err, sql);
      }
    });
  const exec = async (q: Pick<PGlite, 'exec'>, sql: string): Promise<void> => {
    await q.exec(sql).catch((err: unknown) => {
      throw annotateDbError(err, sql);
    });
  };
  return {
    kind: 'pglite',
    query: (sql, params) => run(lite, sql, params),
    exec: (sql) => exec(lite, sql),
    async tx(fn) {
      const committed: Array<() => void> = [];
      const out = await lite.transaction(async (t) => {
        const q: Queryable = {
          query: (sql, params) => run(t, sql, params),
          exec: (sql) => exec(t, sql),
          afterCommit: (after) => void committed.push(after),
        };
        return fn(q);
      });
      runAfterCommit(committed);
      return out;
    },
    async ping() {
      await lite.query('SELECT 1');
    },
    async listen(channel, onNotify) {
      const unsubscribe = await lite.listen(channel, (payload) => onNotify(payload));
      return unsubscribe;
    },
    close: () => lite.close(),
  };
}
