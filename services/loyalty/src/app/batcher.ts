/**
 * Gathers concurrent requests into batches (at most `batchMax` items, waiting at most
 * `batchWaitMs` for company) and hands each batch to `apply`, at most `inFlightMax` batches at a
 * time per process (the database keeps overlapping batches correct, as it does for batches of
 * several processes; overlap lets one batch decide while another waits for its commit).
 * The queue is bounded: beyond `queueDepthMax` waiting items, `submit` refuses at once, so a
 * spike turns into fast 429s instead of timeouts. If a batch fails as a whole, its items are
 * retried one by one so a single bad item cannot sink the others, unless the failure is not
 * an item's (`retryAlone` says no: the database is busy), when they all fail at once.
 */
export interface BatcherOptions<I, R> {
  batchMax: number;
  batchWaitMs: number;
  queueDepthMax: number;
  apply: (items: readonly I[]) => Promise<R[]>;
  onBatch?: (size: number) => void;
  /** Batches applied at once (default 1). */
  inFlightMax?: number;
  /**
   * Whether a failed batch's items are worth retrying one by one (default: always). No for a
   * failure none of them caused: retrying 256 items alone against a busy database would hold
   * every one of them for 256 timeouts.
   */
  retryAlone?: (err: unknown) => boolean;
}

export class QueueFullError extends Error {}

interface Waiting<I, R> {
  item: I;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export interface Batcher<I, R> {
  submit(item: I): Promise<R>;
  depth(): number;
  /** Resolves when everything submitted so far has been applied. */
  drain(): Promise<void>;
}

export function createBatcher<I, R>(o: BatcherOptions<I, R>): Batcher<I, R> {
  if (o.batchMax < 1 || o.queueDepthMax < o.batchMax)
    throw new Error('batcher limits are inconsistent');
  const inFlightMax = o.inFlightMax ?? 1;
  if (inFlightMax < 1) throw new Error('inFlightMax must be at least 1');
  const queue: Waiting<I, R>[] = [];
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;

  const kick = (): void => {
    while (running.size < inFlightMax && queue.length >= o.batchMax) run();
    if (running.size >= inFlightMax || queue.length === 0) return;
    timer ??= setTimeout(() => {
      timer = undefined;
      if (running.size < inFlightMax && queue.length > 0) run();
    }, o.batchWaitMs);
  };

  const run = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = queue.splice(0, o.batchMax);
    const p: Promise<void> = flush(batch).finally(() => {
      running.delete(p);
      kick();
    });
    running.add(p);
  };

  async function flush(batch: Waiting<I, R>[]): Promise<void> {
    o.onBatch?.(batch.length);
    try {
      const results = await o.apply(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1 || o.retryAlone?.(err) === false) {
        for (const w of batch) w.reject(err);
        return;
      }
      for (const w of batch) {
        await o.apply([w.item]).then(([r]) => w.resolve(r!), w.reject);
      }
    }
  }

  return {
    submit(item) {
      if (queue.length >= o.queueDepthMax)
        return Promise.reject(new QueueFullError('ledger queue is full'));
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        kick();
      });
    },
    depth: () => queue.length,
    async drain() {
      while (running.size > 0 || queue.length > 0) {
        if (running.size === 0) run();
        await Promise.all([...running]);
      }
    },
  };
}
