import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db, Queryable } from '../db/db.ts';
import { badRequest, ProblemError } from '../errors/problem.ts';
import {
  fingerprintOf,
  parseKey,
  type IdempotencyOptions,
  type Outcome,
  type RunOptions,
} from './idempotency.ts';
import { answerFrom, claimOnConflict, inFlight, type StoredKey } from './idempotency-keys.ts';

/** A request that runs longer than this may be taken over by a retry (its first run died). */
export const idempotencyLeaseMs = 60_000;
const purgeBatchMax = 1_000;
/** Client errors a retry with the same body would only reproduce: stored and replayed. */
const storedClientErrors = new Set([400, 403, 404, 410, 422]);

/** A write's work under an Idempotency-Key; returns the answer to send (and store). */
export type IdempotentEffect<T> = (attempt: Attempt) => Promise<Outcome<T>>;

export interface Idempotency {
  /**
   * The Idempotency-Key protocol every write route goes through. It claims the key, or answers
   * from it: the same body again gets the stored answer (`Idempotent-Replayed: true`), another
   * body 422 `idempotency-key-reused`, a request still running 409 `idempotency-key-in-flight`.
   * Then it runs `effect` at most once and stores and sends its outcome:
   * - the effect may store the outcome itself with `attempt.complete(q, outcome)` inside its own
   *   transaction, so the effect and its answer commit together (the ledger's batches, a charge);
   * - otherwise the outcome it returns is stored afterwards (work that spans several
   *   transactions or remote calls, each idempotent on its own);
   * - an outcome with `final: false` is not stored: the key is freed, or keeps the effect's
   *   `checkpoint`, so a retry runs again and reports the resource as it is by then;
   * - a thrown deterministic 4xx problem is stored and replayed; anything else frees the key.
   */
  respond<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    opts: RunOptions,
    effect: IdempotentEffect<T>,
  ): Promise<T>;
  /** `respond` for an effect that fits one transaction: `fn` runs in it, with its outcome. */
  run<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    opts: RunOptions,
    fn: (q: Queryable) => Promise<Outcome<T>>,
  ): Promise<T>;
  /**
   * The first half of `respond` (claim or replay), for callers that hand the attempt to code
   * that settles it elsewhere; routes use `respond`.
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
  /**
   * Records, inside the transaction that creates it, the resource this request made (say
   * `{ order_id }`), so a retry after a crash or after a non-final answer resumes it (it gets
   * it as `resumeFrom`) instead of making another. Throws 409 when the lease was lost.
   */
  checkpoint?(q: Queryable, resource: unknown): Promise<void>;
  /** What an earlier run of the same request recorded with `checkpoint`; undefined if none. */
  readonly resumeFrom?: unknown;
  /**
   * True once nothing more is to be done with the key: its outcome stored (`complete`,
   * `completeAttempts`), freed (`freeAttempts`), or, with `claimInEffect`, the answer taken
   * from another request's (`claimAttempts`). `fail` is then a no-op.
   */
  settled?: boolean;
}

const unsettledInEffect =
  'claimInEffect: the effect returned without settling its Idempotency-Key (claimAttempts, then completeAttempts or freeAttempts, in its transaction)';

/** What `claimAttempts` needs of an attempt made with `claimInEffect`. */
export interface DeferredClaim {
  fingerprint: string;
  ttlH: number;
  /** Set by `claimAttempts` when the answer is another request's stored one. */
  replayed: boolean;
}

const deferredClaims = new WeakMap<Attempt, DeferredClaim>();

/** The claim an attempt made with `claimInEffect` still has to make; undefined for others. */
export const deferredClaimOf = (attempt: Attempt): DeferredClaim | undefined =>
  deferredClaims.get(attempt);

export interface ClaimedKey {
  scope: string;
  key: string;
  token: string;
}

