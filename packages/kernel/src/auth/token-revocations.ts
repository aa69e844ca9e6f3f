import type { Db, Queryable } from '../db/db.ts';
import type { SchemaMigrations } from '../db/migrations.ts';
import type { RedisStatus } from '../degrade/redis-status.ts';
import { connectRedis } from '../rate-limit/redis-rate-limiter.ts';
import { redisTokenRevocations, revocationMirrorSyncEveryMs } from './token-revocations-redis.ts';

export {
  redisTokenRevocations,
  revocationComponent,
  revocationMirrorTrustMs,
  type RevocationRedisClient,
} from './token-revocations-redis.ts';

/**
 * "Access tokens of this subject issued before T are revoked" markers, so a sign-out, a password
 * reset or a deleted account takes effect at once instead of when the access token expires.
 *
 * A subject is a user (`user:<id>`: sign out everywhere, password reset, deletion) or a sign-in
 * session (`session:<refresh family id>`: one sign-out, a stolen refresh token). A marker only
 * matters while a token issued before it can still be alive, so it expires after the access
 * token lifetime (plus the verifier's clock tolerance and some slack).
 *
 * Written by identity, read by every service: in Redis when REDIS_URL is set (one store for every
 * process, whatever database each uses), else in the `kernel.token_revocations` table of the
 * process's own database (standalone, or distributed services sharing one database), which
 * every process mirrors in memory.
 */
export interface TokenRevocations {
  /**
   * Revokes tokens of `subjects` issued up to `atMs`. In the database it joins the caller's
   * transaction `q`; Redis writes at once, which is safe before the commit: the marker only
   * reaches tokens issued before now, so if the transaction fails the client refreshes and goes on.
   */
  revoke(q: Queryable, subjects: readonly string[], atMs?: number): Promise<void>;
  /** The latest live marker among `subjects` (ms since the epoch), or undefined. */
  revokedBeforeMs(subjects: readonly string[]): Promise<number | undefined>;
  /** Drops expired markers (the Redis store lets keys expire by themselves). */
  purgeExpired(): Promise<void>;
}

export const userSubject = (userId: string): string => `user:${userId}`;
export const sessionSubject = (sessionId: string): string => `session:${sessionId}`;

/** Beyond the access token lifetime: the verifier's clock tolerance and clock skew between pods. */
export const revocationSlackMs = 60_000;

export const tokenRevocationMigrations: SchemaMigrations = {
  schema: 'kernel',
  migrations: [
    {
      id: '0003_token_revocations',
      sql: `
      CREATE TABLE kernel.token_revocations (
        subject text PRIMARY KEY,
        revoked_before_ms bigint NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX token_revocations_expires_at ON kernel.token_revocations (expires_at);`,
    },
  ],
};

const notifyChannel = 'token_revocations';
/** How stale a process's copy can get if it misses a NOTIFY (its listening connection died). */
export const revocationResyncEveryMs = 2_000;

interface Notice {
  subjects: string[];
  ms: number;
}

/**
 * Markers in the database, mirrored in memory in every process: loaded at start, raised by the
 * NOTIFY each revocation sends on commit, reloaded every `revocationResyncEveryMs` in case a
 * notice was missed. A check therefore costs no query, so a write still reaches the ledger's
 * queue (and its 429 / respond-async backpressure) without waiting for a database connection.
 */
