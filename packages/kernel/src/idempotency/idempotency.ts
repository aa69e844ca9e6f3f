import { createHash } from 'node:crypto';
import type { Db } from '../db/db.ts';
import { badRequest } from '../errors/problem.ts';

export const idempotencyMigrations = {
  schema: 'kernel',
  migrations: [
    {
      id: '0001_idempotency_keys',
      sql: `CREATE TABLE kernel.idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        lease_token uuid,
        lease_until timestamptz,
        response_status int,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      );
      CREATE INDEX idempotency_keys_expires_at ON kernel.idempotency_keys (expires_at);`,
    },
  ],
};

export const idempotencyKeyMaxLength = 255;

export interface Outcome<T = unknown> {
  statusCode: number;
  body: T;
  /**
   * False: an answer about a resource still changing (a 202), not stored; a retry with the key
   * runs again and reports the resource as it is by then (see `Attempt.checkpoint`).
   */
  final?: boolean;
}

export interface IdempotencyOptions {
  db: Db;
  ttlH: number;
}

export interface RunOptions {
  /** The operation, e.g. `loyalty.redemptions.create`: keys are unique per scope and caller. */
  scope: string;
  /** Missing key → 400 when true; runs once without protection when false. */
  required: boolean;
  /**
   * The effect claims the key itself, inside its own transaction, with `claimAttempts` (one
   * statement for a whole batch of requests): nothing is written before the effect's commit, a
   * request refused before its effect runs (a full queue's 429) costs no database round trip,
   * and a duplicate of a request still running waits for its commit and gets its answer.
   */
  claimInEffect?: boolean;
}

/** The IETF httpapi Idempotency-Key draft: the key is a structured-field string, quoted or not. */
export function parseKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? header[0] : header;
  const key = raw?.trim().replace(/^"(.*)"$/, '$1') ?? '';
  if (key.length === 0 || key.length > idempotencyKeyMaxLength || !/^[\x21-\x7e]+$/.test(key)) {
    throw badRequest(
      `Idempotency-Key must be 1-${idempotencyKeyMaxLength} visible ASCII characters`,
      'headers.idempotency-key',
    );
  }
  return key;
}

export function fingerprintOf(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}
