import { mkdirSync } from 'node:fs';
import type { Db } from './db.ts';
import { DatabaseUnreachableError } from './database-unreachable.ts';
import { createPgDb } from './pg-db.ts';
import { createPgliteDb } from './pglite-db.ts';

export interface DbChoice {
  databaseUrl?: string | undefined;
  dataDir: string;
  poolMax: number;
  applicationName?: string;
}

/**
 * A real PostgreSQL when DATABASE_URL is set, otherwise the embedded one in DATA_DIR. A server
 * that cannot be used is found here, with one query, and reported as a DatabaseUnreachableError
 * naming it, rather than by whatever first query fails later.
 */
export async function createDb(choice: DbChoice): Promise<Db> {
  if (choice.databaseUrl) {
    const db = createPgDb({
      url: choice.databaseUrl,
      poolMax: choice.poolMax,
      applicationName: choice.applicationName,
    });
    try {
      await db.query('SELECT 1');
    } catch (err) {
      await db.close().catch(() => undefined);
      throw new DatabaseUnreachableError(choice.databaseUrl, err);
    }
    return db;
  }
  if (!choice.dataDir.startsWith('memory://')) mkdirSync(choice.dataDir, { recursive: true });
  return createPgliteDb(choice.dataDir);
}
