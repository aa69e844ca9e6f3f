import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb } from '../db/pglite-db.ts';
import type { Db } from '../db/db.ts';
import { statementIdentity } from '../db/db-errors.ts';
import { loggerOptions } from './logger.ts';
import { safeError } from './safe-error.ts';

const secret = 'Zebulon Secretname 42 Hidden Lane';

/** A logger built exactly as the platform builds it, writing into a string. */
function capturedLogger() {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { log: pino(loggerOptions('info', 'test'), sink), text: () => out };
}

async function failure(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the statement to fail');
}

describe('database errors in logs (embedded PGlite)', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createPgliteDb('memory://');
    await db.exec(`CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL CHECK (length(name) < 5),
      email text UNIQUE)`);
    await db.query('INSERT INTO people (id, name, email) VALUES (1, $1, $2)', ['ok', 'a@b.c']);
  });
  afterAll(async () => {
    await db.close();
  });

  it('strips the parameters PGlite attaches and names the statement instead', async () => {
    const sql = 'INSERT INTO people (id, name) VALUES (2, $1)';
    const err = await failure(db.query(sql, [secret]));
    expect(err['params']).toBeUndefined();
    expect(err['query']).toBeUndefined();
    expect(err['statement']).toBe(statementIdentity(sql));
    expect(err['statement']).toMatch(/^INSERT INTO people #[0-9a-f]{12}$/);
  });

  it('logs code, constraint and statement, never a value, for a raw error handed to the logger', async () => {
    const { log, text } = capturedLogger();
    const check = await failure(db.query('INSERT INTO people (id, name) VALUES (2, $1)', [secret]));
    await db.query('INSERT INTO people (id, name, email) VALUES (3, $1, $2)', ['x', secret]);
    const unique = await failure(
      db.tx((q) => q.query('UPDATE people SET email = $1 WHERE id = 1', [secret])),
    );
    const dup = await failure(
      db.query('INSERT INTO people (id, name, email) VALUES (4, $1, $2)', ['y', secret]),
    );
    const cast = await failure(db.query('SELECT $1::text::uuid', [secret]));
    for (const err of [check, unique, dup, cast]) log.error({ err }, 'failed');
    log.warn({ err: new Error('wrapped', { cause: dup }) }, 'failed with a cause');
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(text()).not.toContain('Zebulon');
    const first = JSON.parse(lines[0]!).err;
    expect(first).toMatchObject({
      code: '23514',
      constraint: 'people_name_check',
      table: 'people',
    });
    expect(JSON.parse(lines[2]!).err).toMatchObject({
      code: '23505',
      constraint: 'people_email_key',
      message: 'duplicate key value violates unique constraint "people_email_key"',
    });
    expect(JSON.parse(lines[3]!).err.message).toBe('invalid input syntax for type uuid: "…"');
    expect(JSON.parse(lines[4]!).err.cause).toMatchObject({ code: '23505' });
  });
});

describe('safeError and the redaction list', () => {
  it('keeps an application error as is, and reduces an error only once', () => {
    const out = safeError(Object.assign(new Error('order 42 failed'), { statusCode: 502 }));
    expect(out).toMatchObject({ type: 'Error', message: 'order 42 failed', statusCode: 502 });
    expect(safeError(out)).toBe(out);
    expect(safeError('plain')).toBe('plain');
  });

  it('redacts credentials, tokens, idempotency keys and personal data wherever they are logged', () => {
    const { log, text } = capturedLogger();
    log.info(
      {
        user: { email: secret, full_name: secret, phone: secret, address: secret },
        login: { password: secret, password_hash: secret },
        payment: { token: secret, card_token: secret },
        order: { shipping_address: { name: secret }, idempotency_key: secret },
      },
      'everything',
    );
    expect(text()).not.toContain('Zebulon');
    expect(text()).toContain('[redacted]');
  });
});