export function createIdempotency({ db, ttlH }: IdempotencyOptions): Idempotency {
  async function begin(req: FastifyRequest, reply: FastifyReply, opts: RunOptions): Promise<Begun> {
    const key = parseKey(req.headers['idempotency-key']);
    if (key === undefined) {
      if (opts.required) {
        throw badRequest('The Idempotency-Key header is required here', 'headers.idempotency-key');
      }
      return { replayed: false, attempt: unclaimedAttempt(reply) };
    }
    const scope = `${opts.scope}:${req.principal?.id ?? 'anonymous'}`;
    const fingerprint = fingerprintOf(req.method, req.url, req.body);
    const token = randomUUID();
    if (opts.claimInEffect) {
      const claimed = { scope, key, token };
      return {
        replayed: false,
        attempt: deferredAttempt(reply, claimed, { fingerprint, ttlH }, req.url),
      };
    }
    const claimed = await claim(db, { scope, key, fingerprint, token, ttlH });
    if (!claimed) {
      return { replayed: true, body: await replayOrRefuse(db, reply, scope, key, fingerprint) };
    }
    return {
      replayed: false,
      attempt: claimedAttempt(db, reply, { scope, key, token }, claimed.checkpoint, req.url),
    };
  }

  async function respond<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    opts: RunOptions,
    effect: IdempotentEffect<T>,
  ): Promise<T> {
    const begun = await begin(req, reply, opts);
    if (begun.replayed) return begun.body as T;
    const { attempt } = begun;
    let outcome: Outcome<T>;
    try {
      outcome = await effect(attempt);
      // Not final: free the key (a checkpoint stays), as after an unexpected error.
      if (outcome.final === false) await attempt.fail(undefined);
      else if (attempt.claimed && !attempt.settled) {
        if (opts.claimInEffect) throw new Error(unsettledInEffect);
        await db.tx((q) => attempt.complete(q, outcome));
      }
    } catch (err) {
      await attempt.fail(err);
      throw err;
    }
    return attempt.send(outcome);
  }

  return {
    begin,
    respond,
    run: (req, reply, opts, fn) =>
      respond(req, reply, opts, (attempt) =>
        db.tx(async (q) => {
          const outcome = await fn(q);
          await attempt.complete(q, outcome);
          return outcome;
        }),
      ),
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

/** A request without a key where one is optional: runs once, unprotected; nothing is stored. */
function unclaimedAttempt(reply: FastifyReply): Attempt {
  return {
    complete: async () => undefined,
    fail: async () => undefined,
    send: <T>(out: Outcome<T>): T => send(reply, out, false) as T,
    claimed: null,
    outcomeOf: () => null,
    checkpoint: async () => undefined,
  };
}

function claimedAttempt(
  db: Db,
  reply: FastifyReply,
  claimed: ClaimedKey,
  resumeFrom: unknown,
  url: string,
): Attempt {
  const attempt: Attempt = {
    complete: async (q, outcome) => {
      await complete(q, claimed, outcome);
      attempt.settled = true;
    },
    // Settled already (stored, freed): the row is no longer ours to touch.
    fail: async (err) => {
      if (!attempt.settled) await settleFailure(db, claimed, err, url);
    },
    send: <T>(out: Outcome<T>): T => send(reply, out, false) as T,
    claimed,
    outcomeOf: (err) => storedOutcome(err, url),
    checkpoint: (q, resource) => checkpoint(q, claimed, resource),
    ...(resumeFrom === null ? {} : { resumeFrom }),
    settled: false,
  };
  return attempt;
}

/**
 * An attempt whose key is claimed later, in the effect's own transaction (`claimAttempts`):
 * until then nothing is in the database, and whatever that transaction wrote of the key either
 * committed with the effect (stored or freed) or rolled back with it, so `fail` has nothing to do.
 */
function deferredAttempt(
  reply: FastifyReply,
  claimed: ClaimedKey,
  claim: Omit<DeferredClaim, 'replayed'>,
  url: string,
): Attempt {
  const state: DeferredClaim = { ...claim, replayed: false };
  const attempt: Attempt = {
    complete: async (q, outcome) => {
      await complete(q, claimed, outcome);
      attempt.settled = true;
    },
    fail: async () => undefined,
    send: <T>(out: Outcome<T>): T => send(reply, out, state.replayed) as T,
    claimed,
    outcomeOf: (err) => storedOutcome(err, url),
    checkpoint: (q, resource) => checkpoint(q, claimed, resource),
    settled: false,
  };
  deferredClaims.set(attempt, state);
  return attempt;
}

interface Claim {
  scope: string;
  key: string;
  fingerprint: string;
  token: string;
  ttlH: number;
}

/**
 * Takes the key: new, expired, or abandoned by a run whose lease ran out (same body only). An
 * abandoned run's checkpoint is kept and returned (null when there is none).
 */
async function claim(db: Db, c: Claim): Promise<{ checkpoint: unknown } | null> {
  const { rows } = await db.query<{ lease_token: string; checkpoint: unknown }>(
    `INSERT INTO kernel.idempotency_keys AS k (scope, key, fingerprint, lease_token, lease_until, expires_at)
     VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond', now() + $6 * interval '1 hour')
     ${claimOnConflict}
     RETURNING lease_token, response_body AS checkpoint`,
    [c.scope, c.key, c.fingerprint, c.token, idempotencyLeaseMs, c.ttlH],
  );
  const row = rows[0];
  return row?.lease_token === c.token ? { checkpoint: row.checkpoint } : null;
}

async function complete(q: Queryable, c: ClaimedKey, out: Outcome): Promise<void> {
  const res = await q.query(
    `UPDATE kernel.idempotency_keys SET response_status = $4, response_body = $5, lease_token = NULL, lease_until = NULL
     WHERE scope = $1 AND key = $2 AND lease_token = $3`,
    [c.scope, c.key, c.token, out.statusCode, JSON.stringify(out.body ?? null)],
  );
  // Our lease ran out and a retry took the key over: roll our effect back, theirs wins.
  if (res.rowCount !== 1) throw inFlight();
}

/** A resource made by a run not finished yet: kept without a status, so it is not replayed. */
async function checkpoint(q: Queryable, c: ClaimedKey, resource: unknown): Promise<void> {
  const res = await q.query(
    `UPDATE kernel.idempotency_keys SET response_body = $4
     WHERE scope = $1 AND key = $2 AND lease_token = $3`,
    [c.scope, c.key, c.token, JSON.stringify(resource ?? null)],
  );
  if (res.rowCount !== 1) throw inFlight();
}

async function replayOrRefuse(
  db: Db,
  reply: FastifyReply,
  scope: string,
  key: string,
  fingerprint: string,
): Promise<unknown> {
  const { rows } = await db.query<StoredKey>(
    'SELECT fingerprint, response_status, response_body FROM kernel.idempotency_keys WHERE scope = $1 AND key = $2',
    [scope, key],
  );
  return send(reply, answerFrom(rows[0], fingerprint), true);
}

/** Deterministic client errors are stored for replay; anything else frees the key. */
function storedOutcome(err: unknown, url: string): Outcome | null {
  if (err instanceof ProblemError && storedClientErrors.has(err.status))
    return { statusCode: err.status, body: err.toBody(url) };
  return null;
}

/**
 * Deterministic client errors are stored for replay; anything else frees the key for a retry:
 * deleted, or, when the run recorded a checkpoint, kept with it (its lease ended) so the retry
 * resumes that resource.
 */
async function settleFailure(db: Db, c: ClaimedKey, err: unknown, url: string): Promise<void> {
  const stored = storedOutcome(err, url);
  if (stored) {
    await db.query(
      `UPDATE kernel.idempotency_keys SET response_status = $4, response_body = $5, lease_token = NULL, lease_until = NULL
       WHERE scope = $1 AND key = $2 AND lease_token = $3`,
      [c.scope, c.key, c.token, stored.statusCode, JSON.stringify(stored.body)],
    );
    return;
  }
  await db.query(
    `WITH freed AS (
       DELETE FROM kernel.idempotency_keys
       WHERE scope = $1 AND key = $2 AND lease_token = $3 AND response_body IS NULL)
     UPDATE kernel.idempotency_keys SET lease_until = now() - interval '1 millisecond'
     WHERE scope = $1 AND key = $2 AND lease_token = $3 AND response_body IS NOT NULL`,
    [c.scope, c.key, c.token],
  );
}

function send(reply: FastifyReply, out: Outcome, replayed: boolean): unknown {
  reply.code(out.statusCode);
  if (replayed) reply.header('idempotent-replayed', 'true');
  if (out.statusCode >= 400) reply.type('application/problem+json; charset=utf-8');
  return out.body;
}