export async function dbTokenRevocations(
  db: Db,
  markerTtlMs: number,
  onError: (err: unknown) => void = () => undefined,
): Promise<TokenRevocations & { close(): Promise<void> }> {
  const markers = new Map<string, number>();
  const raise = (subject: string, ms: number) => {
    if ((markers.get(subject) ?? -Infinity) < ms) markers.set(subject, ms);
  };
  const prune = () => {
    const oldestLiveMs = Date.now() - markerTtlMs;
    for (const [subject, ms] of markers) if (ms < oldestLiveMs) markers.delete(subject);
  };
  const load = async () => {
    const { rows } = await db.query<{ subject: string; ms: number }>(
      `SELECT subject, revoked_before_ms::float8 AS ms FROM kernel.token_revocations
       WHERE expires_at > now()`,
    );
    for (const r of rows) raise(r.subject, r.ms); // merge: a notice may be newer than the read
    prune();
  };
  await load();
  const unlisten = await db.listen(
    notifyChannel,
    (payload) => {
      try {
        const notice = JSON.parse(payload) as Notice;
        for (const subject of notice.subjects) raise(subject, notice.ms);
      } catch (err) {
        onError(err);
      }
    },
    () => void load().catch(onError),
  ); // back after a lost connection: re-read what was missed
  const resync = setInterval(() => void load().catch(onError), revocationResyncEveryMs);
  resync.unref();

  return {
    async revoke(q, subjects, atMs = Date.now()) {
      if (subjects.length === 0) return;
      const ms = Math.floor(atMs);
      // GREATEST: a late writer with an older instant never moves a marker back.
      await q.query(
        `INSERT INTO kernel.token_revocations (subject, revoked_before_ms, expires_at)
         SELECT s, $2, now() + $3 * interval '1 millisecond' FROM unnest($1::text[]) AS s
         ON CONFLICT (subject) DO UPDATE SET
           revoked_before_ms = GREATEST(kernel.token_revocations.revoked_before_ms, EXCLUDED.revoked_before_ms),
           expires_at = GREATEST(kernel.token_revocations.expires_at, EXCLUDED.expires_at)`,
        [subjects, ms, markerTtlMs],
      );
      // Delivered to every listening process when (and only if) the transaction commits.
      const notice: Notice = { subjects: [...subjects], ms };
      await q.query('SELECT pg_notify($1, $2)', [notifyChannel, JSON.stringify(notice)]);
      // This process at once. Harmless if the transaction fails: see `TokenRevocations.revoke`.
      for (const subject of subjects) raise(subject, ms);
    },
    async revokedBeforeMs(subjects) {
      const oldestLiveMs = Date.now() - markerTtlMs; // older markers reach no live token
      const found = subjects
        .map((s) => markers.get(s) ?? -Infinity)
        .filter((ms) => ms >= oldestLiveMs);
      return found.length > 0 ? Math.max(...found) : undefined;
    },
    async purgeExpired() {
      prune();
      await db.query('DELETE FROM kernel.token_revocations WHERE expires_at <= now()');
    },
    async close() {
      clearInterval(resync);
      await unlisten();
    },
  };
}

/** Redis (its own client, closed by `close`) when a URL is given, else the database's table. */
export async function createTokenRevocations(opts: {
  db: Db;
  redisUrl: string | undefined;
  accessTokenTtlS: number;
  /** Redis failures go through it; a check then answers from the process's copy (decision 023). */
  status?: RedisStatus;
  /** Told of Redis connection errors, or of a failed resync or notice (both retried). */
  onError?: (err: unknown) => void;
}): Promise<{ store: TokenRevocations; close(): Promise<void> }> {
  const markerTtlMs = opts.accessTokenTtlS * 1000 + revocationSlackMs;
  const onError = opts.onError ?? (() => undefined);
  if (!opts.redisUrl) {
    const store = await dbTokenRevocations(opts.db, markerTtlMs, onError);
    return { store, close: () => store.close() };
  }
  const client = await connectRedis(opts.redisUrl, onError);
  const store = redisTokenRevocations(client, markerTtlMs, opts.status);
  await store.sync(); // Redis answered just now: a copy to stand in for it from the start
  const syncing = setInterval(() => void store.sync().catch(onError), revocationMirrorSyncEveryMs);
  syncing.unref();
  return {
    store,
    close: async () => {
      clearInterval(syncing);
      await client.close();
    },
  };
}
