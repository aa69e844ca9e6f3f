import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * What each user of Redis in a process (the rate limiter, the revocation check, the catalog
 * cache) does when Redis fails: it runs its Redis call through `guard`, and on a rejection
 * uses its fallback (a per-process limiter, the process's copy of the revocation markers, the
 * database). This keeps the bookkeeping in one place (decision 023):
 *
 *  - a call that fails or takes longer than `redisCallTimeoutMs` marks its component degraded,
 *    and for `redisRetryAfterFailureMs` its calls are not even tried (they reject at once), so a
 *    hung Redis (a partition, no RST) costs requests nothing but the first timeout; then one
 *    call is let through as a probe, and its success marks the component healthy again;
 *  - `redis_degraded` is 1 while any component is degraded, `redis_fallbacks_total{component}`
 *    counts the calls that fell back;
 *  - one log line per transition (warn when a component degrades, info when it recovers), and at
 *    most one per `transitionLogIntervalMinMs` per component if Redis flaps: a line per request
 *    during an outage would bury everything else in the log.
 */
export interface RedisStatus {
  /** Runs `call` unless `component` is in its back-off; rejects (and counts a fallback) if not. */
  guard<T>(component: string, call: () => Promise<T>): Promise<T>;
  /** Whether any component is degraded now. */
  degraded(): boolean;
}

/**
 * Far longer than a healthy Redis call (sub-millisecond nearby), short enough that a hung Redis
 * costs one request per component per back-off at most this much.
 */
export const redisCallTimeoutMs = 1_000;
/** After a failure, how long a component uses its fallback without trying Redis. */
export const redisRetryAfterFailureMs = 1_000;
/** Transition log lines per component are at least this far apart (flapping Redis). */
export const transitionLogIntervalMinMs = 10_000;

export class RedisSkippedError extends Error {
  constructor(component: string) {
    super(`${component}: Redis failed recently; using the fallback`);
    this.name = 'RedisSkippedError';
  }
}

interface TransitionLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

interface ComponentState {
  degraded: boolean;
  skipUntilMs: number;
  lastLogMs: number;
  unloggedTransitions: number;
}

export function createRedisStatus(opts: {
  registry: Registry;
  log: TransitionLog;
  clockMs?: () => number;
}): RedisStatus {
  const now = opts.clockMs ?? Date.now;
  const states = new Map<string, ComponentState>();
  const anyDegraded = () => [...states.values()].some((s) => s.degraded);
  new Gauge({
    name: 'redis_degraded',
    help: '1 while a component of this process cannot use Redis and runs on its fallback',
    registers: [opts.registry],
    collect() {
      this.set(anyDegraded() ? 1 : 0);
    },
  });
  const fallbacks = new Counter({
    name: 'redis_fallbacks_total',
    help: 'Redis calls that fell back (failed, timed out, or skipped after a recent failure)',
    labelNames: ['component'],
    registers: [opts.registry],
  });
  const stateOf = (component: string): ComponentState => {
    let s = states.get(component);
    if (!s)
      states.set(
        component,
        (s = { degraded: false, skipUntilMs: 0, lastLogMs: -Infinity, unloggedTransitions: 0 }),
      );
    return s;
  };
  const transition = (component: string, s: ComponentState, degraded: boolean, err?: unknown) => {
    s.degraded = degraded;
    if (now() - s.lastLogMs < transitionLogIntervalMinMs) {
      s.unloggedTransitions++;
      return;
    }
    const fields = { component, unlogged_transitions: s.unloggedTransitions };
    if (degraded)
      opts.log.warn({ ...fields, err }, 'Redis unavailable: using the per-process fallback');
    else opts.log.info(fields, 'Redis available again');
    s.lastLogMs = now();
    s.unloggedTransitions = 0;
  };

  return {
    async guard(component, call) {
      const s = stateOf(component);
      if (now() < s.skipUntilMs) {
        fallbacks.inc({ component });
        throw new RedisSkippedError(component);
      }
      try {
        const out = await withTimeout(call(), redisCallTimeoutMs);
        if (s.degraded) transition(component, s, false);
        return out;
      } catch (err) {
        fallbacks.inc({ component });
        s.skipUntilMs = now() + redisRetryAfterFailureMs;
        if (!s.degraded) transition(component, s, true, err);
        throw err;
      }
    },
    degraded: anyDegraded,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Decided after the event loop's poll phase: when the loop was blocked past the deadline,
    // a reply that has arrived meanwhile wins, rather than a timeout that was our own stall.
    const expire = () => reject(new Error(`Redis gave no answer within ${ms} ms`));
    timer = setTimeout(() => setImmediate(expire), ms);
  });
  // The call may still settle later: its rejection must not go unhandled.
  p.catch(() => undefined);
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
