import { mkdirSync } from 'node:fs';
import type { Db } from './db.ts';
import { createPgDb } from './pg-db.ts';
import { createPgliteDb } from './pglite-db.ts';

export interface DbChoice {
  databaseUrl?: string | undefined;
  dataDir: string;
  poolMax: number;
  applicationName?: string;
}

/** A real PostgreSQL when DATABASE_URL is set, otherwise the embedded one in DATA_DIR. */
export async function createDb(choice: DbChoice): Promise<Db> {
  if (choice.databaseUrl) {
    return createPgDb({
      url: choice.databaseUrl,
      poolMax: choice.poolMax,
      applicationName: choice.applicationName,
    });
  }
  if (!choice.dataDir.startsWith('memory://')) mkdirSync(choice.dataDir, { recursive: true });
  return createPgliteDb(choice.dataDir);
}
