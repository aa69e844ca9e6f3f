import type { RedisStatus } from '../degrade/redis-status.ts';
import { ProblemError } from '../errors/problem.ts';
import type { TokenRevocations } from './token-revocations.ts';

/** The part of a node-redis client used here. */
export interface RevocationRedisClient {
  get(key: string): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
}

/** The component name in `redis_fallbacks_total` and the log. */
export const revocationComponent = 'revocations';
/**
 * While Redis fails, the process's copy of the markers stands in for it this long after the
 * copy was last brought up to date; past that a write fails closed again (503). Long enough for
 * a Redis restart or failover; a longer outage is an incident, and the bound caps what a process
 * cut off from a Redis that identity still reaches can miss (decision 023).
 */
export const revocationMirrorTrustMs = 5 * 60_000;
/** How often each process copies the markers written since its last copy. */
export const revocationMirrorSyncEveryMs = 2_000;
/** A copy re-reads this far behind the newest marker it has: a writer with an older instant. */
const lateWriterSlackMs = 60_000;

const keyPrefix = 'revoked-before:';
/** Every live marker by subject, scored by its instant: what a process copies (one key). */
const indexKey = 'revocations:recent';
/** Raises a marker, never lowers it; the TTL likewise only grows. KEYS[1]; ARGV = ms, ttl ms. */
const raiseLua = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
elseif redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`;

export interface RedisTokenRevocations extends TokenRevocations {
  /** Brings this process's copy up to date (markers since the last copy). */
  sync(): Promise<void>;
}

/**
 * Markers in Redis: one key per subject (so the keys may live on any cluster node) read with one
 * GET each, plus an index the process copies every `revocationMirrorSyncEveryMs`. When Redis
 * cannot be read, a check answers from that copy if it is recent enough, else it throws (the
 * auth hook answers 503). No marker can be written while Redis is down, so for a Redis that is
 * down for everyone the copy misses only what was written since its last sync.
 */
export function redisTokenRevocations(
  client: RevocationRedisClient,
  markerTtlMs: number,
  status?: RedisStatus,
): RedisTokenRevocations {
  const copy = new Map<string, number>();
  let newestMs = -Infinity;
  let syncedAtMs: number | undefined;
  const raise = (subject: string, ms: number) => {
    if ((copy.get(subject) ?? -Infinity) < ms) copy.set(subject, ms);
    newestMs = Math.max(newestMs, ms);
  };
  const guarded = <T>(call: () => Promise<T>) =>
    status ? status.guard(revocationComponent, call) : call();
  const fromCopy = (subjects: readonly string[]): number | undefined => {
    const oldestLiveMs = Date.now() - markerTtlMs;
    const found = subjects.map((s) => copy.get(s) ?? -Infinity).filter((ms) => ms >= oldestLiveMs);
    return found.length > 0 ? Math.max(...found) : undefined;
  };
  return {
    async revoke(_q, subjects, atMs = Date.now()) {
      const ms = Math.floor(atMs);
      const args = [String(ms), String(Math.ceil(markerTtlMs))];
      const write = async () => {
        await Promise.all([
          ...subjects.map((s) => client.eval(raiseLua, { keys: [keyPrefix + s], arguments: args })),
          ...subjects.map((s) => client.sendCommand(['ZADD', indexKey, 'GT', String(ms), s])),
        ]);
        // Keeps the index to live markers; an instant is close to its write time.
        await client.sendCommand(['ZREMRANGEBYSCORE', indexKey, '-inf', `(${ms - markerTtlMs}`]);
      };
      // A sign-out that cannot be recorded is refused as "try again", never reported done.
      await guarded(write).catch((err: unknown) => {
        throw revocationUnavailable(err);
      });
      for (const s of subjects) raise(s, ms);
    },
    async revokedBeforeMs(subjects) {
      let raw: Array<string | null>;
      try {
        raw = await guarded(() => Promise.all(subjects.map((s) => client.get(keyPrefix + s))));
      } catch (err) {
        if (syncedAtMs !== undefined && Date.now() - syncedAtMs <= revocationMirrorTrustMs)
          return fromCopy(subjects);
        throw err;
      }
      const values = raw.map(Number).filter((v, i) => raw[i] !== null && Number.isFinite(v));
      return values.length > 0 ? Math.max(...values) : undefined;
    },
    purgeExpired: async () => {
      const oldestLiveMs = Date.now() - markerTtlMs;
      for (const [subject, ms] of copy) if (ms < oldestLiveMs) copy.delete(subject);
    },
    async sync() {
      const startedMs = Date.now();
      const fromMs = Number.isFinite(newestMs)
        ? newestMs - lateWriterSlackMs
        : startedMs - markerTtlMs;
      const reply = await guarded(() =>
        client.sendCommand(['ZRANGEBYSCORE', indexKey, String(fromMs), '+inf', 'WITHSCORES']),
      );
      const flat = (reply as unknown[]).flat() as string[];
      for (let i = 0; i + 1 < flat.length; i += 2) raise(String(flat[i]), Number(flat[i + 1]));
      syncedAtMs = startedMs;
    },
  };
}

const revocationUnavailable = (cause: unknown): ProblemError => {
  const err = new ProblemError(
    503,
    'unavailable',
    'Service unavailable',
    'The revocation (sign-out, password reset or deletion) could not be recorded; try again shortly',
    {},
    { 'retry-after': '1' },
  );
  err.cause = cause;
  return err;
};
