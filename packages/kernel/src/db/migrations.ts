import { createHash } from 'node:crypto';
import type { Db, Queryable } from './db.ts';

/** One forward-only migration. Never edit one that has shipped: add a new one. */
export interface Migration {
  /** Sortable id, e.g. `0001_users`. */
  id: string;
  sql: string;
}

export interface SchemaMigrations {
  /** The PostgreSQL schema this set owns (`identity`, `kernel`, ...). */
  schema: string;
  migrations: readonly Migration[];
}

/** Any constant shared by every process; serializes migrators across pods. */
const migrationLockKey = 0x5245_4445; // "REDE"
const migrationIdMaxLength = 100;

const checksum = (sql: string): string => createHash('sha256').update(sql).digest('hex');

/**
 * Applies pending migrations of each schema, in order, in one transaction that holds an
 * advisory lock: two pods starting together cannot race, and a failed migration leaves nothing
 * half-applied (PostgreSQL DDL is transactional). Idempotent: applied ids are skipped.
 * Returns the ids it applied.
 */
export async function migrate(db: Db, sets: readonly SchemaMigrations[]): Promise<string[]> {
  return db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await q.exec(`CREATE SCHEMA IF NOT EXISTS kernel;
      CREATE TABLE IF NOT EXISTS kernel.schema_migrations (
        schema_name text NOT NULL,
        id text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (schema_name, id)
      )`);
    const applied: string[] = [];
    for (const set of sets) applied.push(...(await migrateSchema(q, set)));
    return applied;
  });
}

async function migrateSchema(q: Queryable, set: SchemaMigrations): Promise<string[]> {
  assertOrdered(set);
  const { rows } = await q.query<{ id: string; checksum: string }>(
    'SELECT id, checksum FROM kernel.schema_migrations WHERE schema_name = $1',
    [set.schema],
  );
  const done = new Map(rows.map((r) => [r.id, r.checksum]));
  await q.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(set.schema)}`);
  const applied: string[] = [];
  for (const m of set.migrations) {
    const sum = checksum(m.sql);
    const previous = done.get(m.id);
    if (previous !== undefined) {
      if (previous !== sum)
        throw new Error(`migration ${set.schema}/${m.id} was edited after it was applied`);
      continue;
    }
    await q.exec(m.sql);
    await q.query(
      'INSERT INTO kernel.schema_migrations (schema_name, id, checksum) VALUES ($1, $2, $3)',
      [set.schema, m.id, sum],
    );
    applied.push(`${set.schema}/${m.id}`);
  }
  return applied;
}

function assertOrdered(set: SchemaMigrations): void {
  const ids = set.migrations.map((m) => m.id);
  for (const [i, id] of ids.entries()) {
    if (id.length === 0 || id.length > migrationIdMaxLength)
      throw new Error(`bad migration id ${JSON.stringify(id)}`);
    if (i > 0 && ids[i - 1]! >= id)
      throw new Error(`migrations of ${set.schema} are not in strictly ascending order at ${id}`);
  }
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`unsafe SQL identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}
