import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { assertCost, emissionIntervalMsOf, type RateLimit } from './gcra.ts';
import type { RedisStatus } from '../degrade/redis-status.ts';
import { FallbackRateLimiter } from './fallback-rate-limiter.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import type { RateDecision, RateLimiter } from './rate-limiter.ts';

const keyPrefix = 'rl:';
const connectTimeoutMs = 2_000;
const reconnectDelayMaxMs = 2_000;

/**
 * The GCRA of gcra.ts in Lua, so read-modify-write is one atomic step on the server.
 * Server time (TIME) rather than the caller's clock: pods with skewed clocks then agree.
 * Redis 7 replicates a script's effects, not the script, so TIME is safe here.
 * KEYS[1] = key; ARGV = emission interval ms, burst, cost.
 * Returns integers {allowed 0|1, remaining, retryAfterMs, resetMs} (Lua floats would be truncated).
 */
const gcraLua = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local eps = 1e-6
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local tolerance = burst * interval
local candidate = tat + cost * interval
local wait = candidate - tolerance - now
local allowed = wait <= eps
local newTat = tat
if allowed then
  newTat = candidate
  local ttl = math.max(math.ceil(newTat - now), 1)
  redis.call('SET', KEYS[1], string.format('%.17g', newTat), 'PX', ttl)
end
local remaining = math.max(math.floor((tolerance - (newTat - now)) / interval + eps), 0)
local reset = math.max(math.ceil(newTat - now - eps), 0)
if allowed then return {1, remaining, 0, reset} end
return {0, remaining, math.ceil(wait - eps), reset}
`;
const gcraLuaSha1 = createHash('sha1').update(gcraLua).digest('hex');

interface EvalOptions {
  keys: string[];
  arguments: string[];
}

/** The part of a node-redis client used here; `RedisClientType` fits it. */
export interface RedisScriptClient {
  evalSha(sha1: string, options: EvalOptions): Promise<unknown>;
  eval(script: string, options: EvalOptions): Promise<unknown>;
}

export interface RedisRateLimiterOptions {
  /** Called by close(); give it only when the limiter owns the client. */
  closeClient?: () => Promise<void>;
}

/** GCRA over Redis: one budget per key shared by every process using the same server. */
export class RedisRateLimiter implements RateLimiter {
  readonly #client: RedisScriptClient;
  readonly #closeClient: () => Promise<void>;

  constructor(client: RedisScriptClient, options: RedisRateLimiterOptions = {}) {
    this.#client = client;
    this.#closeClient = options.closeClient ?? (async () => undefined);
  }

  async hit(key: string, limit: RateLimit, cost = 1): Promise<RateDecision> {
    const emissionIntervalMs = emissionIntervalMsOf(limit);
    assertCost(cost, limit.burst);
    const options = {
      keys: [keyPrefix + key],
      arguments: [String(emissionIntervalMs), String(limit.burst), String(cost)],
    };
    const reply = await this.#evalGcra(options);
    return toDecision(reply, limit.burst);
  }

  async close(): Promise<void> {
    await this.#closeClient();
  }

  /** EVALSHA sends 40 bytes, not the script; EVAL once when the server's script cache lacks it. */
  async #evalGcra(options: EvalOptions): Promise<unknown> {
    try {
      return await this.#client.evalSha(gcraLuaSha1, options);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      return await this.#client.eval(gcraLua, options);
    }
  }
}

function toDecision(reply: unknown, burst: number): RateDecision {
  if (!Array.isArray(reply) || reply.length !== 4 || !reply.every(Number.isInteger)) {
    throw new Error(`rate limiter: unexpected script reply ${JSON.stringify(reply)}`);
  }
  const [allowed, remaining, retryAfterMs, resetMs] = reply as [number, number, number, number];
  return { allowed: allowed === 1, remaining, retryAfterMs, resetMs, limit: burst };
}

export interface RateLimiterChoice {
  redisUrl?: string | undefined;
  /** Told of connection errors (the client reconnects by itself); ignored unless given. */
  onRedisError?: (err: Error) => void;
  /** Given: while Redis fails, limits are counted per process instead (FallbackRateLimiter). */
  status?: RedisStatus;
}

/** The Redis limiter (owning a new client) when a URL is given, else the in-memory one. */
export async function createRateLimiter(choice: RateLimiterChoice): Promise<RateLimiter> {
  if (!choice.redisUrl) return new MemoryRateLimiter();
  const client = await connectRedis(choice.redisUrl, choice.onRedisError ?? (() => undefined));
  const shared = new RedisRateLimiter(client, { closeClient: () => client.close() });
  return choice.status ? new FallbackRateLimiter(shared, choice.status) : shared;
}

/** A node-redis client that fails fast while Redis is down and rejects if unreachable at start. */
export async function connectRedis(url: string, onError: (err: Error) => void) {
  let connected = false;
  const client = createClient({
    url,
    // Fail fast while Redis is down rather than queue hits: a request must not hang on its limiter.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      // Before the first connection, give up (so startup fails visibly); after, keep retrying.
      reconnectStrategy: (retries, cause) =>
        connected ? Math.min(50 * 2 ** retries, reconnectDelayMaxMs) : cause,
    },
  });
  // Without a listener an 'error' event would crash the process; failed commands still reject.
  client.on('error', onError);
  await client.connect();
  connected = true;
  return client;
}
