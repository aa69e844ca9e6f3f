/**
 * Idempotency-Key statements for many requests at once, inside one transaction: the ledger
 * claims, stores and frees the keys of a whole batch with one statement each instead of one
 * round trip (and, for claims, one commit) per request.
 */
import type { Queryable } from '../db/db.ts';
import { ProblemError } from '../errors/problem.ts';
import type { Outcome } from './idempotency.ts';
import { answerFrom, claimOnConflict, inFlight, type StoredKey } from './idempotency-keys.ts';
import {
  deferredClaimOf,
  idempotencyLeaseMs,
  type Attempt,
  type ClaimedKey,
} from './idempotency-runner.ts';

export type ClaimResult =
  | { claimed: true }
  /** Another request answered this key: its stored outcome, sent as a replay. */
  | { claimed: false; outcome: Outcome }
  /** Another body with this key (422), or a request still running with it (409). */
  | { claimed: false; problem: ProblemError };

const idOf = (c: { scope: string; key: string }): string => `${c.scope}\u0000${c.key}`;

/**
 * Claims, inside the caller's transaction, the keys of attempts made with `claimInEffect`; any
 * other attempt (claimed before, without a key, a test double) counts as claimed. A key another
 * request answered gives its answer (the attempt is settled and replies as a replay); one still
 * running in another transaction is waited for (its row is locked until it commits), so a
 * duplicate gets the first request's answer rather than a 409. Keys are taken in one sorted
 * order and before anything else the transaction locks, so two batches cannot deadlock on them.
 */
export async function claimAttempts(
  q: Queryable,
  attempts: readonly Attempt[],
): Promise<ClaimResult[]> {
  const results: ClaimResult[] = attempts.map(() => ({ claimed: true }));
  const byKey = new Map<string, number>();
  attempts.forEach((attempt, n) => {
    if (!deferredClaimOf(attempt) || !attempt.claimed || attempt.settled) return;
    const id = idOf(attempt.claimed);
    // One key twice in one batch: the second is a duplicate of a request still in flight.
    if (byKey.has(id)) results[n] = refused(attempt, inFlight());
    else byKey.set(id, n);
  });
  if (byKey.size === 0) return results;
  const order = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const won = await insertClaims(
    q,
    order.map(([, n]) => attempts[n]!),
  );
  const lost = order.filter(([id]) => !won.has(id)).map(([, n]) => n);
  if (lost.length > 0) await answerLost(q, attempts, lost, results);
  return results;
}

/** One INSERT for every key; returns the ids (scope and key) this transaction now holds. */
async function insertClaims(q: Queryable, attempts: readonly Attempt[]): Promise<Set<string>> {
  const keys = attempts.map((a) => a.claimed!);
  const claims = attempts.map((a) => deferredClaimOf(a)!);
  const { rows } = await q.query<{ scope: string; key: string; lease_token: string }>(
    `INSERT INTO kernel.idempotency_keys AS k (scope, key, fingerprint, lease_token, lease_until, expires_at)
     SELECT u.scope, u.key, u.fingerprint, u.token, now() + $5 * interval '1 millisecond', now() + u.ttl_h * interval '1 hour'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $6::float8[]) AS u(scope, key, fingerprint, token, ttl_h)
     ${claimOnConflict}
     RETURNING k.scope, k.key, k.lease_token`,
    [
      keys.map((k) => k.scope),
      keys.map((k) => k.key),
      claims.map((c) => c.fingerprint),
      keys.map((k) => k.token),
      idempotencyLeaseMs,
      claims.map((c) => c.ttlH),
    ],
  );
  const tokens = new Map(keys.map((k) => [idOf(k), k.token]));
  return new Set(rows.filter((r) => tokens.get(idOf(r)) === r.lease_token).map((r) => idOf(r)));
}

