import { afterAll, beforeAll, describe } from 'vitest';
import type { Db } from './db.ts';
import { dbContract } from './db-contract.ts';
import { createPgliteDb } from './pglite-db.ts';

describe('PGlite Db', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createPgliteDb('memory://');
  });
  afterAll(async () => {
    await db.close();
  });

  dbContract(() => db);
});
