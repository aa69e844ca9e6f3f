import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db, Queryable } from '../db/db.ts';
import { badRequest, conflict, ProblemError, unprocessable } from '../errors/problem.ts';
import {
  fingerprintOf,
  parseKey,
  type IdempotencyOptions,
  type Outcome,
  type RunOptions,
} from './idempotency.ts';

/** A request that runs longer than this may be taken over by a retry (its first run died). */
export const idempotencyLeaseMs = 60_000;
const purgeBatchMax = 1_000;
/** Client errors a retry with the same body would only reproduce: stored and replayed. */
const storedClientErrors = new Set([400, 403, 404, 410, 422]);

export interface Idempotency {
  /**
   * Runs `fn` (the effect, in a transaction) at most once per (scope, caller, key): the stored
   * outcome is committed in the same transaction as the effect, so a crash leaves neither.
   */
  run<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    opts: RunOptions,
    fn: (q: Queryable) => Promise<Outcome<T>>,
  ): Promise<T>;
  /**
   * The same protocol in two halves, for effects that run in a transaction the caller does not
   * open itself (the ledger's batches): `begin` claims the key or replays; the attempt's
   * `complete` must run inside the effect's transaction, `fail` after the effect failed.
   */
  begin(req: FastifyRequest, reply: FastifyReply, opts: RunOptions): Promise<Begun>;
  /** Deletes expired keys, at most `purgeBatchMax` a call; returns how many. */
  purgeExpired(): Promise<number>;
}

export type Begun = { replayed: true; body: unknown } | { replayed: false; attempt: Attempt };

export interface Attempt {
  complete(q: Queryable, outcome: Outcome): Promise<void>;
  fail(err: unknown): Promise<void>;
  /** Sets the reply's status (and content type for problems); returns the body to send. */
  send<T>(outcome: Outcome<T>): T;
  /** The claimed key (null: the request had none), so completeAttempts can settle many at once. */
  readonly claimed?: ClaimedKey | null;
  /** The outcome to store for a refusal (deterministic 4xx), or null when the key must be freed. */
  outcomeOf?(err: unknown): Outcome | null;
}

export interface ClaimedKey {
  scope: string;
  key: string;
  token: string;
}

export function createIdempotency({ db, ttlH }: IdempotencyOptions): Idempotency {
  async function begin(req: FastifyRequest, reply: FastifyReply, opts: RunOptions): Promise<Begun> {
    const key = parseKey(req.headers['idempotency-key']);
    const sendTo = <T>(out: Outcome<T>): T => send(reply, out, false) as T;
    if (key === undefined) {
      if (opts.required) {
        throw badRequest('The Idempotency-Key header is required here', 'headers.idempotency-key');
      }
      return {
        replayed: false,
        attempt: {
          complete: async () => undefined,
          fail: async () => undefined,
          send: sendTo,
          claimed: null,
          outcomeOf: () => null,
        },
      };
    }
    const scope = `${opts.scope}:${req.principal?.id ?? 'anonymous'}`;
    const fingerprint = fingerprintOf(req.method, req.url, req.body);
    const token = randomUUID();
    if (!(await claim(db, { scope, key, fingerprint, token, ttlH }))) {
      return { replayed: true, body: await replayOrRefuse(db, reply, scope, key, fingerprint) };
    }
    return {
      replayed: false,
      attempt: {
        complete: (q, outcome) => complete(q, scope, key, token, outcome),
        fail: (err) => settleFailure(db, scope, key, token, err, req.url),
        send: sendTo,
        claimed: { scope, key, token },
        outcomeOf: (err) => storedOutcome(err, req.url),
      },
    };
  }

  return {
    begin,
    async run<T>(
      req: FastifyRequest,
      reply: FastifyReply,
      opts: RunOptions,
      fn: (q: Queryable) => Promise<Outcome<T>>,
    ): Promise<T> {
      const begun = await begin(req, reply, opts);
      if (begun.replayed) return begun.body as T;
      const { attempt } = begun;
      try {
        const out = await db.tx(async (q) => {
          const outcome = await fn(q);
          await attempt.complete(q, outcome);
          return outcome;
        });
        return attempt.send(out);
      } catch (err) {
        await attempt.fail(err);
        throw err;
      }
    },
    async purgeExpired() {
      const res = await db.query(
        `DELETE FROM kernel.idempotency_keys WHERE (scope, key) IN (
           SELECT scope, key FROM kernel.idempotency_keys WHERE expires_at < now() LIMIT $1)`,
        [purgeBatchMax],
      );
      return res.rowCount;
    },
  };
}

