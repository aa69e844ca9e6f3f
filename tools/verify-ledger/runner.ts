import type { Auth } from './auth.ts';
import type { Cluster } from './cluster.ts';
import { call, sleep, type Reply } from './http.ts';
import { observe, type Model, type OpSpec } from './workload.ts';

/** Every response one key received, over all its submissions and retries. */
export interface KeyRecord {
  spec: OpSpec;
  setup: boolean;
  responses: Reply[];
  submissions: number;
  /** Submissions that gave up without a definitive answer. */
  unresolved: number;
  /** Body of the first 2xx, once there is one. */
  accepted?: Record<string, unknown>;
}

export type RetryReason = 'network' | '5xx' | 'in-flight-409' | '429' | '401';

export interface RunStats {
  attempts: number;
  retries: Record<RetryReason, number>;
  duplicatesConcurrent: number;
  duplicatesLater: number;
  kills: number;
}

const attemptsMax = 120;
/** Longer than the idempotency lease (60 s) a killed request leaves on its key, plus a restart. */
const submissionDeadlineMs = 180_000;
const backoffBaseMs = 25;
const backoffCapMs = 2_000;

function retryReason(r: Reply): RetryReason | undefined {
  if (r.status === 0) return 'network';
  if (r.status >= 500) return '5xx';
  if (r.status === 429) return '429';
  if (r.status === 401) return '401';
  if (r.status === 409 && r.type?.endsWith('/idempotency-key-in-flight')) return 'in-flight-409';
  return undefined;
}

/** Keeps what the checks need from a response: ids and amounts for 2xx, the problem type otherwise. */
function compact(r: Reply): Reply {
  if (r.status >= 200 && r.status < 300)
    return { status: r.status, ...(r.body ? { body: r.body } : {}) };
  return {
    status: r.status,
    ...(r.type ? { type: r.type } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}

export function createLimiter(max: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    acquire: async (): Promise<void> => {
      if (active < max && waiting.length === 0) {
        active++;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release: (): void => {
      const next = waiting.shift();
      if (next) next();
      else active--;
    },
  };
}

export type Runner = ReturnType<typeof createRunner>;

/** Sends ops with retries (same key, same body) and records every response per key. */
export function createRunner(deps: {
  cluster: Cluster;
  auth: Auth;
  model: Model;
  concurrency: number;
}) {
  const { cluster, auth, model } = deps;
  const limiter = createLimiter(deps.concurrency);
  const records = new Map<string, KeyRecord>();
  const stats: RunStats = {
    attempts: 0,
    retries: { network: 0, '5xx': 0, 'in-flight-409': 0, '429': 0, '401': 0 },
    duplicatesConcurrent: 0,
    duplicatesLater: 0,
    kills: 0,
  };

  const pickUrl = (): string => {
    const live = cluster.live();
    const all = cluster.loyaltyUrls;
    const i = live.length
      ? live[Math.floor(Math.random() * live.length)]!
      : Math.floor(Math.random() * all.length);
    return all[i]!;
  };

  function recordOf(spec: OpSpec, setup: boolean): KeyRecord {
    let rec = records.get(spec.key);
    if (!rec) {
      rec = { spec, setup, responses: [], submissions: 0, unresolved: 0 };
      records.set(spec.key, rec);
    }
    return rec;
  }

  /** One submission of `spec`: retried until a definitive answer, or given up after the deadline. */
  async function submit(spec: OpSpec, setup = false): Promise<Reply | undefined> {
    const rec = recordOf(spec, setup);
    rec.submissions++;
    const deadline = Date.now() + submissionDeadlineMs;
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire();
      let r: Reply;
      try {
        stats.attempts++;
        r = await call(pickUrl(), 'POST', spec.path, {
          token: spec.actor.token,
          body: spec.body,
          key: spec.key,
        });
      } finally {
        limiter.release();
      }
      rec.responses.push(compact(r));
      const why = retryReason(r);
      if (!why) {
        if (r.status >= 200 && r.status < 300 && !rec.accepted) {
          rec.accepted = r.body ?? {};
          observe(model, spec, rec.accepted);
        }
        return r;
      }
      stats.retries[why]++;
      if (attempt >= attemptsMax || Date.now() > deadline) {
        rec.unresolved++;
        return undefined;
      }
      if (why === '401') await auth.reauth(spec.actor).catch(() => undefined);
      const backoff = Math.min(backoffCapMs, backoffBaseMs * 2 ** Math.min(attempt, 10));
      await sleep(backoff * (0.5 + Math.random()));
    }
  }

  return { submit, records, stats, limiter };
}
