/**
 * Behaviour of `migrate` on any Db, shared by the PGlite test and the PostgreSQL integration
 * test. Every case migrates its own schema, so cases never see each other's rows.
 */
import { expect, it } from 'vitest';
import type { Db } from './db.ts';
import { rejectionOf } from './db-contract.ts';
import { migrate, type Migration, type SchemaMigrations } from './migrations.ts';

let schemaSeq = 0;
const freshSchema = (): string => `m${Date.now().toString(36)}_${schemaSeq++}`;

/** 0001 creates a table, 0002 adds a column, 0003 inserts a row (so a re-run would show). */
export const notesMigrations = (schema: string): Migration[] => [
  { id: '0001_notes', sql: `CREATE TABLE ${schema}.notes (id int PRIMARY KEY)` },
  { id: '0002_notes_text', sql: `ALTER TABLE ${schema}.notes ADD COLUMN body text` },
  { id: '0003_first_note', sql: `INSERT INTO ${schema}.notes (id, body) VALUES (1, 'hello')` },
];

export const appliedIds = async (db: Db, schema: string): Promise<string[]> =>
  (
    await db.query<{ id: string }>(
      'SELECT id FROM kernel.schema_migrations WHERE schema_name = $1 ORDER BY applied_at, id',
      [schema],
    )
  ).rows.map((r) => r.id);

const tableExists = async (db: Db, name: string): Promise<boolean> =>
  (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name])).rows[0]?.t !=
  null;

const notesCount = async (db: Db, schema: string): Promise<number | undefined> =>
  (await db.query<{ c: number }>(`SELECT count(*) AS c FROM ${schema}.notes`)).rows[0]?.c;

/** The error `migrate` rejects with, after checking it applied nothing of `schema`. */
async function refusal(db: Db, set: SchemaMigrations): Promise<string> {
  const before = await appliedIds(db, set.schema).catch(() => []);
  const err = await rejectionOf(migrate(db, [set]));
  expect(await appliedIds(db, set.schema)).toEqual(before);
  return (err as Error).message;
}

export function migrationsContract(getDb: () => Db): void {
  it('applies pending migrations in order and records each', async () => {
    const db = getDb();
    const schema = freshSchema();
    const applied = await migrate(db, [{ schema, migrations: notesMigrations(schema) }]);
    expect(applied).toEqual([
      `${schema}/0001_notes`,
      `${schema}/0002_notes_text`,
      `${schema}/0003_first_note`,
    ]);
    expect(await appliedIds(db, schema)).toEqual([
      '0001_notes',
      '0002_notes_text',
      '0003_first_note',
    ]);
    const { rows } = await db.query(`SELECT id, body FROM ${schema}.notes`);
    expect(rows).toEqual([{ id: 1, body: 'hello' }]);
  });

  it('is idempotent: a second run applies nothing, a later one only what is new', async () => {
    const db = getDb();
    const schema = freshSchema();
    const migrations = notesMigrations(schema);
    await migrate(db, [{ schema, migrations }]);
    expect(await migrate(db, [{ schema, migrations }])).toEqual([]);
    expect(await notesCount(db, schema)).toBe(1);
    const next = { id: '0004_second_note', sql: `INSERT INTO ${schema}.notes VALUES (2, 'x')` };
    expect(await migrate(db, [{ schema, migrations: [...migrations, next] }])).toEqual([
      `${schema}/0004_second_note`,
    ]);
    expect(await notesCount(db, schema)).toBe(2);
  });

  it('migrates several schemas in one call, each with its own ids', async () => {
    const db = getDb();
    const [a, b] = [freshSchema(), freshSchema()];
    const applied = await migrate(db, [
      { schema: a, migrations: notesMigrations(a).slice(0, 1) },
      { schema: b, migrations: notesMigrations(b).slice(0, 1) },
    ]);
    expect(applied).toEqual([`${a}/0001_notes`, `${b}/0001_notes`]);
    expect(await tableExists(db, `${b}.notes`)).toBe(true);
  });

  it('refuses a migration edited after it was applied, applying nothing else', async () => {
    const db = getDb();
    const schema = freshSchema();
    const [first, second] = notesMigrations(schema);
    await migrate(db, [{ schema, migrations: [first!] }]);
    const edited = { ...first!, sql: `${first!.sql} -- tweaked` };
    const message = await refusal(db, { schema, migrations: [edited, second!] });
    expect(message).toBe(`migration ${schema}/0001_notes was edited after it was applied`);
  });

  it('rolls back every migration of the run when one fails', async () => {
    const db = getDb();
    const schema = freshSchema();
    const [first, second] = notesMigrations(schema);
    const broken = { id: '0003_broken', sql: `ALTER TABLE ${schema}.nope ADD COLUMN x int` };
    await refusal(db, { schema, migrations: [first!, second!, broken] });
    expect(await tableExists(db, `${schema}.notes`)).toBe(false);
    // The failure left no lock or transaction behind: the fixed set applies cleanly.
    expect(await migrate(db, [{ schema, migrations: [first!, second!] }])).toHaveLength(2);
  });

  it('rejects ids that are out of order, duplicated or empty', async () => {
    const db = getDb();
    const schema = freshSchema();
    const [first, second] = notesMigrations(schema);
    const swapped = await refusal(db, { schema, migrations: [second!, first!] });
    expect(swapped).toBe(
      `migrations of ${schema} are not in strictly ascending order at 0001_notes`,
    );
    const dup = await refusal(db, { schema, migrations: [first!, { ...second!, id: first!.id }] });
    expect(dup).toMatch(/not in strictly ascending order/);
    expect(await refusal(db, { schema, migrations: [{ id: '', sql: 'SELECT 1' }] })).toBe(
      'bad migration id ""',
    );
    expect(await tableExists(db, `${schema}.notes`)).toBe(false);
  });

  it('refuses a schema name that is not a plain SQL identifier', async () => {
    const message = await refusal(getDb(), {
      schema: 'x"; DROP SCHEMA kernel; --',
      migrations: [{ id: '0001', sql: 'SELECT 1' }],
    });
    expect(message).toMatch(/^unsafe SQL identifier/);
  });
}