interface Claim {
  scope: string;
  key: string;
  fingerprint: string;
  token: string;
  ttlH: number;
}

/** Takes the key: new, expired, or abandoned by a run whose lease ran out (same body only). */
async function claim(db: Db, c: Claim): Promise<boolean> {
  const { rows } = await db.query<{ lease_token: string }>(
    `INSERT INTO kernel.idempotency_keys AS k (scope, key, fingerprint, lease_token, lease_until, expires_at)
     VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond', now() + $6 * interval '1 hour')
     ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, lease_token = EXCLUDED.lease_token,
       lease_until = EXCLUDED.lease_until, expires_at = EXCLUDED.expires_at, created_at = now(),
       response_status = NULL, response_body = NULL
     WHERE k.expires_at < now()
        OR (k.response_status IS NULL AND k.lease_until < now() AND k.fingerprint = EXCLUDED.fingerprint)
     RETURNING lease_token`,
    [c.scope, c.key, c.fingerprint, c.token, idempotencyLeaseMs, c.ttlH],
  );
  return rows[0]?.lease_token === c.token;
}

async function complete(
  q: Queryable,
  scope: string,
  key: string,
  token: string,
  out: Outcome,
): Promise<void> {
  const res = await q.query(
    `UPDATE kernel.idempotency_keys SET response_status = $4, response_body = $5, lease_token = NULL, lease_until = NULL
     WHERE scope = $1 AND key = $2 AND lease_token = $3`,
    [scope, key, token, out.statusCode, JSON.stringify(out.body ?? null)],
  );
  // Our lease ran out and a retry took the key over: roll our effect back, theirs wins.
  if (res.rowCount !== 1)
    throw conflict(
      'idempotency-key-in-flight',
      'A request with this Idempotency-Key is still being processed',
    );
}

async function replayOrRefuse(
  db: Db,
  reply: FastifyReply,
  scope: string,
  key: string,
  fingerprint: string,
): Promise<unknown> {
  const { rows } = await db.query<{
    fingerprint: string;
    response_status: number | null;
    response_body: unknown;
  }>(
    'SELECT fingerprint, response_status, response_body FROM kernel.idempotency_keys WHERE scope = $1 AND key = $2',
    [scope, key],
  );
  const row = rows[0];
  if (row && row.fingerprint !== fingerprint) {
    throw unprocessable(
      'idempotency-key-reused',
      'This Idempotency-Key was already used with a different request body',
    );
  }
  if (!row || row.response_status === null) {
    throw conflict(
      'idempotency-key-in-flight',
      'A request with this Idempotency-Key is still being processed',
    );
  }
  return send(reply, { statusCode: row.response_status, body: row.response_body }, true);
}

/** Deterministic client errors are stored for replay; anything else frees the key. */
function storedOutcome(err: unknown, url: string): Outcome | null {
  if (err instanceof ProblemError && storedClientErrors.has(err.status))
    return { statusCode: err.status, body: err.toBody(url) };
  return null;
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
  for (const { attempt, outcome } of items) {
    if (attempt.claimed === undefined) await attempt.complete(q, outcome);
    else if (attempt.claimed) rows.push({ ...attempt.claimed, outcome });
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
  if (res.rowCount !== rows.length)
    throw conflict(
      'idempotency-key-in-flight',
      'A request with this Idempotency-Key is still being processed',
    );
}

/** Deterministic client errors are stored for replay; anything else frees the key for a retry. */
async function settleFailure(
  db: Db,
  scope: string,
  key: string,
  token: string,
  err: unknown,
  url: string,
): Promise<void> {
  const stored = storedOutcome(err, url);
  if (stored) {
    await db.query(
      `UPDATE kernel.idempotency_keys SET response_status = $4, response_body = $5, lease_token = NULL, lease_until = NULL
       WHERE scope = $1 AND key = $2 AND lease_token = $3`,
      [scope, key, token, stored.statusCode, JSON.stringify(stored.body)],
    );
    return;
  }
  await db.query(
    'DELETE FROM kernel.idempotency_keys WHERE scope = $1 AND key = $2 AND lease_token = $3',
    [scope, key, token],
  );
}

function send(reply: FastifyReply, out: Outcome, replayed: boolean): unknown {
  reply.code(out.statusCode);
  if (replayed) reply.header('idempotent-replayed', 'true');
  if (out.statusCode >= 400) reply.type('application/problem+json; charset=utf-8');
  return out.body;
}
