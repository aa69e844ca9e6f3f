import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresGate } from '../testing/services.ts';
import { createTempDatabase, type TempDatabase } from '../testing/temp-database.ts';
import type { Db } from './db.ts';
import { migrate, type SchemaMigrations } from './migrations.ts';
import { appliedIds, migrationsContract, notesMigrations } from './migrations-contract.ts';
import { createPgDb } from './pg-db.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)(`migrate on PostgreSQL ${gate.reason}`, () => {
  let temp: TempDatabase;
  let db: Db;
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url ?? '');
    db = createPgDb({ url: temp.url, poolMax: 4 });
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });

  migrationsContract(() => db);
});

describe.skipIf(!gate.url)(`concurrent migrate on PostgreSQL ${gate.reason}`, () => {
  // A database of its own where even the kernel schema does not exist yet: the worst race.
  let temp: TempDatabase;
  let pods: Db[] = [];
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url ?? '');
    pods = [1, 2].map(() => createPgDb({ url: temp.url, poolMax: 2 }));
  });
  afterAll(async () => {
    await Promise.all(pods.map((p) => p.close()));
    await temp?.drop();
  });

  it('lets two pods migrate at once; each migration is applied exactly once', async () => {
    const schema = 'racy';
    const [first, ...rest] = notesMigrations(schema);
    // The first migration sleeps, so the second pod surely arrives while the first holds the lock.
    const slow = { ...first!, sql: `${first!.sql}; SELECT pg_sleep(0.3)` };
    const sets: SchemaMigrations[] = [{ schema, migrations: [slow, ...rest] }];
    const results = await Promise.all(pods.map((p) => migrate(p, sets)));
    expect(results.flat().sort()).toEqual([
      `${schema}/0001_notes`,
      `${schema}/0002_notes_text`,
      `${schema}/0003_first_note`,
    ]);
    expect(results.map((r) => r.length).sort()).toEqual([0, 3]);
    expect(await appliedIds(pods[0]!, schema)).toHaveLength(3);
    const { rows } = await pods[1]!.query<{ c: number }>(
      `SELECT count(*) AS c FROM ${schema}.notes`,
    );
    expect(rows[0]?.c).toBe(1);
  });
});
