import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TempDatabase {
  /** `baseUrl` with the database name replaced by the new database's. */
  url: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

const namePrefix = 'redemption_t_';

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database with a random name on the server of `baseUrl`, so an integration
 * test never touches shared state. Call `drop()` in afterAll.
 */
export async function createTempDatabase(baseUrl: string): Promise<TempDatabase> {
  const name = namePrefix + randomBytes(8).toString('hex');
  await withClient(baseUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withClient(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