/** The answers of keys other requests hold, read with one SELECT. */
async function answerLost(
  q: Queryable,
  attempts: readonly Attempt[],
  lost: readonly number[],
  results: ClaimResult[],
): Promise<void> {
  const keys = lost.map((n) => attempts[n]!.claimed!);
  const { rows } = await q.query<StoredKey & { scope: string; key: string }>(
    `SELECT k.scope, k.key, k.fingerprint, k.response_status, k.response_body
     FROM kernel.idempotency_keys k JOIN unnest($1::text[], $2::text[]) AS u(scope, key)
       ON k.scope = u.scope AND k.key = u.key`,
    [keys.map((k) => k.scope), keys.map((k) => k.key)],
  );
  const stored = new Map(rows.map((r) => [idOf(r), r]));
  for (const n of lost) {
    const attempt = attempts[n]!;
    const claim = deferredClaimOf(attempt)!;
    try {
      const outcome = answerFrom(stored.get(idOf(attempt.claimed!)), claim.fingerprint);
      claim.replayed = true;
      attempt.settled = true;
      results[n] = { claimed: false, outcome };
    } catch (err) {
      if (!(err instanceof ProblemError)) throw err;
      results[n] = refused(attempt, err);
    }
  }
}

/** Refused before its effect: the key is someone else's, so there is nothing to store or free. */
function refused(attempt: Attempt, problem: ProblemError): ClaimResult {
  attempt.settled = true;
  return { claimed: false, problem };
}

/**
 * Stores many outcomes with one statement inside the effect's transaction (the ledger settles a
 * whole batch this way instead of one UPDATE per operation). Attempts without `claimed` (test
 * doubles) fall back to their own `complete`. Throws, rolling the effect back, when any lease
 * was taken over by a retry, exactly like `complete`.
 */
export async function completeAttempts(
  q: Queryable,
  items: ReadonlyArray<{ attempt: Attempt; outcome: Outcome }>,
): Promise<void> {
  const rows: Array<ClaimedKey & { outcome: Outcome }> = [];
  const claimed: Attempt[] = [];
  for (const { attempt, outcome } of items) {
    if (attempt.claimed === undefined) await attempt.complete(q, outcome);
    else if (attempt.claimed) {
      rows.push({ ...attempt.claimed, outcome });
      claimed.push(attempt);
    }
  }
  if (rows.length === 0) return;
  const res = await q.query(
    `UPDATE kernel.idempotency_keys AS k SET response_status = u.status, response_body = u.body::jsonb,
       lease_token = NULL, lease_until = NULL
     FROM unnest($1::text[], $2::text[], $3::uuid[], $4::int[], $5::text[]) AS u(scope, key, token, status, body)
     WHERE k.scope = u.scope AND k.key = u.key AND k.lease_token = u.token`,
    [
      rows.map((r) => r.scope),
      rows.map((r) => r.key),
      rows.map((r) => r.token),
      rows.map((r) => r.outcome.statusCode),
      rows.map((r) => JSON.stringify(r.outcome.body ?? null)),
    ],
  );
  if (res.rowCount !== rows.length) throw inFlight();
  for (const attempt of claimed) attempt.settled = true;
}

/**
 * Frees the keys of attempts whose refusal is not stored (a 409 a retry may not get again),
 * with one statement inside the effect's transaction: deleted, or, when a run recorded a
 * checkpoint, kept with it and its lease ended, as `fail` does for one. Attempts without
 * `claimed` (test doubles, the ledger's own recorders) are left to their own `fail`.
 */
export async function freeAttempts(q: Queryable, attempts: readonly Attempt[]): Promise<void> {
  const mine = attempts.filter((a) => a.claimed && !a.settled);
  if (mine.length === 0) return;
  const keys = mine.map((a) => a.claimed!);
  await q.query(
    `WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[]) AS u(scope, key, token)),
     freed AS (
       DELETE FROM kernel.idempotency_keys k USING u
       WHERE k.scope = u.scope AND k.key = u.key AND k.lease_token = u.token AND k.response_body IS NULL)
     UPDATE kernel.idempotency_keys k SET lease_until = now() - interval '1 millisecond' FROM u
     WHERE k.scope = u.scope AND k.key = u.key AND k.lease_token = u.token AND k.response_body IS NOT NULL`,
    [keys.map((k) => k.scope), keys.map((k) => k.key), keys.map((k) => k.token)],
  );
  for (const a of mine) a.settled = true;
}
