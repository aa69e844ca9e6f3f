/**
 * The key table's rules shared by the one-request path (idempotency-runner.ts) and the batch
 * path (idempotency-batch.ts): how a key is taken over, and what a request gets when another
 * request holds or answered its key.
 */
import { conflict, unprocessable, type ProblemError } from '../errors/problem.ts';
import type { Outcome } from './idempotency.ts';

export const inFlight = (): ProblemError =>
  conflict(
    'idempotency-key-in-flight',
    'A request with this Idempotency-Key is still being processed',
  );

const keyReused = (): ProblemError =>
  unprocessable(
    'idempotency-key-reused',
    'This Idempotency-Key was already used with a different request body',
  );

/**
 * The ON CONFLICT clause of a claim (VALUES or SELECT supplying scope, key, fingerprint,
 * lease_token, lease_until, expires_at): the key is taken when expired, or abandoned by a run
 * whose lease ran out (same body only; its checkpoint is kept in response_body).
 */
export const claimOnConflict = `ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, lease_token = EXCLUDED.lease_token,
       lease_until = EXCLUDED.lease_until, expires_at = EXCLUDED.expires_at, created_at = now(),
       response_status = NULL,
       response_body = CASE WHEN k.expires_at < now() THEN NULL ELSE k.response_body END
     WHERE k.expires_at < now()
        OR (k.response_status IS NULL AND k.lease_until < now() AND k.fingerprint = EXCLUDED.fingerprint)`;

export interface StoredKey {
  fingerprint: string;
  response_status: number | null;
  response_body: unknown;
}

/**
 * What a request whose key another request holds gets: that request's stored answer (same
 * body), 422 (another body), or 409 while it has no answer yet (or the row just went away).
 */
export function answerFrom(row: StoredKey | undefined, fingerprint: string): Outcome {
  if (row && row.fingerprint !== fingerprint) throw keyReused();
  if (!row || row.response_status === null) throw inFlight();
  return { statusCode: row.response_status, body: row.response_body };
}
