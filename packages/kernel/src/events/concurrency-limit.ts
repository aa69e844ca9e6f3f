/**
 * At most `max` of a subscription's delivery transactions at once in this process, across its
 * partitions; the rest wait here, in memory, not holding a pool connection. For a group whose
 * every transaction locks the same row (analytics' engine row), running its partitions in
 * parallel only turns into lock waits that each hold a connection the requests need.
 */
export interface ConcurrencyLimit {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/** Waiters queued at most; past it a delivery fails and is retried by its caller's backoff. */
const waitingMax = 10_000;

export function createConcurrencyLimit(max: number): ConcurrencyLimit {
  if (!Number.isInteger(max) || max < 1) throw new Error(`concurrencyMax must be >= 1: ${max}`);
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    running--;
    const next = waiting.shift();
    if (next) {
      running++;
      next();
    }
  };
  return {
    async run(fn) {
      if (running < max) running++;
      else {
        if (waiting.length >= waitingMax) throw new Error('too many deliveries waiting');
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}

const limits = new WeakMap<object, ConcurrencyLimit>();

/** The one limit of a subscription object (none when it sets no concurrencyMax). */
export function limitOf(sub: { concurrencyMax?: number }): ConcurrencyLimit | undefined {
  if (sub.concurrencyMax === undefined) return undefined;
  let l = limits.get(sub);
  if (!l) limits.set(sub, (l = createConcurrencyLimit(sub.concurrencyMax)));
  return l;
}
