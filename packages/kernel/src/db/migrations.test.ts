import { afterAll, beforeAll, describe } from 'vitest';
import type { Db } from './db.ts';
import { migrationsContract } from './migrations-contract.ts';
import { createPgliteDb } from './pglite-db.ts';

describe('migrate on PGlite', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createPgliteDb('memory://');
  });
  afterAll(async () => {
    await db.close();
  });

  migrationsContract(() => db);
});
