/**
 * Behaviour every Db must have, whichever engine is under it. Called inside a `describe` by
 * the PGlite test and the real-PostgreSQL integration test, so both run the same cases.
 */
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { isPgError, pgErrorCode, type Db } from './db.ts';

/** The rejection of `p`, failing the test when it resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const names = async (db: Db): Promise<string[]> =>
  (await db.query<{ name: string }>('SELECT name FROM items ORDER BY name')).rows.map(
    (r) => r.name,
  );

export function dbContract(getDb: () => Db): void {
  beforeAll(async () => {
    await getDb().exec(`
      CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
      CREATE TABLE counters (n int8 NOT NULL)`);
  });
  beforeEach(async () => {
    await getDb().exec('DELETE FROM items; DELETE FROM counters');
  });

  it('passes parameters as values, never as SQL', async () => {
    const db = getDb();
    const tricky = "o'hara'); DROP TABLE items; --";
    const ins = await db.query('INSERT INTO items (name) VALUES ($1), ($2)', [tricky, 'plain']);
    expect(ins.rowCount).toBe(2);
    const { rows } = await db.query<{ name: string }>('SELECT name FROM items WHERE name = $1', [
      tricky,
    ]);
    expect(rows).toEqual([{ name: tricky }]);
    const upd = await db.query('UPDATE items SET name = name || $1 WHERE name = ANY($2)', [
      '!',
      [tricky, 'plain'],
    ]);
    expect(upd.rowCount).toBe(2);
    expect(await names(db)).toEqual([`${tricky}!`, 'plain!'].sort());
  });

  it('commits a transaction and returns what the function returned', async () => {
    const db = getDb();
    const out = await db.tx(async (q) => {
      await q.query('INSERT INTO items (name) VALUES ($1)', ['committed']);
      const { rows } = await q.query<{ c: number }>('SELECT count(*) AS c FROM items');
      return rows[0]?.c;
    });
    expect(out).toBe(1);
    expect(await names(db)).toEqual(['committed']);
  });

  it('rolls a transaction back when the function throws, and rethrows', async () => {
    const db = getDb();
    const boom = new Error('boom');
    const err = await rejectionOf(
      db.tx(async (q) => {
        await q.query('INSERT INTO items (name) VALUES ($1)', ['rolled-back']);
        await q.exec("INSERT INTO items (name) VALUES ('rolled-back-too')");
        throw boom;
      }),
    );
    expect(err).toBe(boom);
    expect(await names(db)).toEqual([]);
  });

  it('returns int8 as a JS number and refuses values beyond the safe range', async () => {
    const db = getDb();
    await db.query('INSERT INTO counters (n) VALUES ($1)', [Number.MAX_SAFE_INTEGER]);
    const { rows } = await db.query('SELECT n, count(*) OVER () AS c FROM counters');
    expect(rows).toEqual([{ n: Number.MAX_SAFE_INTEGER, c: 1 }]);
    const err = await rejectionOf(db.query('SELECT 9007199254740993::int8 AS n'));
    expect((err as Error).message).toMatch(/outside the safe integer range/);
    await db.ping(); // still usable after the refused value
  });

  it('surfaces a unique violation with its PostgreSQL code and constraint', async () => {
    const db = getDb();
    await db.query('INSERT INTO items (name) VALUES ($1)', ['dup']);
    const err = await rejectionOf(db.query('INSERT INTO items (name) VALUES ($1)', ['dup']));
    expect(isPgError(err, pgErrorCode.uniqueViolation)).toBe(true);
    expect(isPgError(err, pgErrorCode.checkViolation)).toBe(false);
    expect((err as { constraint?: string }).constraint).toBe('items_name_key');
  });

  it('rolls back a transaction whose statement fails, leaving the Db usable', async () => {
    const db = getDb();
    await db.query('INSERT INTO items (name) VALUES ($1)', ['first']);
    const err = await rejectionOf(
      db.tx(async (q) => {
        await q.query('INSERT INTO items (name) VALUES ($1)', ['second']);
        await q.query('INSERT INTO items (name) VALUES ($1)', ['first']);
      }),
    );
    expect(isPgError(err, pgErrorCode.uniqueViolation)).toBe(true);
    expect(await names(db)).toEqual(['first']);
  });
}
