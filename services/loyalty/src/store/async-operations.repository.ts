import type { Attempt, Queryable } from '@redemption/kernel';
import type { LedgerOp } from '../domain/ledger-ops.ts';

export interface AsyncOperation {
  id: string;
  owner_id: string;
  status: 'pending' | 'done' | 'refused';
  status_code: number | null;
  result: unknown;
  created_at: Date;
  completed_at: Date | null;
}

/** Ops are stored as JSON; the one Date field (a hold's expiry) is revived on the way out. */
function revive(op: LedgerOp): LedgerOp {
  return op.kind === 'hold' ? { ...op, expiresAt: new Date(op.expiresAt) } : op;
}

export const asyncOperationsRepository = {
  async insert(q: Queryable, id: string, ownerId: string, op: LedgerOp): Promise<void> {
    await q.query('INSERT INTO loyalty.async_operations (id, owner_id, op) VALUES ($1, $2, $3)', [
      id,
      ownerId,
      JSON.stringify(op),
    ]);
  },

  async find(q: Queryable, id: string): Promise<AsyncOperation | undefined> {
    const { rows } = await q.query<AsyncOperation>(
      'SELECT id, owner_id, status, status_code, result, created_at, completed_at FROM loyalty.async_operations WHERE id = $1',
      [id],
    );
    return rows[0];
  },

  async pending(q: Queryable, limit: number): Promise<Array<{ id: string; op: LedgerOp }>> {
    const { rows } = await q.query<{ id: string; op: LedgerOp }>(
      "SELECT id, op FROM loyalty.async_operations WHERE status = 'pending' ORDER BY created_at LIMIT $1",
      [limit],
    );
    return rows.map((r) => ({ id: r.id, op: revive(r.op) }));
  },

  /**
   * The attempt a queued op runs with: its outcome is recorded in the batch's transaction,
   * fenced on `pending`, so two workers (two pods) can never both apply it.
   */
  attemptFor(db: Queryable, id: string): Attempt {
    const record = async (
      q: Queryable,
      status: 'done' | 'refused',
      statusCode: number,
      body: unknown,
    ): Promise<void> => {
      const res = await q.query(
        `UPDATE loyalty.async_operations SET status = $2, status_code = $3, result = $4, completed_at = now()
         WHERE id = $1 AND status = 'pending'`,
        [id, status, statusCode, JSON.stringify(body)],
      );
      if (res.rowCount !== 1)
        throw new Error(`async operation ${id} was already completed elsewhere`);
    };
    return {
      complete: (q, outcome) => record(q, 'done', outcome.statusCode, outcome.body),
      fail: async (err) => {
        const problem = err as { status?: number; toBody?: () => unknown };
        if (typeof problem.toBody === 'function')
          await record(db, 'refused', problem.status ?? 500, problem.toBody()).catch(
            () => undefined,
          );
      },
      send: <T>(o: { body: T }) => o.body,
    };
  },
};
