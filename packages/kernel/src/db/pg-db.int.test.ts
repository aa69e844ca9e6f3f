import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresGate } from '../testing/services.ts';
import { createTempDatabase, type TempDatabase } from '../testing/temp-database.ts';
import type { Db } from './db.ts';
import { dbContract, rejectionOf } from './db-contract.ts';
import { DatabaseDownError } from './database-down.ts';
import { createPgDb } from './pg-db.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)(`PostgreSQL Db ${gate.reason}`, () => {
  let temp: TempDatabase;
  let db: Db;
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url ?? '');
    db = createPgDb({ url: temp.url, poolMax: 4, applicationName: 'kernel-test' });
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });

  it('works in its own throwaway database', async () => {
    expect(db.kind).toBe('postgres');
    const { rows } = await db.query<{ name: string; app: string }>(
      "SELECT current_database() AS name, current_setting('application_name') AS app",
    );
    expect(rows[0]?.name).toMatch(/^redemption_t_[0-9a-f]{16}$/);
    expect(rows[0]?.app).toBe('kernel-test');
  });

  dbContract(() => db);

  it('keeps a transaction on one connection, invisible to others until it commits', async () => {
    let seenOutside: number | undefined;
    await db.tx(async (q) => {
      await q.query('INSERT INTO items (name) VALUES ($1)', ['isolated']);
      const { rows } = await db.query<{ c: number }>('SELECT count(*) AS c FROM items');
      seenOutside = rows[0]?.c;
    });
    expect(seenOutside).toBe(0);
    const { rows } = await db.query<{ c: number }>('SELECT count(*) AS c FROM items');
    expect(rows[0]?.c).toBe(1);
  });
});

describe.skipIf(!gate.url)(`PostgreSQL Db losing its connection ${gate.reason}`, () => {
  let temp: TempDatabase;
  let db: Db;
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url ?? '');
    db = createPgDb({ url: temp.url, poolMax: 1 });
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });

  it('rejects a transaction whose connection dies, without crashing, and recovers', async () => {
    // What a failover or an admin kill does to a transaction in progress. The connection's
    // 'error' event must not go unhandled (vitest reports that as an unhandled error).
    const err = await rejectionOf(
      db.tx((q) => q.query('SELECT pg_terminate_backend(pg_backend_pid())')),
    );
    // A lost connection is a "try again" (503 database-unavailable, decision 023), the driver's
    // own error kept as its cause.
    expect(err).toBeInstanceOf(DatabaseDownError);
    expect(((err as Error).cause as Error).message).toMatch(/terminat/);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let late socket events arrive
    // The only pooled connection was dead: the pool must have dropped it, not handed it back.
    const { rows } = await db.tx((q) => q.query<{ ok: number }>('SELECT 1 AS ok'));
    expect(rows).toEqual([{ ok: 1 }]);
  });
});

describe.skipIf(!gate.url)(`createTempDatabase ${gate.reason}`, () => {
  it('creates a database that drop() removes, even with a connection still open', async () => {
    const temp = await createTempDatabase(gate.url ?? '');
    const db = createPgDb({ url: temp.url, poolMax: 1 });
    await db.ping();
    const admin = createPgDb({ url: gate.url ?? '', poolMax: 1 });
    try {
      const name = new URL(temp.url).pathname.slice(1);
      const exists = async () =>
        (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length;
      expect(await exists()).toBe(1);
      await temp.drop();
      expect(await exists()).toBe(0);
      await temp.drop(); // twice is fine
    } finally {
      await db.close();
      await admin.close();
    }
  });
});
